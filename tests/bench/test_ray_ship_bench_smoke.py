"""Keeps bench/ray_ship_bench.py from rotting: a tiny run must ship thin bundles after each node's first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.bench.runner import run_bench


@pytest.mark.timeout(60)
def test_ray_ship_bench_runs(tmp_path: Path) -> None:
    out = tmp_path / "ship.json"
    args = ["--commits", "20", "--specs", "4", "--nodes", "2", "--json", str(out)]
    proc = run_bench("ray_ship_bench.py", *args, timeout=50)
    assert proc.returncode == 0, proc.stderr
    assert "incremental" in proc.stdout
    rows = json.loads(out.read_text())["rows"]
    assert [row["kind"] for row in rows] == ["full", "full", "thin", "thin"]
    assert all(row["incremental_bytes"] * 20 < row["full_bytes"] for row in rows[2:])
