"""Output helpers shared by commands: JSON envelopes, status icons, durations."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from chant import states

JSON_SCHEMA = 1
ICONS = states.ICONS


def emit_json(payload: dict[str, Any]) -> None:
    """Every JSON document chant prints carries ``"schema": 1`` first (see docs/json.md)."""
    click.echo(json.dumps({"schema": JSON_SCHEMA, **payload}, indent=2, ensure_ascii=False))


def emit_json_line(payload: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps({"schema": JSON_SCHEMA, **payload}, ensure_ascii=False) + "\n")
    sys.stdout.flush()


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
