"""The golden ART behind the app (tests/app/api/conftest.py), for the reporting tests."""

from tests.app.api.conftest import api, app_config

__all__ = ["api", "app_config"]
