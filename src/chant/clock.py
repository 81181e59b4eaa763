"""The one clock. ``CHANT_NOW`` (ISO-8601) freezes it for tests and demos."""

from __future__ import annotations

import os
from datetime import UTC, datetime


def now() -> datetime:
    fixed = os.environ.get("CHANT_NOW")
    if fixed:
        return parse_time(fixed)
    return datetime.now(UTC)


def parse_time(text: str) -> datetime:
    value = text.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    if len(value) == 10:  # a bare date means midnight UTC
        value += "T00:00:00+00:00"
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def iso(moment: datetime | None = None) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ``, the format written into specs."""
    return (moment or now()).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def git_date_env() -> dict[str, str]:
    """Environment that pins git's author/committer dates to the chant clock when it is frozen."""
    if not os.environ.get("CHANT_NOW"):
        return {}
    stamp = now().strftime("%Y-%m-%dT%H:%M:%S+0000")
    return {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
