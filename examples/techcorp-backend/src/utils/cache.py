"""A tiny TTL cache driven by an injectable clock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from src.utils.timeutil import Clock


class TTLCache:
    def __init__(self, ttl_seconds: float, clock: Clock | None = None):
        self.ttl = ttl_seconds
        self.clock = clock or Clock()
        self._data: dict[Any, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get_or_set(self, key: Any, compute: Callable[[], Any]) -> Any:
        now = self.clock.now().timestamp()
        with self._lock:
            hit = self._data.get(key)
            if hit is not None and hit[0] > now:
                return hit[1]
        value = compute()
        with self._lock:
            self._data[key] = (now + self.ttl, value)
        return value

    def invalidate(self, key: Any = None) -> None:
        with self._lock:
            if key is None:
                self._data.clear()
            else:
                self._data.pop(key, None)
