"""``schedule:`` cadences (``daily``, ``weekly``, ``monthly`` or a 5-field cron expression) and ``drift.interval``.

Pure functions of times: ``is_due(schedule, completed_at, now)`` says whether a completed spec should run
again. A spec is due when the first scheduled moment after its last completion has been reached:
``daily``/``weekly`` add 1/7 days, ``monthly`` one calendar month (clamped to the month's last day), and a
cron expression is due when it matched any minute in ``(completed_at, now]``.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from chant import clock
from chant.errors import ChantError

if TYPE_CHECKING:
    from chant.spec.model import Spec

NAMED = {"hourly": "0 * * * *", "daily": None, "weekly": None, "monthly": None}
_FIELDS = (
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day of month", 1, 31),
    ("month", 1, 12),
    ("day of week", 0, 6),
)
_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
_DAYS = {d.lower(): (i + 1) % 7 for i, d in enumerate(calendar.day_abbr)}  # mon=1 ... sun=0
_SEARCH_LIMIT = timedelta(days=366 * 5)


class ScheduleError(ChantError):
    pass


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    day_any: bool  # day-of-month was "*"
    weekday_any: bool  # day-of-week was "*"

    def day_matches(self, moment: datetime) -> bool:
        weekday = (moment.weekday() + 1) % 7
        dom = moment.day in self.days
        dow = weekday in self.weekdays
        # Vixie cron: when both day fields are restricted, either one matching is enough.
        if not self.day_any and not self.weekday_any:
            return dom or dow
        return dom and dow

    def matches(self, moment: datetime) -> bool:
        return (
            moment.minute in self.minutes
            and moment.hour in self.hours
            and moment.month in self.months
            and self.day_matches(moment)
        )

    def next_after(self, moment: datetime) -> datetime | None:
        """The first matching minute strictly after ``moment`` (within five years), else ``None``."""
        t = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
        limit = moment + _SEARCH_LIMIT
        while t <= limit:
            if t.month not in self.months:
                year, month = (t.year + 1, 1) if t.month == 12 else (t.year, t.month + 1)
                t = t.replace(year=year, month=month, day=1, hour=0, minute=0)
                continue
            if not self.day_matches(t):
                t = t.replace(hour=0, minute=0) + timedelta(days=1)
                continue
            if t.hour not in self.hours:
                t = t.replace(minute=0) + timedelta(hours=1)
                continue
            if t.minute not in self.minutes:
                t += timedelta(minutes=1)
                continue
            return t
        return None


def _parse_field(text: str, index: int) -> tuple[frozenset[int], bool]:
    name, low, high = _FIELDS[index]
    names = _MONTHS if index == 3 else _DAYS if index == 4 else {}
    values: set[int] = set()

    def number(token: str) -> int:
        key = token.lower()
        if key in names:
            return names[key]
        if not token.isdigit():
            raise ScheduleError(f"invalid {name} {token!r} in cron expression")
        value = int(token)
        if index == 4 and value == 7:
            value = 0
        if not (low <= value <= high) and not (index == 4 and value == 0):
            raise ScheduleError(f"{name} {value} out of range {low}-{high} in cron expression")
        return value

    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            if not step_text.isdigit() or int(step_text) == 0:
                raise ScheduleError(f"invalid step {step_text!r} in cron expression")
            step = int(step_text)
        if part == "*":
            start, end = low, high
        elif "-" in part:
            first, last = part.split("-", 1)
            start, end = number(first), number(last)
            if index == 4 and last == "7":
                end = 7
        else:
            start = number(part)
            end = high if step > 1 else start
        if end < start:
            raise ScheduleError(f"invalid range {part!r} in cron expression")
        values.update(v % 7 if index == 4 else v for v in range(start, end + 1, step))
    return frozenset(values), text == "*"


def parse_cron(expression: str) -> Cron:
    fields = expression.split()
    if len(fields) != 5:
        raise ScheduleError(
            f"invalid schedule {expression!r}",
            hint="use daily, weekly, monthly or a 5-field cron expression (minute hour day month weekday)",
        )
    parsed = [_parse_field(text, i) for i, text in enumerate(fields)]
    return Cron(
        parsed[0][0],
        parsed[1][0],
        parsed[2][0],
        parsed[3][0],
        parsed[4][0],
        day_any=parsed[2][1],
        weekday_any=parsed[4][1],
    )


def add_month(moment: datetime) -> datetime:
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def next_run(schedule: str, after: datetime) -> datetime | None:
    """The first scheduled moment after ``after`` (a completion time)."""
    key = str(schedule).strip().lower()
    if key == "daily":
        return after + timedelta(days=1)
    if key == "weekly":
        return after + timedelta(days=7)
    if key == "monthly":
        return add_month(after)
    expression = NAMED.get(key) or str(schedule).strip()
    if expression.startswith("@"):
        raise ScheduleError(f"invalid schedule {schedule!r}", hint="use daily, weekly, monthly or cron")
    return parse_cron(expression).next_after(after)


def validate(schedule: str) -> None:
    key = str(schedule).strip().lower()
    if key in ("daily", "weekly", "monthly"):
        return
    parse_cron(NAMED.get(key) or str(schedule).strip())


def is_due(schedule: str | None, completed_at: datetime | None, now: datetime) -> bool:
    """A completed spec with a ``schedule:`` whose next run after its last completion is not in the future.

    No schedule: never due. Completed without a completion time: due (nothing says it ran recently).
    """
    if not schedule:
        return False
    if completed_at is None:
        return True
    upcoming = next_run(schedule, completed_at)
    return upcoming is not None and upcoming <= now


_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$")
_UNITS = {
    "": 86400,
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "w": 604800,
    "week": 604800,
    "weeks": 604800,
    "h": 3600,
    "hour": 3600,
    "hours": 3600,
    "m": 60,
    "min": 60,
    "minutes": 60,
    "s": 1,
}


def parse_interval(value: object, default: timedelta = timedelta(days=7)) -> timedelta:
    """``drift.interval``: a number of days, or ``7d`` / ``2w`` / ``12h`` / ``90m`` / ``"7 days"``."""
    if value is None or value == "":
        return default
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(days=float(value))
    match = _INTERVAL.match(str(value).lower())
    if not match or match.group(2) not in _UNITS:
        raise ScheduleError(
            f"invalid drift.interval {value!r}", hint="use e.g. 7d, 2w, 12h or a number of days"
        )
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


def due_specs(specs: Iterable[Spec], now: datetime) -> tuple[list[Spec], dict[str, str]]:
    """Completed specs with a ``schedule:`` that are due at ``now``; and the IDs whose schedule is invalid
    (with the reason), which are never due."""
    from chant.spec.status import Status

    due: list[Spec] = []
    invalid: dict[str, str] = {}
    for spec in specs:
        schedule = spec.get("schedule")
        if not schedule or spec.status != Status.COMPLETED:
            continue
        completed = spec.get("completed_at")
        try:
            when = completed if isinstance(completed, datetime) else clock.parse_time(str(completed))
        except ValueError:
            when = None
        if not completed:
            when = None
        try:
            if is_due(str(schedule), when, now):
                due.append(spec)
        except ScheduleError as exc:
            invalid[spec.id] = exc.message
    return due, invalid
