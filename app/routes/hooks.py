"""Webhooks in: verify, store durably, answer 202; the inbox worker applies them."""

from __future__ import annotations

import json
import logging
import threading
from typing import Any, NoReturn

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from app.deps import StateDep
from app.problems import problem
from app.state import AppState
from art.config import TrainyardConfig
from art.errors import NotFound, WebhookRejected
from connectors.base import Connector, make_connector
from sync.inbox import receive
from sync.runner import source_row

log = logging.getLogger(__name__)
router = APIRouter(tags=["webhooks in"])
_lock = threading.Lock()
ACCEPTED: dict[int | str, dict[str, Any]] = {
    202: {
        "description": "stored durably; applied asynchronously (a body whose values cannot "
        "be used is kept as failed, with the reason)"
    },
    400: {"description": "the body is not valid JSON"},
    401: {
        "description": "the signature or credentials do not match the source's secret, or "
        "the source has no secret and does not accept unsigned deliveries"
    },
    404: {"description": "no source of this kind and name is configured"},
    413: {"description": "the body is larger than TRAINYARD_WEBHOOK_MAX_BODY_BYTES"},
    415: {"description": "the body is not application/json"},
}


def warn_unsigned(config: TrainyardConfig) -> None:
    """At start-up: name each source whose webhooks anyone who can reach them may send."""
    for source in config.sources:
        if source.webhook_allow_unsigned and source.webhook_secret_env is None:
            log.warning(
                "source '%s' accepts unsigned webhooks (webhook_allow_unsigned = true and no "
                "webhook_secret_env): anyone who can reach its webhook endpoint can push "
                "events into it",
                source.name,
            )


def _no_constant(name: str) -> NoReturn:
    """``json.loads`` takes NaN and Infinity, which JSON (RFC 8259) does not have."""
    raise ValueError(f"{name} is not a JSON value")


def _connector(state: AppState, source: str, kind: str) -> tuple[int, Connector]:
    """The source's connector (cached per process), checking the source has this kind."""
    cfg = next((s for s in state.config.sources if s.name == source), None)
    if cfg is None or cfg.kind != kind:
        raise NotFound(f"no {kind} source named '{source}' is configured")
    cache: dict[str, tuple[int, Connector]] = state.extras.setdefault("hook_connectors", {})
    with _lock:
        if source not in cache:
            with state.sessions() as session:
                source_id = source_row(session, source).id
            pis = list(state.config.art(cfg.art).pis)
            cache[source] = (source_id, make_connector(cfg, pis))
        return cache[source]


async def _accept(request: Request, state: AppState, source: str, kind: str) -> JSONResponse:
    limit = state.settings.webhook_max_body_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return problem(413, "Payload too large", f"webhook bodies are limited to {limit} bytes")
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        return problem(
            415,
            "Unsupported media type",
            f"webhook bodies must be application/json, got '{ctype or 'none'}'",
        )
    received = bytearray()
    async for chunk in request.stream():  # without Content-Length: stop at the limit
        received += chunk
        if len(received) > limit:
            return problem(413, "Payload too large", f"webhook bodies are limited to {limit} bytes")
    body = bytes(received)
    try:
        json.loads(body, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:  # RecursionError: nested too deep to parse
        return problem(400, "Invalid JSON", f"the webhook body is not valid JSON: {exc}")
    source_id, connector = await run_in_threadpool(_connector, state, source, kind)
    try:
        receipt = await run_in_threadpool(
            receive, state.sessions, source_id, connector, dict(request.headers), body
        )
    except WebhookRejected as exc:
        return problem(401, "Webhook rejected", str(exc))
    sync = state.extras.get("sync")
    if sync is not None:
        sync.notify(source)
    return JSONResponse(
        {"status": receipt.status, "event_id": receipt.event_id, "duplicate": receipt.duplicate},
        status_code=202,
    )


@router.post("/hooks/jira/{source}", status_code=202, responses=ACCEPTED)
async def jira_hook(request: Request, source: str, state: StateDep) -> JSONResponse:
    """Jira webhooks (issue, issue link, sprint events); HMAC `X-Hub-Signature` checked.

    A repeated delivery (same `X-Atlassian-Webhook-Identifier`) also gets 202, never 409,
    because Jira retries on 409."""
    return await _accept(request, state, source, "jira")


@router.post("/hooks/azure-devops/{source}", status_code=202, responses=ACCEPTED)
async def azure_devops_hook(request: Request, source: str, state: StateDep) -> JSONResponse:
    """Azure DevOps service hook events (workitem.created/updated/deleted/restored);
    basic auth or the shared secret header checked."""
    return await _accept(request, state, source, "azure-devops")
