"""Jira's own vocabulary as the simulator serves it: fields, statuses, types, link types.

Ids differ between the flavours on purpose (Cloud: the usual ``customfield_100xx``; Data
Center: other ids), so a connector that hard-codes one site's ids fails against the other.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

CLOUD, DATACENTER = "cloud", "datacenter"
GH = "com.pyxis.greenhopper.jira"
CF = "com.atlassian.jira.plugin.system.customfieldtypes"

# name -> (cloud id, data center id, custom type, schema type)
CUSTOM_FIELDS: dict[str, tuple[str | None, str | None, str, str]] = {
    "Sprint": ("customfield_10020", "customfield_10104", f"{GH}:gh-sprint", "array"),
    "Epic Link": ("customfield_10014", "customfield_10101", f"{GH}:gh-epic-link", "any"),
    "Story Points": ("customfield_10028", "customfield_10106", f"{CF}:float", "number"),
    "Story point estimate": (
        "customfield_10016",
        None,
        "com.pyxis.greenhopper.jira:jsw-story-points",
        "number",
    ),
    "Flagged": ("customfield_10021", "customfield_10105", f"{CF}:multicheckboxes", "array"),
    "Team": (
        "customfield_10001",
        "customfield_10500",
        "com.atlassian.jira.plugin.system.customfieldtypes:atlassian-team",
        "team",
    ),
    "Business Value": ("customfield_10030", "customfield_10600", f"{CF}:float", "number"),
    "Planned Business Value": ("customfield_10031", "customfield_10601", f"{CF}:float", "number"),
    "Actual Business Value": ("customfield_10032", "customfield_10602", f"{CF}:float", "number"),
    "Committed": ("customfield_10033", "customfield_10603", f"{CF}:select", "option"),
    "ROAM": ("customfield_10034", "customfield_10604", f"{CF}:select", "option"),
}
SYSTEM_FIELDS = (
    ("summary", "Summary", "string"),
    ("status", "Status", "status"),
    ("issuetype", "Issue Type", "issuetype"),
    ("project", "Project", "project"),
    ("created", "Created", "datetime"),
    ("updated", "Updated", "datetime"),
    ("labels", "Labels", "array"),
    ("issuelinks", "Linked Issues", "array"),
    ("fixVersions", "Fix versions", "array"),
    ("duedate", "Due date", "date"),
    ("assignee", "Assignee", "user"),
    ("components", "Components", "array"),
    ("resolution", "Resolution", "resolution"),
    ("parent", "Parent", "issuelink"),
)
ISSUE_TYPES = {  # name -> (id, hierarchy level)
    "Epic": ("10000", 2),
    "Feature": ("10001", 1),
    "Story": ("10002", 0),
    "Bug": ("10003", 0),
    "Enabler": ("10004", 0),
    "Objective": ("10005", 1),
    "Risk": ("10006", 0),
}
CATEGORIES = {  # scenario category -> Jira statusCategory
    "todo": {"id": 2, "key": "new", "colorName": "blue-gray", "name": "To Do"},
    "active": {"id": 4, "key": "indeterminate", "colorName": "yellow", "name": "In Progress"},
    "wait": {"id": 4, "key": "indeterminate", "colorName": "yellow", "name": "In Progress"},
    "done": {"id": 3, "key": "done", "colorName": "green", "name": "Done"},
    "removed": {"id": 3, "key": "done", "colorName": "green", "name": "Done"},
}
LINK_TYPES = {  # scenario kind -> Jira link type
    "blocks": {"id": "10000", "name": "Blocks", "inward": "is blocked by", "outward": "blocks"},
    "depends-on": {
        "id": "10300",
        "name": "Dependency",
        "inward": "is depended on by",
        "outward": "depends on",
    },
    "relates": {"id": "10003", "name": "Relates", "inward": "relates to", "outward": "relates to"},
}
_IDS = {
    cloud: {name: ids[0] if cloud else ids[1] for name, ids in CUSTOM_FIELDS.items()}
    for cloud in (True, False)
}
FLAG_OPTION = {"value": "Impediment", "id": "10019"}
RESOLUTIONS = {"done": ("10000", "Done"), "removed": ("10001", "Won't Do")}


@dataclass(frozen=True, slots=True)
class Catalog:
    """The field ids and names one flavour serves."""

    flavour: str
    base: str

    @property
    def cloud(self) -> bool:
        return self.flavour == CLOUD

    def field_id(self, name: str) -> str | None:
        return _IDS[self.cloud][name]

    def fields(self) -> list[dict[str, Any]]:
        """The ``GET /rest/api/{2,3}/field`` body."""
        out: list[dict[str, Any]] = [
            {
                "id": fid,
                "key": fid,
                "name": name,
                "custom": False,
                "orderable": True,
                "navigable": True,
                "searchable": True,
                "clauseNames": [fid],
                "schema": {"type": typ, "system": fid},
            }
            for fid, name, typ in SYSTEM_FIELDS
            if self.cloud or fid != "parent"
        ]
        for name, (_cloud, _dc, custom, typ) in CUSTOM_FIELDS.items():
            fid = self.field_id(name)
            if fid is None:
                continue
            number = int(fid.rsplit("_", 1)[1])
            schema: dict[str, Any] = {"type": typ, "custom": custom, "customId": number}
            if typ == "array":
                schema["items"] = "json" if name == "Sprint" else "option"
            out.append(
                {
                    "id": fid,
                    "key": fid,
                    "name": name,
                    "custom": True,
                    "orderable": True,
                    "navigable": True,
                    "searchable": True,
                    "clauseNames": [f"cf[{number}]", name],
                    "schema": schema,
                }
            )
        return out

    def status(self, name: str, category: str, status_id: str) -> dict[str, Any]:
        cat = CATEGORIES[category]
        return {
            "self": f"{self.base}/rest/api/2/status/{status_id}",
            "description": "",
            "iconUrl": f"{self.base}/images/icons/statuses/generic.png",
            "name": name,
            "untranslatedName": name,
            "id": status_id,
            "statusCategory": {"self": f"{self.base}/rest/api/2/statuscategory/{cat['id']}", **cat},
        }

    def issuetype(self, name: str) -> dict[str, Any]:
        tid, level = ISSUE_TYPES[name]
        out: dict[str, Any] = {
            "self": f"{self.base}/rest/api/2/issuetype/{tid}",
            "id": tid,
            "description": "",
            "name": name,
            "subtask": False,
            "avatarId": 10300 + int(tid) % 100,
        }
        if self.cloud:
            out["hierarchyLevel"] = level
        return out

    def link_type(self, kind: str) -> dict[str, Any]:
        lt = LINK_TYPES[kind]
        return {**lt, "self": f"{self.base}/rest/api/2/issueLinkType/{lt['id']}"}

    def user(self, name: str) -> dict[str, Any]:
        handle = name.lower().replace(" ", ".")
        if self.cloud:
            return {
                "accountId": f"5b10{zlib.crc32(handle.encode()):012d}",
                "displayName": name,
                "active": True,
                "timeZone": "UTC",
                "accountType": "atlassian",
            }
        return {
            "name": handle,
            "key": handle,
            "displayName": name,
            "active": True,
            "timeZone": "UTC",
            "emailAddress": f"{handle}@example.com",
        }
