"""Write-set scheduling end to end: overlapping specs never run at the same time, disjoint ones do."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.run.conftest import Work, add_specs, spec_file

A, B, C = "2026-02-01-001-wsa", "2026-02-01-002-wsb", "2026-02-01-003-wsc"


def _specs(w: Work) -> None:
    add_specs(
        w,
        {
            A: spec_file(A, "First on shared", targets=["src/shared.py", "src/a.py"]),
            B: spec_file(B, "Second on shared", targets=["src/b.py"], extra="writes:\n  - src/shared.py"),
            C: spec_file(C, "Disjoint", targets=["docs/c.md"]),
        },
    )


def test_overlapping_specs_never_overlap_in_time_while_a_disjoint_one_does(
    work_factory: Callable[..., Work], chant_repo: Path
) -> None:
    w = work_factory(chant_repo)
    _specs(w)
    w.sleep({A: 1.0, B: 0.2, C: 1.5})
    proc = w.chant("work", "--parallel", "2", "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    r = w.records()
    # The recorded timeline: B starts only after A's agent ended (and A was merged), C overlaps A.
    assert r[B]["start"] >= r[A]["end"], (r[A], r[B])
    assert r[C]["start"] < r[A]["end"] and r[A]["start"] < r[C]["end"], "C must run beside A"
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    waits = [e for e in events if e["event"] == "spec_wait"]
    assert waits and waits[0]["id"] == B and waits[0]["waits_for"] == A
    assert waits[0]["files"] == ["src/shared.py"]
    for spec_id in (A, B, C):
        assert w.status(spec_id) == "completed"


def test_dry_run_shows_who_waits_for_whom_and_why(
    work_factory: Callable[..., Work], chant_repo: Path
) -> None:
    w = work_factory(chant_repo)
    _specs(w)
    proc = w.chant("work", "--parallel", "--dry-run")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(B))
    assert lines[at + 1].strip() == f"waits for {A} (both write src/shared.py): never runs at the same time"
    assert not any("waits for" in line for line in lines[at + 2 :]), proc.stdout
    assert w.records() == {}, "a dry run starts no agent"
