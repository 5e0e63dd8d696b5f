"""Raw data for BI tools (docs/api.md "Raw data for BI"): items, changes, links; paged,
incremental."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.api_models.items import ChangePage, ItemPage, LinkPage
from app.deps import ReadScope, SessionDep, StateDep
from app.page_cache import cached_list
from app.paging import DEFAULT_LIMIT, check_limit, encode_cursor, read_cursor
from app.render import RenderedList, as_entered, render_list, wants_csv
from art import item_queries as q
from art import structure_queries as sq
from art.errors import BadRequest, NotFound
from art.links import by_name, item_refs_by_source, stored_keys
from art.vocabulary import ChangeField, Level, LinkKind, StatusCategory, WorkType, iteration_label

router = APIRouter(prefix="/api/v1", tags=["raw data (BI)"], dependencies=[ReadScope])
Limit = Annotated[int, Query(description="page size, 1-1000")]
Cursor = Annotated[str | None, Query(description="next_cursor of the previous page")]
Format = Annotated[str | None, Query(pattern="^(json|csv)$")]
Since = Annotated[
    datetime | None,
    Query(description="only rows Trainyard changed at or after this time (ISO 8601)"),
]

ITEM_COLUMNS = [
    "key",
    "source",
    "art",
    "title",
    "item_type",
    "level",
    "work_type",
    "status",
    "status_category",
    "team",
    "iteration",
    "pi",
    "parent",
    "story_points",
    "business_value",
    "target_date",
    "flagged",
    "created_at",
    "updated_at",
    "deleted",
    "synced_at",
    "url",
    "display_key",
]


CHANGE_COLUMNS = [
    "key",
    "source",
    "field",
    "from",
    "to",
    "from_category",
    "to_category",
    "at",
    "author",
    "recorded_at",
    "from_iteration_key",
    "to_iteration_key",
    "url",
    "display_key",
]
LINK_COLUMNS = [
    "from",
    "to",
    "kind",
    "tracker_type",
    "source",
    "from_team",
    "to_team",
    "cross_team",
    "recorded_at",
    "from_url",
    "from_display_key",
    "to_url",
    "to_display_key",
]


def _since(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise BadRequest(
            "updated_since needs a UTC offset, e.g. 2026-01-05T00:00:00Z", parameter="updated_since"
        )
    return value


def _position(cursor: str | None) -> tuple[datetime, int] | None:
    pos = read_cursor(cursor, at=str, id=int)
    if pos is None:
        return None
    try:
        return datetime.fromisoformat(pos["at"]), pos["id"]
    except ValueError:
        raise BadRequest("cursor is not a cursor this API issued", parameter="cursor") from None


def _next(rows: list[Any], limit: int, at: str) -> str | None:
    """The cursor after a page: the position of its last row (the row's first element holds
    ``at`` and ``id``)."""
    if len(rows) <= limit:
        return None
    last = rows[limit - 1][0]
    return _cursor(getattr(last, at), last.id)


def _cursor(at: datetime, id_: int) -> str:
    """The cursor of the position (``at``, ``id``): the page after it starts past it."""
    return encode_cursor({"at": at.isoformat(), "id": id_})


def _art_id(session: SessionDep, art: str | None) -> int | None:
    if art is None:
        return None
    try:
        return sq.art_by_name(session, art).id
    except NotFound as exc:
        raise BadRequest(str(exc), parameter="art") from None


@router.get("/items", response_model=ItemPage)
def list_items(
    request: Request,
    session: SessionDep,
    state: StateDep,
    art: str | None = None,
    team: str | None = None,
    pi: str | None = None,
    level: Level | None = None,
    work_type: WorkType | None = None,
    status_category: StatusCategory | None = None,
    key: Annotated[
        list[str] | None,
        Query(
            description="only these items, by key (`PHX-12`) or display key (`#1014`); "
            "repeat for several: `?key=PHX-12&key=PHX-13`"
        ),
    ] = None,
    updated_since: Since = None,
    include_deleted: Annotated[
        bool | None, Query(description="default: true with updated_since, else false")
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    format: Format = None,
) -> Response:
    """Work items, ordered by when Trainyard last changed them; deleted ones are flagged so an
    incremental load learns of deletions."""

    def render() -> RenderedList:
        art_id = _art_id(session, art)
        team_id = q.team_id(session, art_id, team) if team is not None else None
        if team is not None and team_id is None:
            raise BadRequest(f"no team named '{team}'", parameter="team")
        pi_id = q.pi_id(session, art_id, pi) if pi is not None else None
        if pi is not None and pi_id is None:
            raise BadRequest(f"no PI named '{pi}'", parameter="pi")
        since = _since(updated_since)
        sources = by_name(state.config.sources)
        f = q.ItemFilter(
            art_id=art_id,
            team_id=team_id,
            pi_id=pi_id,
            level=level.value if level else None,
            work_type=work_type.value if work_type else None,
            status_category=status_category.value if status_category else None,
            keys=tuple(key) if key else None,
            prefixed=stored_keys(sources.values(), key or ()),
            updated_since=since,
            include_deleted=include_deleted if include_deleted is not None else since is not None,
        )
        rows = q.items(session, f, _position(cursor), check_limit(limit) + 1)
        last = rows[limit - 1] if len(rows) > limit else None
        cursor_after = None if last is None else _cursor(last["synced_at"], last["id"])
        ref = item_refs_by_source(sources)
        data = rows[:limit]
        for item in data:  # each row's dict becomes the page's object, in ITEM_COLUMNS' order
            del item["id"]
            item["story_points"] = as_entered(item["story_points"])
            item["business_value"] = as_entered(item["business_value"])
            item.update(ref(item["source"], item["key"]))
        return render_list(data, cursor_after, wants_csv(request), ITEM_COLUMNS)

    return cached_list(request, session, state.pages, render, state.reports.versions)


@router.get("/changes", response_model=ChangePage)
def list_changes(
    request: Request,
    session: SessionDep,
    state: StateDep,
    art: str | None = None,
    field: ChangeField | None = None,
    updated_since: Since = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    format: Format = None,
) -> Response:
    """Status, iteration, points and flagged history, ordered by when Trainyard stored it.
    Iterations are shown by name in `from` and `to`, the tracker's sprint id or path in
    `from_iteration_key` and `to_iteration_key`."""

    def render() -> RenderedList:
        sources = by_name(state.config.sources)
        rows = q.changes(
            session,
            _art_id(session, art),
            field.value if field else None,
            _since(updated_since),
            _position(cursor),
            check_limit(limit) + 1,
        )
        ref = item_refs_by_source(sources)
        data = [
            {
                "key": key,
                "source": source,
                "field": c.field,
                "from": _shown(c.field, from_name, c.from_value),
                "to": _shown(c.field, to_name, c.to_value),
                "from_category": c.from_category,
                "to_category": c.to_category,
                "at": c.at,
                "author": c.author,
                "recorded_at": c.recorded_at,
                "from_iteration_key": c.from_value if c.field == ChangeField.ITERATION else None,
                "to_iteration_key": c.to_value if c.field == ChangeField.ITERATION else None,
                **ref(source, key),
            }
            for c, key, source, from_name, to_name in rows[:limit]
        ]
        return render_list(
            data, _next(rows, limit, "recorded_at"), wants_csv(request), CHANGE_COLUMNS
        )

    return cached_list(request, session, state.pages, render, state.reports.versions)


def _shown(field: str, name: str | None, value: str | None) -> str | None:
    """A change's value as reports show it: an iteration by its display name, points as
    entered (``5``, not the stored ``5.0``)."""
    if value is None:
        return value
    if field == ChangeField.POINTS:
        try:
            return str(as_entered(float(value)))
        except ValueError:
            return value
    if field != ChangeField.ITERATION:
        return value
    return iteration_label(name, value)


@router.get("/links", response_model=LinkPage)
def list_links(
    request: Request,
    session: SessionDep,
    state: StateDep,
    art: str | None = None,
    kind: LinkKind | None = None,
    cross_team: bool | None = None,
    updated_since: Since = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    format: Format = None,
) -> Response:
    """Links between items with both ends' teams; `cross_team=true` keeps dependencies
    between different teams."""

    def render() -> RenderedList:
        sources = by_name(state.config.sources)
        rows = q.links(
            session,
            _art_id(session, art),
            kind.value if kind else None,
            cross_team,
            _since(updated_since),
            _position(cursor),
            check_limit(limit) + 1,
        )
        ref = item_refs_by_source(sources)
        data = [
            {
                "from": lk.from_key,
                "to": lk.to_key,
                "kind": lk.kind,
                "tracker_type": lk.tracker_type,
                "source": source,
                "from_team": from_team,
                "to_team": to_team,
                "cross_team": None
                if from_team is None or to_team is None
                else from_team != to_team,
                "recorded_at": lk.recorded_at,
                **_ends(ref(source, lk.from_key), ref(source, lk.to_key)),
            }
            for lk, source, from_team, to_team, _art in rows[:limit]
        ]
        return render_list(
            data, _next(rows, limit, "recorded_at"), wants_csv(request), LINK_COLUMNS
        )

    return cached_list(request, session, state.pages, render, state.reports.versions)


def _ends(frm: dict[str, str | None], to: dict[str, str | None]) -> dict[str, str | None]:
    """A link's two ends back to the tracker: ``from_url``, ``from_display_key``, ``to_...``."""
    return {f"{end}_{k}": v for end, ref in (("from", frm), ("to", to)) for k, v in ref.items()}
