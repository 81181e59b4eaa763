from __future__ import annotations

from datetime import date

import pytest

from src.utils import iso_week_label, parse_amount, percent_change, week_bounds


def test_weekly_has_seven_zero_filled_days(get_report):
    body = get_report("weekly", week="2026-W03").json()
    assert (body["start"], body["end"]) == ("2026-01-12", "2026-01-18")
    assert [d["date"] for d in body["days"]] == [f"2026-01-{n}" for n in range(12, 19)]
    assert all(set(d) >= {"revenue", "invoices", "new_users", "active_sessions"} for d in body["days"])


def test_weekly_totals_and_week_over_week(get_report):
    body = get_report("weekly", week="2026-W03").json()
    totals, days = body["totals"], body["days"]
    assert parse_amount(totals["revenue"]) == sum(parse_amount(d["revenue"]) for d in days)
    assert totals["invoices"] == sum(d["invoices"] for d in days)
    assert totals["peak_active_sessions"] == max(d["active_sessions"] for d in days)
    previous = get_report("weekly", week="2026-W02").json()
    assert body["previous_week"] == {"week": "2026-W02", "totals": previous["totals"]}
    assert body["wow_change_pct"]["revenue"] == percent_change(
        parse_amount(previous["totals"]["revenue"]), parse_amount(totals["revenue"]))


def test_weekly_defaults_to_the_last_complete_week(get_report):
    body = get_report("weekly").json()  # the clock is frozen on Monday 2026-01-26 (2026-W05)
    assert (body["week"], body["start"], body["end"]) == ("2026-W04", "2026-01-19", "2026-01-25")


@pytest.mark.parametrize("week", ["2026-W54", "2026-3", "W03-2026", "2026-W00"])
def test_weekly_rejects_invalid_weeks(get_report, week):
    get_report("weekly", expected_status=422, week=week)


@pytest.mark.parametrize(("week", "monday", "sunday"), [
    ("2026-W03", date(2026, 1, 12), date(2026, 1, 18)),
    ("2026-W01", date(2025, 12, 29), date(2026, 1, 4)),
    ("2020-W53", date(2020, 12, 28), date(2021, 1, 3)),
])
def test_week_bounds(week, monday, sunday):
    assert week_bounds(week) == (monday, sunday)
    assert iso_week_label(monday) == week == iso_week_label(sunday)
