from __future__ import annotations

PASSWORD = "techcorp-dev"


def _admin_email(db) -> str:
    return db.execute("SELECT email FROM users WHERE id = 1").fetchone()[0]


def test_login_issues_a_token_that_carries_role_scopes(fresh_client, db):
    response = fresh_client.post("/auth/login", json={"email": _admin_email(db), "password": PASSWORD})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_at"] == "2026-01-26T13:00:00Z"
    assert "reports:read" in body["scopes"]
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    permissions = fresh_client.get("/auth/permissions", headers=headers).json()
    assert permissions["role"] == "admin" and permissions["granted_scopes"] == sorted(body["scopes"])
    assert fresh_client.get("/reports/schedule", headers=headers).status_code == 200


def test_login_rejects_a_wrong_password(fresh_client, db):
    response = fresh_client.post("/auth/login", json={"email": _admin_email(db), "password": "nope"})
    assert response.status_code == 401


def test_refresh_then_logout_revokes_the_session(fresh_client, db):
    login = fresh_client.post("/auth/login", json={"email": _admin_email(db), "password": PASSWORD}).json()
    headers = {"Authorization": f"Bearer {login['access_token']}"}
    refreshed = fresh_client.post("/auth/refresh", headers=headers)
    assert refreshed.status_code == 200 and refreshed.json()["access_token"].startswith("tc1.")
    assert fresh_client.post("/auth/logout", headers=headers).json() == {"revoked": True}
    assert fresh_client.post("/auth/refresh", headers=headers).status_code == 401


def test_expired_tokens_are_rejected(client, token):
    expired = token("reports:read", ttl_seconds=-1)
    assert client.get("/auth/permissions", headers={"Authorization": f"Bearer {expired}"}).status_code == 401
