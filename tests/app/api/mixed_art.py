"""An ART read from Jira and from Azure DevOps, as the store holds it after a pull.

Jira: team Blue keeps its stories in project BLU and its features in project BLUF, each
project with its own board, and each board has its own sprints, named alike (sprint 71 of BLU
and sprint 81 of BLUF are both "Blue Sprint 1"). Azure DevOps: team Green plans into the
project's iteration paths, which belong to no team (``Orion\\PI 26.5\\PI 26.5 I1``, shown as
``PI 26.5 I1``). Team Red has no items. Times are the builder's: days after Monday 2026-03-02.

Written with the shared store writer (tests/golden_store.py), one source at a time, so each
source's iterations and items are keyed by that source as sync keys them.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from art.config import TrainyardConfig
from tests.golden_store import store_art
from tests.metrics.builder import STATUSES, Art, at

ART = "ART"  # the builder's ART name
PI = "PI 26.5"
TEAMS = ["Blue", "Green", "Red"]
AS_OF = at(40)  # 2026-04-11: two sprints of each board and three ADO iterations have ended
S, IT, PTS = "status", "iteration", "points"
BLUE_1, BLUE_2, BLUE_3 = "Blue Sprint 1", "Blue Sprint 2", "Blue Sprint 3"
ADO_ROOT = "Orion\\PI 26.5\\"
I1, I2, I3 = (f"{ADO_ROOT}PI 26.5 I{n}" for n in (1, 2, 3))


def _art() -> Art:
    return Art(teams=list(TEAMS)).pi(PI, 0, 55)


def jira_art() -> Art:
    """Team Blue on two boards: stories on BLU's sprints 71-73, features on BLUF's 81-82."""
    art = _art()
    for key, start, end, name in [
        ("71", 0, 13, BLUE_1),
        ("72", 14, 27, BLUE_2),
        ("73", 28, 41, BLUE_3),
        ("81", 0, 13, BLUE_1),
        ("82", 14, 27, BLUE_2),
    ]:
        art.iteration(key, start, end, pi=PI, team="Blue", name=name)
    blue = {"team": "Blue"}
    art.item("BLU-1", [(at(8), S, "Done")], iteration="71", points=5, **blue)
    art.item("BLU-2", [(at(12), IT, "72"), (at(18), S, "Done")], iteration="71", points=3, **blue)
    art.item("BLU-3", [], created=at(16), iteration="72", points=2, **blue)
    # a story of the features' project, in the features' board's sprint of the same name
    art.item("BLUF-5", [(at(10), S, "Done")], iteration="81", points=1, **blue)
    # BLUF-1 moves to the stories' board's sprint of the same name: the same iteration
    art.item("BLUF-1", [(at(3), IT, "71")], iteration="81", level="feature", **blue)
    art.item("BLUF-2", [(at(18), IT, "73")], iteration="82", level="feature", **blue)
    return art


def ado_art() -> Art:
    """Team Green in the ART-wide iteration paths; nobody works in I3."""
    art = _art()
    for n, (start, end) in enumerate([(0, 13), (14, 27), (28, 34)], 1):
        art.iteration(f"{ADO_ROOT}PI 26.5 I{n}", start, end, pi=PI, name=f"PI 26.5 I{n}")
    green = {"team": "Green"}
    art.item("1001", [(at(9), S, "Done")], iteration=I1, points=8, **green)
    art.item("1002", [(at(18), IT, I2), (at(30), PTS, 8)], iteration=I1, points=5, **green)
    art.item("1010", [], iteration=I2, level="feature", **green)
    return art


def mixed_config() -> TrainyardConfig:
    """The ART as trainyard.toml declares it: one Jira and one Azure DevOps source."""
    statuses = {name: cat.value for name, cat in STATUSES.items()}
    return TrainyardConfig.model_validate(
        {
            "arts": [
                {
                    "name": ART,
                    "teams": [{"name": t} for t in TEAMS],
                    "pis": [{"name": PI, "start": "2026-03-02", "end": "2026-04-26"}],
                }
            ],
            "sources": [
                {
                    "name": "jira",
                    "kind": "jira",
                    "url": "http://jira.invalid",
                    "art": ART,
                    "projects": ["BLU", "BLUF"],
                    "statuses": statuses,
                },
                {
                    "name": "ado",
                    "kind": "azure-devops",
                    "url": "http://ado.invalid/org",
                    "project": "Orion",
                    "art": ART,
                    "statuses": statuses,
                },
            ],
        }
    )


def store_mixed(session: Session) -> None:
    """Both sources' rows, each under its own source."""
    store_art(session, jira_art().data(), source="jira")
    store_art(session, ado_art().data(), source="ado")
