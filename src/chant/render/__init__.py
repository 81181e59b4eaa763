"""Text and JSON forms of chant's answers, shared by every surface (the click commands, the click-free fast
path, the run reporters, the dashboard). Click-free and nearly import-free like chant.states: the fast path
of ``chant list`` imports it, so anything heavier is imported inside the function that needs it."""

from __future__ import annotations

from chant.states import ICONS

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs the fast path ~7 ms
if TYPE_CHECKING:
    from typing import Any

JSON_SCHEMA = 1


def json_text(payload: dict[str, Any]) -> str:
    """Every JSON document chant prints carries ``"schema": 1`` first (see docs/json.md); newline-terminated."""
    import json

    return json.dumps({"schema": JSON_SCHEMA, **payload}, indent=2, ensure_ascii=False) + "\n"


def icon(state: str) -> str:
    return ICONS.get(state, "?")


def duration(seconds: float) -> str:
    """``8m 22s`` (the seed page's format); ``0m 3s`` for short runs."""
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes}m {secs}s"
    return f"{minutes}m {secs}s"
