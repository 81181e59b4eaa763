"""Keeps bench/run.py from rotting: a tiny run must finish and print the comparison table."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from tests.bench.runner import run_bench


@pytest.mark.timeout(15)
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
@pytest.mark.skipif(
    not (Path(sys.executable).parent / "chant").exists(), reason="needs the venv's chant script"
)
def test_bench_runs_and_prints_the_table() -> None:
    proc = run_bench("run.py", "--sizes", "50", "--rounds", "1", timeout=14)
    assert proc.returncode == 0, proc.stderr
    for needle in ("floor", "bare", "version", "list cold", "list --ready warm", "status warm", "verdict"):
        assert needle in proc.stdout


@pytest.mark.timeout(60)
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_preflight_bench_runs() -> None:
    proc = run_bench("preflight_bench.py", "--size", "40", "--rounds", "1", timeout=55)
    assert proc.returncode == 0, proc.stderr
    for needle in ("pre-flight of one spec", "lint: rules", "doctor: whole report"):
        assert needle in proc.stdout


@pytest.mark.timeout(120)
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
@pytest.mark.skipif(
    not (Path(sys.executable).parent / "chant").exists(), reason="needs the venv's chant script"
)
def test_mcp_bench_runs_and_checks_every_limit() -> None:
    proc = run_bench("mcp_bench.py", "--size", "30", "--rounds", "1", timeout=110, measured=True)
    # Timing verdicts depend on the machine; the size check does not.
    assert "first list (cold)" in proc.stdout and "start-up" in proc.stdout, proc.stderr
    assert "no result over its declared limit: yes" in proc.stdout, proc.stdout + proc.stderr


@pytest.mark.timeout(120)
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_scale_bench_runs(tmp_path: Path) -> None:
    """A tiny big repository and a tiny queue: both parts run end to end and print their rows."""
    proc = run_bench(
        "scale_bench.py",
        "--files", "300", "--specs", "2", "--members", "2", "--queue", "2,3", "--parallel", "2", "--rounds", "1",
        "--cache", str(tmp_path / "cache"),
        timeout=115,
        measured=True,
    )  # fmt: skip
    assert proc.returncode in (0, 1), proc.stderr  # 1: a target missed (a tiny repository is no test)
    for needle in (
        "one fresh git worktree add",
        "[fresh] per spec",
        "[pool] per spec",
        "[sparse] per spec",
        "sparse / pool: disk",
        "disk",
        "per spec, 3 / 2",
        "chant's own CPU per spec, 3 / 2",
        "[nobatch] 3 specs: commits on main per spec",
    ):
        assert needle in proc.stdout, proc.stdout
