"""The context budget: cursors bound to their query, byte budgets, windows cut on characters."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chant.errors import ChantError
from chant.mcp import paging


def rows(n: int, width: int = 10) -> list[dict[str, str]]:
    return [{"id": f"s{i}", "title": "x" * width} for i in range(n)]


def test_pages_walk_every_row_once() -> None:
    data = rows(23)
    seen: list[str] = []
    cursor = None
    while True:
        got = paging.page(data, key="specs", cursor=cursor, limit=5, max_bytes=None, query={"q": 1})
        seen += [r["id"] for r in got["specs"]]
        assert got["total"] == 23 and got["returned"] == len(got["specs"]) <= 5
        cursor = got["next_cursor"]
        if cursor is None:
            break
    assert seen == [r["id"] for r in data]


def test_a_cursor_belongs_to_its_query() -> None:
    got = paging.page(rows(10), key="specs", cursor=None, limit=2, max_bytes=None, query={"status": "ready"})
    with pytest.raises(ChantError, match="another query"):
        paging.page(rows(10), key="specs", cursor=got["next_cursor"], limit=2, max_bytes=None, query={})
    with pytest.raises(ChantError, match="invalid cursor"):
        paging.page(rows(10), key="specs", cursor="%%%", limit=2, max_bytes=None, query={})


@given(st.integers(1, 60), st.integers(0, 3000), st.integers(1000, 20000))
def test_no_page_is_larger_than_its_declared_limit(n: int, width: int, budget: int) -> None:
    got = paging.page(rows(n, width), key="specs", cursor=None, limit=500, max_bytes=budget, query={})
    document = {"schema": 1, **got, "invalid": []}
    assert len(json.dumps(document, separators=(",", ":")).encode()) <= got["limit_bytes"]
    assert got["returned"] + len(got.get("truncated", [])) >= 1 or n == 0


@given(st.text(max_size=300), st.integers(0, 400), st.integers(1, 200), st.booleans())
def test_windows_are_valid_utf8_within_the_limit(text: str, offset: int, limit: int, tail: bool) -> None:
    data = text.encode("utf-8")
    got = paging.window(data, None if tail else offset, limit, tail=tail)
    piece = got["text"].encode("utf-8")
    assert len(piece) <= limit and piece in data
    assert got["size_bytes"] == len(data)
    if got["next_offset"] is not None:
        assert got["next_offset"] == got["offset"] + len(piece)
