"""Application settings.

Part of the original 2017 monolith: one process, one settings object, one
database for every module.  Values come from environment variables with
development defaults, so the app runs without any configuration.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import Request

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEV_TOKEN_SECRET = "techcorp-dev-secret-do-not-use-in-prod"


@dataclass(frozen=True)
class Settings:
    database_path: str = field(default_factory=lambda: str(PROJECT_ROOT / "var" / "techcorp.db"))
    token_secret: str = DEV_TOKEN_SECRET
    token_ttl_seconds: int = 3600
    pool_size: int = 5
    environment: str = "development"

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        env = os.environ
        values: dict[str, object] = {}
        if "TECHCORP_DB" in env:
            values["database_path"] = env["TECHCORP_DB"]
        if "TECHCORP_TOKEN_SECRET" in env:
            values["token_secret"] = env["TECHCORP_TOKEN_SECRET"]
        if "TECHCORP_TOKEN_TTL" in env:
            values["token_ttl_seconds"] = int(env["TECHCORP_TOKEN_TTL"])
        if "TECHCORP_POOL_SIZE" in env:
            values["pool_size"] = int(env["TECHCORP_POOL_SIZE"])
        if "TECHCORP_ENV" in env:
            values["environment"] = env["TECHCORP_ENV"]
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]


def get_settings(request: Request) -> Settings:
    """FastAPI dependency: the settings the running app was created with."""
    return request.app.state.settings
