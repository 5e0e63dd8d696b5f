"""Webhooks in: verify, parse, store durably, answer 202; the worker's inbox job applies them.

The body is read here (bounded) and handed as bytes to the sync service, where the source's
connector (the one the inbox drain uses too) verifies it and parses it, once.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from app.deps import StateDep
from app.problems import problem
from app.state import AppState
from art.config import TrainyardConfig

log = logging.getLogger(__name__)
router = APIRouter(tags=["webhooks in"])
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


def warn_unsigned(config: TrainyardConfig, demo: bool = False) -> None:
    """At start-up: name each source whose webhooks anyone who can reach them may send, and
    each whose webhook secret variable is unset or empty (its deliveries will be refused).
    The demo's sources take unsigned webhooks on purpose (to be tried without a secret, on
    loopback): said once as information, not as a warning at every ``make run``."""
    for source in config.sources:
        var = source.webhook_secret_env
        if var is not None and not os.environ.get(var):
            log.error(
                "source '%s': webhook_secret_env names environment variable %s, which is %s: "
                "its webhook deliveries will be refused until it is set",
                source.name,
                var,
                "empty" if var in os.environ else "not set",
            )
        elif source.webhook_allow_unsigned and var is None and demo:
            log.info(
                "demo source '%s' accepts unsigned webhooks, so they can be tried without a "
                "secret; a real source sets webhook_secret_env",
                source.name,
            )
        elif source.webhook_allow_unsigned and var is None:
            log.warning(
                "source '%s' accepts unsigned webhooks (webhook_allow_unsigned = true and no "
                "webhook_secret_env): anyone who can reach its webhook endpoint can push "
                "events into it",
                source.name,
            )


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
    # NotFound (404), WebhookRejected (401) and NotJson (400) are answered as problems
    receipt = await run_in_threadpool(
        state.sync.receive, source, kind, dict(request.headers), bytes(received)
    )
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
