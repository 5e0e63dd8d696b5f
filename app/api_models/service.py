"""Response models of the service endpoints: liveness and readiness."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from app.api_models.base import ApiModel


class Health(ApiModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok"}]})

    status: str = Field(description="`ok` while the process is up")


class Readiness(ApiModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ready"}]})

    status: str = Field(description="`ready`, or `unready` with a 503")
    reason: str | None = Field(default=None, description="with `unready`: why")
