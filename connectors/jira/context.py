"""What the pure mapping needs to know about a site besides the issue itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from art.config import PIConfig, SourceConfig
from art.vocabulary import StatusCategory
from connectors.jira.fields import FieldIds
from connectors.jira.sprints import SprintIndex

JIRA_CATEGORIES = {
    "new": StatusCategory.TODO,
    "indeterminate": StatusCategory.ACTIVE,
    "done": StatusCategory.DONE,
    "undefined": StatusCategory.TODO,
}


@dataclass
class Context:
    """The source's config, its field ids, its statuses' categories and its sprints."""

    source: SourceConfig
    pis: list[PIConfig]
    fields: FieldIds
    sprints: SprintIndex = field(default_factory=SprintIndex)
    status_keys: dict[str, str] = field(default_factory=dict)  # status id or name -> cat. key

    @classmethod
    def build(
        cls,
        source: SourceConfig,
        pis: list[PIConfig],
        fields: FieldIds,
        statuses: list[dict[str, Any]],
        sprints: SprintIndex | None = None,
    ) -> Context:
        keys: dict[str, str] = {}
        for status in statuses:
            key = (status.get("statusCategory") or {}).get("key")
            if key:
                keys[str(status.get("id"))] = str(key)
                keys.setdefault(str(status.get("name", "")).lower(), str(key))
        return cls(source, pis, fields, sprints or SprintIndex(), keys)

    def category(
        self, name: str | None, status_id: str | None = None, key: str | None = None
    ) -> StatusCategory | None:
        """A status's category: the config's mapping by name first, then Jira's category."""
        if name is not None and name in self.source.statuses:
            return self.source.statuses[name]
        key = (
            key
            or (self.status_keys.get(status_id) if status_id else None)
            or (self.status_keys.get(name.lower()) if name else None)
        )
        return JIRA_CATEGORIES.get(key) if key else None
