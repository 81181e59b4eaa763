"""Helpers for the TechCorp example tests: hermetic repo copies, `chant` runs, both apps on 127.0.0.1."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "techcorp-backend"
CPL, DOC, EXT = "2026-01-27-001-cpl", "2026-01-28-001-doc", "2026-02-01-001-ext"
CPL_NOW, DOC_NOW, EXT_NOW = "2026-01-27T16:30:00Z", "2026-01-28T14:45:00Z", "2026-02-01T18:00:00Z"
FROZEN = "2026-01-26T12:00:00Z"  # the monolith's test clock; default report dates resolve against it
IDENTITY = {
    "GIT_AUTHOR_NAME": "Alex Chen",
    "GIT_AUTHOR_EMAIL": "alex@techcorp.example",
    "GIT_COMMITTER_NAME": "Alex Chen",
    "GIT_COMMITTER_EMAIL": "alex@techcorp.example",
}
# Three requests per endpoint: defaults, explicit parameters and an edge (filter, grouping, 4xx).
CORPUS = [
    "/reports/daily?date=2026-01-20",
    "/reports/daily?date=2026-01-20&account_id=4",
    "/reports/daily",
    "/reports/daily?date=not-a-date",
    "/reports/weekly?week=2026-W03",
    "/reports/weekly",
    "/reports/weekly?week=2026-W54",
    "/reports/custom?start=2026-01-01&end=2026-01-25",
    "/reports/custom?start=2025-12-01&end=2026-01-25&group_by=week",
    "/reports/custom?start=2026-01-01&end=2026-01-25&group_by=account&metrics=revenue,active_sessions",
    "/reports/export?report=daily&format=csv&date=2026-01-20",
    "/reports/export?report=weekly&format=json&week=2026-W02",
    "/reports/export?report=custom&format=csv&group_by=account&metrics=revenue,new_users",
    "/reports/schedule",
    "/reports/schedule?account_id=2",
    "/reports/schedule?account_id=999",
]
MONOLITH_LAUNCHER = """import os
from src.app import create_app
from src.utils import FixedClock
app = create_app(os.environ["TECHCORP_DB"], FixedClock(os.environ["TECHCORP_CLOCK"]))
"""
TOKEN = """import sys
from src.auth.services import mint_token
from src.config.settings import DEV_TOKEN_SECRET
from src.utils import FixedClock
print(mint_token(DEV_TOKEN_SECRET, FixedClock(sys.argv[1]), user_id=5, account_id=5, role="analyst",
                 scopes=("reports:read",), ttl_seconds=10 * 365 * 86400))
"""


def make_env(base: Path, **extra: str) -> dict[str, str]:
    home = base / "home"
    home.mkdir(parents=True, exist_ok=True)
    (base / "tmp").mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHANT_", "TECHCORP_", "GIT_"))}
    env.pop("PYTHONPATH", None)
    env.update(IDENTITY)
    env.update(
        HOME=str(home),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=str(home / ".gitconfig"),
        NO_COLOR="1",
        PYTHONIOENCODING="utf-8",
        PYTHONDONTWRITEBYTECODE="1",
        TECHCORP_SCALE="0.02",
        CHANT_WORKTREE_ROOT=str(base / "worktrees"),
        TMPDIR=str(base / "tmp"),
    )
    env.update(extra)
    return env


def git(repo: Path, env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    ).stdout


def new_repo(dest: Path, env: dict[str, str]) -> Path:
    """The example as a fresh git repository (what a user gets after cloning just the example)."""
    ignore = shutil.ignore_patterns("__pycache__", ".pytest_cache", "logs", "run", "var", "*.db")
    shutil.copytree(EXAMPLE, dest, ignore=ignore)
    git(dest, env, "init", "-q", "-b", "main")
    git(dest, env, "config", "gc.auto", "0")
    git(dest, env, "add", "-A")
    git(dest, env, "commit", "-q", "-m", "techcorp-backend fixture")
    return dest


def copy_repo(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest, symlinks=True)
    return dest


def chant(repo: Path, env: dict[str, str], *args: str, now: str = EXT_NOW, **extra: str):
    return subprocess.run(
        [sys.executable, "-m", "chant", *args],
        cwd=repo,
        env={**env, "CHANT_NOW": now, **extra},
        capture_output=True,
        text=True,
        timeout=280,
    )


def status(repo: Path, spec_id: str, ref: str | None = None, env: dict[str, str] | None = None) -> str:
    rel = f".chant/specs/{spec_id}.md"
    text = git(repo, env or {}, "show", f"{ref}:{rel}") if ref else (repo / rel).read_text(encoding="utf-8")
    match = re.search(r"^status: (\S+)$", text, re.M)
    return match.group(1) if match else "?"


def report_data(text: str) -> dict:
    match = re.search(r"<!-- chant-data (.*) -->", text)
    assert match, "validation report without its data block"
    return json.loads(match.group(1))


def assert_in_order(out: str, patterns: list[str]) -> None:
    lines = out.splitlines()
    position = 0
    for pattern in patterns:
        found = [i for i, line in enumerate(lines) if i >= position and re.match(pattern, line)]
        assert found, f"missing {pattern!r} in:\n{out}"
        position = found[0] + 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def uvicorn(app: str, cwd: Path, env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    argv = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(
        [*argv, "--log-level", "warning"], cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, (
                proc.stderr.read().decode()[-2000:] if proc.stderr else "uvicorn exited"
            )
            try:
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"{app} did not answer /health"
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def monolith_and_service(repo: Path, work: Path, env: dict[str, str]) -> Iterator[tuple[str, str, str]]:
    """Both apps on 127.0.0.1: the monolith on a freshly seeded primary, the service on a replica of it.

    Yields (monolith url, service url, bearer token)."""
    work.mkdir(parents=True, exist_ok=True)
    run_env = {**env, "PYTHONPATH": str(repo)}
    primary, replica = work / "primary.db", work / "replica.db"
    subprocess.run([sys.executable, "-m", "db.seed", str(primary)], cwd=repo, env=run_env, check=True)
    provision = (
        "import sys; from src.database import provision_replica; provision_replica(sys.argv[1], sys.argv[2])"
    )
    subprocess.run(
        [sys.executable, "-c", provision, str(primary), str(replica)],
        cwd=repo / "services" / "reporting",
        env=env,
        check=True,
    )
    token = subprocess.run(
        [sys.executable, "-c", TOKEN, FROZEN],
        cwd=repo,
        env=run_env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (work / "mono_app.py").write_text(MONOLITH_LAUNCHER, encoding="utf-8")
    mono_env = {**env, "PYTHONPATH": f"{repo}{os.pathsep}{work}", "TECHCORP_DB": str(primary)}
    mono_env["TECHCORP_CLOCK"] = FROZEN
    svc_env = {**env, "REPORTING_REPLICA_URL": f"sqlite:///{replica}", "REPORTING_CLOCK": FROZEN}
    with (
        uvicorn("mono_app:app", work, mono_env) as mono,
        uvicorn("src.main:app", repo / "services" / "reporting", svc_env) as svc,
    ):
        yield mono, svc, token
