from __future__ import annotations


def _user_with_unread(db) -> tuple[int, int]:
    row = db.execute("SELECT n.user_id, u.account_id FROM notifications n JOIN users u ON u.id = n.user_id"
                     " WHERE n.read_at IS NULL ORDER BY n.user_id LIMIT 1").fetchone()
    return row[0], row[1]


def test_list_and_mark_read(fresh_client, auth_headers, db):
    user_id, account_id = _user_with_unread(db)
    headers = auth_headers("notifications:read", user_id=user_id, account_id=account_id, role="member")
    unread = fresh_client.get("/notifications", params={"unread": True}, headers=headers).json()
    assert unread["total"] >= 1
    first = unread["items"][0]
    marked = fresh_client.post(f"/notifications/{first['id']}/read", headers=headers).json()
    assert marked == {"id": first["id"], "read_at": "2026-01-26T12:00:00Z"}
    after = fresh_client.get("/notifications", params={"unread": True}, headers=headers).json()
    assert after["total"] == unread["total"] - 1
    assert fresh_client.post("/notifications/999999/read", headers=headers).status_code == 404


def test_channels(client, auth_headers):
    body = client.get("/notifications/channels", headers=auth_headers("notifications:read")).json()
    assert body["available"] == ["email", "in_app"] and body["effective"] in body["available"]
