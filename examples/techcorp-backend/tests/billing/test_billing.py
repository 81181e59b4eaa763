from __future__ import annotations

from src.utils import format_cents


def test_plans_and_subscription(client, auth_headers):
    plans = client.get("/billing/plans", headers=auth_headers("billing:read")).json()["plans"]
    assert [p["code"] for p in plans] == ["starter", "growth", "enterprise"]
    assert plans[0]["monthly_price"] == "49.00"
    body = client.get("/billing/accounts/1/subscription", headers=auth_headers("billing:read")).json()
    assert body["account_id"] == 1 and "." in body["open_balance"]
    assert client.get("/billing/accounts/2/subscription", headers=auth_headers("billing:read")).status_code == 404


def test_invoice_listing_filters_by_status(client, auth_headers):
    body = client.get("/billing/invoices", params={"status": "paid", "per_page": 5},
                      headers=auth_headers("billing:read")).json()
    assert body["items"] and all(item["status"] == "paid" for item in body["items"])
    issued = [item["issued_at"] for item in body["items"]]
    assert issued == sorted(issued, reverse=True)
    assert client.get("/billing/invoices", params={"status": "weird"},
                      headers=auth_headers("billing:read")).status_code == 422


def test_paying_an_open_invoice_marks_it_paid_and_notifies_admins(fresh_client, auth_headers, fresh_db):
    import sqlite3

    conn = sqlite3.connect(fresh_db)
    row = conn.execute("SELECT id, account_id, amount_cents FROM invoices WHERE status = 'open'"
                       " ORDER BY id LIMIT 1").fetchone()
    conn.close()
    invoice_id, account_id, cents = row
    headers = auth_headers("billing:read", "billing:write", account_id=account_id)
    url = f"/billing/invoices/{invoice_id}/payments"
    response = fresh_client.post(url, json={"amount": format_cents(cents), "method": "ach"}, headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["paid_at"] == "2026-01-26T12:00:00Z"
    again = fresh_client.post(url, json={"amount": format_cents(cents)}, headers=headers)
    assert again.status_code == 409
    conn = sqlite3.connect(fresh_db)
    assert conn.execute("SELECT status FROM invoices WHERE id = ?", (invoice_id,)).fetchone()[0] == "paid"
    notes = conn.execute("SELECT COUNT(*) FROM notifications WHERE account_id = ? AND template_code ="
                         " 'payment_received' AND created_at = '2026-01-26T12:00:00Z'", (account_id,)).fetchone()[0]
    conn.close()
    assert notes >= 1
