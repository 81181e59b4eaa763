"""Small text helpers shared by the providers: bounded output, log-friendly summaries."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

OUTPUT_CAP = 20_000


def tail_bytes(text: str, cap: int = OUTPUT_CAP) -> str:
    """The last ``cap`` UTF-8 bytes of ``text``, never splitting a character."""
    data = text.encode("utf-8")
    if len(data) <= cap:
        return text
    # A cut inside a multi-byte character leaves continuation bytes at the front; dropping them is safe.
    return data[-cap:].decode("utf-8", errors="ignore")


class OutputTail:
    """Accumulates assistant text but only ever holds about twice the cap in memory."""

    def __init__(self, cap: int = OUTPUT_CAP) -> None:
        self.cap = cap
        self._parts: list[str] = []
        self._size = 0

    def add(self, text: str) -> None:
        if not text:
            return
        self._parts.append(text)
        self._size += len(text)
        if self._size > 2 * self.cap:
            kept = tail_bytes("".join(self._parts), self.cap)
            self._parts = [kept]
            self._size = len(kept)

    def add_line(self, text: str) -> None:
        self.add(text if text.endswith("\n") else text + "\n")

    def __bool__(self) -> bool:
        return self._size > 0

    def value(self) -> str:
        return tail_bytes("".join(self._parts), self.cap).strip("\n")


def log_lines(log: Callable[[str], None], text: str, prefix: str = "") -> None:
    """The log takes single lines; multi-line text becomes several entries."""
    for line in text.splitlines():
        log(prefix + line)


def clip(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def summarize(value: Any, limit: int = 200) -> str:
    if isinstance(value, str):
        return clip(value, limit)
    try:
        rendered = json.dumps(value, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError):
        rendered = repr(value)
    return clip(rendered, limit)


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def as_float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def add_opt(total: int | None, value: int | None) -> int | None:
    if value is None:
        return total
    return value if total is None else total + value
