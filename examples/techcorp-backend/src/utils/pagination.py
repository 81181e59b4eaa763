"""Offset pagination for list endpoints."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from fastapi import Query

MAX_PER_PAGE = 100


@dataclass(frozen=True)
class PageParams:
    page: int = 1
    per_page: int = 25

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def page_params(page: int = Query(1, ge=1), per_page: int = Query(25, ge=1, le=MAX_PER_PAGE)) -> PageParams:
    """FastAPI dependency for ``?page=&per_page=``."""
    return PageParams(page=page, per_page=per_page)


def paginate(conn: sqlite3.Connection, sql: str, params: tuple, page: PageParams) -> dict[str, Any]:
    """Run ``sql`` (which must have an ORDER BY) with LIMIT/OFFSET plus a COUNT(*) query."""
    total = conn.execute(f"SELECT COUNT(*) FROM ({sql})", params).fetchone()[0]
    rows = conn.execute(f"{sql} LIMIT ? OFFSET ?", (*params, page.per_page, page.offset)).fetchall()
    return {"items": [dict(r) for r in rows], "page": page.page, "per_page": page.per_page, "total": total}
