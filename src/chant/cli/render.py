"""click's side of output: print the JSON envelope (chant.render owns the text and JSON forms)."""

from __future__ import annotations

from typing import Any

import click

from chant.render import icon, json_text

__all__ = ["emit_json", "icon"]


def emit_json(payload: dict[str, Any]) -> None:
    """Every JSON document chant prints carries ``"schema": 1`` first (see docs/json.md)."""
    click.echo(json_text(payload), nl=False)
