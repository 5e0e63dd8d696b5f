"""Response models of the admin endpoints: sources and sync runs, the webhook inbox, API
tokens, outgoing webhook subscriptions and their deliveries, digests."""

from __future__ import annotations

import datetime as dt

from pydantic import ConfigDict, Field

from app.api_models.base import ApiModel

EX_AT = "2026-12-02T06:00:41.697231+00:00"


class Listing(ApiModel):
    """A list answered in one page: ``next_cursor`` is always null."""

    next_cursor: str | None = Field(description="always null: the whole list is answered")


class RunBrief(ApiModel):
    id: int = Field(description="the sync run's id")
    status: str = Field(description="running, succeeded or failed")
    started_at: dt.datetime = Field(description="when it started")
    finished_at: dt.datetime | None = Field(description="when it ended; null while it runs")


class SourceOut(ApiModel):
    name: str = Field(description="the source's name in the configuration")
    kind: str = Field(description="jira or azure_devops")
    url: str = Field(description="the tracker's address")
    last_run: RunBrief | None = Field(description="its latest pull; null if never pulled")
    last_success_at: dt.datetime | None = Field(description="when its last good pull ended")
    lag_seconds: float | None = Field(description="seconds since then")
    watermark: str | None = Field(description="where the next incremental pull starts")


class SourceList(Listing):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "data": [
                        {
                            "name": "demo-jira",
                            "kind": "jira",
                            "url": "https://acme.atlassian.net",
                            "last_run": {
                                "id": 1,
                                "status": "succeeded",
                                "started_at": "2026-12-02T06:00:40.995901+00:00",
                                "finished_at": EX_AT,
                            },
                            "last_success_at": EX_AT,
                            "lag_seconds": 2.1,
                            "watermark": "2026-12-01T23:14:00+00:00",
                        }
                    ],
                    "next_cursor": None,
                }
            ]
        }
    )

    data: list[SourceOut] = Field(description="every configured source")


class SyncRunOut(ApiModel):
    id: int = Field(description="the run's id")
    source: str = Field(description="the source pulled")
    mode: str = Field(description="full (first pull or reconciliation) or incremental")
    status: str = Field(description="running, succeeded or failed")
    started_at: dt.datetime = Field(description="when it started")
    finished_at: dt.datetime | None = Field(description="when it ended")
    fetched: int = Field(description="items read from the tracker")
    created: int = Field(description="items new to Trainyard")
    updated: int = Field(description="items changed")
    deleted: int = Field(description="items found deleted")
    skipped: int = Field(description="items left out (not of a configured ART or unchanged)")
    requests: int = Field(description="HTTP requests made to the tracker")
    error: str | None = Field(description="why it failed, if it did")


class SyncRunPage(ApiModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "data": [
                        {
                            "id": 2,
                            "source": "demo-ado",
                            "mode": "full",
                            "status": "succeeded",
                            "started_at": "2026-12-02T06:00:41.780820+00:00",
                            "finished_at": "2026-12-02T06:00:42.257727+00:00",
                            "fetched": 589,
                            "created": 589,
                            "updated": 0,
                            "deleted": 0,
                            "skipped": 0,
                            "requests": 47,
                            "error": None,
                        }
                    ],
                    "next_cursor": None,
                }
            ]
        }
    )

    data: list[SyncRunOut] = Field(description="the runs of this page, newest first")
    next_cursor: str | None = Field(description="`cursor` for the next page; null on the last")


class SyncStarted(ApiModel):
    """A pull was started."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"source": "demo-jira", "mode": "incremental", "status": "started"}]
        }
    )

    source: str = Field(description="the source being pulled")
    mode: str = Field(description="full (first pull or `full=true`) or incremental")
    status: str = Field(description="always `started`")


class InboxEventOut(ApiModel):
    id: int = Field(description="the stored webhook's id")
    source: str = Field(description="the source it was sent to")
    delivery_id: str | None = Field(description="the tracker's id of the delivery")
    event_type: str | None = Field(description="the tracker's event name")
    item_key: str | None = Field(description="the item it is about")
    revision: str | None = Field(description="the item's revision it carries")
    status: str = Field(description="pending, applied, failed, duplicate or ignored")
    error: str | None = Field(description="why it failed, if it did")
    received_at: dt.datetime = Field(description="when it arrived")
    processed_at: dt.datetime | None = Field(description="when it was applied")


class InboxPage(ApiModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "data": [
                        {
                            "id": 7,
                            "source": "demo-jira",
                            "delivery_id": "c0a8012e-4f7b-4d7e-9a55-6f1d9d2a1b33",
                            "event_type": "jira:issue_updated",
                            "item_key": "ATLAS-105",
                            "revision": "1733122841000",
                            "status": "applied",
                            "error": None,
                            "received_at": "2026-12-02T06:00:41+00:00",
                            "processed_at": "2026-12-02T06:00:42+00:00",
                        }
                    ],
                    "next_cursor": None,
                }
            ]
        }
    )

    data: list[InboxEventOut] = Field(description="the webhooks of this page, newest first")
    next_cursor: str | None = Field(description="`cursor` for the next page; null on the last")


class TokenOut(ApiModel):
    id: int = Field(description="the token's id (to revoke it)")
    name: str = Field(description="who or what it is for")
    scopes: list[str] = Field(description="read, write and/or admin")
    status: str = Field(description="active, expired or revoked")
    created_at: dt.datetime = Field(description="when it was made")
    last_used_at: dt.datetime | None = Field(description="when it was last used")
    expires_at: dt.datetime | None = Field(description="when it stops working; null: never")
    revoked_at: dt.datetime | None = Field(description="when it was revoked")


class TokenList(Listing):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "data": [
                        {
                            "id": 1,
                            "name": "powerbi",
                            "scopes": ["read"],
                            "status": "active",
                            "created_at": "2026-11-02T08:00:00+00:00",
                            "last_used_at": EX_AT,
                            "expires_at": None,
                            "revoked_at": None,
                        }
                    ],
                    "next_cursor": None,
                }
            ]
        }
    )

    data: list[TokenOut] = Field(description="every token, revoked and expired ones included")


class SubscriptionOut(ApiModel):
    id: int = Field(description="the subscription's id")
    url: str = Field(description="where events are posted")
    events: list[str] = Field(description="the event types it receives (`*`: all)")
    description: str | None = Field(description="what it is for")
    active: bool = Field(description="false once deleted or disabled after repeated failures")
    consecutive_failures: int = Field(description="deliveries failed in a row")
    disabled_at: dt.datetime | None = Field(description="when it was disabled, if it was")
    created_at: dt.datetime = Field(description="when it was added")


class SubscriptionList(Listing):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "data": [
                        {
                            "id": 1,
                            "url": "https://hooks.example.com/trainyard",
                            "events": ["dependency.status_changed"],
                            "description": "RTE channel",
                            "active": True,
                            "consecutive_failures": 0,
                            "disabled_at": None,
                            "created_at": "2026-11-02T08:00:00+00:00",
                        }
                    ],
                    "next_cursor": None,
                }
            ]
        }
    )

    data: list[SubscriptionOut] = Field(description="every subscription")


class AttemptOut(ApiModel):
    at: dt.datetime = Field(description="when it was tried")
    status_code: int | None = Field(description="the endpoint's HTTP status")
    latency_ms: int | None = Field(description="how long the endpoint took")
    response: str | None = Field(description="the start of the endpoint's answer")
    error: str | None = Field(description="why it failed, if it did")


class DeliveryOut(ApiModel):
    id: int = Field(description="the delivery's id (to redeliver it)")
    event_id: str = Field(description="the event's id, the same for every attempt")
    event_type: str = Field(description="the event's type")
    status: str = Field(description="pending, delivered or failed")
    attempts: int = Field(description="attempts made")
    next_attempt_at: dt.datetime = Field(description="when it is tried next")
    delivered_at: dt.datetime | None = Field(description="when the endpoint accepted it")
    log: list[AttemptOut] = Field(description="every attempt")


class DeliveryList(Listing):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "data": [
                        {
                            "id": 12,
                            "event_id": "msg_5f0c3a2b9d4e4c1a8b7e6d5c4b3a2910",
                            "event_type": "dependency.status_changed",
                            "status": "delivered",
                            "attempts": 1,
                            "next_attempt_at": EX_AT,
                            "delivered_at": EX_AT,
                            "log": [
                                {
                                    "at": EX_AT,
                                    "status_code": 200,
                                    "latency_ms": 84,
                                    "response": "ok",
                                    "error": None,
                                }
                            ],
                        }
                    ],
                    "next_cursor": None,
                }
            ]
        }
    )

    data: list[DeliveryOut] = Field(description="the latest 200 deliveries, newest first")


class DigestOut(ApiModel):
    id: int = Field(description="the digest's id")
    name: str = Field(description="its name")
    art: str = Field(description="the ART it reports on")
    cron: str = Field(description="when it is sent: five-field crontab")
    timezone: str = Field(description="the time zone of the crontab")
    recipients: list[str] = Field(description="e-mail addresses")
    sections: list[str] = Field(description="predictability, dependencies, flow, aging, sync")
    active: bool = Field(description="false once deleted")
    last_sent_at: dt.datetime | None = Field(description="when it was last sent")
    next_run_at: dt.datetime | None = Field(description="when it is sent next")


class DigestList(Listing):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "data": [
                        {
                            "id": 1,
                            "name": "Monday RTE digest",
                            "art": "Orion",
                            "cron": "0 8 * * MON",
                            "timezone": "Europe/Paris",
                            "recipients": ["rte@example.com"],
                            "sections": ["predictability", "dependencies", "flow"],
                            "active": True,
                            "last_sent_at": None,
                            "next_run_at": "2026-12-07T07:00:00+00:00",
                        }
                    ],
                    "next_cursor": None,
                }
            ]
        }
    )

    data: list[DigestOut] = Field(description="every digest")
