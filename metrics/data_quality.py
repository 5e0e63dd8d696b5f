"""What makes the figures untrustworthy (docs/metrics.md "Data quality"), one finding per row.

Each finding names the item (or objective, link, status) and says in words why it matters,
so that it can be fixed in the tracker.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from art.vocabulary import Level, LinkKind
from metrics.columns import CATS, LEVELS, REMOVED, STATUS, TODO, columns, from_us, us
from metrics.dependencies import dependencies
from metrics.inputs import ArtData
from metrics.output import iso
from metrics.timeline import local_date

KINDS = (
    "unmapped_status",
    "done_without_start",
    "backward_move",
    "no_team",
    "no_pi",
    "feature_without_business_value",
    "objective_unscored",
    "provider_without_iteration",
    "link_outside_scope",
)
_PLANNED = (Level.FEATURE, Level.STORY, Level.TASK)


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str
    subject: str  # item key, objective id, status name or "A -> B"
    detail: str
    at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "subject": self.subject,
            "detail": self.detail,
            "at": iso(self.at),
        }


@dataclass(frozen=True, slots=True)
class DataQualityReport:
    as_of: datetime
    definition: dict[str, Any]
    findings: list[Finding]

    def to_dict(self) -> dict[str, Any]:
        counts = Counter(f.kind for f in self.findings)
        return {
            "as_of": iso(self.as_of),
            "definition": self.definition,
            "summary": {k: counts.get(k, 0) for k in KINDS},
            "data": [f.to_dict() for f in self.findings],
        }


def data_quality_report(data: ArtData, as_of: datetime) -> DataQualityReport:
    """Every finding at as_of, grouped by kind in the order of KINDS."""
    out: list[Finding] = []
    mapping = data.definition.statuses
    c = columns(data)
    fa = c.flows(data, as_of)
    keys = c.keys
    live_item = ~c.deleted & (fa.last >= 0)
    ev_ok = live_item[c.item] & (c.t <= us(as_of))
    st = c.status[ev_ok].astype(np.int64)
    known = st >= 0
    pairs = np.unique(st[known] * max(c.n, 1) + c.item[ev_ok][known])
    items_per = np.bincount(pairs // max(c.n, 1), minlength=len(c.statuses.values))
    for code, name in enumerate(c.statuses.values):
        n = int(items_per[code])
        if n and name not in mapping:
            out.append(
                Finding(
                    "unmapped_status",
                    name,
                    f"status '{name}' ({n} items) has no "
                    "category mapping; the tracker's own category is used",
                )
            )
    # objectives and risks are kept as tracker items, but they have no flow: not findings
    planning = np.isin(c.level, [LEVELS.index(Level.OBJECTIVE), LEVELS.index(Level.RISK)])
    for i in np.flatnonzero(live_item & ~planning & (fa.done >= 0) & (fa.start < 0)).tolist():
        out.append(
            Finding(
                "done_without_start",
                keys[i],
                "went to done without an active or "
                "wait status: counted in throughput, no flow time",
                from_us(int(fa.done_us[i])),
            )
        )
    rank = np.array([0, 1, 1, 2, -1, -1], dtype=np.int8)  # todo, active, wait, done, removed
    back = ev_ok & (c.kind == STATUS) & (rank[c.cat] >= 0) & (rank[c.prev_cat] >= 0)
    back &= rank[c.cat] < rank[c.prev_cat]
    for e in np.flatnonzero(back).tolist():
        prev = c.status[e - 1]
        a, b = CATS[int(c.cat[e - 1])].value, CATS[int(c.cat[e])].value
        out.append(
            Finding(
                "backward_move",
                keys[int(c.item[e])],
                f"moved back from '{c.statuses.values[prev]}' ({a}) to "
                f"'{c.statuses.values[c.status[e]]}' ({b})",
                from_us(int(c.t[e])),
            )
        )
    last = np.maximum(fa.last, 0)
    live = live_item & (fa.cat != REMOVED)
    planned = np.isin(c.level, [LEVELS.index(lv) for lv in _PLANNED])
    for i in np.flatnonzero(live & planned & (c.team_at[last] < 0)).tolist():
        out.append(Finding("no_team", keys[i], f"{data.items[i].level.value} without a team"))
    it_has_pi = np.array(
        [
            bool(data.iteration_by_key[k].pi) if k in data.iteration_by_key else False
            for k in c.iterations.values
        ]
        + [False],
        dtype=np.bool_,
    )
    no_pi = ~it_has_pi[np.where(c.iteration[last] >= 0, c.iteration[last], -1)]
    no_pi &= c.pi_at[last] < 0
    for i in np.flatnonzero(live & planned & (fa.cat != TODO) & no_pi).tolist():
        out.append(
            Finding(
                "no_pi",
                keys[i],
                f"{data.items[i].level.value} started or done without a PI: left out of PI reports",
            )
        )
    feature = LEVELS.index(Level.FEATURE)
    for i in np.flatnonzero(live & (c.level == feature)).tolist():
        if data.items[i].business_value is None:
            out.append(
                Finding("feature_without_business_value", keys[i], "feature without business value")
            )
    today = local_date(as_of, data.definition.tz)
    for o in data.objectives:
        pi_span = data.pi_by_name.get(o.pi)
        if o.actual_bv is None and pi_span is not None and pi_span.end < today:
            out.append(
                Finding(
                    "objective_unscored",
                    str(o.id),
                    f"objective of {o.team} in "
                    f"{o.pi} has no actual business value; {o.pi} ended {pi_span.end}",
                )
            )
    seen: set[str] = set()
    for d in dependencies(data, as_of):
        p = d.provider
        if (
            p.iteration is None
            and d.status not in ("resolved", "removed")
            and p.item.key not in seen
        ):
            seen.add(p.item.key)
            target = (
                f"; target date {p.item.target_date}"
                if p.item.target_date
                else "; no target date either"
            )
            out.append(
                Finding(
                    "provider_without_iteration",
                    p.item.key,
                    f"provides to {d.consumer.item.key} without an iteration{target}",
                )
            )
    for link in data.links:
        if link.kind not in (LinkKind.BLOCKS, LinkKind.DEPENDS_ON):
            continue
        missing = [k for k in (link.from_key, link.to_key) if k not in data.by_key]
        if missing:
            out.append(
                Finding(
                    "link_outside_scope",
                    f"{link.from_key} -> {link.to_key}",
                    f"{link.kind.value} link to {', '.join(missing)}, which is "
                    "outside the loaded scope",
                )
            )
    definition = {
        **data.definition.to_dict(),
        "kinds": list(KINDS),
        "no_pi": "features, stories and tasks started or done without a PI",
        "backward_move": "status category moved back (done -> active/wait/todo, "
        "active/wait -> todo)",
    }
    return DataQualityReport(as_of, definition, out)
