"""Shared fixtures: one seeded database per session, a frozen clock, TestClients and tokens."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from db.seed import DEFAULT_PASSWORD, create_database
from src.app import create_app
from src.auth.services import mint_token
from src.utils import FixedClock

NOW = "2026-01-26T12:00:00Z"
PASSWORD = DEFAULT_PASSWORD


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("techcorp") / "techcorp.db"
    create_database(path)
    return path


@pytest.fixture(scope="session")
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture(scope="session")
def app(seeded_db: Path, clock: FixedClock):
    """The shared app.  Tests using it must not write; use ``fresh_client`` for writes."""
    return create_app(str(seeded_db), clock)


@pytest.fixture(scope="session")
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def fresh_db(seeded_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "techcorp.db"
    shutil.copyfile(seeded_db, copy)
    return copy


@pytest.fixture
def fresh_client(fresh_db: Path) -> Iterator[TestClient]:
    """A client on a private copy of the seeded database, for tests that write."""
    with TestClient(create_app(str(fresh_db), FixedClock(NOW))) as test_client:
        yield test_client


@pytest.fixture
def db(seeded_db: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection to the shared database, for looking up fixture data."""
    conn = sqlite3.connect(f"file:{seeded_db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    yield conn
    conn.close()


@pytest.fixture(scope="session")
def token(app, clock: FixedClock) -> Callable[..., str]:
    """``token(*scopes, user_id=1, account_id=1, role="admin")`` -> signed bearer token."""

    def make(*scopes: str, user_id: int = 1, account_id: int = 1, role: str = "admin", ttl_seconds: int = 3600) -> str:
        return mint_token(app.state.settings.token_secret, clock, user_id=user_id, account_id=account_id,
                          role=role, scopes=scopes or ("reports:read",), ttl_seconds=ttl_seconds)

    return make


@pytest.fixture(scope="session")
def auth_headers(token) -> Callable[..., dict[str, str]]:
    def make(*scopes: str, **kwargs) -> dict[str, str]:
        return {"Authorization": f"Bearer {token(*scopes, **kwargs)}"}

    return make
