"""Process settings from the environment (``TRAINYARD_*``), via pydantic-settings.

Settings are about the process (where the database is, which port, SMTP); the ART itself is
described by the configuration file (art/config.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRAINYARD_", extra="ignore")

    database_url: str = "sqlite:///trainyard.db"
    config: Path | None = Field(default=None, description="path of trainyard.toml")
    data_dir: Path = Path("data")
    host: str = "127.0.0.1"
    port: int = 8000
    scheduler: bool = True
    webhook_max_body_bytes: int = 1_048_576
    webhook_allow_private_urls: bool = False
    webhook_allow_loopback: bool = False
    webhook_retry_scale: float = 1.0  # multiplies the retry schedule (tests shrink it)
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "trainyard@localhost"
    public_url: str = "http://127.0.0.1:8000"
    demo_items: int = 1500
    log_format: Literal["text", "json"] = "text"  # json: one object a line, for log shippers
    # how long a checked API token's scopes are kept in the process (app/token_grants.py)
    token_cache_seconds: float = Field(default=5.0, ge=0, le=300)

    def config_path(self) -> Path | None:
        """The configuration file: TRAINYARD_CONFIG, else ./trainyard.toml when it exists."""
        if self.config is not None:
            return self.config
        default = Path("trainyard.toml")
        return default if default.exists() else None
