"""The scopes of recently checked API tokens, kept in this process for a few seconds.

Every API request carries a token, and checking it was a database round trip per request.
Under load (20 readers while a pull runs and webhooks arrive, the benchmark's steady
section) a third of the request threads' time went to that lookup: each round trip gives
up the interpreter lock and waits to take it back behind the pull and the report refreshes.
So a grant is kept for ``seconds`` (``TRAINYARD_TOKEN_CACHE_SECONDS``) after its token was
read from the store:

- an expiry is exact: the token's end is kept with its grant and checked at each use;
- a revocation through this process's API drops the grant at once, and for ``seconds`` no
  grant of that token is kept (a request reading the row before the revocation committed
  cannot keep it alive);
- a revocation made elsewhere (another replica, ``trainyard token revoke``) is seen
  within ``seconds``;
- refusals are never kept: an unknown or refused token costs a lookup each time, so
  random tokens cannot fill the cache, and a refusal always says why.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from app.tokens import Checked, hash_token

SIZE = 1024  # grants kept at most (the least recently used go first)


@dataclass(frozen=True)
class _Kept:
    checked: Checked
    until: float  # on the cache's clock


class GrantCache:
    """Grants of checked tokens by the hash of their secret; thread-safe. ``seconds`` 0
    keeps none (every request reads the store, as before this cache)."""

    def __init__(
        self, seconds: float, size: int = SIZE, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds, self.size, self.clock = seconds, size, clock
        self._kept: OrderedDict[str, _Kept] = OrderedDict()
        # token id -> until when none of its grants is kept (pruned at each revocation)
        self._revoked: dict[int, float] = {}
        self._lock = threading.Lock()

    def scopes(self, secret: str, now: datetime, check: Callable[[], Checked]) -> frozenset[str]:
        """The scopes ``secret`` grants: kept, or from ``check`` (which reads the store and
        raises TokenRefused when it may not be used), then kept."""
        if self.seconds <= 0:
            return check().scopes
        key = hash_token(secret)
        kept = self._get(key, now)
        if kept is not None:
            return kept.scopes
        checked = check()
        self._keep(key, checked)
        return checked.scopes

    def forget(self, token_id: int) -> None:
        """Drop the grants of a token revoked in this process, and keep none for a while."""
        with self._lock:
            now = self.clock()
            self._revoked = {t: until for t, until in self._revoked.items() if until > now}
            self._revoked[token_id] = now + self.seconds
            for key in [k for k, v in self._kept.items() if v.checked.token_id == token_id]:
                del self._kept[key]

    def _get(self, key: str, now: datetime) -> Checked | None:
        with self._lock:
            kept = self._kept.get(key)
            if kept is None:
                return None
            ended = kept.checked.expires_at is not None and now >= kept.checked.expires_at
            if ended or self.clock() >= kept.until:
                del self._kept[key]  # the store says why (expired), or says it again
                return None
            self._kept.move_to_end(key)
            return kept.checked

    def _keep(self, key: str, checked: Checked) -> None:
        with self._lock:
            now = self.clock()
            if self._revoked.get(checked.token_id, now) > now:
                return
            self._kept[key] = _Kept(checked, now + self.seconds)
            self._kept.move_to_end(key)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
