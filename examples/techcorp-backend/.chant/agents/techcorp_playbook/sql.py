"""SQL of the two repositories.  Table SQL reads the base tables; view SQL reads the replica's views."""

_DAY_RANGE = "{col} >= ? || 'T00:00:00Z' AND {col} < date(?, '+1 day') || 'T00:00:00Z' AND (? IS NULL OR account_id = ?)"

TABLE_METRICS = f"""
SELECT 'p', account_id, substr(paid_at, 1, 10) AS day,
       SUM(CASE WHEN status = 'succeeded' THEN amount_cents ELSE 0 END),
       SUM(status = 'succeeded'), SUM(status <> 'succeeded')
FROM payments WHERE {_DAY_RANGE.format(col='paid_at')} GROUP BY account_id, day
UNION ALL
SELECT 'i', account_id, substr(issued_at, 1, 10) AS day, COUNT(*), SUM(amount_cents), 0
FROM invoices WHERE {_DAY_RANGE.format(col='issued_at')} GROUP BY account_id, day
UNION ALL
SELECT 'u', account_id, substr(created_at, 1, 10) AS day, COUNT(*), 0, 0
FROM users WHERE {_DAY_RANGE.format(col='created_at')} GROUP BY account_id, day
"""

TABLE_SESSIONS = """
WITH b(key, lo, hi) AS (VALUES {buckets})
SELECT b.key, u.account_id, COUNT(*)
FROM b JOIN sessions s ON s.created_at < b.hi AND s.expires_at > b.lo AND (s.revoked_at IS NULL OR s.revoked_at > b.lo)
JOIN users u ON u.id = s.user_id
WHERE (? IS NULL OR u.account_id = ?)
GROUP BY b.key, u.account_id
"""

SCHEDULES_SELECT = """
SELECT rs.id, rs.account_id, a.name AS account_name, rs.owner_user_id, u.email AS owner_email,
       u.full_name AS owner_name, rs.report_type, rs.cadence, rs.format, rs.active, rs.created_at,
       lr.started_at AS last_started_at, lr.status AS last_status, lr.row_count AS last_row_count
FROM report_schedules rs
JOIN accounts a ON a.id = rs.account_id
JOIN users u ON u.id = rs.owner_user_id
LEFT JOIN report_runs lr ON lr.id = (SELECT r.id FROM report_runs r WHERE r.schedule_id = rs.id
                                     ORDER BY r.started_at DESC, r.id DESC LIMIT 1)"""

TABLE_SCHEDULES = SCHEDULES_SELECT + "\nWHERE (? IS NULL OR rs.account_id = ?)\nORDER BY rs.id\n"

# --- the replica's denormalized views (migrations/001_initial.py) -------------------------------------

def view_ddl(accuracy_fault: bool = False) -> dict[str, str]:
    # The injected fault truncates revenue to whole currency units: plausible, and invisible in counts.
    revenue = "(amount_cents / 100) * 100" if accuracy_fault else "amount_cents"
    return {
        "rpt_payments_daily": f"""
SELECT account_id, substr(paid_at, 1, 10) AS day,
       SUM(CASE WHEN status = 'succeeded' THEN {revenue} ELSE 0 END) AS revenue_cents,
       SUM(status = 'succeeded') AS payments, SUM(status <> 'succeeded') AS failed_payments
FROM payments GROUP BY account_id, day""",
        "rpt_invoices_daily": """
SELECT account_id, substr(issued_at, 1, 10) AS day, COUNT(*) AS invoices, SUM(amount_cents) AS invoiced_cents
FROM invoices GROUP BY account_id, day""",
        "rpt_users_daily": """
SELECT account_id, substr(created_at, 1, 10) AS day, COUNT(*) AS new_users
FROM users GROUP BY account_id, day""",
        "rpt_sessions_daily": """
SELECT s.id AS session_id, u.account_id, s.created_at, s.expires_at, s.revoked_at,
       substr(s.created_at, 1, 10) AS first_day, substr(s.expires_at, 1, 10) AS last_day
FROM sessions s JOIN users u ON u.id = s.user_id""",
        "rpt_schedules": SCHEDULES_SELECT,
    }


REPLICA_INDEXES = [
    "CREATE INDEX IF NOT EXISTS rpt_ix_payments_day ON payments(paid_at, account_id)",
    "CREATE INDEX IF NOT EXISTS rpt_ix_invoices_day ON invoices(issued_at, account_id)",
    "CREATE INDEX IF NOT EXISTS rpt_ix_users_day ON users(created_at, account_id)",
    "CREATE INDEX IF NOT EXISTS rpt_ix_sessions_window ON sessions(created_at, expires_at)",
]

VIEW_METRICS = """
SELECT 'p', account_id, day, revenue_cents, payments, failed_payments FROM rpt_payments_daily
WHERE day BETWEEN ? AND ? AND (? IS NULL OR account_id = ?)
UNION ALL
SELECT 'i', account_id, day, invoices, invoiced_cents, 0 FROM rpt_invoices_daily
WHERE day BETWEEN ? AND ? AND (? IS NULL OR account_id = ?)
UNION ALL
SELECT 'u', account_id, day, new_users, 0, 0 FROM rpt_users_daily
WHERE day BETWEEN ? AND ? AND (? IS NULL OR account_id = ?)
"""

VIEW_SESSIONS = """
WITH b(key, lo, hi) AS (VALUES {buckets})
SELECT b.key, s.account_id, COUNT(*)
FROM b JOIN rpt_sessions_daily s
  ON s.created_at < b.hi AND s.expires_at > b.lo AND (s.revoked_at IS NULL OR s.revoked_at > b.lo)
WHERE (? IS NULL OR s.account_id = ?)
GROUP BY b.key, s.account_id
"""

VIEW_SCHEDULES = "SELECT * FROM rpt_schedules WHERE (? IS NULL OR account_id = ?) ORDER BY id\n"
