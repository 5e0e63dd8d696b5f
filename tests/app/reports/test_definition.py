"""An ART's configuration becomes the Definition the formulas compute with."""

from __future__ import annotations

from app.reports.definition import definition_from_config
from art.config import ArtConfig
from art.vocabulary import StatusCategory


def test_definition_from_the_art_config() -> None:
    cfg = ArtConfig(
        name="X",
        timezone="Europe/Berlin",
        start_status="In Progress",
        done_rule="first",
        count_start_day=False,
    )
    d = definition_from_config(cfg, {"Done": StatusCategory.DONE})
    assert (d.timezone, d.start_status, d.done_rule, d.count_start_day) == (
        "Europe/Berlin",
        "In Progress",
        "first",
        False,
    )
    assert d.to_dict()["start_rule"].startswith("first entry into status 'In Progress'")
    assert d.to_dict()["done_rule"] == "first entry into a done status, while still done"
    assert (d.restart_on_backlog, d.to_dict()["restart_on_backlog"]) == (False, False)


def test_restart_on_backlog_from_the_art_config_into_the_definition_block() -> None:
    d = definition_from_config(ArtConfig(name="X", restart_on_backlog=True, done_rule="first"))
    block = d.to_dict()
    assert d.restart_on_backlog and block["restart_on_backlog"] is True
    assert block["start_rule"] == (
        "first entry into an active or wait status; an item moved back to a todo status and "
        "started again takes its last start"
    )
    assert block["done_rule"] == "first entry into a done status since the start, while still done"
