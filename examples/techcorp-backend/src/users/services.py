"""Queries and updates on accounts, teams and users."""

from __future__ import annotations

import sqlite3
from datetime import date

from src.users.models import ROLES, USER_STATUSES, Account, Team, User
from src.utils import Clock, PageParams, day_bounds, fetch_all, fetch_one, fetch_value, paginate, to_iso

_PUBLIC_USER_COLUMNS = "id, account_id, team_id, email, full_name, role, status, created_at, last_login_at"


class UserNotFound(LookupError):
    pass


def list_accounts(conn: sqlite3.Connection) -> list[Account]:
    return Account.from_rows(fetch_all(conn, "SELECT * FROM accounts ORDER BY id"))


def get_account(conn: sqlite3.Connection, account_id: int) -> Account | None:
    return Account.from_row(fetch_one(conn, "SELECT * FROM accounts WHERE id = ?", (account_id,)))


def get_user(conn: sqlite3.Connection, user_id: int) -> User | None:
    return User.from_row(fetch_one(conn, "SELECT * FROM users WHERE id = ?", (user_id,)))


def get_user_by_email(conn: sqlite3.Connection, email: str) -> User | None:
    return User.from_row(fetch_one(conn, "SELECT * FROM users WHERE email = ?", (email.strip().lower(),)))


def list_users(conn: sqlite3.Connection, page: PageParams, account_id: int,
               status: str | None = None) -> dict:
    sql = f"SELECT {_PUBLIC_USER_COLUMNS} FROM users WHERE account_id = ?"
    params: tuple = (account_id,)
    if status:
        sql += " AND status = ?"
        params += (status,)
    return paginate(conn, sql + " ORDER BY id", params, page)


def account_admins(conn: sqlite3.Connection, account_id: int) -> list[User]:
    rows = fetch_all(conn, "SELECT * FROM users WHERE account_id = ? AND role = 'admin' AND status = 'active'"
                     " ORDER BY id", (account_id,))
    return User.from_rows(rows)


def count_new_users(conn: sqlite3.Connection, account_id: int, day: date) -> int:
    start, end = day_bounds(day)
    return fetch_value(conn, "SELECT COUNT(*) FROM users WHERE account_id = ? AND created_at >= ?"
                       " AND created_at < ?", (account_id, start, end))


def users_created_between(conn: sqlite3.Connection, account_id: int, start_iso: str, end_iso: str) -> list[User]:
    rows = fetch_all(conn, "SELECT * FROM users WHERE account_id = ? AND created_at >= ? AND created_at < ?"
                     " ORDER BY created_at, id", (account_id, start_iso, end_iso))
    return User.from_rows(rows)


def list_teams(conn: sqlite3.Connection, account_id: int) -> list[dict]:
    rows = fetch_all(conn, "SELECT t.*, COUNT(u.id) AS member_count FROM teams t"
                     " LEFT JOIN users u ON u.team_id = t.id WHERE t.account_id = ?"
                     " GROUP BY t.id ORDER BY t.id", (account_id,))
    return [{**Team.from_row(r).to_dict(), "member_count": r["member_count"]} for r in rows]


def get_user_details(conn: sqlite3.Connection, user_id: int) -> dict:
    """A user with account, team, scopes and the account's plan (used by the admin UI)."""
    from src.auth.permissions import scopes_for_role  # lazy: auth.permissions imports this module
    from src.billing.subscriptions import active_plan_for  # lazy: billing imports users

    user = get_user(conn, user_id)
    if user is None:
        raise UserNotFound(user_id)
    account = get_account(conn, user.account_id)
    team = Team.from_row(fetch_one(conn, "SELECT * FROM teams WHERE id = ?", (user.team_id,)))
    return {**user.public(),
            "account": {"id": account.id, "name": account.name, "status": account.status} if account else None,
            "team": team.name if team else None,
            "scopes": scopes_for_role(conn, user.role),
            "plan": active_plan_for(conn, user.account_id)}


def update_user(conn: sqlite3.Connection, clock: Clock, user_id: int, changes: dict) -> User:
    allowed = {k: v for k, v in changes.items() if k in {"full_name", "role", "status", "team_id"} and v is not None}
    if "role" in allowed and allowed["role"] not in ROLES:
        raise ValueError(f"unknown role {allowed['role']!r}")
    if "status" in allowed and allowed["status"] not in USER_STATUSES:
        raise ValueError(f"unknown status {allowed['status']!r}")
    user = get_user(conn, user_id)
    if user is None:
        raise UserNotFound(user_id)
    if "team_id" in allowed:
        team_account = fetch_value(conn, "SELECT account_id FROM teams WHERE id = ?", (allowed["team_id"],))
        if team_account != user.account_id:
            raise ValueError("team belongs to another account")
    if allowed:
        assignments = ", ".join(f"{column} = ?" for column in sorted(allowed))
        with conn:
            conn.execute(f"UPDATE users SET {assignments} WHERE id = ?",
                         (*[allowed[c] for c in sorted(allowed)], user_id))
            conn.execute("INSERT INTO audit_events (actor_user_id, action, entity, entity_id, created_at)"
                         " VALUES (NULL, 'update', 'user', ?, ?)", (str(user_id), to_iso(clock.now())))
    return get_user(conn, user_id)  # type: ignore[return-value]


def touch_last_login(conn: sqlite3.Connection, user_id: int, when_iso: str) -> None:
    conn.execute("UPDATE users SET last_login_at = ? WHERE id = ?", (when_iso, user_id))
