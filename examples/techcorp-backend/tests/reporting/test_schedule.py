from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from src.app import create_app
from src.reporting.scheduler import next_run
from src.utils import FixedClock


def test_schedule_lists_all_schedules_with_next_run(get_report, db):
    body = get_report("schedule").json()
    expected = [r["id"] for r in db.execute("SELECT id FROM report_schedules ORDER BY id")]
    assert body["count"] == len(expected) == 10
    assert [s["id"] for s in body["schedules"]] == expected
    for schedule in body["schedules"]:
        if schedule["active"]:
            clock = FixedClock("2026-01-26T12:00:00Z")
            assert schedule["next_run_at"] == next_run(schedule["cadence"], clock).strftime("%Y-%m-%dT%H:%M:%SZ")
        else:
            assert schedule["next_run_at"] is None
        assert schedule["owner"]["email"].endswith("@example.com")


def test_schedule_filter_by_account(get_report, db):
    account_id = db.execute("SELECT account_id FROM report_schedules ORDER BY id LIMIT 1").fetchone()[0]
    body = get_report("schedule", account_id=account_id).json()
    assert body["count"] >= 1 and all(s["account_id"] == account_id for s in body["schedules"])
    get_report("schedule", expected_status=404, account_id=999)


@pytest.mark.parametrize(("cadence", "now", "expected"), [
    ("daily", "2026-01-26T05:59:59Z", "2026-01-26T06:00:00Z"),
    ("daily", "2026-01-26T12:00:00Z", "2026-01-27T06:00:00Z"),
    ("weekly", "2026-01-26T12:00:00Z", "2026-02-02T06:00:00Z"),  # a Monday, after 06:00
    ("weekly", "2026-01-28T00:00:00Z", "2026-02-02T06:00:00Z"),
    ("monthly", "2026-01-26T12:00:00Z", "2026-02-01T06:00:00Z"),
    ("monthly", "2026-12-01T06:00:00Z", "2027-01-01T06:00:00Z"),
])
def test_next_run(cadence, now, expected):
    assert next_run(cadence, FixedClock(now)) == datetime.strptime(expected, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def test_next_run_rejects_unknown_cadence():
    with pytest.raises(ValueError, match="cadence"):
        next_run("hourly", FixedClock("2026-01-26T12:00:00Z"))


def test_reporting_is_deterministic_and_never_writes(fresh_db, auth_headers):
    before = hashlib.sha256(fresh_db.read_bytes()).hexdigest()
    headers = auth_headers("reports:read")
    urls = ["/reports/daily?date=2026-01-20", "/reports/weekly?week=2026-W02",
            "/reports/custom?start=2025-12-01&end=2026-01-25&group_by=week",
            "/reports/export?report=custom&format=json&group_by=account", "/reports/schedule"]
    with TestClient(create_app(str(fresh_db), FixedClock("2026-01-26T12:00:00Z"))) as client:
        first = [client.get(url, headers=headers).content for url in urls]
        second = [client.get(url, headers=headers).content for url in urls]
    assert first == second
    assert hashlib.sha256(fresh_db.read_bytes()).hexdigest() == before
