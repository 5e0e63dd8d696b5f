"""How the simulator names things in Azure DevOps: states, work item types, work type tags.

These are the simulator's own choices (stock Agile-process names where they exist), made
without looking at the connector: tests read them back to know what a pull must contain.
"""

from __future__ import annotations

from dataclasses import dataclass

# Scenario category -> (canonical ADO state names in order of use, ADO state category).
_CANONICAL: dict[str, tuple[list[str], str]] = {
    "todo": (["New"], "Proposed"),
    "active": (["Active", "Resolved"], "InProgress"),
    "wait": (["Blocked"], "InProgress"),
    "done": (["Closed"], "Completed"),
    "removed": (["Removed"], "Removed"),
}
_RESOLVED = "Resolved"  # the one canonical name whose ADO category differs from its list's


@dataclass(frozen=True, slots=True)
class AdoState:
    """A work item state as ``GET workitemtypes/{type}/states`` lists it."""

    name: str
    category: str  # Proposed | InProgress | Resolved | Completed | Removed


def state_map(statuses: dict[str, str]) -> dict[str, AdoState]:
    """Scenario status -> ADO state: stock names first, the scenario's own name beyond them."""
    used: dict[str, int] = {}
    out: dict[str, AdoState] = {}
    for status, category in statuses.items():
        names, ado_category = _CANONICAL[category]
        n = used.get(category, 0)
        used[category] = n + 1
        name = names[n] if n < len(names) else status
        out[status] = AdoState(name, _RESOLVED if name == _RESOLVED else ado_category)
    return out


def work_item_type(level: str, work_type: str) -> str:
    """The ADO work item type an item of this level and work type is kept as."""
    if level == "story":
        return "Bug" if work_type == "defect" else "User Story"
    return {
        "epic": "Epic",
        "capability": "Capability",
        "feature": "Feature",
        "task": "Task",
        "objective": "Objective",
        "risk": "Risk",
    }.get(level, "User Story")


WORK_TYPE_TAGS = {"enabler": "Enabler", "debt": "Tech Debt", "risk": "Risk"}
