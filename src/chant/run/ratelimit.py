"""Usage and rate limits: recognise "limit reached ... resets at ...", and pause the whole queue until then.

:func:`detect` and :func:`resume_at` are pure (tables in tests/core/test_ratelimit.py): they read a
provider's error text (HTTP 429 bodies, the CLIs' "usage limit reached|<epoch>", "resets at 3pm",
"try again in 20s") and say when it is worth trying again. :class:`QueuePause` is the one shared pause of
a run: every agent start waits on it, so one limit stops the queue instead of failing spec after spec.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

DEFAULT_WAIT = 60.0  # a limit that does not say when it resets: try again after this long
DEFAULT_MAX_WAIT = 6 * 3600.0

_DETECT = re.compile(
    r"\b429\b|rate[ _-]?limit|usage[ _-]?limit|limit (?:reached|exceeded)|quota (?:exceeded|exhausted)"
    r"|too many requests|resource[ _-]?exhausted|out of (?:credits|usage)",
    re.I,
)
_IN = re.compile(
    r"(?:try again|retry|resets?|available again)\s*(?:after|in)\s*"
    r"((?:\d+(?:\.\d+)?\s*(?:ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?)\b[\s,and]*)+)",
    re.I,
)
_RETRY_AFTER = re.compile(r"retry-after:?\s*(\d+(?:\.\d+)?)\b", re.I)
_EPOCH = re.compile(r"\|\s*(\d{10})\b")
_ISO = re.compile(
    r"(?:resets?|until|at)\s+(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)",
    re.I,
)
_CLOCK = re.compile(r"resets?\s+(?:at\s+)?(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\b(?:\s*\(?(utc|gmt)\)?)?", re.I)
_UNIT = {"ms": 0.001, "mi": 60.0, "m": 60.0, "s": 1.0, "h": 3600.0}


def detect(text: str) -> bool:
    """Does this error say a rate or usage limit was hit?"""
    return bool(text) and _DETECT.search(text) is not None


def _amount(text: str) -> float:
    total = 0.0
    for number, unit in re.findall(r"(\d+(?:\.\d+)?)\s*([a-z]+)", text, re.I):
        unit = unit.lower()
        key = (
            "ms"
            if unit.startswith("ms") or unit.startswith("milli")
            else unit[:2]
            if unit.startswith("mi")
            else unit[0]
        )
        total += float(number) * _UNIT.get(key, 1.0)
    return total


def resume_at(text: str, now: datetime) -> datetime | None:
    """When the limit in ``text`` resets (``now`` is timezone-aware), or None if the text does not say."""
    if not text:
        return None
    match = _EPOCH.search(text)
    if match:
        return datetime.fromtimestamp(int(match.group(1)), tz=UTC)
    match = _RETRY_AFTER.search(text)
    if match:
        return now + timedelta(seconds=float(match.group(1)))
    match = _IN.search(text)
    if match:
        return now + timedelta(seconds=_amount(match.group(1)))
    match = _ISO.search(text)
    if match:
        raw = match.group(1).replace(" ", "T").replace("Z", "+00:00")
        try:
            when = datetime.fromisoformat(raw)
        except ValueError:
            when = None
        if when is not None:
            return when if when.tzinfo else when.replace(tzinfo=now.tzinfo)
    match = _CLOCK.search(text)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        meridiem = (match.group(3) or "").lower()
        if meridiem == "pm" and hour < 12:
            hour += 12
        if meridiem == "am" and hour == 12:
            hour = 0
        if hour > 23 or minute > 59:
            return None
        local = now.astimezone(UTC) if match.group(4) else now
        when = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if when <= local:
            when += timedelta(days=1)  # "resets at 3am" said at 11pm means tomorrow
        return when
    return None


class QueuePause:
    """The run's one pause: set when a provider reports a limit, waited on before every agent starts."""

    def __init__(self, on_event: Callable[..., None] | None = None) -> None:
        self._lock = threading.Lock()
        self._until = 0.0  # time.time() when the queue may go on
        self.on_event = on_event or (lambda name, text, **data: None)

    @property
    def until(self) -> float:
        with self._lock:
            return self._until

    def pause(self, until: float, reason: str) -> None:
        with self._lock:
            if until <= self._until:
                return
            self._until = until
        shown = datetime.fromtimestamp(until).astimezone().strftime("%H:%M:%S")
        left = max(0.0, until - time.time())
        self.on_event(
            "paused",
            f"Usage limit reached ({reason}): the queue is paused until {shown} (in {left:.0f}s), "
            "then resumes by itself. Ctrl-C stops it.",
            until=round(until, 3),
            seconds=round(left, 3),
            reason=reason,
        )

    def wait(self, cancel: threading.Event) -> bool:
        """Block while the queue is paused. False when ``cancel`` was set meanwhile."""
        waited = False
        while True:
            left = self.until - time.time()
            if left <= 0:
                break
            waited = True
            if cancel.wait(min(left, 0.5)):
                return False
        if waited:
            self.on_event("resumed", "Usage limit over: the queue resumes.")
        return not cancel.is_set()
