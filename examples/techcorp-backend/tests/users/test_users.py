from __future__ import annotations


def test_list_users_is_scoped_to_the_callers_account(client, auth_headers, db):
    response = client.get("/users", params={"per_page": 2}, headers=auth_headers("users:read", account_id=3))
    body = response.json()
    expected = db.execute("SELECT COUNT(*) FROM users WHERE account_id = 3").fetchone()[0]
    assert body["total"] == expected and len(body["items"]) == min(2, expected)
    assert all(item["account_id"] == 3 and "password_hash" not in item for item in body["items"])


def test_user_details_include_scopes_and_plan(client, auth_headers):
    body = client.get("/users/1", headers=auth_headers("users:read")).json()
    assert body["id"] == 1 and body["role"] == "admin" and "users:write" in body["scopes"]
    assert body["account"]["id"] == 1
    assert client.get("/users/2", headers=auth_headers("users:read")).status_code == 404  # other account


def test_patch_user_validates_and_updates(fresh_client, auth_headers):
    headers = auth_headers("users:read", "users:write")
    assert fresh_client.patch("/users/1", json={"role": "overlord"}, headers=headers).status_code == 422
    response = fresh_client.patch("/users/1", json={"full_name": "Ada Admin"}, headers=headers)
    assert response.status_code == 200 and response.json()["full_name"] == "Ada Admin"
    assert fresh_client.patch("/users/1", json={"full_name": "x"}, headers=auth_headers("users:read")).status_code == 403


def test_preferences_and_teams(client, auth_headers, db):
    prefs = client.get("/users/1/preferences", headers=auth_headers("users:read")).json()
    assert prefs["user_id"] == 1 and prefs["effective_channel"] in prefs["available_channels"]
    teams = client.get("/teams", headers=auth_headers("users:read")).json()["teams"]
    assert [t["name"] for t in teams] == ["Engineering", "Finance", "Operations", "Sales"]
    members = db.execute("SELECT COUNT(*) FROM users WHERE account_id = 1").fetchone()[0]
    assert sum(t["member_count"] for t in teams) == members
