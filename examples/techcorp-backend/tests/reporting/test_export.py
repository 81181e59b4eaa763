from __future__ import annotations

import csv
import io

from src.reporting.exporters import to_csv


def test_export_daily_csv(get_report):
    response = get_report("export", report="daily", format="csv", date="2026-01-20")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="daily-2026-01-20.csv"'
    rows = list(csv.DictReader(io.StringIO(response.text)))
    daily = get_report("daily", date="2026-01-20").json()
    assert len(rows) == len(daily["accounts"])
    assert rows[0]["revenue"] == daily["accounts"][0]["revenue"]
    assert response.text.endswith("\n") and "\r" not in response.text


def test_export_json_matches_the_report(get_report):
    response = get_report("export", report="daily", format="json", date="2026-01-20", account_id=4)
    body = response.json()
    assert response.headers["content-disposition"] == 'attachment; filename="daily-2026-01-20-account-4.json"'
    assert body["columns"][:3] == ["date", "account_id", "account_name"]
    daily = get_report("daily", date="2026-01-20", account_id=4).json()
    assert body["rows"] == [{"date": "2026-01-20", **daily["accounts"][0]}]


def test_export_weekly_and_custom(get_report):
    weekly = get_report("export", report="weekly", format="csv", week="2026-W03")
    assert weekly.text.splitlines()[0].startswith("week,date,revenue")
    assert len(weekly.text.splitlines()) == 1 + 7
    custom = get_report("export", report="custom", format="csv", start="2026-01-01", end="2026-01-25",
                        group_by="account", metrics="revenue,new_users")
    assert custom.text.splitlines()[0] == "key,account_name,revenue,new_users"
    assert 'filename="custom-2026-01-01-2026-01-25-by-account.csv"' in custom.headers["content-disposition"]


def test_export_validation(get_report):
    assert "format" in get_report("export", expected_status=422, report="daily", format="xlsx").json()["detail"]
    assert "report" in get_report("export", expected_status=422, report="monthly").json()["detail"]
    get_report("export", expected_status=422, report="weekly", week="nope")


def test_to_csv_quotes_and_blanks():
    text = to_csv([{"a": "x,y", "b": None}, {"a": 'say "hi"', "b": 3}], ["a", "b"])
    assert text == 'a,b\n"x,y",\n"say ""hi""",3\n'
