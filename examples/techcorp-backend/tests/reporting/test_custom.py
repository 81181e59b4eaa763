from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from src.reporting.services import ReportError, build_custom_report
from src.utils import parse_amount

RANGE = {"start": "2026-01-01", "end": "2026-01-25"}


def test_custom_by_day_is_zero_filled_and_sorted(get_report):
    body = get_report("custom", **RANGE, group_by="day").json()
    keys = [row["key"] for row in body["rows"]]
    assert keys == [f"2026-01-{n:02d}" for n in range(1, 26)]
    assert body["metrics"] == ["revenue", "invoices", "new_users", "active_sessions"]


def test_custom_groupings_agree_on_totals(get_report):
    by_day = get_report("custom", **RANGE, group_by="day").json()
    by_week = get_report("custom", **RANGE, group_by="week").json()
    by_account = get_report("custom", **RANGE, group_by="account").json()
    assert [row["key"] for row in by_week["rows"]] == ["2026-W01", "2026-W02", "2026-W03", "2026-W04"]
    assert by_day["totals"] == by_week["totals"] == by_account["totals"]
    assert parse_amount(by_day["totals"]["revenue"]) == sum(parse_amount(r["revenue"]) for r in by_day["rows"])


def test_custom_by_account_names_every_account(get_report, db):
    body = get_report("custom", **RANGE, group_by="account", metrics="revenue").json()
    expected = [(r["id"], r["name"]) for r in db.execute("SELECT id, name FROM accounts ORDER BY id")]
    assert [(row["key"], row["account_name"]) for row in body["rows"]] == expected
    assert set(body["rows"][0]) == {"key", "account_name", "revenue"}


def test_custom_metric_subset_uses_canonical_order(get_report):
    body = get_report("custom", **RANGE, metrics="new_users,revenue,new_users").json()
    assert body["metrics"] == ["revenue", "new_users"]
    assert set(body["totals"]) == {"revenue", "new_users"}


@pytest.mark.parametrize("params", [
    {"metrics": "revenue,profit"},
    {"group_by": "month"},
    {"start": "2026-01-25", "end": "2026-01-01"},
    {"start": "2024-01-01", "end": "2026-01-01"},
    {"start": "2026/01/01"},
])
def test_custom_validation_errors(get_report, params):
    assert get_report("custom", expected_status=422, **{**RANGE, **params}).json()["detail"]


def test_build_custom_report_queries_per_account_and_metric(seeded_db):
    conn = sqlite3.connect(f"file:{seeded_db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    report = build_custom_report(conn, date(2026, 1, 5), date(2026, 1, 11), ["revenue", "invoices"], "week")
    accounts = conn.execute("SELECT COUNT(*) FROM accounts").fetchone()[0]
    assert len(statements) == 1 + 2 * accounts + 1
    assert [row["key"] for row in report["rows"]] == ["2026-W02"]
    with pytest.raises(ReportError):
        build_custom_report(conn, date(2026, 1, 5), date(2026, 1, 11), [], "day")
    conn.close()
