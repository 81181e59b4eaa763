"""The primary database.

Every module of the monolith shares this one connection pool against the one
primary database, so heavy analytical reads compete with billing's writes for
the same connections.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from src.config.settings import PROJECT_ROOT, Settings
from src.utils.db import ConnectionPool

SCHEMA_PATH = PROJECT_ROOT / "db" / "schema.sql"


def connect_primary(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def ensure_schema(path: str) -> None:
    """Create the database file with the schema if it does not exist yet."""
    db_file = Path(path)
    if db_file.exists():
        return
    db_file.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db_file)
    try:
        conn.executescript(SCHEMA_PATH.read_text(encoding="utf-8"))
    finally:
        conn.close()


def create_primary_pool(settings: Settings) -> ConnectionPool:
    """The ONE pool used by every module of the monolith."""
    ensure_schema(settings.database_path)
    return ConnectionPool(lambda: connect_primary(settings.database_path), size=settings.pool_size)
