"""How every long-running command logs: one place, text by default, JSON for log shippers.

``TRAINYARD_LOG_FORMAT=json`` writes one JSON object a line (``time``, ``level``, ``logger``,
``message``, plus the record's extra fields such as ``source`` or ``seconds``); ``text`` (the
default) writes ``time LEVEL logger: message``. Uvicorn's own loggers (its access log: one
line a request) propagate to the same handler, so they follow the same format.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, Literal

from simulators.server import THREAD_NAME

LogFormat = Literal["text", "json"]
TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
HANDLER = "trainyard-stderr"
NOISY = ("apscheduler.executors", "httpx", "httpcore")
# attributes every LogRecord has: anything else on a record came in through ``extra``
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class NotSimulators(logging.Filter):
    """Drops uvicorn's lines from the demo's simulated trackers (their threads): their
    requests are not this service's traffic, and the demo logs where they listen."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name.startswith("uvicorn") and record.threadName == THREAD_NAME)


class NotJobBookkeeping(logging.Filter):
    """Drops APScheduler's line per job added or removed (two dozen at every start): the
    worker logs its jobs in one line of its own; the scheduler's start, stop and warnings
    (a missed or failed run) still come through."""

    BOOKKEEPING = ("Adding job tentatively", "Added job ", "Removed job ")

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.name == "apscheduler.scheduler" and str(record.msg).startswith(self.BOOKKEEPING)
        )


class JsonFormatter(logging.Formatter):
    """One JSON object per record; the exception, when there is one, as ``error``."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["error"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


def configure_logging(fmt: LogFormat = "text", level: int = logging.INFO) -> None:
    """Log ``level`` and above to stderr in ``fmt``; the libraries' chatter (one line per
    tracker request or scheduler run) only from WARNING. Replaces the handler an earlier call
    added (so no line is printed twice) and leaves other handlers (a test's capture) alone."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT))
    handler.setLevel(level)
    handler.addFilter(NotSimulators())
    handler.addFilter(NotJobBookkeeping())
    handler.set_name(HANDLER)
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == HANDLER]:
        root.removeHandler(old)
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()  # uvicorn's own, when it configured itself before
        logger.propagate = True
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(logging.WARNING)
