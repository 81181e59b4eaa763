"""Colour for people at a terminal: ANSI styles for display states, on only when stdout is a terminal.

Off with ``NO_COLOR`` (any non-empty value, https://no-color.org), ``TERM=dumb``, or when output goes to a
pipe or file, so logs, scripts and tests read plain text. Import-free like chant.states: the fast listing
path uses it without loading rich (the live view of ``chant work`` uses rich, which follows the same rules).
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs the fast path ~7 ms
if TYPE_CHECKING:
    from typing import TextIO

# SGR codes per display state; states without an entry stay in the terminal's default colour.
STYLES = {
    "ready": "36",  # cyan: something to do
    "blocked": "33",  # yellow
    "in_progress": "34",  # blue
    "paused": "33",
    "completed": "32",  # green
    "failed": "31",  # red
    "needs_attention": "1;31",  # bold red
    "cancelled": "2",  # dim
    "skipped": "2",
}


def enabled(stream: TextIO | None = None) -> bool:
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    stream = stream if stream is not None else sys.stdout
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a replaced or closed stream
        return False


def paint(text: str, state: str, on: bool = True) -> str:
    """``text`` in the style of ``state`` (unchanged when ``on`` is false or the state has no style)."""
    code = STYLES.get(state) if on else None
    return f"\x1b[{code}m{text}\x1b[0m" if code else text
