"""The thin loader: store rows to the plain inputs of the formulas, in a handful of SELECTs.

One query per table (items, changes, links, iterations, PIs, teams, objectives), each a
set-based SELECT joined on the ART and the optional filters, never one query per item. The
formulas (metrics) stay free of SQL; this module, part of the report service, is where the
tables become their plain inputs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from itertools import repeat
from typing import Any, cast, overload

import numpy as np
import numpy.typing as npt
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Executable,
    and_,
    case,
    false,
    func,
    literal,
    or_,
    select,
    true,
    union,
    union_all,
)
from sqlalchemy import cast as cast_to
from sqlalchemy.orm import QueryableAttribute, Session, aliased
from sqlalchemy.sql import Select

from app.reports.history_reader import (
    CODE_BITS,
    FETCH_BLOCK,
    Database,
    HelperFailed,
    HelperRead,
    HistoryColumns,
    history_columns,
    transposed,
)
from art.config import SourceConfig
from art.links import item_ref_lists, item_ref_parts
from art.models import ART, PI, Iteration, PIObjective, Source, Team, WorkItem
from art.models import Change as ChangeRow
from art.models import Link as LinkRow
from art.structure_queries import art_by_name
from art.vocabulary import ChangeField, Level, LinkKind, StatusCategory, WorkType
from metrics.columns import ItemBasics
from metrics.facts import make_item, make_link
from metrics.history_table import CATEGORIES as HISTORY_CATEGORIES
from metrics.history_table import FIELDS as HISTORY_FIELDS
from metrics.history_table import HistoryTable, LazyHistories, editable
from metrics.inputs import (
    ArtData,
    Change,
    Definition,
    ItemFacts,
    IterationSpan,
    Link,
    Objective,
    PISpan,
    Window,
)

log = logging.getLogger(__name__)
_CHANGE_FIELDS = {f.value for f in ChangeField}
_LEVELS = {v.value: v for v in Level}
_LINK_KINDS = {v.value: v for v in LinkKind}
_WORK_TYPES = {v.value: v for v in WorkType}
_STATUS_CATEGORIES = {c.value: c for c in StatusCategory}  # a stored category to its enum
# A status row with no ``from`` is the state at creation, which the Jira connector leads an
# item's history with. The status before it is its own (the item did not exist): the formulas
# would otherwise take the current status for that instant, and an item now in progress would
# count as started when it was created. So its ``from`` (value and category) is its ``to``.


@dataclass(frozen=True)
class ArtSnapshot:
    """A whole ART as loaded, with what an incremental refresh needs.

    ``item_ids`` runs parallel to ``data.items`` (store ids, ascending, as loaded) and
    ``positions`` is its inverse, ``histories`` holds each item's changes in time order and
    ``links`` the links by store id, so a refresh replaces what the changed items hold and
    rebuilds the lists without reading the rest again.
    """

    data: ArtData
    art_id: int
    item_ids: tuple[int, ...]
    histories: Mapping[int, list[Change]]
    links: Mapping[int, Link]  # by store id
    version: int  # the ART's data version read before the rows: each item stamped up to it
    positions: Mapping[int, int]  # store id -> its position in item_ids and data.items

    @cached_property
    def link_ends(self) -> dict[str, list[int]]:
        """Per item key, the store ids of the links it is an end of (built on first use)."""
        return _link_ends(self.links)

    def prepare_refresh(self) -> None:
        """Build now what :func:`refresh_art` reads of this snapshot (the links by item),
        as part of the load: the first webhook after it would otherwise wait for it (about
        0.15 s at 200,000 items)."""
        _ = self.link_ends


def _link_ends(links: Mapping[int, Link]) -> dict[str, list[int]]:
    """Per item key, the store ids of the links it is an end of."""
    ends: dict[str, list[int]] = {}
    for i, lk in links.items():
        ends.setdefault(lk.from_key, []).append(i)
        if lk.to_key != lk.from_key:
            ends.setdefault(lk.to_key, []).append(i)
    return ends


@dataclass(frozen=True)
class _Ahead:
    """What a full load builds from the items and links alone while the history is still
    being read (in a helper process, on the other core): the items in store-id order, what
    the columns read of them, and the links by item. Built after the history, they would
    add a few tenths of a second to a 200,000-item load."""

    ids: tuple[int, ...]  # ascending
    items: list[ItemFacts]
    keys: dict[int, str]  # store id -> key
    positions: dict[int, int]  # store id -> its place in ids and items
    basics: ItemBasics
    link_ends: dict[str, list[int]]

    @classmethod
    def of(cls, items: Sequence[tuple[int, ItemFacts]], links: Mapping[int, Link]) -> _Ahead:
        """``items`` as read (ascending store ids) and ``links`` by store id."""
        ids, listed = tuple(i for i, _ in items), [f for _, f in items]
        return cls(
            ids,
            listed,
            _keys(items),
            {i: p for p, i in enumerate(ids)},
            ItemBasics.of(listed),
            _link_ends(links),
        )


class FlatChanges(Sequence[Change]):
    """The changes of per-item lists, item after item, flattened on first use: the reports
    read the per-item lists (ArtData.changes_by_item) and the columns, so a refreshed ART
    (a new version every few seconds while webhooks arrive) rarely needs the flat list."""

    def __init__(self, ids: Sequence[int], histories: Mapping[int, list[Change]]) -> None:
        self._ids, self._histories = ids, histories

    @cached_property
    def _all(self) -> list[Change]:
        histories = self._histories
        return [c for i in self._ids for c in histories.get(i, ())]

    def __len__(self) -> int:
        return len(self._all)

    def __iter__(self) -> Iterator[Change]:
        return iter(self._all)

    @overload
    def __getitem__(self, index: int) -> Change: ...
    @overload
    def __getitem__(self, index: slice) -> list[Change]: ...
    def __getitem__(self, index: int | slice) -> Change | list[Change]:
        return self._all[index]


def load_art(
    session: Session,
    art: str,
    *,
    team: str | None = None,
    pi: str | None = None,
    window: Window | None = None,
    definition: Definition | None = None,
    team_aliases: Mapping[str, str] | None = None,
    sources: Mapping[str, SourceConfig] | None = None,
) -> ArtData:
    """Everything the reports of one ART read, optionally narrowed.

    ``team``: items of that team now. ``pi``: items in the PI now or at any time (by their
    iteration or PI history), so that baselines and scope changes are complete, and the
    items linked to them, so that dependencies on unplanned items are seen. ``window``:
    items created before its end and either open or updated on or after its start.
    ``definition`` defaults to the ART's time zone with no status mapping;
    ``team_aliases`` maps tracker team values found in team changes to team names.
    """
    art_row = art_by_name(session, art)
    wanted = _item_filter(art_row.id, team, pi, window)
    items = _items(session, art, wanted, sources or {})
    histories = _changes(session, wanted, _keys(items), team_aliases or {})
    changes = [c for lst in histories.values() for c in lst]
    links = [lk for _, lk in _links(session, art_row.id)]
    return _assemble(session, art_row, definition, [f for _, f in items], changes, links, pi)


def snapshot_art(
    session: Session,
    art: str,
    *,
    definition: Definition | None = None,
    team_aliases: Mapping[str, str] | None = None,
    sources: Mapping[str, SourceConfig] | None = None,
) -> ArtSnapshot:
    """The whole ART, kept so that :func:`refresh_art` can bring it up to date cheaply."""
    art_row = art_by_name(session, art)  # read first: the rows read after include its version
    wanted = WorkItem.art_id == art_row.id
    history = _history_read(session, wanted, art_row)  # (a large ART's: read meanwhile)
    items = _items(session, art, wanted, sources or {})
    links = dict(_links(session, art_row.id))
    ahead, facts = _Ahead.of(items, links), dict(items)
    histories = _changes_of(history(), ahead.keys, team_aliases or {})
    return _snapshot(session, art_row, definition, facts, histories, links, ahead=ahead)


def refresh_art(
    session: Session,
    previous: ArtSnapshot,
    *,
    definition: Definition | None = None,
    team_aliases: Mapping[str, str] | None = None,
    sources: Mapping[str, SourceConfig] | None = None,
) -> ArtSnapshot:
    """``previous`` brought up to date: the items stamped with a data version above its
    own (changed, or their history or links changed, since) are read again with their
    histories and links; structure and objectives are read whole (they are small). Equal
    to a fresh :func:`snapshot_art` of the store: sync stamps every item a commit changes."""
    art_row = art_by_name(session, previous.data.art or "")
    wanted = and_(WorkItem.art_id == art_row.id, WorkItem.art_version > previous.version)
    fresh = _items(session, art_row.name, wanted, sources or {})
    fresh_ids = {i for i, _ in fresh}
    # (only the re-read items': one stamped after their SELECT is read by the next refresh)
    changed = _changes(session, wanted, _keys(fresh), team_aliases or {})
    links = _links_after(session, art_row.id, previous, {f.key for _, f in fresh}, wanted)
    if fresh_ids.issubset(previous.positions):
        return _patched(session, art_row, definition, previous, fresh, changed, links)
    facts = dict(zip(previous.item_ids, previous.data.items, strict=True))
    facts.update(fresh)
    histories = editable(previous.histories)
    for i in fresh_ids:
        histories.pop(i, None)
    histories.update(changed)
    return _snapshot(session, art_row, definition, facts, histories, links, previous)


def _links_after(
    session: Session,
    art_id: int,
    previous: ArtSnapshot,
    keys: set[str],
    wanted: ColumnElement[bool],
) -> Mapping[int, Link]:
    """``previous``'s links with those touching the re-read items (``keys``) read again: a
    link added or removed stamps its stored ends. ``previous``'s very mapping when they read
    as they were (a status change leaves the links alone), so the ART's link list is kept."""
    if not keys:
        return previous.links
    ends = previous.link_ends
    old = {i for k in keys for i in ends.get(k, ())}
    reread = dict(_links(session, art_id, _touching(art_id, wanted)))
    if reread.keys() == old and all(previous.links[i] == lk for i, lk in reread.items()):
        return previous.links
    links = {i: lk for i, lk in previous.links.items() if i not in old}
    links.update(reread)
    return links


def _ordered_links(links: Mapping[int, Link], previous: ArtSnapshot | None) -> Sequence[Link]:
    """The links by store id: ``previous``'s list when the mapping is its own."""
    if previous is not None and links is previous.links:
        return previous.data.links
    return [links[i] for i in sorted(links)]


def _snapshot_of(
    data: ArtData,
    art_row: ART,
    ids: tuple[int, ...],
    histories: Mapping[int, list[Change]],
    links: Mapping[int, Link],
    positions: Mapping[int, int],
    previous: ArtSnapshot | None,
) -> ArtSnapshot:
    """The snapshot, with ``previous``'s link index when its links are the very same."""
    snapshot = ArtSnapshot(data, art_row.id, ids, histories, links, art_row.data_version, positions)
    if previous is not None and links is previous.links and "link_ends" in previous.__dict__:
        snapshot.__dict__["link_ends"] = previous.link_ends  # a cached_property's slot
    return snapshot


def _touching(art_id: int, wanted: ColumnElement[bool]) -> ColumnElement[bool]:
    """Links with an end among the items ``wanted`` selects: each end looked up on its own
    index (source, key), not a scan of every link."""
    stamped = select(WorkItem.key).where(wanted)
    sources = select(Source.id).where(Source.art_id == art_id)
    in_art = LinkRow.source_id.in_(sources)
    by_from = select(LinkRow.id).where(in_art, LinkRow.from_key.in_(stamped))
    by_to = select(LinkRow.id).where(in_art, LinkRow.to_key.in_(stamped))
    return LinkRow.id.in_(union(by_from, by_to))


def _snapshot(
    session: Session,
    art_row: ART,
    definition: Definition | None,
    facts: Mapping[int, ItemFacts],
    histories: Mapping[int, list[Change]],
    links: Mapping[int, Link],
    previous: ArtSnapshot | None = None,
    *,
    ahead: _Ahead | None = None,
) -> ArtSnapshot:
    """Assemble the ArtData, handing it the per-item grouping (and ``previous``'s item
    histories where nothing changed) so a refresh does not rebuild them for every item;
    ``ahead``: what a full load built of the items and links while the history was read."""
    ids = tuple(sorted(facts)) if ahead is None else ahead.ids  # (the same, built ahead)
    kept = histories
    if not all(i in facts for i in histories):  # (every item read has its row in facts)
        kept = {i: histories[i] for i in ids if i in histories}
    ordered = _ordered_links(links, previous)
    listed = [facts[i] for i in ids] if ahead is None else ahead.items
    data = _assemble(session, art_row, definition, listed, FlatChanges(ids, kept), ordered, None)
    keys = {i: facts[i].key for i in kept} if ahead is None else ahead.keys
    data.prime(_by_key(kept, keys), previous.data if previous else None)
    positions = {i: p for p, i in enumerate(ids)} if ahead is None else ahead.positions
    snapshot = _snapshot_of(data, art_row, ids, kept, links, positions, previous)
    if ahead is not None:
        data.seed(ItemBasics, ahead.basics)
        snapshot.__dict__["link_ends"] = ahead.link_ends  # a cached_property's slot
    return snapshot


def _by_key(
    histories: Mapping[int, list[Change]], keys: Mapping[int, str]
) -> Mapping[str, list[Change]]:
    """The histories by store id as the ART's changes by item key (``keys``: store id ->
    key, of every item with a history at least; a table's rows are renamed, not made
    into lists)."""
    if isinstance(histories, LazyHistories):
        return histories.rekeyed(keys)
    return {keys[i]: lst for i, lst in histories.items()}


def _patched(
    session: Session,
    art_row: ART,
    definition: Definition | None,
    previous: ArtSnapshot,
    fresh: list[tuple[int, ItemFacts]],
    changed: Mapping[int, list[Change]],
    links: Mapping[int, Link],
) -> ArtSnapshot:
    """``previous`` with the ``fresh`` items (none new) and their histories put in their
    places: every other item keeps its position and objects, so the ART's indexes and
    columns are patched there rather than rebuilt (see ArtData.prime)."""
    positions, items = previous.positions, list(previous.data.items)
    histories = editable(previous.histories)
    grouped = editable(previous.data.changes_by_item)
    for i, f in fresh:  # (an item that keeps its key and has changes is overwritten below:
        # a dict copied next version copies as one block only while nothing was deleted)
        key = items[positions[i]].key
        if key != f.key or i not in changed:
            grouped.pop(key, None)
    for i, f in fresh:
        items[positions[i]] = f
        lst = changed.get(i)
        if lst is None:
            histories.pop(i, None)  # it lost its rows
        else:
            histories[i] = grouped[f.key] = lst
    ids = previous.item_ids
    ordered = _ordered_links(links, previous)
    data = _assemble(
        session, art_row, definition, items, FlatChanges(ids, histories), ordered, None
    )
    data.prime(grouped, previous.data, sorted(positions[i] for i, _ in fresh))
    return _snapshot_of(data, art_row, ids, histories, links, positions, previous)


def _assemble(
    session: Session,
    art_row: ART,
    definition: Definition | None,
    items: list[ItemFacts],
    changes: Sequence[Change],
    links: Sequence[Link],
    pi: str | None,
) -> ArtData:
    """ArtData of the given items, changes and links, with the ART's structure and
    objectives (``pi``: only that PI's objectives)."""
    art_id = art_row.id
    teams = list(session.scalars(select(Team.name).where(Team.art_id == art_id).order_by(Team.id)))
    pis = [
        PISpan(name, start, end)
        for name, start, end in session.execute(
            select(PI.name, PI.start_date, PI.end_date)
            .where(PI.art_id == art_id)
            .order_by(PI.start_date)
        )
    ]
    sources = select(Source.id).where(Source.art_id == art_id).scalar_subquery()
    it_team, it_pi = aliased(Team), aliased(PI)
    iterations = [
        IterationSpan(key, start, end, pi=pi_name, team=team_name, name=name)
        for key, name, start, end, pi_name, team_name in session.execute(
            select(
                Iteration.key,
                Iteration.name,
                Iteration.start_date,
                Iteration.end_date,
                it_pi.name,
                it_team.name,
            )
            .outerjoin(it_pi, it_pi.id == Iteration.pi_id)
            .outerjoin(it_team, it_team.id == Iteration.team_id)
            .where(or_(Iteration.source_id.in_(sources), it_pi.art_id == art_id))
            .order_by(Iteration.start_date, Iteration.key)
        )
        if start is not None and end is not None  # an iteration without dates plans nothing
    ]
    o_team, o_pi = aliased(Team), aliased(PI)
    objectives = [
        Objective(oid, team_name, pi_name, text, committed, planned, actual, tuple(keys or ()))
        for oid, team_name, pi_name, text, committed, planned, actual, keys in session.execute(
            select(
                PIObjective.id,
                o_team.name,
                o_pi.name,
                PIObjective.text,
                PIObjective.committed,
                PIObjective.planned_bv,
                PIObjective.actual_bv,
                PIObjective.items,
            )
            .join(o_pi, o_pi.id == PIObjective.pi_id)
            .outerjoin(o_team, o_team.id == PIObjective.team_id)
            .where(PIObjective.art_id == art_id, PIObjective.deleted == false())
            .where(true() if pi is None else o_pi.name == pi)
            .order_by(PIObjective.id)
        )
    ]
    return ArtData(
        definition=definition or Definition(timezone=art_row.timezone),
        items=items,
        changes=changes,
        iterations=iterations,
        pis=pis,
        links=links,
        objectives=objectives,
        teams=teams,
        art=art_row.name,
    )


def _links(
    session: Session, art_id: int, touching: ColumnElement[bool] | None = None
) -> list[tuple[int, Link]]:
    """(store id, link) of the ART's sources' links (``touching``: only those), by id."""
    sources = select(Source.id).where(Source.art_id == art_id).scalar_subquery()
    kinds = _LINK_KINDS
    query = (
        select(LinkRow.id, LinkRow.from_key, LinkRow.to_key, LinkRow.kind)
        .where(LinkRow.source_id.in_(sources), true() if touching is None else touching)
        .order_by(LinkRow.id)
    )
    # (integers and strings, as the driver gives them on every backend)
    ids, from_keys, to_keys, kind = transposed(_driver_blocks(session, query), 4)
    links = map(make_link, from_keys, to_keys, map(kinds.__getitem__, kind))
    return list(zip(ids, links, strict=True))


def _driver_blocks(session: Session, query: Executable) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of ``query`` as the database driver returns them, fetched in blocks: the
    large reads of a load (a million history rows at 200,000 items) skip SQLAlchemy's row
    objects and its conversions, about a third of their cost. The caller converts what
    needs it (timestamps, dates) with :func:`_conversion`."""
    result = session.connection().execute(query)
    try:
        cursor = result.cursor
        while block := cursor.fetchmany(FETCH_BLOCK):
            yield list(block)
    finally:
        result.close()


def _conversion(session: Session, column: QueryableAttribute[Any]) -> Callable[[Any], Any]:
    """How SQLAlchemy converts a stored value of ``column`` on this backend (text to a UTC
    datetime or a date on SQLite, a timestamp's zone to UTC on PostgreSQL), for the rows of
    :func:`_driver_blocks`; the value as it is where the driver's is already right."""
    dialect = session.get_bind().dialect
    convert = column.type.dialect_impl(dialect).result_processor(dialect, None)
    return cast("Callable[[Any], Any]", convert) if convert is not None else _as_is


def _as_is(value: Any) -> Any:
    return value


def _items(
    session: Session, art: str, wanted: ColumnElement[bool], sources: Mapping[str, SourceConfig]
) -> list[tuple[int, ItemFacts]]:
    """(store id, facts) of the items ``wanted`` selects, by id, each with its tracker URL and
    display key from its configured source."""
    levels, types, cats = _LEVELS, _WORK_TYPES, _STATUS_CATEGORIES
    utc, day = _conversion(session, WorkItem.created_at), _conversion(session, WorkItem.target_date)
    query = (
        select(
            WorkItem.id,
            WorkItem.key,
            WorkItem.level,
            WorkItem.work_type,
            WorkItem.status,
            WorkItem.status_category,
            WorkItem.created_at,
            WorkItem.team_id,
            WorkItem.title,
            WorkItem.iteration_id,
            WorkItem.pi_id,
            WorkItem.parent_key,
            WorkItem.story_points,
            WorkItem.business_value,
            WorkItem.target_date,
            WorkItem.flagged,
            WorkItem.deleted,
            WorkItem.source_id,
        )
        .where(wanted)
        .order_by(WorkItem.id)
    )
    cols = transposed(_driver_blocks(session, query), 18)
    ids, keys, level, work_type, status, category, created, team, title = cols[:9]
    iteration, pi, parent, points, value, target, flagged, deleted, source = cols[9:]
    # read after the rows: a name committed with the items just read is there (one removed
    # meanwhile names nothing)
    names = _names(session)
    pool: dict[str | None, str | None] = {None: None}  # one object per distinct value
    same = pool.setdefault
    urls, shown = _refs(keys, list(map(names.sources.get, source)), sources)
    facts = map(  # every field of ItemFacts in order, through its slots (make_item)
        make_item,
        keys,
        map(levels.__getitem__, level),
        map(types.__getitem__, work_type),
        map(same, status, status),
        map(cats.__getitem__, category),
        map(utc, created),
        map(names.teams.get, team),
        title,
        repeat(art),
        map(names.iterations.get, iteration),
        map(names.pis.get, pi),
        parent,
        points,
        value,
        map(day, target),
        map(bool, flagged),
        map(bool, deleted),
        urls,
        shown,
    )
    return list(zip(ids, facts, strict=True))


def _refs(
    keys: list[str], source_names: list[str | None], sources: Mapping[str, SourceConfig]
) -> tuple[list[str | None], list[str | None]]:
    """Each item's tracker URL and display key from its configured source (none for a
    source no longer configured); all at once for an ART of one source."""
    names = set(source_names)
    if len(names) <= 1:
        name = names.pop() if names else None
        return item_ref_lists(sources.get(name) if name is not None else None, keys)
    parts = {name: item_ref_parts(source) for name, source in sources.items()}
    refs = [
        parts[s](k) if s in parts else _NO_REFS for k, s in zip(keys, source_names, strict=True)
    ]
    return [url for url, _ in refs], [shown for _, shown in refs]


_NO_REFS = (None, None)  # an item of a source no longer configured: no URL, no display key


_ById = Mapping[int | None, str | None]


@dataclass(frozen=True)
class _Names:
    """The names the items' references stand for, by store id (None for none): an item
    row carries the ids, and each name is then one object however many items name it."""

    teams: _ById
    iterations: _ById
    pis: _ById
    sources: Mapping[int, str | None]


def _names(session: Session) -> _Names:
    """Every team, iteration, PI and source by id, in one query of a few hundred rows,
    where joining them to each item made a string of each per item (a load reads 200,000)."""
    tables = (
        (Team.id, Team.name),
        (Iteration.id, Iteration.key),
        (PI.id, PI.name),
        (Source.id, Source.name),
    )
    query = union_all(*(select(literal(n), i, name) for n, (i, name) in enumerate(tables)))
    named: list[dict[int | None, str | None]] = [{None: None} for _ in tables]
    for table, i, name in session.execute(query):
        named[table][i] = name
    teams, iterations, pis, sources = named
    return _Names(teams, iterations, pis, cast("Mapping[int, str | None]", sources))


def _keys(items: Sequence[tuple[int, ItemFacts]]) -> dict[int, str]:
    """Store id -> key of the items just read, for the history read after them."""
    return {i: f.key for i, f in items}


def _changes(
    session: Session,
    wanted: ColumnElement[bool],
    keys: Mapping[int, str],
    aliases: Mapping[str, str],
) -> LazyHistories[int]:
    """The changes of the items ``wanted`` selects, per item id, each list in the formulas'
    order (time, then sequence); only those of the items in ``keys`` (store id -> key, the
    items read just before: one stamped after their SELECT is read by the next refresh)."""
    rows = history_columns(_driver_blocks(session, _history_query(session, wanted)))
    return _changes_of(rows, keys, aliases)


def _history_query(
    session: Session, wanted: ColumnElement[bool], *, stored_times: bool = False
) -> Select[Any]:
    """The history rows of the items ``wanted`` selects, as :func:`history_columns` reads
    them (item id, field code, time, from, to, category codes, sequence). ``stored_times``:
    the times as stored, for the helper, which reads PostgreSQL's as integers (see
    app.reports.history_reader); else PostgreSQL computes microseconds.

    The largest read of a load (several rows per item), turned into columns at C speed
    (:class:`HistoryTable`), not a ``Change`` object each: an item's list is made when a
    formula first reads it. The rows are selected by item id and ordered as the (item,
    time) index holds them, without a join: SQLite then walks that index instead of
    sorting a million rows in a temporary B-tree; ties in time are put in sequence order
    after (:func:`_history_table`)."""
    # the state at creation (above): its "from" is its "to", computed by the database
    created = and_(ChangeRow.field == ChangeField.STATUS.value, ChangeRow.from_value.is_(None))
    at: Any = ChangeRow.at  # SQLite's text, parsed by NumPy; PostgreSQL's as microseconds
    if session.get_bind().dialect.name == "postgresql" and not stored_times:
        at = cast_to(func.extract("epoch", ChangeRow.at) * 1_000_000, BigInteger)  # (exact)
    from_category = case((created, ChangeRow.to_category), else_=ChangeRow.from_category)
    return (
        select(
            _packed(  # codes: no string made per row, and one column for four
                ChangeRow.work_item_id,
                case(_FIELD_CODES, value=ChangeRow.field),
                _category_code(from_category),
                _category_code(ChangeRow.to_category),
            ),
            at,
            case((created, ChangeRow.to_value), else_=ChangeRow.from_value),
            ChangeRow.to_value,
            ChangeRow.seq,
        )
        .where(
            ChangeRow.work_item_id.in_(select(WorkItem.id).where(wanted)),
            ChangeRow.field.in_(_CHANGE_FIELDS),
        )
        .order_by(ChangeRow.work_item_id, ChangeRow.at)
    )


def _changes_of(
    rows: HistoryColumns, keys: Mapping[int, str], aliases: Mapping[str, str]
) -> LazyHistories[int]:
    """The rows read, of the items in ``keys`` only, per item id (see :func:`_changes`)."""
    owner = rows.owner
    picked: npt.NDArray[np.int64] | slice = slice(None)
    known = np.isin(owner, np.fromiter(keys, np.int64, len(keys)))
    if not known.all():
        picked = np.flatnonzero(known)
    table = _history_table(
        owner[picked],
        rows.field[picked],
        rows.t[picked],
        rows.seq[picked],
        rows.from_code[picked],
        rows.to_code[picked],
        rows.values,
        rows.from_cat[picked],
        rows.to_cat[picked],
        aliases,
    )
    return _by_item(table, owner[picked][table.order], keys)


HELPER_ABOVE_ITEMS = 20_000  # an ART of this many items reads its history in a helper


def _history_read(
    session: Session, wanted: ColumnElement[bool], art_row: ART
) -> Callable[[], HistoryColumns]:
    """The history of the items ``wanted`` selects, to be read when the call is made; for a
    large ART in a file or a server database, begun now in a helper process, which reads
    it while this one reads the items and links (app.reports.history_reader)."""

    def here() -> HistoryColumns:
        return history_columns(_driver_blocks(session, _history_query(session, wanted)))

    database = _helper_database(session)
    if database is None or _item_count(session, art_row.id) < HELPER_ABOVE_ITEMS:
        return here
    query = _history_query(session, wanted, stored_times=True)
    dialect = session.get_bind().dialect
    sql = str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    try:
        helper = HelperRead(database, sql)
    except OSError as exc:
        log.warning(
            "ART %r: its history is read in the service (no helper process: %s)", art_row.name, exc
        )
        return here

    def helped() -> HistoryColumns:
        try:
            return helper.result()
        except HelperFailed as exc:
            log.warning(
                "ART %r: its history is read in the service (the helper process failed: %s)",
                art_row.name,
                exc,
            )
            return here()

    return helped


def _helper_database(session: Session) -> Database | None:
    """Where a helper process can read what this session reads: a SQLite file or a
    PostgreSQL server; None for an in-memory database or another kind."""
    url = session.get_bind().engine.url
    if url.get_backend_name() == "sqlite":
        path = url.database
        return Database("sqlite", path) if path and path != ":memory:" else None
    if url.get_backend_name() == "postgresql":
        return Database("postgresql", url.set(drivername="postgresql").render_as_string(False))
    return None


def _item_count(session: Session, art_id: int) -> int:
    return session.scalar(select(func.count()).where(WorkItem.art_id == art_id)) or 0


_FIELD_CODES = {f.value: code for code, f in enumerate(HISTORY_FIELDS)}
_CATEGORY_CODES = {c.value: code for code, c in enumerate(HISTORY_CATEGORIES)}
_TEAM_CODE = _FIELD_CODES[ChangeField.TEAM.value]


def _packed(
    item_id: QueryableAttribute[int],
    field: ColumnElement[int],
    from_category: ColumnElement[int],
    to_category: ColumnElement[int],
) -> ColumnElement[int]:
    """An item id and a history row's three codes as one integer (history_reader.CODE_BITS):
    the id, then the field code, then each category code + 1 (-1, none, is 0)."""
    shift = 1 << CODE_BITS
    return (
        ((cast_to(item_id, BigInteger) * shift + field) * shift + from_category + 1) * shift
        + to_category
        + 1
    )


def _category_code(stored: ColumnElement[Any] | QueryableAttribute[Any]) -> ColumnElement[int]:
    """A stored category as its code (metrics.history_table.CATEGORIES); -1 for none."""
    return case(_CATEGORY_CODES, value=stored, else_=-1)


@dataclass(frozen=True)
class _Ordered:
    """A history table and the order its rows were put in (``order``: rows as read)."""

    table: HistoryTable
    order: npt.NDArray[np.int64] | slice


def _history_table(
    owner: npt.NDArray[np.int64],
    field: npt.NDArray[np.int8],
    t: npt.NDArray[np.int64],
    seq: npt.NDArray[np.int64],
    frm: npt.NDArray[np.int32],
    to: npt.NDArray[np.int32],
    values: list[str],
    fc: npt.NDArray[np.int8],
    tc: npt.NDArray[np.int8],
    aliases: Mapping[str, str],
) -> _Ordered:
    """The rows as the formulas read them: team values through the configured aliases,
    and the rows in (item, time, sequence) order."""
    if aliases:
        frm, to, values = _aliased(field == _TEAM_CODE, frm, to, values, aliases)
    order = _row_order(owner, t, seq)
    table = HistoryTable(
        t[order], field[order], seq[order], frm[order], to[order], values, fc[order], tc[order]
    )
    return _Ordered(table, order)


def _row_order(
    owner: npt.NDArray[np.int64], t: npt.NDArray[np.int64], seq: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64] | slice:
    """The order that puts the rows in (item, time, sequence) order, stably (equal rows keep
    the order read); all of them as they are when they are in it already. Rows read in
    (item, time) order, as the query asks, need only their runs of rows sharing an item and
    a time put in sequence order where they are not (PostgreSQL gives such ties in any
    order: a few hundred runs in a million rows), not a sort of every row."""
    same_item = owner[1:] == owner[:-1]
    tie = same_item & (t[1:] == t[:-1])
    untied = tie & (seq[1:] < seq[:-1])
    if bool(np.any((owner[1:] < owner[:-1]) | (same_item & (t[1:] < t[:-1])))):
        return np.lexsort((seq, t, owner))  # (read in another order: sort them all)
    if not bool(np.any(untied)):
        return slice(None)
    order = np.arange(owner.size, dtype=np.int64)
    run = np.concatenate([[0], np.cumsum(~tie)])  # per row, its run of tied rows
    for r in np.unique(run[1:][untied]).tolist():
        a, b = np.searchsorted(run, [r, r + 1]).tolist()
        order[a:b] = a + np.argsort(seq[a:b], kind="stable")
    return order


def _aliased(
    team_rows: npt.NDArray[np.bool_],
    frm: npt.NDArray[np.int32],
    to: npt.NDArray[np.int32],
    values: list[str],
    aliases: Mapping[str, str],
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], list[str]]:
    """The team rows' values through ``aliases`` (a tracker's team value to its team's
    name), by code: each distinct value renamed once; other fields' rows keep theirs."""
    values = list(values)
    code_of = {v: i for i, v in enumerate(values)}
    renamed = np.arange(-1, len(values), dtype=np.int32)  # per code + 1: its code (none first)
    for code, v in enumerate(list(values)):
        name = aliases.get(v) if v else None
        if name is not None and name != v:
            if name not in code_of:
                code_of[name] = len(values)
                values.append(name)
            renamed[code + 1] = code_of[name]
    rows = np.flatnonzero(team_rows)
    frm, to = frm.copy(), to.copy()
    frm[rows] = renamed[frm[rows] + 1]
    to[rows] = renamed[to[rows] + 1]
    return frm, to, values


def _by_item(
    ordered: _Ordered, owner: npt.NDArray[np.int64], keys: Mapping[int, str]
) -> LazyHistories[int]:
    """The table's rows per item id (``owner``: each row's, in the table's order)."""
    n = owner.size
    if n == 0:
        return LazyHistories(ordered.table, {})
    starts = np.flatnonzero(np.concatenate([[True], owner[1:] != owner[:-1]]))
    stops = np.append(starts[1:], n)
    spans = {
        i: (a, b, keys[i])
        for i, a, b in zip(owner[starts].tolist(), starts.tolist(), stops.tolist(), strict=True)
    }
    return LazyHistories(ordered.table, spans, bounds=(starts, stops))


def _item_filter(
    art_id: int, team: str | None, pi: str | None, window: Window | None
) -> ColumnElement[bool]:
    """The WHERE clause selecting the ART's items, as one expression (used by two queries)."""
    cond: list[ColumnElement[bool]] = [WorkItem.art_id == art_id]
    if team is not None:
        team_id = select(Team.id).where(Team.art_id == art_id, Team.name == team)
        cond.append(WorkItem.team_id.in_(team_id.scalar_subquery()))
    if pi is not None:
        pi_id = select(PI.id).where(PI.art_id == art_id, PI.name == pi).scalar_subquery()
        it_keys = select(Iteration.key).where(Iteration.pi_id == pi_id)
        moved = select(ChangeRow.work_item_id).where(
            or_(
                and_(
                    ChangeRow.field == ChangeField.ITERATION.value,
                    or_(ChangeRow.to_value.in_(it_keys), ChangeRow.from_value.in_(it_keys)),
                ),
                and_(
                    ChangeRow.field == ChangeField.PI.value,
                    or_(ChangeRow.to_value == pi, ChangeRow.from_value == pi),
                ),
            )
        )
        in_pi = or_(
            WorkItem.pi_id == pi_id,
            WorkItem.iteration_id.in_(select(Iteration.id).where(Iteration.pi_id == pi_id)),
            WorkItem.id.in_(moved),
        )
        # and the other ends of their links: an unplanned provider still feeds the PI
        keys = select(WorkItem.key).where(WorkItem.art_id == art_id, in_pi)
        linked = union(
            select(LinkRow.from_key).where(LinkRow.to_key.in_(keys)),
            select(LinkRow.to_key).where(LinkRow.from_key.in_(keys)),
        )
        cond.append(or_(in_pi, WorkItem.key.in_(linked)))
    if window is not None:
        # a day of slack either side: the window's days are local, the store is UTC
        cond.append(WorkItem.created_at < _utc_midnight(window.end + timedelta(days=1)))
        cond.append(
            or_(
                WorkItem.status_category.not_in(
                    [StatusCategory.DONE.value, StatusCategory.REMOVED.value]
                ),
                WorkItem.updated_at >= _utc_midnight(window.start - timedelta(days=1)),
            )
        )
    return and_(*cond)


def _utc_midnight(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=UTC)
