"""The console over the golden ART (the same store and configuration as the API tests)."""

from __future__ import annotations

from tests.app.api.conftest import api, app_config

__all__ = ["api", "app_config"]
