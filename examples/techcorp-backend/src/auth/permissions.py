"""Scope checks for routes and role -> scope lookups."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from fastapi import Depends, HTTPException, Request, status

from src.auth.models import Principal
from src.auth.services import InvalidToken, decode_token
from src.config.settings import get_settings
from src.utils import fetch_all, get_clock


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing bearer token",
                            headers={"WWW-Authenticate": "Bearer"})
    return token.strip()


def current_principal(request: Request) -> Principal:
    """FastAPI dependency: the caller identified by the ``Authorization: Bearer`` header."""
    token = _bearer(request)
    try:
        return decode_token(token, get_settings(request).token_secret, get_clock(request))
    except InvalidToken as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(exc),
                            headers={"WWW-Authenticate": "Bearer"}) from exc


def require_scope(scope: str) -> Callable[[Principal], Principal]:
    """Dependency factory: 401 without a valid token, 403 when the token lacks ``scope``."""

    def checker(principal: Principal = Depends(current_principal)) -> Principal:
        if not principal.has_scope(scope):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"missing scope {scope}")
        return principal

    checker.__name__ = f"require_scope_{scope.replace(':', '_')}"
    return checker


def scopes_for_role(conn: sqlite3.Connection, role: str) -> list[str]:
    rows = fetch_all(conn, "SELECT scope FROM permissions WHERE role = ? ORDER BY scope", (role,))
    return [r["scope"] for r in rows]


def effective_scopes(conn: sqlite3.Connection, user_id: int) -> list[str]:
    """Scopes granted to a user through their role (disabled users get none)."""
    from src.users.services import get_user  # lazy: users.services imports this module too

    user = get_user(conn, user_id)
    if user is None or user.status != "active":
        return []
    return scopes_for_role(conn, user.role)
