"""Service endpoints: liveness and readiness (docs/api.md "Service")."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app.api_models.service import Health, Readiness
from app.deps import StateDep
from art.db import NotMigrated, check_migrated

router = APIRouter(tags=["service"])


@router.get("/healthz", response_model=Health)
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"description": "database unreachable or not migrated"}},
)
def readyz(state: StateDep) -> JSONResponse:
    """The database answers and its schema is at the current migration."""
    try:
        with state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        check_migrated(state.engine)
    except NotMigrated as exc:
        return JSONResponse({"status": "unready", "reason": str(exc)}, status_code=503)
    except Exception as exc:  # any driver error means "not ready", with its reason
        return JSONResponse(
            {"status": "unready", "reason": f"database unreachable: {exc}"}, status_code=503
        )
    return JSONResponse({"status": "ready"})
