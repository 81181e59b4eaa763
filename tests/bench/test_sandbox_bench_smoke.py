"""Keeps bench/sandbox_bench.py from rotting: one round must finish and print its verdict (or skip)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(30)
def test_sandbox_bench_runs() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "sandbox_bench.py"), "--rounds", "1"],
        capture_output=True,
        text=True,
        timeout=28,
    )
    assert proc.returncode == 0, proc.stderr
    assert "confinement adds at most" in proc.stdout or proc.stdout.startswith("skipped: no usable bwrap")
