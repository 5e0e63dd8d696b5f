"""Digest e-mails: a real SMTP server (aiosmtpd) on loopback receives the golden ART's digest.

The HTML and text parts carry the golden figures; the charts arrive as PNG parts referenced
by Content-ID; hostile tracker text is escaped in the HTML.
"""

from __future__ import annotations

import base64
import email
import logging
import re
from collections.abc import Iterator
from datetime import datetime
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from app.digests.compose import compose
from app.settings import Settings
from simulators.server import free_port
from tests.app.api.conftest import ART, AS_OF, Api
from tests.conftest import bearer


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        msg = email.message_from_bytes(envelope.content, policy=default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def _digest(api: Api, port: int, **overrides: Any) -> dict[str, Any]:
    state = api.client.app.state.trainyard  # type: ignore[attr-defined]
    state.digests.settings = Settings(
        database_url=state.settings.database_url,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_from="trainyard@example.com",
    )
    body = {
        "name": "Weekly",
        "art": ART,
        "cron": "0 8 * * MON",
        "timezone": "Europe/Berlin",
        "recipients": ["rte@example.com", "po@example.com"],
        **overrides,
    }
    resp = api.client.post("/api/v1/digests", json=body, headers=bearer(api.tokens["admin"]))
    assert resp.status_code == 201, resp.text
    made: dict[str, Any] = resp.json()
    return made


def test_digest_is_sent_with_figures_and_inline_charts(api: Api, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    digest = _digest(api, port)
    resp = api.client.post(
        f"/api/v1/digests/{digest['id']}/send",
        params={"as_of": AS_OF},
        headers=bearer(api.tokens["admin"]),
    )
    assert resp.status_code == 202
    assert inbox.envelopes == [("trainyard@example.com", ["rte@example.com", "po@example.com"])]
    msg = inbox.messages[0]
    assert msg["Subject"] == f"Weekly: {ART} digest for 2026-02-10"
    text = msg.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    html = msg.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    # golden PI 26.1: ART 116.7% above, Blue 83.3% (planned 6, actual 5)
    assert "ART: 116.7% (above), 2 of 6 objectives scored" in text
    assert "- Blue: planned 6, actual 5, 83.3%" in text
    assert "<strong>116.7%</strong>" in html
    # the PI outlook, a line per team: no objective is linked, so every trial is the same
    assert "PI OUTLOOK: where PI 26.1 lands by 2026-03-15 (10000 trials" in text
    assert (
        "ART: median 116.7%, at least 116.7% in 85% of trials, 100.0% chance of 80% or more"
        " (4 objectives without linked work or score)"
    ) in text
    assert (
        "- Blue: median 83.3%, at least 83.3% in 85% of trials, 100.0% chance of 80% or more"
        " (1 objective without linked work or score)"
    ) in text
    assert "- Red: not projectable (2 objectives without linked work or score)" in text
    assert "PI outlook: where PI 26.1 lands by 2026-03-15" in html
    # dependencies needing attention: the golden late one, with its reason
    assert (
        "[late] GREEN-F1 <http://tracker.invalid/browse/GREEN-F1> (Green) -> "
        "RED-F2 <http://tracker.invalid/browse/RED-F2> (Red)"
    ) in text
    # each key links back to the tracker (issue 14)
    assert (
        '<a href="http://tracker.invalid/browse/GREEN-F1" style="color:#0052cc;">GREEN-F1</a>'
        in html
    )
    # aging beyond p85 at the reports' default level, features: GREEN-F1 (golden figures)
    lines = text.splitlines()
    aging = lines[lines.index("AGING BEYOND THE 85TH PERCENTILE (13.38 days)") + 1 :][:2]
    assert aging == [
        "- GREEN-F1 <http://tracker.invalid/browse/GREEN-F1> (Green, In Progress): 22.12 days",
        "",
    ]
    # flow of the period (from the last week) against the week before it: BLUE-F1 done 1 Feb
    flow = "FLOW, 2026-02-03 to 2026-02-11 (feature level): this period / previous / change"
    assert flow in lines
    assert "- Items done: 0 / 1 / -1" in lines
    assert "DEPENDENCIES NEEDING ATTENTION (7 of 11)" in lines
    images = [p for p in msg.walk() if p.get_content_type() == "image/png"]
    assert sorted(p["Content-ID"] for p in images) == ["<aging@trainyard>", "<burnup@trainyard>"]
    assert all(p.get_content().startswith(b"\x89PNG") for p in images)
    assert 'src="cid:burnup@trainyard"' in html and 'src="cid:aging@trainyard"' in html


def test_preview_returns_the_html_and_next_send_reports_changes(
    api: Api, smtp: tuple[Inbox, int]
) -> None:
    _, port = smtp
    digest = _digest(api, port, sections=["dependencies"])
    admin = bearer(api.tokens["admin"])
    preview = api.client.get(
        f"/api/v1/digests/{digest['id']}/preview", params={"as_of": AS_OF}, headers=admin
    )
    assert preview.headers["content-type"].startswith("text/html")
    assert "Dependencies needing attention" in preview.text
    assert "PI predictability" not in preview.text
    listed = api.client.get("/api/v1/digests", headers=admin).json()["data"]
    assert [(d["name"], d["cron"], d["timezone"]) for d in listed] == [
        ("Weekly", "0 8 * * MON", "Europe/Berlin")
    ]


@pytest.mark.parametrize(
    ("field", "value", "status"),
    [
        ("cron", "every monday", 422),
        ("timezone", "Mars/Olympus", 422),
        ("recipients", ["not-an-address"], 422),
        ("sections", ["gossip"], 422),
        ("art", "Dragon", 422),
    ],
)
def test_bad_digest_fields_are_named(api: Api, field: str, value: Any, status: int) -> None:
    body = {"name": "W", "art": ART, "cron": "0 8 * * MON", "recipients": ["a@b.co"], field: value}
    resp = api.client.post("/api/v1/digests", json=body, headers=bearer(api.tokens["admin"]))
    assert resp.status_code == status
    assert resp.json()["errors"][0]["parameter"].split(".")[0] == field


def test_preview_shows_the_charts_inline_and_the_mail_keeps_cid_attachments(
    api: Api, smtp: tuple[Inbox, int], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "app.digests.service")
    inbox, port = smtp
    digest = _digest(api, port)
    admin = bearer(api.tokens["admin"])
    path = f"/api/v1/digests/{digest['id']}"
    preview = api.client.get(f"{path}/preview", params={"as_of": AS_OF}, headers=admin).text
    assert api.client.post(f"{path}/send", params={"as_of": AS_OF}, headers=admin).is_success
    msg = inbox.messages[0]
    parts = {p["Content-ID"]: p.get_content() for p in msg.walk() if p["Content-ID"]}
    assert "cid:" not in preview
    for cid in ("burnup@trainyard", "aging@trainyard"):
        uri = "data:image/png;base64," + base64.b64encode(parts[f"<{cid}>"]).decode()
        assert f'src="{uri}"' in preview  # the very chart the e-mail attaches
    html = msg.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert 'src="cid:burnup@trainyard"' in html and "data:image" not in html
    (sent,) = [r.getMessage() for r in caplog.records if r.name == "app.digests.service"]
    assert re.fullmatch(  # one line per digest sent
        rf"digest {digest['id']} sent to 2 recipient\(s\): Weekly: {ART} digest for "
        r"2026-02-10 \(2 chart\(s\), \d+\.\d\d s\)",
        sent,
    ), sent


def test_digest_uses_the_reports_default_level_and_definitions(api: Api) -> None:
    """The digest's flow and aging are GET /flow's and GET /aging's answers with their
    defaults (features for the ART), not a level of its own."""
    state = api.client.app.state.trainyard  # type: ignore[attr-defined]
    as_of = datetime.fromisoformat(AS_OF)
    since = datetime.fromisoformat("2026-01-20T00:00:00+00:00")  # BLUE-F1, done 1 Feb, is in
    content = compose(api.reports, state.sessions, ART, ["flow", "aging"], as_of, since, None)
    flow = content.sections["flow"]
    report = api.get("/flow", **{"from": flow["from"], "to": flow["to"]}).json()
    rows = {r["metric"]: r for r in flow["rows"]}
    assert (flow["level"], report["level"]) == ("feature", "feature")
    assert rows["Items done"]["value"] == report["velocity"]["items"] == 1
    assert rows["Flow efficiency %"]["value"] == report["efficiency_pct"] == 100.0
    assert rows["Flow efficiency %"]["note"] == report["efficiency_note"] is not None
    aging = api.get("/aging").json()
    assert content.sections["aging"]["reference"] == aging["reference"]
    assert content.sections["aging"]["items"] == [r for r in aging["data"] if r["over_p85"]]
