"""What one running service holds: settings, configuration, database handles."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.settings import Settings
from art.config import TrainyardConfig


@dataclass
class AppState:
    settings: Settings
    config: TrainyardConfig
    engine: Engine
    sessions: sessionmaker[Session]
    extras: dict[str, Any] = field(default_factory=dict)
