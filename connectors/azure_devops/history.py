"""Change history from revision snapshots (pure).

Azure DevOps revisions (the reporting feed, ``workItems/{id}/revisions``) are full snapshots,
not deltas: each tracked value (state, iteration, PI, team, points, flagged) is compared with
the previous revision's and a change is emitted at the later revision's ``System.ChangedDate``.
Only changes after creation are changes; the first revision is the item's initial state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from art.errors import BadPayload
from art.records import ChangeRecord
from art.vocabulary import ChangeField, StatusCategory
from connectors.azure_devops.fields import display_name, first_number, is_flagged, parse_time
from connectors.azure_devops.mapping import Context
from connectors.change_spill import intern_text

ORDER = (
    ChangeField.STATUS,
    ChangeField.ITERATION,
    ChangeField.PI,
    ChangeField.TEAM,
    ChangeField.POINTS,
    ChangeField.FLAGGED,
)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The tracked values of one revision in :data:`ORDER`, in the ART model's terms."""

    values: tuple[str | None, ...]
    category: StatusCategory | None


def number_text(value: float | None) -> str | None:
    """Points as text: ``8`` rather than ``8.0``, ``0.5`` as is."""
    if value is None:
        return None
    return str(int(value)) if value == int(value) else repr(value)


def snapshot(ctx: Context, fields: Mapping[str, Any], item_type: str) -> Snapshot:
    state = fields.get("System.State")
    path = fields.get("System.IterationPath")
    pi = ctx.iterations.pi_of(path)
    if ctx.refs.pi and fields.get(ctx.refs.pi):
        pi = str(fields[ctx.refs.pi])
    status = state if isinstance(state, str) else None
    return Snapshot(
        values=(
            status,
            ctx.iterations.iteration_of(path),
            pi,
            ctx.teams.team_of(fields.get("System.AreaPath")),
            number_text(first_number(fields, ctx.refs.story_points)),
            "true" if is_flagged(fields, ctx.refs) else "false",
        ),
        category=ctx.category(item_type, status) if status is not None else None,
    )


@dataclass(frozen=True, slots=True)
class Position:
    """Where an item's history stands: its last revision read, that revision's tracked
    values, and how many changes came before (the next change's ``seq``)."""

    rev: int
    snapshot: Snapshot
    seq: int


def changes_from_revisions(
    ctx: Context, key: str, revisions: Iterable[Mapping[str, Any]], item_type: str
) -> list[ChangeRecord]:
    """Every tracked change of one item; ``seq`` numbers them in revision order.

    ``item_type`` is the current type, used when a revision lacks ``System.WorkItemType``.
    """
    return history_from(ctx, key, revisions, item_type)[0]


# One object per distinct snapshot: an item's position holds its last snapshot until its next
# pull, and the ART's items share a few thousand of them (states x iterations x teams...).
_SNAPSHOTS: dict[Snapshot, Snapshot] = {}
_SNAPSHOTS_MAX = 200_000


def _shared(read: Snapshot) -> Snapshot:
    """``read`` with its values interned, as the one object kept for equal snapshots."""
    current = Snapshot(tuple(intern_text(v) for v in read.values), read.category)
    if len(_SNAPSHOTS) >= _SNAPSHOTS_MAX:  # a bound, never reached by one ART's variety
        _SNAPSHOTS.clear()
    return _SNAPSHOTS.setdefault(current, current)


def advance(
    ctx: Context,
    key: str,
    before: Position | None,
    rev: int,
    fields: Mapping[str, Any],
    item_type: str,
) -> tuple[list[ChangeRecord], Position | None]:
    """Fold revision ``rev`` (the one after ``before``, or the first) of one item: the
    changes it makes to the tracked values and the position after it. BadPayload when the
    revision cannot be read."""
    seq = before.seq if before is not None else 0
    if fields.get("System.IsDeleted") is True:  # no change; a deleted first one: no position
        return [], None if before is None else Position(rev, before.snapshot, seq)
    current = _shared(snapshot(ctx, fields, item_type))
    changes: list[ChangeRecord] = []
    if before is not None:
        previous = before.snapshot
        at = parse_time(fields.get("System.ChangedDate"), "System.ChangedDate")
        author = intern_text(display_name(fields.get("System.ChangedBy")))
        for name, old, new in zip(ORDER, previous.values, current.values, strict=True):
            if old == new:
                continue
            status = name is ChangeField.STATUS
            changes.append(
                ChangeRecord(
                    item_key=key,
                    field=name,
                    at=at,
                    from_value=old,
                    to_value=new,
                    from_category=previous.category if status else None,
                    to_category=current.category if status else None,
                    author=author,
                    seq=seq,
                )
            )
            seq += 1
    return changes, Position(rev, current, seq)


def position_of(ctx: Context, work_item: Mapping[str, Any], next_seq: int) -> Position | None:
    """Where a stored item's history stands: its payload's revision and tracked values, and
    ``next_seq`` for its next change; None when the payload cannot say."""
    fields, rev = work_item.get("fields"), work_item.get("rev")
    kind = fields.get("System.WorkItemType") if isinstance(fields, Mapping) else None
    if not isinstance(rev, int) or isinstance(rev, bool) or not kind:
        return None
    assert isinstance(fields, Mapping)
    try:
        return Position(rev, _shared(snapshot(ctx, fields, str(kind))), next_seq)
    except BadPayload:
        return None


def history_from(
    ctx: Context,
    key: str,
    revisions: Iterable[Mapping[str, Any]],
    item_type: str,
) -> tuple[list[ChangeRecord], Position | None]:
    """The changes of a whole history (every revision from the first) and the position
    after it; BadPayload when a revision cannot be read."""
    out: list[ChangeRecord] = []
    position: Position | None = None
    for revision in sorted(revisions, key=lambda r: int(r.get("rev") or 0)):
        fields = revision.get("fields")
        if not isinstance(fields, Mapping):
            raise BadPayload(f"revision {revision.get('rev')} without fields")
        rev = int(revision.get("rev") or 0)
        kind = str(fields.get("System.WorkItemType") or item_type)
        changes, position = advance(ctx, key, position, rev, fields, kind)
        out += changes
    return out, position


def complete(revisions: Iterable[Mapping[str, Any]]) -> bool:
    """True when the revisions run from rev 1 without a gap (a whole history)."""
    revs = sorted(int(r.get("rev") or 0) for r in revisions)
    return bool(revs) and revs == list(range(1, len(revs) + 1))
