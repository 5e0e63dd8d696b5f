"""Which ART configuration the service runs: the file, or the built-in demo."""

from __future__ import annotations

from app.settings import Settings
from art.config import TrainyardConfig, load_config


def load(settings: Settings) -> TrainyardConfig | None:
    """Load TRAINYARD_CONFIG (or ./trainyard.toml); None means: run the built-in demo."""
    path = settings.config_path()
    if path is None:
        return None
    return load_config(path)
