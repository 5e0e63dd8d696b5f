"""The reporting schema, version 1, is a contract with BI tools: each view's columns, names
and order, are pinned here. A change to an internal table that alters one of these lists
fails this test; such a change ships as a new schema version instead (docs/bi.md)."""

from __future__ import annotations

from sqlalchemy import Engine, text

V1: dict[str, list[str]] = {
    "schema_version": ["version", "note"],
    "items": [
        *("item_id", "art", "source", "key", "display_key", "url", "title", "team", "level"),
        *("work_type", "item_type", "status", "status_category", "iteration", "iteration_key"),
        *("pi", "parent_key", "points", "business_value", "target_date", "flagged"),
        *("created_at", "updated_at", "started_at", "done_at", "done_date", "flow_days"),
        "synced_at",
    ],
    "item_daily": [
        *("art", "item_id", "key", "day", "status", "status_category", "iteration", "pi"),
        *("team", "points", "flagged", "blocked", "started"),
    ],
    "status_changes": [
        *("change_id", "art", "item_id", "key", "at", "from_status", "to_status"),
        *("from_category", "to_category", "author", "recorded_at"),
    ],
    "links": [
        "link_id",
        "art",
        "source",
        "from_key",
        "to_key",
        "kind",
        "tracker_type",
        "recorded_at",
    ],
    "dependencies": [
        "art",
        "pi",
        *(
            f"{end}_{c}"
            for end in ("provider", "consumer")
            for c in ("key", "display_key", "url", "title", "team", "iteration", "status_category")
        ),
        *("cross_team", "status", "upstream", "in_cycle", "planned_by", "needed_by", "reason"),
        "as_of",
    ],
    "iterations": [
        *("iteration_id", "art", "source", "key", "name", "team", "pi", "start_date"),
        *("end_date", "state"),
    ],
    "pis": ["pi_id", "art", "name", "start_date", "end_date"],
    "teams": ["team_id", "art", "name"],
    "objectives": [
        *("objective_id", "art", "pi", "team", "key", "text", "committed", "planned_bv"),
        *("actual_bv", "updated_at"),
    ],
    "predictability": [
        *("art", "pi", "team", "planned_bv", "actual_bv", "predictability_pct", "band"),
        *("complete", "scored", "objectives", "state", "earned_pct", "as_of"),
    ],
    "sync_runs": [
        *("run_id", "art", "source", "mode", "status", "started_at", "finished_at", "fetched"),
        *("created", "updated", "deleted", "skipped", "requests", "error"),
    ],
}


def _view(engine: Engine, name: str) -> str:
    return f"reporting.{name}" if engine.dialect.name == "postgresql" else f"reporting_{name}"


def test_each_view_answers_with_its_pinned_columns(engine: Engine) -> None:
    with engine.connect() as conn:
        for name, columns in V1.items():
            result = conn.execute(text(f"SELECT * FROM {_view(engine, name)}"))
            assert list(result.keys()) == columns, name
            rows = result.all()
            assert rows == ([(1, rows[0][1])] if name == "schema_version" else []), name


def test_the_schema_holds_these_views_and_nothing_else(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        sql = (
            "SELECT table_name, table_type FROM information_schema.tables "
            "WHERE table_schema = 'reporting'"
        )
        prefix = ""
    else:
        sql = "SELECT name, type FROM sqlite_master WHERE name LIKE 'reporting!_%' ESCAPE '!'"
        prefix = "reporting_"
    with engine.connect() as conn:
        found = {(name.removeprefix(prefix), kind) for name, kind in conn.execute(text(sql))}
    kind = "VIEW" if engine.dialect.name == "postgresql" else "view"
    assert found == {(name, kind) for name in V1}
