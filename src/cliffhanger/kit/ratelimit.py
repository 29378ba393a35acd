"""Rate limits on abuse-prone endpoints (login, orders, unlocks, ads), with the `limits` library.

Storage: `CLIFFHANGER_RATE_LIMIT_URL` when set, else the Redis queue when the queue is on Redis
(so N web processes share one count), else process memory. A refused request gets `429` problem
JSON with `Retry-After` (seconds). Limits are per viewer when the caller is one, else per client
address. The counters use a moving window, so a burst at a window edge cannot double the limit.
"""

from __future__ import annotations

import math
import threading
import time

from fastapi import Request
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from cliffhanger.kit.config import Settings
from cliffhanger.kit.errors import DomainError


class RateLimited(DomainError):
    status, code, title = 429, "rate_limited", "Too many requests"

    def __init__(self, detail: str, retry_after_s: int) -> None:
        super().__init__(detail, retry_after_s=retry_after_s)
        self.headers = {"Retry-After": str(retry_after_s)}


class Limiter:
    def __init__(self, settings: Settings) -> None:
        url = settings.rate_limit_url or (
            settings.queue_url if settings.queue_is_redis and settings.queue_url else "memory://"
        )
        self.enabled = settings.rate_limits_enabled
        self.storage = storage_from_string(url)
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.settings = settings
        self._items: dict[str, RateLimitItem] = {}

    def item(self, name: str) -> RateLimitItem:
        found = self._items.get(name)
        if found is None:
            found = self._items[name] = parse(str(getattr(self.settings, f"rate_limit_{name}")))
        return found

    def hit(self, name: str, key: str) -> None:
        if not self.enabled:
            return
        item = self.item(name)
        if self.limiter.hit(item, "cliffhanger", name, key):
            return
        reset_at, _remaining = self.limiter.get_window_stats(item, "cliffhanger", name, key)
        retry = max(1, math.ceil(reset_at - time.time()))
        raise RateLimited(
            f"Too many {name} requests; try again in {retry} seconds.", retry_after_s=retry
        )


_lock = threading.Lock()


def limiter_for(request: Request) -> Limiter:
    state = request.app.state
    limiter: Limiter | None = getattr(state, "rate_limiter", None)
    if limiter is None:
        with _lock:
            limiter = getattr(state, "rate_limiter", None)
            if limiter is None:
                limiter = Limiter(request.app.state.runtime.settings)
                state.rate_limiter = limiter
    return limiter


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


