"""The report service asks the store for an ART's data version once per version, not once per
request (art.version_watch)."""

from __future__ import annotations

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from app.reports.service import ReportService
from art.db import transaction
from art.models import ART
from art.structure_queries import next_data_version
from tests.app.reports.test_one_today import CONFIG


def test_the_report_service_asks_the_store_once_per_data_version(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    """What the watch saves: the data-version lookup each report request used to make."""
    with transaction(sessions) as session:
        art = ART(name="Orion", timezone="UTC", data_version=3)
        session.add(art)
        session.flush()
        art_id = art.id
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    service = ReportService(sessions, CONFIG)
    service.versions.trust_seconds = 3600.0  # counted reads: no expiry on a slow machine
    assert service.versions.started(within=10)
    assert [service.version("Orion") for _ in range(4)] == [(art_id, 3)] * 4
    asked = [s for s in statements if "data_version" in s and s.lstrip().startswith("SELECT")]
    assert len(asked) == 1
    with transaction(sessions) as session:
        next_data_version(session, art_id)
    assert [service.version("Orion") for _ in range(4)] == [(art_id, 4)] * 4
    asked = [s for s in statements if "data_version" in s and s.lstrip().startswith("SELECT")]
    assert len(asked) == 2
    service.close()
