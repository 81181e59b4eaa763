"""Report assembly shared by the two repositories the service has (base tables in .1, views in .2).

The text below is written into the generated service twice (models.py and database.py) because .1
and .2 run in separate worktrees and neither may depend on the other's file.  It turns a handful of
GROUP BY queries into the monolith's payloads; the SQL is supplied by the concrete repository.
"""

from __future__ import annotations

from .common import copy_definitions

ASSEMBLY_IMPORTS = """\
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
"""

ASSEMBLY_BODY = '''
class ReportNotFound(LookupError):
    """A referenced account does not exist (HTTP 404)."""


class ReportingRepositoryBase:
    """The repository API of the service: daily, weekly, custom, schedules (payload dicts).

    Concrete classes provide ``SQL_METRICS`` (one row per kind/account/day), ``SQL_SESSIONS`` (active
    sessions per bucket) and ``SQL_SCHEDULES``; every request costs a constant number of queries.
    """

    SQL_ACCOUNTS = "SELECT id, name FROM accounts ORDER BY id"
    SQL_ACCOUNT = "SELECT id, name FROM accounts WHERE id = ?"
    SQL_METRICS = ""
    SQL_SESSIONS = ""
    SQL_SCHEDULES = ""

    def __init__(self, connect, counter=None):
        # ``connect()`` returns a context manager yielding a sqlite3 connection (a pool checkout).
        self._connect = connect
        self._counter = counter

    def bound(self, counter):
        """The same repository, counting its statements on ``counter`` (the X-Query-Count header)."""
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone._counter = counter
        return clone

    @contextmanager
    def _conn(self):
        with self._connect() as conn:
            if self._counter is not None:
                conn.set_trace_callback(self._counter)
            try:
                yield conn
            finally:
                conn.set_trace_callback(None)

    # --- primitive queries -----------------------------------------------------------------------
    def _accounts(self, conn, account_id):
        if account_id is None:
            return [(r[0], r[1]) for r in conn.execute(self.SQL_ACCOUNTS).fetchall()]
        row = conn.execute(self.SQL_ACCOUNT, (account_id,)).fetchone()
        if row is None:
            raise ReportNotFound(f"account {account_id} not found")
        return [(row[0], row[1])]

    def _metrics(self, conn, first: date, last: date, account_id=None) -> dict:
        """(account_id, day) -> DayMetrics without sessions, one query for payments, invoices and users."""
        out: dict = {}
        params = (first.isoformat(), last.isoformat(), account_id, account_id) * 3
        for kind, acct, day, a, b, c in conn.execute(self.SQL_METRICS, params).fetchall():
            m = out.setdefault((acct, day), DayMetrics())
            if kind == "p":
                m.revenue_cents, m.payments, m.failed_payments = a, b, c
            elif kind == "i":
                m.invoices, m.invoiced_cents = a, b
            else:
                m.new_users = a
        return out

    def _sessions(self, conn, buckets, account_id=None) -> dict:
        """(bucket key, account_id) -> sessions active in the bucket's [start, end), one query."""
        if not buckets:
            return {}
        values = ", ".join("(?, ?, ?)" for _ in buckets)
        params = [str(v) for bucket in buckets for v in bucket] + [account_id, account_id]
        sql = self.SQL_SESSIONS.replace("{buckets}", values)
        return {(key, acct): n for key, acct, n in conn.execute(sql, params).fetchall()}

    # --- reports ---------------------------------------------------------------------------------
    def daily(self, day: date, account_id=None) -> dict:
        key = day.isoformat()
        with self._conn() as conn:
            accounts = self._accounts(conn, account_id)
            metrics = self._metrics(conn, day, day, account_id)
            sessions = self._sessions(conn, [(key, *day_bounds(day))], account_id)
        rows, totals = [], DayMetrics()
        for acct, name in accounts:
            m = metrics.get((acct, key)) or DayMetrics()
            m.active_sessions = sessions.get((key, acct), 0)
            totals.add(m)
            rows.append({"account_id": acct, "account_name": name, **m.render()})
        return {"report": "daily", "date": key, "account_id": account_id, "accounts": rows,
                "totals": totals.render()}

    def weekly(self, week: str) -> dict:
        monday, sunday = week_bounds(week)
        previous_monday = monday - timedelta(days=7)
        previous_week = iso_week_label(previous_monday)
        days = list(iter_days(previous_monday, sunday))
        with self._conn() as conn:
            metrics = self._metrics(conn, previous_monday, sunday)
            sessions = self._sessions(conn, [(d.isoformat(), *day_bounds(d)) for d in days])
        per_day = {d.isoformat(): DayMetrics() for d in days}
        for (acct, day), m in metrics.items():
            per_day[day].add(m)
        for (day, acct), n in sessions.items():
            per_day[day].active_sessions += n

        def summarise(first: date):
            picked = [(d, per_day[d.isoformat()]) for d in iter_days(first, first + timedelta(days=6))]
            totals = DayMetrics()
            for _, m in picked:
                totals.add(m)
            return picked, totals, max(m.active_sessions for _, m in picked)

        this_days, totals, peak = summarise(monday)
        _, prev_totals, prev_peak = summarise(previous_monday)
        wow = {name.removesuffix("_cents"): percent_change(getattr(prev_totals, name), getattr(totals, name))
               for name in WOW_METRICS}
        return {"report": "weekly", "week": week, "start": monday.isoformat(), "end": sunday.isoformat(),
                "days": [{"date": d.isoformat(), **m.render()} for d, m in this_days],
                "totals": _render_week_totals(totals, peak),
                "previous_week": {"week": previous_week, "totals": _render_week_totals(prev_totals, prev_peak)},
                "wow_change_pct": wow}

    def custom(self, start: date, end: date, metrics: list, group_by: str = "day") -> dict:
        range_start, range_end = range_bounds(start, end)
        by_account = group_by == "account"
        with self._conn() as conn:
            accounts = self._accounts(conn, None)
            daily = self._metrics(conn, start, end) if set(metrics) - {"active_sessions"} else {}
            sessions = {}
            if "active_sessions" in metrics:
                buckets = [("__range__", range_start, range_end)]
                if not by_account:
                    buckets += [(k, lo, hi) for k, (lo, hi) in _custom_buckets(start, end, group_by).items()]
                sessions = self._sessions(conn, buckets)
        names = dict(accounts)
        if by_account:
            keys = [acct for acct, _ in accounts]
        else:
            keys = list(_custom_buckets(start, end, group_by)) if accounts else []
        rows = {key: {metric: 0 for metric in metrics} for key in keys}
        for (acct, day), m in daily.items():
            if acct not in names:
                continue
            key = acct if by_account else (day if group_by == "day" else iso_week_label(date.fromisoformat(day)))
            values = rows[key]
            if "revenue" in values:
                values["revenue"] += m.revenue_cents
            if "invoices" in values:
                values["invoices"] += m.invoices
            if "new_users" in values:
                values["new_users"] += m.new_users
        distinct = 0
        for (key, acct), n in sessions.items():
            if key == "__range__":
                distinct += n
                if by_account and acct in rows:
                    rows[acct]["active_sessions"] += n
            elif not by_account:
                rows[key]["active_sessions"] += n
        rendered, totals = [], {metric: 0 for metric in metrics}
        for key in sorted(rows):
            row = {"key": key}
            if by_account:
                row["account_name"] = names[key]
            for metric in metrics:
                totals[metric] += rows[key][metric]
                row[metric] = format_cents(rows[key][metric]) if metric == "revenue" else rows[key][metric]
            rendered.append(row)
        if "active_sessions" in totals:
            totals["active_sessions"] = distinct
        if "revenue" in totals:
            totals["revenue"] = format_cents(totals["revenue"])
        return {"report": "custom", "start": start.isoformat(), "end": end.isoformat(), "group_by": group_by,
                "metrics": list(metrics), "rows": rendered, "totals": totals}

    def schedules(self, account_id=None) -> list:
        """Schedule rows with their owner and last run, one query (plus the account check)."""
        with self._conn() as conn:
            if account_id is not None:
                self._accounts(conn, account_id)
            return [dict(zip([c[0] for c in cur.description], row))
                    for cur in [conn.execute(self.SQL_SCHEDULES, (account_id, account_id))]
                    for row in cur.fetchall()]
'''

# Pure helpers the assembly needs, copied from the monolith so the service never imports it.
HELPERS = {
    "src/utils/money.py": ["format_cents", "percent_change"],
    "src/utils/timeutil.py": ["ISO_FORMAT", "to_iso", "day_bounds", "range_bounds", "iter_days", "_WEEK_RE",
                              "parse_iso_week", "week_bounds", "iso_week_label"],
    "src/reporting/models.py": ["DayMetrics"],
    "src/reporting/services.py": ["WOW_METRICS", "_render_week_totals", "_custom_buckets"],
}


def assembly_source(root) -> str:
    helpers = copy_definitions(root, HELPERS)
    # DayMetrics.from_records annotates monolith types; the annotation stays a string and is never used.
    return "import re\n" + ASSEMBLY_IMPORTS + "\n\n" + helpers + "\n\n" + ASSEMBLY_BODY
