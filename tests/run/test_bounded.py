"""Bounded resources whatever an agent prints: logs rotate at ``logs.max_bytes``, chant's memory stays small
with a line that never ends."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tests.conftest import CHANT_CMD
from tests.run.conftest import Work, add_specs, spec_file

A = "2026-02-01-001-aaa"
MIB = 1024 * 1024

# Runs chant and reports the peak RSS of its largest descendant (chant itself: the agent streams in 1 MiB
# chunks and stays small).
PEAK = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)\n"
)


def _flood(work: Work, total: int, line: int) -> tuple[int, int]:
    work.plan(**{A: "flood"})
    work.env["FAKE_FLOOD_BYTES"] = str(total)
    work.env["FAKE_FLOOD_LINE"] = str(line)
    out = subprocess.run(
        [sys.executable, "-c", PEAK, *CHANT_CMD, "work", A],
        cwd=work.repo,
        env=work.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    peak_kib, code = (int(x) for x in out.stdout.split()[-2:])
    return peak_kib, code


def test_log_rotates_at_max_bytes(work_factory: Callable[..., Work], chant_repo: Path) -> None:
    work = work_factory(chant_repo, f"logs:\n  max_bytes: {MIB}\n")
    add_specs(work, {A: spec_file(A, "Flood", targets=["out.txt"])})
    _peak, code = _flood(work, 24 * MIB, 1024)
    assert code == 0
    assert work.status(A) == "completed"
    log = work.repo / ".chant" / "logs" / f"{A}.log"
    older = log.with_name(log.name + ".1")
    assert log.stat().st_size <= MIB and older.stat().st_size <= MIB
    text = log.read_text(encoding="utf-8")
    assert text.startswith(f"# chant run: {A} (continued") and f"{older.name}" in text.splitlines()[0]
    assert text.rstrip().endswith("merged as " + work.git("rev-parse", "--short=12", "main~1").strip())


def test_one_endless_line_keeps_chant_small(work_factory: Callable[..., Work], chant_repo: Path) -> None:
    work = work_factory(chant_repo)
    add_specs(work, {A: spec_file(A, "Flood", targets=["out.txt"])})
    peak_kib, code = _flood(work, 128 * MIB, 0)
    assert code == 0
    assert work.status(A) == "completed"
    # Before the line cap, chant held the whole line several times over (~6x: 768 MiB here).
    assert peak_kib < 160 * 1024, f"chant peaked at {peak_kib // 1024} MiB"
    log = (work.repo / ".chant" / "logs" / f"{A}.log").read_text(encoding="utf-8")
    assert "line cut at 1048576 bytes" in log
