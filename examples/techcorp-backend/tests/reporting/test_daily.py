from __future__ import annotations

from src.utils import parse_amount

METRICS = ["revenue", "payments", "failed_payments", "invoices", "invoiced", "new_users", "active_sessions"]


def test_daily_requires_a_bearer_token(client):
    response = client.get("/reports/daily", params={"date": "2026-01-20"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_daily_requires_reports_scope(client, auth_headers):
    response = client.get("/reports/daily", params={"date": "2026-01-20"}, headers=auth_headers("users:read"))
    assert response.status_code == 403


def test_daily_rejects_a_tampered_token(client, token):
    forged = token("reports:read")[:-2] + "xx"
    response = client.get("/reports/daily", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


def test_daily_report_covers_every_account_and_totals_add_up(get_report, db):
    body = get_report("daily", date="2026-01-20").json()
    account_ids = [r["id"] for r in db.execute("SELECT id FROM accounts ORDER BY id")]
    assert body["report"] == "daily" and body["date"] == "2026-01-20" and body["account_id"] is None
    assert [row["account_id"] for row in body["accounts"]] == account_ids
    for metric in METRICS:
        values = [row[metric] for row in body["accounts"]]
        if metric in ("revenue", "invoiced"):
            assert parse_amount(body["totals"][metric]) == sum(parse_amount(v) for v in values)
        else:
            assert body["totals"][metric] == sum(values)


def test_daily_revenue_matches_the_payments_table(get_report, db):
    body = get_report("daily", date="2026-01-15").json()
    cents = db.execute("SELECT COALESCE(SUM(amount_cents), 0) FROM payments WHERE status = 'succeeded'"
                       " AND paid_at >= '2026-01-15T00:00:00Z' AND paid_at < '2026-01-16T00:00:00Z'").fetchone()[0]
    assert parse_amount(body["totals"]["revenue"]) == cents
    assert body["totals"]["revenue"].count(".") == 1 and len(body["totals"]["revenue"].split(".")[1]) == 2


def test_daily_single_account_and_unknown_account(get_report):
    body = get_report("daily", date="2026-01-20", account_id=4).json()
    assert [row["account_id"] for row in body["accounts"]] == [4]
    assert get_report("daily", expected_status=404, date="2026-01-20", account_id=999).json()["detail"]


def test_daily_defaults_to_yesterday(get_report):
    assert get_report("daily").json()["date"] == "2026-01-25"


def test_daily_rejects_invalid_dates(get_report):
    for bad in ("2026-13-01", "20-01-2026", "yesterday"):
        assert "date" in get_report("daily", expected_status=422, date=bad).json()["detail"]


def test_daily_is_n_plus_one(get_report, db):
    accounts = db.execute("SELECT COUNT(*) FROM accounts").fetchone()[0]
    all_accounts = get_report("daily", date="2026-01-20")
    one_account = get_report("daily", date="2026-01-20", account_id=3)
    assert int(all_accounts.headers["x-query-count"]) == 1 + 4 * accounts
    assert int(one_account.headers["x-query-count"]) == 1 + 4
