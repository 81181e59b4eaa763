"""Time helpers: injectable clocks, UTC ISO strings, day and ISO-week bounds."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from fastapi import Request

ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


class Clock:
    """The system clock (UTC)."""

    def now(self) -> datetime:
        return datetime.now(UTC).replace(microsecond=0)

    def today(self) -> date:
        return self.now().date()


class FixedClock(Clock):
    """A clock frozen at one instant; used by tests and by deterministic runs."""

    def __init__(self, instant: datetime | str):
        if isinstance(instant, str):
            instant = parse_timestamp(instant)
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=UTC)
        self.instant = instant.astimezone(UTC)

    def now(self) -> datetime:
        return self.instant

    def advance(self, **delta: float) -> None:
        self.instant += timedelta(**delta)


def get_clock(request: Request) -> Clock:
    """FastAPI dependency: the clock the app was created with."""
    return request.app.state.clock


def to_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(ISO_FORMAT)


def parse_timestamp(text: str) -> datetime:
    return datetime.strptime(text, ISO_FORMAT).replace(tzinfo=UTC)


def parse_date(text: str) -> date:
    """Strict ``YYYY-MM-DD``; raises ValueError otherwise."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text or ""):
        raise ValueError(f"invalid date {text!r}, expected YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"invalid date {text!r}: {exc}") from exc


def day_bounds(day: date) -> tuple[str, str]:
    """``[start, end)`` of a UTC day as ISO strings, for string comparison in SQL."""
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return to_iso(start), to_iso(start + timedelta(days=1))


def range_bounds(start: date, end: date) -> tuple[str, str]:
    """``[start 00:00, end+1 00:00)`` for an inclusive date range."""
    return day_bounds(start)[0], day_bounds(end)[1]


def iter_days(start: date, end: date) -> Iterator[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def parse_iso_week(text: str) -> tuple[int, int]:
    match = _WEEK_RE.match(text or "")
    if not match:
        raise ValueError(f"invalid week {text!r}, expected YYYY-Www")
    year, week = int(match.group(1)), int(match.group(2))
    weeks_in_year = date(year, 12, 28).isocalendar().week
    if not 1 <= week <= weeks_in_year:
        raise ValueError(f"week {week} out of range for {year}")
    return year, week


def week_bounds(text: str) -> tuple[date, date]:
    """Monday and Sunday of an ISO week such as ``2026-W03``."""
    year, week = parse_iso_week(text)
    monday = date.fromisocalendar(year, week, 1)
    return monday, monday + timedelta(days=6)


def iso_week_label(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def previous_week_label(day: date) -> str:
    return iso_week_label(day - timedelta(days=7))
