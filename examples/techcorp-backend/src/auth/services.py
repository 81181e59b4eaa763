"""Login, logout, token issuing and session queries."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import sqlite3
from datetime import date, timedelta

from src.auth.models import Principal, Session
from src.users.models import User
from src.users.services import get_user_by_email, touch_last_login
from src.utils import Clock, day_bounds, fetch_all, fetch_value, to_iso

TOKEN_PREFIX = "tc1"


class InvalidToken(Exception):
    pass


class LoginFailed(Exception):
    pass


def hash_password(salt: str, password: str) -> str:
    return hashlib.sha256(f"{salt}:{password}".encode()).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(payload: str, secret: str) -> str:
    return _b64(hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest())


def issue_token(principal: Principal, secret: str, clock: Clock, ttl_seconds: int = 3600) -> tuple[str, str]:
    """Return ``(token, expires_at)`` for a principal."""
    now = clock.now()
    expires = now + timedelta(seconds=ttl_seconds)
    claims = {"sub": principal.user_id, "acct": principal.account_id, "role": principal.role,
              "scopes": list(principal.scopes), "sid": principal.session_id,
              "iat": int(now.timestamp()), "exp": int(expires.timestamp())}
    payload = _b64(json.dumps(claims, sort_keys=True, separators=(",", ":")).encode())
    return f"{TOKEN_PREFIX}.{payload}.{_sign(payload, secret)}", to_iso(expires)


def decode_token(token: str, secret: str, clock: Clock) -> Principal:
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        raise InvalidToken("malformed token")
    if not hmac.compare_digest(_sign(parts[1], secret), parts[2]):
        raise InvalidToken("bad token signature")
    try:
        claims = json.loads(_unb64(parts[1]))
    except ValueError as exc:
        raise InvalidToken("malformed token payload") from exc
    if claims.get("exp", 0) <= clock.now().timestamp():
        raise InvalidToken("token expired")
    return Principal(user_id=claims["sub"], account_id=claims["acct"], role=claims["role"],
                     scopes=tuple(claims.get("scopes", [])), session_id=claims.get("sid"))


def mint_token(secret: str, clock: Clock, *, user_id: int = 1, account_id: int = 1, role: str = "admin",
               scopes: tuple[str, ...] | list[str] = ("reports:read",), ttl_seconds: int = 3600) -> str:
    """Create a signed token without a login (tests, scripts, service-to-service calls)."""
    principal = Principal(user_id=user_id, account_id=account_id, role=role, scopes=tuple(scopes))
    return issue_token(principal, secret, clock, ttl_seconds)[0]


def login(conn: sqlite3.Connection, clock: Clock, secret: str, ttl_seconds: int, email: str,
          password: str, ip_address: str = "0.0.0.0") -> dict:
    from src.auth.permissions import scopes_for_role

    user: User | None = get_user_by_email(conn, email)
    if user is None or user.status != "active" or not hmac.compare_digest(
            hash_password(user.password_salt, password), user.password_hash):
        raise LoginFailed("invalid email or password")
    now = clock.now()
    session_id = f"s-{secrets.token_hex(8)}"
    principal = Principal(user.id, user.account_id, user.role, tuple(scopes_for_role(conn, user.role)),
                          session_id)
    token, expires_at = issue_token(principal, secret, clock, ttl_seconds)
    with conn:
        conn.execute("INSERT INTO sessions (id, user_id, created_at, expires_at, last_seen_at, ip_address)"
                     " VALUES (?, ?, ?, ?, ?, ?)",
                     (session_id, user.id, to_iso(now), expires_at, to_iso(now), ip_address))
        record_audit(conn, clock, user.id, "login", "session", session_id)
        touch_last_login(conn, user.id, to_iso(now))
    return {"access_token": token, "token_type": "bearer", "expires_at": expires_at,
            "session_id": session_id, "scopes": list(principal.scopes)}


def logout(conn: sqlite3.Connection, clock: Clock, principal: Principal) -> bool:
    if principal.session_id is None:
        return False
    with conn:
        cur = conn.execute("UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                           (to_iso(clock.now()), principal.session_id))
        record_audit(conn, clock, principal.user_id, "logout", "session", principal.session_id)
    return cur.rowcount == 1


def session_is_live(conn: sqlite3.Connection, clock: Clock, session_id: str | None) -> bool:
    if session_id is None:
        return True  # minted tokens are not bound to a session
    revoked = fetch_value(conn, "SELECT COUNT(*) FROM sessions WHERE id = ? AND (revoked_at IS NOT NULL"
                          " OR expires_at <= ?)", (session_id, to_iso(clock.now())))
    return revoked == 0


def record_audit(conn: sqlite3.Connection, clock: Clock, actor_user_id: int | None, action: str,
                 entity: str, entity_id: str) -> None:
    conn.execute("INSERT INTO audit_events (actor_user_id, action, entity, entity_id, created_at)"
                 " VALUES (?, ?, ?, ?, ?)", (actor_user_id, action, entity, entity_id, to_iso(clock.now())))


_SESSION_COLUMNS = "s.id, s.user_id, s.created_at, s.expires_at, s.last_seen_at, s.ip_address, s.revoked_at"


def count_sessions_for_day(conn: sqlite3.Connection, account_id: int, day: date) -> int:
    """Sessions of an account's users that were live at some point during ``day``."""
    start, end = day_bounds(day)
    return fetch_value(
        conn,
        "SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id"
        " WHERE u.account_id = ? AND s.created_at < ? AND s.expires_at > ?"
        " AND (s.revoked_at IS NULL OR s.revoked_at > ?)",
        (account_id, end, start, start))


def sessions_between(conn: sqlite3.Connection, account_id: int, start_iso: str, end_iso: str) -> list[Session]:
    """Sessions of an account overlapping ``[start_iso, end_iso)``, ordered by id."""
    rows = fetch_all(
        conn,
        f"SELECT {_SESSION_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id"
        " WHERE u.account_id = ? AND s.created_at < ? AND s.expires_at > ?"
        " AND (s.revoked_at IS NULL OR s.revoked_at > ?) ORDER BY s.id",
        (account_id, end_iso, start_iso, start_iso))
    return Session.from_rows(rows)
