"""Fixtures for the reporting tests: an authorised GET helper."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest


@pytest.fixture(scope="session")
def report_headers(auth_headers) -> dict[str, str]:
    return auth_headers("reports:read", user_id=5, account_id=5, role="analyst")


@pytest.fixture
def get_report(client, report_headers) -> Callable[..., httpx.Response]:
    """``get_report("daily", date="2026-01-20")`` -> response of ``GET /reports/daily``."""

    def get(endpoint: str, expected_status: int | None = 200, **params) -> httpx.Response:
        response = client.get(f"/reports/{endpoint}", params=params, headers=report_headers)
        if expected_status is not None:
            assert response.status_code == expected_status, response.text
        return response

    return get
