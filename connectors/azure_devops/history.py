"""Change history from revision snapshots (pure).

Azure DevOps revisions (the reporting feed, ``workItems/{id}/revisions``) are full snapshots,
not deltas: each tracked value (state, iteration, PI, team, points, flagged) is compared with
the previous revision's and a change is emitted at the later revision's ``System.ChangedDate``.
Only changes after creation are changes; the first revision is the item's initial state.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from art.errors import BadPayload
from art.records import ChangeRecord
from art.vocabulary import ChangeField, StatusCategory
from connectors.azure_devops.fields import display_name, first_number, is_flagged, parse_time
from connectors.azure_devops.mapping import Context

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


def history_from(
    ctx: Context,
    key: str,
    revisions: Iterable[Mapping[str, Any]],
    item_type: str,
    start: Position | None = None,
) -> tuple[list[ChangeRecord], Position | None]:
    """The changes of ``revisions`` and the position after them.

    Without ``start`` the revisions are a whole history; with it they are the ones after
    ``start.rev`` and the changes go on from there, numbered as a whole history would number
    them (Azure DevOps revisions never change once written)."""
    ordered = sorted(revisions, key=lambda r: int(r.get("rev") or 0))
    out: list[ChangeRecord] = []
    previous = start.snapshot if start is not None else None
    seq, rev = (start.seq, start.rev) if start is not None else (0, 0)
    for revision in ordered:
        fields = revision.get("fields")
        if not isinstance(fields, Mapping):
            raise BadPayload(f"revision {revision.get('rev')} without fields")
        rev = int(revision.get("rev") or 0)
        if fields.get("System.IsDeleted") is True:
            continue
        current = snapshot(ctx, fields, str(fields.get("System.WorkItemType") or item_type))
        if previous is not None:
            at = parse_time(fields.get("System.ChangedDate"), "System.ChangedDate")
            author = display_name(fields.get("System.ChangedBy"))
            for name, before, after in zip(ORDER, previous.values, current.values, strict=True):
                if before == after:
                    continue
                status = name is ChangeField.STATUS
                out.append(
                    ChangeRecord(
                        item_key=key,
                        field=name,
                        at=at,
                        from_value=before,
                        to_value=after,
                        from_category=previous.category if status else None,
                        to_category=current.category if status else None,
                        author=author,
                        seq=seq + len(out),
                    )
                )
        previous = current
    if previous is None:
        return out, start
    kept = Snapshot(
        tuple(None if v is None else sys.intern(v) for v in previous.values), previous.category
    )
    return out, Position(rev, kept, seq + len(out))


def continues(position: Position | None, revisions: Sequence[Mapping[str, Any]]) -> bool:
    """True when ``revisions`` (an item's revisions from the feed) take up its history right
    after ``position``, without a gap. Revisions at or before it mean the history stored may
    be behind what was mapped (a batch not committed, a webhook's fetch): the caller reads
    the whole history instead."""
    if position is None or not revisions:
        return False
    revs = sorted(int(r.get("rev") or 0) for r in revisions)
    return revs == list(range(position.rev + 1, position.rev + 1 + len(revs)))


def complete(revisions: Iterable[Mapping[str, Any]]) -> bool:
    """True when the revisions run from rev 1 without a gap (a whole history)."""
    revs = sorted(int(r.get("rev") or 0) for r in revisions)
    return bool(revs) and revs == list(range(1, len(revs) + 1))
