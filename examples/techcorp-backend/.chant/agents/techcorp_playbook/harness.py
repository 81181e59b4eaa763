"""Test-bed helpers shared by the checks: seeded databases, the monolith oracle, the service package."""

from __future__ import annotations

import importlib
import shutil
import sys
import types
from pathlib import Path

NOW = "2026-01-26T12:00:00Z"  # the monolith's test clock; default dates resolve against it
SERVICE_PKG = "reporting_service"

# Three requests per endpoint: defaults, explicit parameters, and an edge (filter, grouping or error).
CORPUS = [
    "/reports/daily?date=2026-01-20", "/reports/daily?date=2026-01-20&account_id=4", "/reports/daily",
    "/reports/weekly?week=2026-W03", "/reports/weekly", "/reports/weekly?week=2026-W54",
    "/reports/custom?start=2026-01-01&end=2026-01-25", "/reports/custom?start=2025-12-01&end=2026-01-25&group_by=week",
    "/reports/custom?start=2026-01-01&end=2026-01-25&group_by=account&metrics=revenue,active_sessions",
    "/reports/export?report=daily&format=csv&date=2026-01-20", "/reports/export?report=weekly&format=json&week=2026-W02",
    "/reports/export?report=custom&format=csv&group_by=account&metrics=revenue,new_users",
    "/reports/schedule", "/reports/schedule?account_id=999", "/reports/daily?date=2026-01-20&account_id=999",
]


def monolith(root: Path):
    """Import the monolith from the worktree (it is the oracle the service is compared with)."""
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from db.seed import create_database
    from src.app import create_app
    from src.auth.services import mint_token
    from src.utils import FixedClock

    return types.SimpleNamespace(create_database=create_database, create_app=create_app, mint_token=mint_token,
                                 FixedClock=FixedClock)


def seeded_primary(root: Path, workdir: Path, scale: float = 1.0) -> Path:
    """Seed ``workdir/primary.db`` (the caller owns ``workdir``, a temporary directory it cleans up)."""
    path = workdir / "primary.db"
    if not path.exists():
        monolith(root).create_database(path, scale)
    return path


def copy_db(path: Path, dest: Path) -> Path:
    shutil.copyfile(path, dest)
    return dest


def token(root: Path, *scopes: str) -> str:
    mono = monolith(root)
    from src.config.settings import DEV_TOKEN_SECRET

    return mono.mint_token(DEV_TOKEN_SECRET, mono.FixedClock(NOW), user_id=5, account_id=5, role="analyst",
                           scopes=scopes or ("reports:read",), ttl_seconds=10 * 365 * 86400)


def load_service(root: Path, module: str):
    """Import ``services/reporting/src/<module>`` as ``reporting_service.<module>`` (relative imports work,
    and the service's ``src`` never collides with the monolith's ``src``)."""
    for name in [n for n in sys.modules if n == SERVICE_PKG or n.startswith(SERVICE_PKG + ".")]:
        del sys.modules[name]
    pkg = types.ModuleType(SERVICE_PKG)
    pkg.__path__ = [str(root / "services" / "reporting" / "src")]
    pkg.__package__ = SERVICE_PKG
    sys.modules[SERVICE_PKG] = pkg
    return importlib.import_module(f"{SERVICE_PKG}.{module}")


def load_file(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod
