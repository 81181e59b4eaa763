"""SQL that reporting runs directly (schedules and their runs, joined with users and accounts)."""

from __future__ import annotations

import sqlite3

from src.reporting.models import ReportRun
from src.utils import fetch_all, fetch_one

SCHEDULES_SQL = """
SELECT rs.id, rs.account_id, a.name AS account_name, rs.owner_user_id, u.email AS owner_email,
       u.full_name AS owner_name, rs.report_type, rs.cadence, rs.format, rs.active, rs.created_at
FROM report_schedules rs
JOIN accounts a ON a.id = rs.account_id
JOIN users u ON u.id = rs.owner_user_id
WHERE (? IS NULL OR rs.account_id = ?)
ORDER BY rs.id
"""

LAST_RUN_SQL = """
SELECT id, schedule_id, started_at, finished_at, status, row_count
FROM report_runs
WHERE schedule_id = ?
ORDER BY started_at DESC, id DESC
LIMIT 1
"""


def schedule_rows(conn: sqlite3.Connection, account_id: int | None) -> list[sqlite3.Row]:
    return fetch_all(conn, SCHEDULES_SQL, (account_id, account_id))


def last_run(conn: sqlite3.Connection, schedule_id: int) -> ReportRun | None:
    return ReportRun.from_row(fetch_one(conn, LAST_RUN_SQL, (schedule_id,)))
