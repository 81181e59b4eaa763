"""Small text helpers shared by the providers: bounded output, log-friendly summaries."""

from __future__ import annotations

import json
import re
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


# CSI sequences (colours, cursor moves), OSC sequences (titles, links) and the two-byte escapes.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def strip_ansi(text: str) -> str:
    """Terminal escapes and control characters removed: what is left is safe in a spec's YAML."""
    return _CONTROL.sub("", _ANSI.sub("", text))


_AUTH_STATUS = re.compile(r"\b(401|403)\b")
_AUTH_WORDS = re.compile(
    r"unauthori[sz]ed|unauthenticated|authentication[_ ](?:error|failed)|invalid[_ ](?:x-)?api[_ -]key", re.I
)


def auth_failure(detail: str, hint: str = "") -> str | None:
    """``authentication failed (HTTP 401): ...`` when ``detail`` is an authentication error, else None."""
    status = _AUTH_STATUS.search(detail)
    if not status and not _AUTH_WORDS.search(detail):
        return None
    head = f"authentication failed (HTTP {status.group(1)})" if status else "authentication failed"
    message = f"{head}: {clip(embedded_message(detail), 200)}"
    return f"{message}; {hint}" if hint else message


def embedded_message(text: str) -> str:
    """The ``error.message`` of a JSON error body quoted inside ``text`` (CLIs wrap the server's answer),
    with the error's status name; ``text`` itself when there is none."""
    start = text.find("{")
    if start < 0:
        return text
    try:
        payload, _ = json.JSONDecoder().raw_decode(text[start:])
    except ValueError:
        return text
    error = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(error, dict) or not isinstance(error.get("message"), str):
        return text
    label = error.get("status") or error.get("type") or error.get("code")
    return f"{error['message']} ({label})" if isinstance(label, str) else error["message"]
