"""Report builders.

Legacy design: every number is fetched through the owning module's service,
one account and one day at a time (N+1).  The extracted service is expected to
return byte-identical payloads from denormalized views instead.
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

from src.auth.services import count_sessions_for_day, sessions_between
from src.billing.invoices import invoices_between, invoices_for_day
from src.billing.services import payments_between, payments_for_day
from src.reporting.models import GROUP_BYS, MAX_CUSTOM_DAYS, METRICS, REPORT_TYPES, AccountDay, DayMetrics
from src.reporting.queries import last_run, schedule_rows
from src.reporting.scheduler import next_run
from src.users.models import Account
from src.users.services import count_new_users, get_account, list_accounts, users_created_between
from src.utils import (
    Clock,
    format_cents,
    iso_week_label,
    iter_days,
    parse_date,
    percent_change,
    range_bounds,
    to_iso,
    week_bounds,
)

WOW_METRICS = ("revenue_cents", "payments", "invoices", "invoiced_cents", "new_users")


class ReportError(ValueError):
    """Invalid report parameters (HTTP 422)."""


class ReportNotFound(LookupError):
    """A referenced account does not exist (HTTP 404)."""


# --- parameters -----------------------------------------------------------------------------------

def default_day(clock: Clock) -> date:
    return clock.now().date() - timedelta(days=1)


def default_week(clock: Clock) -> str:
    return iso_week_label(clock.now().date() - timedelta(days=7))


def resolve_day(text: str | None, clock: Clock) -> date:
    if text is None:
        return default_day(clock)
    try:
        return parse_date(text)
    except ValueError as exc:
        raise ReportError(str(exc)) from exc


def resolve_week(text: str | None, clock: Clock) -> str:
    week = text or default_week(clock)
    try:
        week_bounds(week)
    except ValueError as exc:
        raise ReportError(str(exc)) from exc
    return week


def resolve_range(start: str | None, end: str | None, clock: Clock) -> tuple[date, date]:
    end_day = resolve_day(end, clock)
    start_day = resolve_day(start, clock) if start else end_day - timedelta(days=29)
    return start_day, end_day


def parse_metrics(text: str | None) -> list[str]:
    """Comma-separated metric names -> canonical order, duplicates removed."""
    requested = [m.strip() for m in (text or ",".join(METRICS)).split(",") if m.strip()]
    unknown = sorted(set(requested) - set(METRICS))
    if unknown:
        raise ReportError(f"unknown metric(s): {', '.join(unknown)}; expected {', '.join(METRICS)}")
    return [m for m in METRICS if m in requested]


def _accounts(conn: sqlite3.Connection, account_id: int | None) -> list[Account]:
    if account_id is None:
        return list_accounts(conn)
    account = get_account(conn, account_id)
    if account is None:
        raise ReportNotFound(f"account {account_id} not found")
    return [account]


# --- daily and weekly -----------------------------------------------------------------------------

def account_day_metrics(conn: sqlite3.Connection, account_id: int, day: date) -> DayMetrics:
    """Four queries, one per owning module's service."""
    return DayMetrics.from_records(payments=payments_for_day(conn, account_id, day),
                                   invoices=invoices_for_day(conn, account_id, day),
                                   new_users=count_new_users(conn, account_id, day),
                                   active_sessions=count_sessions_for_day(conn, account_id, day))


def daily_breakdown(conn: sqlite3.Connection, day: date,
                    account_id: int | None = None) -> tuple[list[AccountDay], DayMetrics]:
    rows: list[AccountDay] = []
    totals = DayMetrics()
    for account in _accounts(conn, account_id):
        metrics = account_day_metrics(conn, account.id, day)
        totals.add(metrics)
        rows.append(AccountDay(account, metrics))
    return rows, totals


def build_daily_report(conn: sqlite3.Connection, day: date, account_id: int | None = None) -> dict:
    rows, totals = daily_breakdown(conn, day, account_id)
    return {"report": "daily", "date": day.isoformat(), "account_id": account_id,
            "accounts": [row.render() for row in rows], "totals": totals.render()}


def _week_days(conn: sqlite3.Connection, week: str) -> tuple[list[tuple[date, DayMetrics]], DayMetrics, int]:
    monday, sunday = week_bounds(week)
    days: list[tuple[date, DayMetrics]] = []
    totals = DayMetrics()
    peak_sessions = 0
    for day in iter_days(monday, sunday):
        _, day_totals = daily_breakdown(conn, day)
        days.append((day, day_totals))
        totals.add(day_totals)
        peak_sessions = max(peak_sessions, day_totals.active_sessions)
    return days, totals, peak_sessions


def _render_week_totals(totals: DayMetrics, peak_sessions: int) -> dict:
    rendered = totals.render()
    del rendered["active_sessions"]  # not additive across days
    rendered["peak_active_sessions"] = peak_sessions
    return rendered


def build_weekly_report(conn: sqlite3.Connection, week: str) -> dict:
    monday, sunday = week_bounds(week)
    previous_week = iso_week_label(monday - timedelta(days=7))
    days, totals, peak = _week_days(conn, week)
    _, prev_totals, prev_peak = _week_days(conn, previous_week)
    wow = {name.removesuffix("_cents"): percent_change(getattr(prev_totals, name), getattr(totals, name))
           for name in WOW_METRICS}
    return {"report": "weekly", "week": week, "start": monday.isoformat(), "end": sunday.isoformat(),
            "days": [{"date": day.isoformat(), **metrics.render()} for day, metrics in days],
            "totals": _render_week_totals(totals, peak),
            "previous_week": {"week": previous_week, "totals": _render_week_totals(prev_totals, prev_peak)},
            "wow_change_pct": wow}


# --- custom ---------------------------------------------------------------------------------------

def _custom_buckets(start: date, end: date, group_by: str) -> dict[str, tuple[str, str]]:
    """Bucket key -> [start, end) ISO bounds, clipped to the requested range."""
    buckets: dict[str, tuple[str, str]] = {}
    for day in iter_days(start, end):
        key = day.isoformat() if group_by == "day" else iso_week_label(day)
        first = buckets.get(key, range_bounds(day, day))[0]
        buckets[key] = (first, range_bounds(day, day)[1])
    return buckets


def _bucket_key(timestamp: str, group_by: str, account: Account) -> str | int:
    if group_by == "account":
        return account.id
    if group_by == "week":
        return iso_week_label(date.fromisoformat(timestamp[:10]))
    return timestamp[:10]


def build_custom_report(conn: sqlite3.Connection, start: date, end: date, metrics: list[str],
                        group_by: str = "day") -> dict:
    """Metrics over an arbitrary date range, grouped by day, ISO week or account.

    One query per account and metric; buckets are zero-filled and sorted by key.
    """
    if end < start:
        raise ReportError("end must not be before start")
    if (end - start).days + 1 > MAX_CUSTOM_DAYS:
        raise ReportError(f"range too long: at most {MAX_CUSTOM_DAYS} days")
    if not metrics:
        raise ReportError("at least one metric is required")
    for metric in metrics:
        if metric not in METRICS:
            raise ReportError(f"unknown metric {metric!r}")
    if group_by not in GROUP_BYS:
        raise ReportError(f"unknown group_by {group_by!r}; expected {', '.join(GROUP_BYS)}")

    range_start, range_end = range_bounds(start, end)
    time_buckets = {} if group_by == "account" else _custom_buckets(start, end, group_by)
    rows: dict[str | int, dict] = {}
    names: dict[int, str] = {}
    all_sessions: set[str] = set()

    for account in list_accounts(conn):
        if group_by == "account":
            bounds = {account.id: (range_start, range_end)}
            names[account.id] = account.name
        else:
            bounds = time_buckets
        for key in bounds:
            rows.setdefault(key, {metric: 0 for metric in metrics})
        for metric in metrics:
            if metric == "revenue":
                for payment in payments_between(conn, account.id, range_start, range_end):
                    if not payment.succeeded:
                        continue
                    rows[_bucket_key(payment.paid_at, group_by, account)]["revenue"] += payment.amount_cents
            elif metric == "invoices":
                for invoice in invoices_between(conn, account.id, range_start, range_end):
                    rows[_bucket_key(invoice.issued_at, group_by, account)]["invoices"] += 1
            elif metric == "new_users":
                for user in users_created_between(conn, account.id, range_start, range_end):
                    rows[_bucket_key(user.created_at, group_by, account)]["new_users"] += 1
            elif metric == "active_sessions":
                sessions = sessions_between(conn, account.id, range_start, range_end)
                all_sessions.update(session.id for session in sessions)
                for key, (bucket_start, bucket_end) in bounds.items():
                    rows[key]["active_sessions"] += sum(
                        1 for session in sessions if session.active_between(bucket_start, bucket_end))

    rendered_rows = []
    totals = {metric: 0 for metric in metrics}
    for key in sorted(rows):
        values = rows[key]
        row: dict = {"key": key}
        if group_by == "account":
            row["account_name"] = names[key]  # type: ignore[index]
        for metric in metrics:
            totals[metric] += values[metric]
            row[metric] = format_cents(values[metric]) if metric == "revenue" else values[metric]
        rendered_rows.append(row)
    if "active_sessions" in totals:
        totals["active_sessions"] = len(all_sessions)  # distinct sessions over the whole range
    if "revenue" in totals:
        totals["revenue"] = format_cents(totals["revenue"])
    return {"report": "custom", "start": start.isoformat(), "end": end.isoformat(), "group_by": group_by,
            "metrics": list(metrics), "rows": rendered_rows, "totals": totals}


# --- dispatch and schedules -----------------------------------------------------------------------

def build_report(conn: sqlite3.Connection, clock: Clock, report: str, *, day: str | None = None,
                 account_id: int | None = None, week: str | None = None, start: str | None = None,
                 end: str | None = None, metrics: str | None = None, group_by: str = "day") -> dict:
    """Build any report type from raw query parameters (used by the export endpoint)."""
    if report == "daily":
        return build_daily_report(conn, resolve_day(day, clock), account_id)
    if report == "weekly":
        return build_weekly_report(conn, resolve_week(week, clock))
    if report == "custom":
        start_day, end_day = resolve_range(start, end, clock)
        return build_custom_report(conn, start_day, end_day, parse_metrics(metrics), group_by)
    raise ReportError(f"unknown report {report!r}; expected {', '.join(REPORT_TYPES)}")


def list_schedules(conn: sqlite3.Connection, clock: Clock, account_id: int | None = None) -> dict:
    if account_id is not None:
        _accounts(conn, account_id)
    schedules = []
    for row in schedule_rows(conn, account_id):
        run = last_run(conn, row["id"])
        schedules.append({
            "id": row["id"], "account_id": row["account_id"], "account_name": row["account_name"],
            "owner": {"id": row["owner_user_id"], "email": row["owner_email"], "full_name": row["owner_name"]},
            "report_type": row["report_type"], "cadence": row["cadence"], "format": row["format"],
            "active": bool(row["active"]),
            "last_run": None if run is None else {"started_at": run.started_at, "status": run.status,
                                                  "row_count": run.row_count},
            "next_run_at": to_iso(next_run(row["cadence"], clock)) if row["active"] else None,
        })
    return {"account_id": account_id, "count": len(schedules), "schedules": schedules}
