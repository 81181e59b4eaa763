"""Database helpers shared by every module: pool, per-request connection, query counting, models."""

from __future__ import annotations

import dataclasses
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from fastapi import Request

M = TypeVar("M", bound="Model")


class PoolExhausted(RuntimeError):
    pass


class ConnectionPool:
    """A fixed-size, queue-based pool of sqlite3 connections."""

    def __init__(self, factory: Callable[[], sqlite3.Connection], size: int = 5, timeout: float = 10.0):
        self._factory = factory
        self._timeout = timeout
        self._idle: queue.LifoQueue[sqlite3.Connection] = queue.LifoQueue(maxsize=size)
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self.size = size

    def acquire(self) -> sqlite3.Connection:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if len(self._all) < self.size:
                conn = self._factory()
                self._all.append(conn)
                return conn
        try:
            return self._idle.get(timeout=self._timeout)
        except queue.Empty as exc:
            raise PoolExhausted(f"no connection available after {self._timeout}s") from exc

    def release(self, conn: sqlite3.Connection) -> None:
        if conn.in_transaction:
            conn.rollback()
        conn.set_trace_callback(None)
        self._idle.put_nowait(conn)

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        conn = self.acquire()
        try:
            yield conn
        finally:
            self.release(conn)

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        while not self._idle.empty():
            self._idle.get_nowait()


class QueryCounter:
    """Counts the SQL statements executed on a connection (via ``set_trace_callback``)."""

    def __init__(self, keep_statements: bool = False):
        self.count = 0
        self.keep_statements = keep_statements
        self.statements: list[str] = []

    def __call__(self, statement: str) -> None:
        self.count += 1
        if self.keep_statements:
            self.statements.append(statement)

    @contextmanager
    def attach(self, conn: sqlite3.Connection) -> Iterator[QueryCounter]:
        conn.set_trace_callback(self)
        try:
            yield self
        finally:
            conn.set_trace_callback(None)


def get_db(request: Request) -> Iterator[sqlite3.Connection]:
    """FastAPI dependency: a pooled connection for the duration of the request.

    Every statement is counted on the request's ``QueryCounter`` (``X-Query-Count``).
    """
    pool: ConnectionPool = request.app.state.pool
    counter = request.scope.setdefault("state", {}).setdefault("query_counter", QueryCounter())
    conn = pool.acquire()
    conn.set_trace_callback(counter)
    try:
        yield conn
    finally:
        pool.release(conn)


class QueryCountMiddleware:
    """ASGI middleware adding ``X-Query-Count`` and logging (method, path, count) on ``app.state``."""

    def __init__(self, app: Any, log: list[tuple[str, str, int]] | None = None):
        self.app = app
        self.log = log if log is not None else []

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        counter = QueryCounter()
        scope.setdefault("state", {})["query_counter"] = counter

        async def send_with_count(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-query-count", str(counter.count).encode()))
                message = {**message, "headers": headers}
                self.log.append((scope["method"], scope["path"], counter.count))
                del self.log[:-1000]
            await send(message)

        await self.app(scope, receive, send_with_count)


# --- lightweight models -----------------------------------------------------------------------------

def ForeignKey(target: str, nullable: bool = False) -> Any:  # noqa: N802 - reads like a declaration
    """Declare a dataclass field as a foreign key to ``"table.column"``."""
    if nullable:
        return dataclasses.field(default=None, metadata={"foreign_key": target})
    return dataclasses.field(metadata={"foreign_key": target})


class Model:
    """Mixin for dataclass models: ``__table__`` plus helpers to build them from rows."""

    __table__: str = ""

    @classmethod
    def from_row(cls: type[M], row: sqlite3.Row | None) -> M | None:
        if row is None:
            return None
        names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: row[k] for k in row.keys() if k in names})

    @classmethod
    def from_rows(cls: type[M], rows: list[sqlite3.Row]) -> list[M]:
        return [cls.from_row(r) for r in rows]  # type: ignore[misc]

    @classmethod
    def foreign_keys(cls) -> dict[str, str]:
        return {f.name: f.metadata["foreign_key"]
                for f in dataclasses.fields(cls)  # type: ignore[arg-type]
                if "foreign_key" in f.metadata}

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # type: ignore[call-overload]


def fetch_one(conn: sqlite3.Connection, sql: str, params: tuple = ()) -> sqlite3.Row | None:
    return conn.execute(sql, params).fetchone()


def fetch_all(conn: sqlite3.Connection, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
    return conn.execute(sql, params).fetchall()


def fetch_value(conn: sqlite3.Connection, sql: str, params: tuple = ()) -> Any:
    row = conn.execute(sql, params).fetchone()
    return None if row is None else row[0]
