"""An unexpected exception is a crash log and one line on stderr (exit 3), never a bare traceback.

``CHANT_CRASH_TEST=1`` is chant's documented test hook (chant/cli/crash.py): it raises an internal error
on purpose, the way a bug would, in the fast path and the click path alike.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from chant import __version__


@pytest.mark.parametrize("args", [("list",), ("status", "--json"), ("show", "nope"), ("lint",)])
def test_a_bug_writes_a_crash_log_and_says_where(
    chant_repo: Path, run_chant: Any, chant_env: dict[str, str], args: tuple[str, ...]
) -> None:
    proc = run_chant(*args, env={**chant_env, "CHANT_CRASH_TEST": "1"})
    assert proc.returncode == 3
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: internal error in chant (CrashTest: deliberate")
    logs = sorted((chant_repo / ".chant" / "run" / "crash").glob("crash-*.log"))
    assert len(logs) == 1 and str(logs[0]) in lines[0]
    text = logs[0].read_text(encoding="utf-8")
    assert f"chant {__version__}" in text and "python 3." in text and "git version" in text
    assert f"command: chant {' '.join(args)}" in text
    assert "Traceback (most recent call last)" in text and "CrashTest" in text
    # the crash directory is runtime state: git never sees it
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=chant_repo, env=chant_env, capture_output=True, text=True
    )
    assert status.stdout == ""


def test_outside_a_project_the_log_goes_to_the_user_cache(
    tmp_path: Path, run_chant: Any, chant_env: dict[str, str]
) -> None:
    cache = tmp_path / "cache"
    proc = run_chant(
        "list", cwd=tmp_path, env={**chant_env, "CHANT_CRASH_TEST": "1", "XDG_CACHE_HOME": str(cache)}
    )
    assert proc.returncode == 3 and "Traceback" not in proc.stderr
    assert len(list((cache / "chant" / "crash").glob("crash-*.log"))) == 1


def test_without_the_hook_nothing_is_logged(chant_repo: Path, run_chant: Any) -> None:
    assert run_chant("list").returncode == 0
    assert not (chant_repo / ".chant" / "run" / "crash").exists()
