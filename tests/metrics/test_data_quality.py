"""The data-quality report: one finding per problem, of each kind docs/metrics.md lists."""

from __future__ import annotations

from builder import Art, at

from metrics.data_quality import KINDS, data_quality_report


def _art() -> Art:
    art = Art().pi("PI 1", 0, 13).pi("PI 0", -14, -1).iteration("I1", 0, 13)
    art.item("OK", [(at(1), "status", "In Progress"), (at(2), "status", "Done")], iteration="I1")
    art.item("WEIRD", [(at(1), "status", "Triage")], iteration="I1")
    art.item("SKIP", [(at(1), "status", "Done")], iteration="I1")
    art.item(
        "BACK",
        [(at(1), "status", "In Progress"), (at(2), "status", "Done"), (at(3), "status", "To Do")],
        iteration="I1",
    )
    art.item("NOTEAM", [(at(1), "status", "In Progress")], team=None, iteration="I1")
    art.item("NOPI", [(at(1), "status", "In Progress")])
    art.item("BACKLOG", [])  # todo without PI: normal, not reported
    art.item("GONE", [(at(1), "status", "Won't Do")], team=None)  # removed: not reported
    art.item("F-BV", [], level="feature", iteration="I1", business_value=5)
    art.item("F-NOBV", [], level="feature", iteration="I1")
    art.link("F-NOBV", "blocks", "F-BV").link("F-BV", "blocks", "ELSEWHERE-9")
    art.link("OK", "relates", "ELSEWHERE-8")  # not a dependency: not reported
    art.objective("A", True, 5, None, pi="PI 0").objective("A", True, 5, None, pi="PI 1")
    return art


def test_findings_exact() -> None:
    rep = data_quality_report(_art().data(), at(5)).to_dict()
    got = [(f["kind"], f["subject"]) for f in rep["data"]]
    assert got == [
        ("unmapped_status", "Triage"),
        ("done_without_start", "SKIP"),
        ("backward_move", "BACK"),
        ("no_team", "NOTEAM"),
        ("no_pi", "NOPI"),
        ("feature_without_business_value", "F-NOBV"),
        ("objective_unscored", "1"),
        ("link_outside_scope", "F-BV -> ELSEWHERE-9"),
    ]
    assert rep["summary"] == {k: (0 if k == "provider_without_iteration" else 1) for k in KINDS}
    back = next(f for f in rep["data"] if f["kind"] == "backward_move")
    assert back["detail"] == "moved back from 'Done' (done) to 'To Do' (todo)"
    assert back["at"] == "2026-03-05T00:00:00+00:00"


def test_provider_without_iteration() -> None:
    art = Art().pi("PI 1", 0, 13).iteration("I1", 0, 13)
    art.item("P", [], level="feature", business_value=1, target_date=None)
    art.item("C", [], level="feature", iteration="I1", business_value=1)
    art.link("P", "blocks", "C")
    rep = data_quality_report(art.data(), at(5)).to_dict()
    assert [(f["kind"], f["subject"], f["detail"]) for f in rep["data"]] == [
        (
            "provider_without_iteration",
            "P",
            "provides to C without an iteration; no target date either",
        ),
    ]


def test_clean_data_has_no_findings() -> None:
    art = Art().pi("PI 1", 0, 13).iteration("I1", 0, 13)
    art.item("OK", [(at(1), "status", "In Progress"), (at(2), "status", "Done")], iteration="I1")
    assert data_quality_report(art.data(), at(5)).to_dict()["data"] == []
