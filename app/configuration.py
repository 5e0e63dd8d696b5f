"""Which ART configuration the service runs: the file, or the built-in demo."""

from __future__ import annotations

from app.settings import Settings
from art.config import ArtConfig, TrainyardConfig, load_config


def demo_config() -> TrainyardConfig:
    """The demo: one ART whose sources are the built-in tracker simulators."""
    return TrainyardConfig(arts=[ArtConfig(name="Phoenix")], sources=[], demo=True)


def load(settings: Settings) -> TrainyardConfig:
    """Load TRAINYARD_CONFIG (or ./trainyard.toml); with neither, run the demo."""
    path = settings.config_path()
    if path is None:
        return demo_config()
    return load_config(path)
