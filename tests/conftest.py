"""Shared fixtures: a hermetic git repository, the real ``chant`` CLI as a subprocess, the seed's specs.

Everything here is generic on purpose (tests/core, tests/run and later suites reuse it):

- ``chant_env``: an environment with a fixed git identity and dates, ``CHANT_NOW`` frozen, ``HOME`` inside the
  test's tmp dir and no system/global git config, so nothing depends on the machine, the date or the network.
- ``git_repo``: ``git init -b main`` plus an initial commit. ``chant_repo``: the same after ``chant init``
  (committed). ``seed_repo``: ``chant_repo`` plus the seed page's five specs and the two completed specs they
  depend on, committed.
- ``run_chant(*args, cwd=..., env=..., check=..., input=...)``: ``[sys.executable, "-m", "chant", *args]``.
- ``git(*args, cwd=...)``: run git with the same environment, return stdout.

Repositories are built once per worker from a template and copied per test (``git init`` + ``chant init``
cost a few hundred milliseconds; a copy costs a few).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
SEED_DIR = FIXTURES / "seed"
SEED_DRIVER = "2026-02-01-001-ext"
SEED_MEMBERS = [f"{SEED_DRIVER}.{n}" for n in range(1, 5)]
SEED_DEPENDENCIES = ["2026-01-27-001-cpl", "2026-01-28-001-doc"]
SEED_IDS = [*SEED_DEPENDENCIES, SEED_DRIVER, *SEED_MEMBERS]

CHANT_NOW = "2026-02-01T10:00:00Z"
GIT_DATE = "2026-02-01T10:00:00+0000"
IDENTITY = {
    "GIT_AUTHOR_NAME": "Chant Test",
    "GIT_AUTHOR_EMAIL": "test@chant.invalid",
    "GIT_COMMITTER_NAME": "Chant Test",
    "GIT_COMMITTER_EMAIL": "test@chant.invalid",
}
CHANT_CMD = [sys.executable, "-m", "chant"]

# Variables of the developer's shell that would leak into the system under test.
_SCRUB_PREFIXES = ("CHANT_", "GIT_")
_SCRUB = {"EDITOR", "VISUAL", "XDG_CONFIG_HOME", "PAGER"}


def make_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A hermetic environment for chant and git whose home directory is ``home`` (created)."""
    home.mkdir(parents=True, exist_ok=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(_SCRUB_PREFIXES) and key not in _SCRUB
    }
    env.update(IDENTITY)
    env.update(
        {
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
            "GIT_AUTHOR_DATE": GIT_DATE,
            "GIT_COMMITTER_DATE": GIT_DATE,
            "GIT_TERMINAL_PROMPT": "0",
            "CHANT_NOW": CHANT_NOW,
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONUTF8": "1",
            "NO_COLOR": "1",
            "TERM": "dumb",
            "COLUMNS": "200",
        }
    )
    if extra:
        env.update(extra)
    return env


def run_git(*args: str, cwd: Path, env: Mapping[str, str], check: bool = True) -> str:
    proc = subprocess.run(
        ["git", *args], cwd=cwd, env=dict(env), capture_output=True, text=True, encoding="utf-8"
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return proc.stdout


def run_chant_raw(
    *args: str,
    cwd: Path,
    env: Mapping[str, str],
    check: bool | None = None,
    input: str | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run the real CLI. ``check=True`` asserts exit 0, ``False`` asserts non-zero, ``None`` checks nothing."""
    proc = subprocess.run(
        [*CHANT_CMD, *args],
        cwd=cwd,
        env=dict(env),
        input=input if input is not None else "",
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )
    if check is True and proc.returncode != 0:
        raise AssertionError(
            f"chant {' '.join(args)} exited {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
        )
    if check is False and proc.returncode == 0:
        raise AssertionError(f"chant {' '.join(args)} unexpectedly succeeded\nstdout:\n{proc.stdout}")
    return proc


def init_git_repo(path: Path, env: Mapping[str, str]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    run_git("init", "-q", "-b", "main", cwd=path, env=env)
    (path / "README.md").write_text("# test project\n", encoding="utf-8")
    run_git("add", "README.md", cwd=path, env=env)
    run_git("commit", "-q", "-m", "initial commit", cwd=path, env=env)
    return path


def install_seed(root: Path, env: Mapping[str, str], *, commit: bool = True) -> None:
    """Copy the seed's specs (and the two specs they depend on) into ``root/.chant/specs``."""
    specs = root / ".chant" / "specs"
    specs.mkdir(parents=True, exist_ok=True)
    for spec_id in SEED_IDS:
        shutil.copyfile(SEED_DIR / f"{spec_id}.md", specs / f"{spec_id}.md")
    if commit:
        run_git("add", ".chant/specs", cwd=root, env=env)
        run_git("commit", "-q", "-m", "Add the seed's specs", cwd=root, env=env)


def _copy_repo(template: Path, dest: Path) -> Path:
    shutil.copytree(template, dest, symlinks=True)
    return dest


# -- templates (built once per worker) ------------------------------------------------------------------
@pytest.fixture(scope="session")
def _templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("templates")
    env = make_env(base / "home")
    git_tpl = init_git_repo(base / "git", env)
    chant_tpl = _copy_repo(git_tpl, base / "chant")
    run_chant_raw("init", cwd=chant_tpl, env=env, check=True)
    run_git("add", "-A", cwd=chant_tpl, env=env)
    run_git("commit", "-q", "-m", "chant init", cwd=chant_tpl, env=env)
    seed_tpl = _copy_repo(chant_tpl, base / "seed")
    install_seed(seed_tpl, env)
    for tpl in (git_tpl, chant_tpl, seed_tpl):
        shutil.rmtree(tpl / ".chant" / "run", ignore_errors=True)  # no index cache in templates
    return {"git": git_tpl, "chant": chant_tpl, "seed": seed_tpl}


# -- per-test fixtures ----------------------------------------------------------------------------------
@pytest.fixture
def chant_env(tmp_path: Path) -> dict[str, str]:
    """The environment every subprocess of this test runs with (mutate it to add variables)."""
    return make_env(tmp_path / "home")


@pytest.fixture
def git_repo(tmp_path: Path, _templates: dict[str, Path]) -> Path:
    """A git repository on ``main`` with one commit (README.md), no chant yet."""
    return _copy_repo(_templates["git"], tmp_path / "repo")


@pytest.fixture
def chant_repo(tmp_path: Path, _templates: dict[str, Path]) -> Path:
    """A git repository after ``chant init``, committed, no specs."""
    return _copy_repo(_templates["chant"], tmp_path / "repo")


@pytest.fixture
def seed_repo(tmp_path: Path, _templates: dict[str, Path]) -> Path:
    """``chant_repo`` plus the seed's driver, its four members and the two completed specs it depends on."""
    return _copy_repo(_templates["seed"], tmp_path / "repo")


@pytest.fixture
def run_chant(request: pytest.FixtureRequest, chant_env: dict[str, str]) -> Callable[..., Any]:
    """``run_chant(*args, cwd=None, env=None, check=None, input=None)``; cwd defaults to the ``repo``
    fixture's value (the test's ``seed_repo``/``chant_repo``/``git_repo``, whichever it requested)."""

    def default_cwd() -> Path:
        for name in ("seed_repo", "chant_repo", "git_repo"):
            if name in request.fixturenames:
                value: Path = request.getfixturevalue(name)
                return value
        raise AssertionError("run_chant needs cwd= (or a repo fixture)")

    def run(
        *args: str,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        check: bool | None = None,
        input: str | None = None,
        timeout: float = 120,
    ) -> subprocess.CompletedProcess[str]:
        return run_chant_raw(
            *args,
            cwd=cwd if cwd is not None else default_cwd(),
            env=env if env is not None else chant_env,
            check=check,
            input=input,
            timeout=timeout,
        )

    return run


@pytest.fixture
def git(request: pytest.FixtureRequest, chant_env: dict[str, str]) -> Callable[..., str]:
    """``git(*args, cwd=None, check=True)`` -> stdout, with the hermetic environment."""

    def default_cwd() -> Path:
        for name in ("seed_repo", "chant_repo", "git_repo"):
            if name in request.fixturenames:
                value: Path = request.getfixturevalue(name)
                return value
        raise AssertionError("git needs cwd= (or a repo fixture)")

    def run(*args: str, cwd: Path | None = None, check: bool = True) -> str:
        return run_git(*args, cwd=cwd if cwd is not None else default_cwd(), env=chant_env, check=check)

    return run


@pytest.fixture
def hermetic_env(monkeypatch: pytest.MonkeyPatch, chant_env: dict[str, str]) -> Iterator[dict[str, str]]:
    """Apply ``chant_env`` to this (pytest) process too, for in-process tests that call chant's Python API."""
    for key in list(os.environ):
        if key not in chant_env:
            monkeypatch.delenv(key, raising=False)
    for key, value in chant_env.items():
        monkeypatch.setenv(key, value)
    yield chant_env
