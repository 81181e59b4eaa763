"""Context budgets: cursors over lists, byte windows over texts, and the size every result states.

An agent's context window is the terminal here: a list arrives a page at a time (``limit`` rows, and never
more than ``max_bytes`` of JSON), a body or a log a window at a time (``offset``/``limit`` in bytes), and
each result says how much there is (``total``, ``size_bytes``) and how to get the rest (``next_cursor``,
``next_offset``). A cursor is opaque and bound to the query it came from: reusing it with other filters is
an error, not a silent wrong page.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from chant.errors import ChantError

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
DEFAULT_MAX_BYTES = 48_000  # one page of rows as JSON: ~12k tokens
MAX_BYTES = 200_000
TEXT_LIMIT = 16_000  # default window of a body or a log, in bytes
MAX_TEXT = 100_000


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def size_of(value: Any) -> int:
    return len(dumps(value).encode("utf-8"))


def _query_key(query: Mapping[str, Any]) -> str:
    return hashlib.sha1(dumps(sorted(query.items())).encode()).hexdigest()[:10]


def encode_cursor(offset: int, query: Mapping[str, Any]) -> str:
    raw = dumps({"o": offset, "q": _query_key(query)}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, query: Mapping[str, Any]) -> int:
    if not cursor:
        return 0
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        offset, key = int(data["o"]), str(data["q"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ChantError(f"invalid cursor '{cursor[:40]}'", hint="pass the next_cursor of a result") from exc
    if key != _query_key(query) or offset < 0:
        raise ChantError(
            "this cursor belongs to another query", hint="repeat the first call's arguments with the cursor"
        )
    return offset


def bounded(value: int | None, default: int, ceiling: int, name: str) -> int:
    if value is None:
        return default
    if value < 1:
        raise ChantError(f"{name} must be at least 1 (got {value})")
    return min(value, ceiling)


def page(
    rows: Sequence[Any],
    *,
    key: str,
    cursor: str | None,
    limit: int | None,
    max_bytes: int | None,
    query: Mapping[str, Any],
    render: Callable[[Any], Any] = lambda row: row,
) -> dict[str, Any]:
    """One page of ``rows`` under ``key``: at most ``limit`` rows and ``max_bytes`` of JSON (at least one
    row, unless that one row alone is over the budget: then it is left out and named in ``truncated``)."""
    count = bounded(limit, DEFAULT_LIMIT, MAX_LIMIT, "limit")
    budget = bounded(max_bytes, DEFAULT_MAX_BYTES, MAX_BYTES, "max_bytes")
    start = decode_cursor(cursor, query)
    chosen: list[Any] = []
    used = 0
    index = start
    skipped: list[str] = []
    while index < len(rows) and len(chosen) < count:
        item = render(rows[index])
        cost = size_of(item) + 1
        if used + cost > budget - 400:  # room for the envelope around the rows
            if not chosen:
                skipped.append(str(item.get("id")) if isinstance(item, dict) else str(index))
                index += 1
            break
        chosen.append(item)
        used += cost
        index += 1
    result: dict[str, Any] = {
        key: chosen,
        "total": len(rows),
        "offset": start,
        "returned": len(chosen),
        "next_cursor": encode_cursor(index, query) if index < len(rows) else None,
        "limit_bytes": budget,
    }
    if skipped:
        result["truncated"] = skipped
    return result


def window(data: bytes, offset: int | None, limit: int | None, *, tail: bool = False) -> dict[str, Any]:
    """A byte window of a text: ``offset`` (default 0, or the last ``limit`` bytes with ``tail``), at most
    ``limit`` bytes, cut on a UTF-8 character boundary."""
    size = len(data)
    count = bounded(limit, TEXT_LIMIT, MAX_TEXT, "limit")
    if offset is not None and offset < 0:
        raise ChantError(f"offset must be 0 or more (got {offset})")
    start = offset if offset is not None else (max(0, size - count) if tail else 0)
    start = min(start, size)
    while 0 < start < size and (data[start] & 0xC0) == 0x80:  # not in the middle of a character
        start += 1
    end = min(size, start + count)
    while start < end < size and (data[end] & 0xC0) == 0x80:
        end -= 1
    return {
        "text": data[start:end].decode("utf-8", errors="replace"),
        "offset": start,
        "next_offset": end if end < size else None,
        "size_bytes": size,
        "limit_bytes": count,
    }
