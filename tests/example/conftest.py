"""Shared states, built once per test session (across xdist workers) and copied by the tests that use them.

- ``analysed_repo``: the example after `chant work 001-cpl` and `chant work 001-doc` ran for real.
- ``after_member_failure``: that state after `chant work 001-ext` with `TECHCORP_FAULT=ext.2:fail`.

The first worker to ask builds a state under a lock in the session's shared temp root; the others wait and
reuse it (xdist_group marks are not honoured by every pytest/xdist pair, a file lock always is).
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from .techcorp import CPL, CPL_NOW, DOC, DOC_NOW, chant, copy_repo, make_env, new_repo, status


def _shared(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], dict]) -> dict:
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # xdist: every worker's basetemp sits in one session directory
    base, done = root / f"shared-{name}", root / f"shared-{name}.json"
    with open(root / f"shared-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            base.mkdir(exist_ok=True)
            done.write_text(json.dumps(build(base)), encoding="utf-8")
    return json.loads(done.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def analysed_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example after `chant work 001-cpl` and `chant work 001-doc` (copy it, never change it)."""

    def build(base: Path) -> dict:
        env = make_env(base)
        repo = new_repo(base / "repo", env)
        for spec, now in ((CPL, CPL_NOW), (DOC, DOC_NOW)):
            result = chant(repo, env, "work", spec, now=now)
            assert result.returncode == 0, result.stdout + result.stderr
            assert status(repo, spec) == "completed"
        return {"repo": str(repo)}

    return Path(_shared(tmp_path_factory, "analysed", build)["repo"])


@pytest.fixture(scope="session")
def after_member_failure(analysed_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """`chant work 001-ext` with ext.2 failing: (repository, chant's stdout). Copy it, never change it."""

    def build(base: Path) -> dict:
        env = make_env(base)
        repo = copy_repo(analysed_repo, base / "repo")
        result = chant(repo, env, "work", "001-ext", TECHCORP_FAULT="ext.2:fail")
        assert result.returncode == 1, result.stdout + result.stderr
        return {"repo": str(repo), "stdout": result.stdout}

    state = _shared(tmp_path_factory, "member-failure", build)
    return Path(state["repo"]), state["stdout"]
