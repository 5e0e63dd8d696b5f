"""What one running process holds: settings, configuration, database handles, services.

The web (app/main.py) and the worker (app/worker.py) build the very same state: the web
serves requests with it, the worker adds the services' jobs to its scheduler, and
``trainyard start`` does both with one state.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app import configuration
from app.demo import Demo, start_demo
from app.digests.service import DigestService
from app.outgoing.service import OutgoingService
from app.page_cache import PageCache
from app.reports.service import ReportService
from app.settings import Settings
from app.token_grants import GrantCache
from art.config import TrainyardConfig
from art.db import check_migrated, lookup_sessions, make_engine, session_factory, transaction
from sync.scheduler import SyncService
from sync.structure import apply_config


@dataclass
class AppState:
    settings: Settings
    config: TrainyardConfig
    engine: Engine
    sessions: sessionmaker[Session]
    lookups: sessionmaker[Session]  # for one-row lookups: each statement commits on its own
    reports: ReportService
    sync: SyncService
    digests: DigestService
    outgoing: OutgoingService
    grants: GrantCache  # checked API tokens' scopes, kept a few seconds
    demo: Demo | None = None  # the demo trackers, when there is no configuration file
    pages: PageCache = field(default_factory=PageCache)  # the BI lists' pages, per store version


def build_state(settings: Settings, config: TrainyardConfig | None = None) -> AppState:
    """Engine, sessions, configuration (written to the store) and services, none started;
    refuses an un-migrated database. With no configuration (neither given nor on disk) the
    demo trackers are started."""
    config = config if config is not None else configuration.load(settings)
    engine = make_engine(settings.database_url)
    check_migrated(engine)
    demo = None
    if config is None:
        demo = start_demo(settings.demo_items)
        config = demo.config
    sessions = session_factory(engine)
    with transaction(sessions) as session:
        apply_config(session, config)
    reports = ReportService(sessions, config)
    return AppState(
        settings=settings,
        config=config,
        engine=engine,
        sessions=sessions,
        lookups=lookup_sessions(sessions),
        reports=reports,
        sync=SyncService(sessions, config),
        digests=DigestService(sessions, reports, settings),
        outgoing=OutgoingService(sessions, settings, reports),
        grants=GrantCache(settings.token_cache_seconds),
        demo=demo,
    )


def database_shown(state: AppState) -> str:
    """The database URL as logs may show it: without its password."""
    return state.engine.url.render_as_string(hide_password=True)


def close_state(state: AppState) -> None:
    """Release what :func:`build_state` made, once the worker (if any) has stopped."""
    state.sync.close()
    state.outgoing.close()
    state.reports.close()
    if state.demo is not None:
        state.demo.stop()
    state.engine.dispose()
