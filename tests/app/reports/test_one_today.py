"""One "today": digests and the event watcher take the day and the current PI in the ART's
time zone, as the API does, on SQLite and PostgreSQL.

The ART is in Auckland (UTC+13 in March): at 12:30 UTC on 15 March it is already 01:30 on
16 March there, the first day of PI 26.2, while the UTC date is still the last day of
PI 26.1.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.digests.compose import compose
from app.digests.service import DigestService
from app.outgoing.watch import ReportWatcher
from app.reports.context import context_at
from app.reports.service import ReportService
from app.settings import Settings
from art.config import TrainyardConfig
from art.models import Digest
from art.structure_queries import art_by_name
from sync.structure import apply_config

AS_OF = datetime(2026, 3, 15, 12, 30, tzinfo=UTC)  # 2026-03-16 01:30 in Auckland
CONFIG = TrainyardConfig.model_validate(
    {
        "arts": [
            {
                "name": "Kiwi",
                "timezone": "Pacific/Auckland",
                "teams": [{"name": "Blue"}],
                "pis": [
                    {"name": "PI 26.1", "start": "2026-01-05", "end": "2026-03-15"},
                    {"name": "PI 26.2", "start": "2026-03-16", "end": "2026-05-31"},
                ],
            }
        ]
    }
)


@pytest.fixture
def reports(sessions: sessionmaker[Session]) -> ReportService:
    with sessions() as session, session.begin():
        apply_config(session, CONFIG)
    return ReportService(sessions, CONFIG)


def test_the_api_context_takes_the_art_day(reports: ReportService) -> None:
    ctx = context_at(reports, "Kiwi", AS_OF)
    assert AS_OF.date() == date(2026, 3, 15)
    assert (ctx.today, ctx.current_pi()) == (date(2026, 3, 16), "PI 26.2")


def test_the_watcher_judges_the_pi_of_the_art_day(
    sessions: sessionmaker[Session], reports: ReportService
) -> None:
    watcher = ReportWatcher(sessions, reports)
    assert watcher.figures("Kiwi", AS_OF)["pi"] == "PI 26.2"


def test_a_digest_covers_the_art_days_and_pi(
    sessions: sessionmaker[Session], reports: ReportService, store_url: str
) -> None:
    content = compose(reports, sessions, "Kiwi", ["flow"], AS_OF, None, None)
    assert content.period == (date(2026, 3, 9), date(2026, 3, 17))
    assert content.sections["pi"] == "PI 26.2"
    assert content.today == date(2026, 3, 16)
    assert content.sections["flow"]["from"] == "2026-03-09"
    assert content.sections["flow"]["to"] == "2026-03-17"

    with sessions() as session, session.begin():
        row = Digest(
            name="Daily",
            art_id=art_by_name(session, "Kiwi").id,
            cron="0 8 * * *",
            timezone="Pacific/Auckland",
            recipients=["rte@example.com"],
            sections=["flow"],
            created_at=AS_OF,
        )
        session.add(row)
        session.flush()
        digest_id = row.id
    service = DigestService(sessions, reports, Settings(database_url=store_url))
    rendered = service.render(digest_id, AS_OF)
    assert rendered.subject == "Daily: Kiwi digest for 2026-03-16"
    assert "2026-03-09 to 2026-03-17" in rendered.text
