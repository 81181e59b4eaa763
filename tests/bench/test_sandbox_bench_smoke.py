"""Keeps bench/sandbox_bench.py from rotting: one round must finish and print its verdict (or skip)."""

from __future__ import annotations

import pytest
from tests.bench.runner import run_bench


@pytest.mark.timeout(30)
def test_sandbox_bench_runs() -> None:
    proc = run_bench("sandbox_bench.py", "--rounds", "1", timeout=28, measured=True)
    assert proc.returncode == 0, proc.stderr
    assert "confinement adds at most" in proc.stdout or proc.stdout.startswith("skipped: no usable bwrap")
