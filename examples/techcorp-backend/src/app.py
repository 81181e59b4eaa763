"""Composition root: builds the FastAPI app and mounts every module's router.

This is the only place outside ``src/reporting`` that imports reporting.
Run with ``uvicorn --factory src.app:create_app``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from src.auth.routes import router as auth_router
from src.billing.routes import router as billing_router
from src.config.database import create_primary_pool
from src.config.settings import Settings
from src.notifications.routes import router as notifications_router
from src.reporting.routes import router as reporting_router
from src.users.routes import router as users_router
from src.utils import Clock, QueryCountMiddleware

VERSION = "2026.1.0"


def create_app(db_path: str | None = None, clock: Clock | None = None, settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env(database_path=db_path)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.pool.close()

    app = FastAPI(title="TechCorp Backend", version=VERSION, lifespan=lifespan)
    app.state.settings = settings
    app.state.clock = clock or Clock()
    app.state.pool = create_primary_pool(settings)
    app.state.query_log = []
    app.add_middleware(QueryCountMiddleware, log=app.state.query_log)

    for router in (auth_router, users_router, billing_router, notifications_router, reporting_router):
        app.include_router(router)

    @app.get("/health", tags=["ops"])
    def health() -> dict:
        return {"status": "ok", "version": VERSION}

    return app
