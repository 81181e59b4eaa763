"""Run one bench script the way a user does: the venv's interpreter, output captured, a hard timeout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A benchmark under coverage measures coverage: `make test`'s subprocess coverage stays out of the bench runs
# (their code paths are the CLI's, covered by the CLI tests).
UNMEASURED = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_PROCESS_")}


def run_bench(
    script: str, *args: str, timeout: float, measured: bool = False
) -> subprocess.CompletedProcess[str]:
    """``measured``: keep the coverage of the bench's subprocesses (``chant mcp``'s server code counts)."""
    return subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=None if measured else UNMEASURED,
    )
