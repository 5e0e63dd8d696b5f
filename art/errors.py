"""One small exception tree; each class carries the HTTP status the API answers with.

Tracker and httpx errors are translated into these at the connector boundary, so sync and the
API handle one vocabulary.
"""

from __future__ import annotations


class TrainyardError(Exception):
    """Base of every error Trainyard raises on purpose."""

    status_code: int = 500
    title: str = "Internal error"


class ConfigError(TrainyardError):
    """The configuration file or the environment is invalid."""

    status_code = 500
    title = "Invalid configuration"


class NotFound(TrainyardError):
    status_code = 404
    title = "Not found"


class BadRequest(TrainyardError):
    """A request parameter is invalid; ``parameter`` names it."""

    status_code = 400
    title = "Bad request"

    def __init__(self, message: str, parameter: str | None = None) -> None:
        super().__init__(message)
        self.parameter = parameter


class ConnectorError(TrainyardError):
    """A tracker could not be read."""

    status_code = 502
    title = "Tracker error"


class ConnectorAuthError(ConnectorError):
    """The tracker refused our credentials (401/403): nothing to retry."""

    title = "Tracker refused the credentials"


class RateLimited(ConnectorError):
    """The tracker asked us to slow down and retries ran out."""

    status_code = 503
    title = "Tracker rate limit"

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TrackerUnavailable(ConnectorError):
    """The tracker could not be reached or kept failing (5xx, timeouts, resets)."""

    status_code = 503
    title = "Tracker unavailable"


class BadPayload(ConnectorError):
    """Tracker JSON that cannot be mapped (malformed, missing required fields)."""

    status_code = 422
    title = "Malformed tracker payload"


class NotJson(BadPayload):
    """A webhook body that is not JSON at all (RFC 8259): refused, nothing is kept."""

    status_code = 400
    title = "Invalid JSON"


class WebhookRejected(TrainyardError):
    """A webhook failed verification (bad signature or credentials)."""

    status_code = 401
    title = "Webhook rejected"


class Conflict(TrainyardError):
    """The request conflicts with who owns the data (e.g. a tracker-owned objective)."""

    status_code = 409
    title = "Conflict"
