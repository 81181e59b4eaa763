"""When scheduled reports run next.  Pure functions of a cadence and a clock."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from src.utils import Clock

CADENCES = ("daily", "weekly", "monthly")
RUN_AT = time(6, 0)  # scheduled reports are generated at 06:00 UTC


def next_run(cadence: str, clock: Clock) -> datetime:
    """The first run strictly after ``clock.now()``.

    daily: every day at 06:00; weekly: Mondays at 06:00; monthly: the 1st at 06:00 (all UTC).
    """
    now = clock.now().astimezone(UTC)
    today_run = datetime.combine(now.date(), RUN_AT, tzinfo=UTC)
    if cadence == "daily":
        return today_run if today_run > now else today_run + timedelta(days=1)
    if cadence == "weekly":
        candidate = today_run + timedelta(days=(7 - now.weekday()) % 7)
        return candidate if candidate > now else candidate + timedelta(days=7)
    if cadence == "monthly":
        candidate = today_run.replace(day=1)
        if candidate > now:
            return candidate
        year, month = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
        return candidate.replace(year=year, month=month)
    raise ValueError(f"unknown cadence {cadence!r}; expected one of {', '.join(CADENCES)}")
