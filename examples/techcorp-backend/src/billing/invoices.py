"""Invoice queries."""

from __future__ import annotations

import sqlite3
from datetime import date

from src.billing.models import INVOICE_STATUSES, Invoice
from src.utils import Clock, PageParams, day_bounds, fetch_all, fetch_one, paginate, to_iso


def get_invoice(conn: sqlite3.Connection, invoice_id: int) -> Invoice | None:
    return Invoice.from_row(fetch_one(conn, "SELECT * FROM invoices WHERE id = ?", (invoice_id,)))


def invoices_for_day(conn: sqlite3.Connection, account_id: int, day: date) -> list[Invoice]:
    start, end = day_bounds(day)
    return invoices_between(conn, account_id, start, end)


def invoices_between(conn: sqlite3.Connection, account_id: int, start_iso: str, end_iso: str) -> list[Invoice]:
    rows = fetch_all(conn, "SELECT * FROM invoices WHERE account_id = ? AND issued_at >= ? AND issued_at < ?"
                     " ORDER BY issued_at, id", (account_id, start_iso, end_iso))
    return Invoice.from_rows(rows)


def list_invoices(conn: sqlite3.Connection, account_id: int, status: str | None, page: PageParams) -> dict:
    if status is not None and status not in INVOICE_STATUSES:
        raise ValueError(f"unknown invoice status {status!r}")
    sql = ("SELECT id, account_id, number, issued_at, due_at, amount_cents, status FROM invoices"
           " WHERE account_id = ?")
    params: tuple = (account_id,)
    if status:
        sql += " AND status = ?"
        params += (status,)
    result = paginate(conn, sql + " ORDER BY issued_at DESC, id DESC", params, page)
    result["items"] = [Invoice(subscription_id=None, **item).public() for item in result["items"]]
    return result


def list_overdue(conn: sqlite3.Connection, clock: Clock, account_id: int | None = None) -> list[Invoice]:
    sql = "SELECT * FROM invoices WHERE status = 'open' AND due_at < ?"
    params: tuple = (to_iso(clock.now()),)
    if account_id is not None:
        sql += " AND account_id = ?"
        params += (account_id,)
    return Invoice.from_rows(fetch_all(conn, sql + " ORDER BY due_at, id", params))

