"""Plans, payments and recording payments against invoices."""

from __future__ import annotations

import sqlite3
from datetime import date

from src.billing.invoices import get_invoice
from src.billing.models import PAYMENT_METHODS, Payment, Plan
from src.notifications.services import notify_account_admins
from src.users.models import Account
from src.users.services import get_account
from src.utils import Clock, TTLCache, day_bounds, fetch_all, fetch_value, format_cents, to_iso

_plan_cache = TTLCache(ttl_seconds=300)


class PaymentRejected(ValueError):
    pass


def list_plans(conn: sqlite3.Connection) -> list[Plan]:
    key = conn.execute("PRAGMA database_list").fetchone()[2]  # one cache entry per database file
    return _plan_cache.get_or_set(("plans", key),
                                  lambda: Plan.from_rows(fetch_all(conn, "SELECT * FROM plans ORDER BY id")))


def payments_for_day(conn: sqlite3.Connection, account_id: int, day: date) -> list[Payment]:
    start, end = day_bounds(day)
    return payments_between(conn, account_id, start, end)


def payments_between(conn: sqlite3.Connection, account_id: int, start_iso: str, end_iso: str) -> list[Payment]:
    rows = fetch_all(conn, "SELECT * FROM payments WHERE account_id = ? AND paid_at >= ? AND paid_at < ?"
                     " ORDER BY paid_at, id", (account_id, start_iso, end_iso))
    return Payment.from_rows(rows)


def account_balance(conn: sqlite3.Connection, account_id: int) -> dict:
    account: Account | None = get_account(conn, account_id)
    if account is None:
        raise LookupError(account_id)
    open_cents = fetch_value(conn, "SELECT COALESCE(SUM(amount_cents), 0) FROM invoices"
                             " WHERE account_id = ? AND status = 'open'", (account_id,))
    return {"account_id": account.id, "account_name": account.name, "open_balance": format_cents(open_cents)}


def record_payment(conn: sqlite3.Connection, clock: Clock, invoice_id: int, amount_cents: int,
                   method: str) -> Payment:
    """Pay an open invoice in full; marks it paid and notifies the account's admins."""
    if method not in PAYMENT_METHODS:
        raise PaymentRejected(f"unknown payment method {method!r}")
    invoice = get_invoice(conn, invoice_id)
    if invoice is None:
        raise LookupError(invoice_id)
    if invoice.status != "open":
        raise PaymentRejected(f"invoice {invoice.number} is {invoice.status}")
    if amount_cents != invoice.amount_cents:
        raise PaymentRejected(f"amount must equal the invoice total {format_cents(invoice.amount_cents)}")
    now = to_iso(clock.now())
    with conn:
        cur = conn.execute("INSERT INTO payments (invoice_id, account_id, amount_cents, method, status, paid_at)"
                           " VALUES (?, ?, ?, ?, 'succeeded', ?)",
                           (invoice.id, invoice.account_id, amount_cents, method, now))
        conn.execute("UPDATE invoices SET status = 'paid' WHERE id = ?", (invoice.id,))
        notify_account_admins(conn, clock, invoice.account_id, "payment_received",
                              {"number": invoice.number})
    return Payment(id=cur.lastrowid, invoice_id=invoice.id, account_id=invoice.account_id,  # type: ignore[arg-type]
                   amount_cents=amount_cents, method=method, status="succeeded", paid_at=now)
