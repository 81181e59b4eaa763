"""Retries that learn: how many attempts a spec gets, which failures are worth another, and what the next
attempt is told about the last one. Pure; the pipeline runs the attempts and records them."""

from __future__ import annotations

from typing import Any

TAIL_LINES = 40
TAIL_CHARS = 4000
# Failures another attempt cannot fix, or that a human asked for.
FINAL = ("interrupted", "paused", "budget:", "usage limit:", "the agent wrote outside its branch")


def allowed(cli: int | None, spec_value: Any, config_value: Any) -> int:
    """Retries after the first attempt: ``--retries`` > the spec's ``retries:`` > ``defaults.retries``."""
    for value in (cli, spec_value, config_value):
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        if isinstance(value, str) and value.strip().isdigit():
            return int(value)
    return 0


def retryable(reason: str | None, *, attention: bool) -> bool:
    if reason is None or attention:
        return False
    return not any(reason.startswith(prefix) for prefix in FINAL)


def tail(text: str, lines: int = TAIL_LINES, chars: int = TAIL_CHARS) -> str:
    kept = "\n".join(text.rstrip().splitlines()[-lines:])
    return kept[-chars:]


def feedback(attempt: int, reason: str, output: str) -> str:
    """The section added to the next attempt's prompt."""
    parts = [
        f"## Attempt {attempt} of this spec failed",
        "",
        "You are trying again after an earlier attempt, whose commits (if any) are already on your branch.",
        f"It failed because: {reason}",
    ]
    shown = tail(output)
    if shown:
        parts += ["", "Its last output:", "", "```", shown, "```"]
    parts += ["", "Fix that cause first; do not repeat what failed."]
    return "\n".join(parts) + "\n"
