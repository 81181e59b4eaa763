from __future__ import annotations


def test_health_needs_no_token_and_no_database(client):
    response = client.get("/health")
    assert response.json() == {"status": "ok", "version": "2026.1.0"}
    assert response.headers["x-query-count"] == "0"


def test_all_five_modules_are_mounted(app):
    paths = set(app.openapi()["paths"])
    assert {p for p in paths if p.startswith("/reports/")} == {
        "/reports/daily", "/reports/weekly", "/reports/custom", "/reports/export", "/reports/schedule"}
    for prefix in ("/auth/", "/users", "/billing/", "/notifications", "/teams"):
        assert any(p.startswith(prefix) for p in paths), prefix
