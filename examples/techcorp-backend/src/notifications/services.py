"""Creating, listing and acknowledging notifications."""

from __future__ import annotations

import sqlite3

from src.notifications.channels import resolve_channel
from src.notifications.models import Notification, NotificationTemplate
from src.users.services import account_admins
from src.utils import Clock, PageParams, fetch_one, paginate, to_iso


class NotificationNotFound(LookupError):
    pass


def get_template(conn: sqlite3.Connection, code: str) -> NotificationTemplate:
    template = NotificationTemplate.from_row(
        fetch_one(conn, "SELECT * FROM notification_templates WHERE code = ?", (code,)))
    if template is None:
        raise LookupError(f"unknown template {code!r}")
    return template


def notify_user(conn: sqlite3.Connection, clock: Clock, user_id: int, account_id: int, template_code: str,
                variables: dict[str, str] | None = None) -> int:
    """Queue a notification (delivery is simulated: it is marked sent immediately)."""
    template = get_template(conn, template_code)
    now = to_iso(clock.now())
    cur = conn.execute("INSERT INTO notifications (user_id, account_id, template_code, channel, subject,"
                       " created_at, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (user_id, account_id, template.code, resolve_channel(conn, user_id),
                        template.render_subject(variables or {}), now, now))
    return cur.lastrowid  # type: ignore[return-value]


def notify_account_admins(conn: sqlite3.Connection, clock: Clock, account_id: int, template_code: str,
                          variables: dict[str, str] | None = None) -> list[int]:
    return [notify_user(conn, clock, admin.id, account_id, template_code, variables)
            for admin in account_admins(conn, account_id)]


def list_for_user(conn: sqlite3.Connection, user_id: int, unread_only: bool, page: PageParams) -> dict:
    sql = ("SELECT id, template_code, channel, subject, created_at, sent_at, read_at FROM notifications"
           " WHERE user_id = ?")
    if unread_only:
        sql += " AND read_at IS NULL"
    return paginate(conn, sql + " ORDER BY created_at DESC, id DESC", (user_id,), page)


def mark_read(conn: sqlite3.Connection, clock: Clock, notification_id: int, user_id: int) -> Notification:
    row = fetch_one(conn, "SELECT * FROM notifications WHERE id = ? AND user_id = ?", (notification_id, user_id))
    notification = Notification.from_row(row)
    if notification is None:
        raise NotificationNotFound(notification_id)
    if notification.read_at is None:
        notification.read_at = to_iso(clock.now())
        with conn:
            conn.execute("UPDATE notifications SET read_at = ? WHERE id = ?", (notification.read_at, notification.id))
    return notification
