"""``chant work ID --best-of N``: candidates side by side, one kept, the losers' cost recorded."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.run.conftest import Work, add_specs, spec_file

from chant.run.bestof import pick

S = "2026-02-01-001-bst"


def test_pick_table() -> None:
    passed = [(0, 5.0, 300), (1, 3.0, 40), (2, 4.0, 40)]
    assert pick(passed, "first") == 1
    assert pick(passed, "smallest") == 1  # 40 lines, and it finished before candidate 2
    assert pick([(0, 5.0, 10), (1, 3.0, 40)], "smallest") == 0
    assert pick([], "first") is None


def test_best_of_keeps_a_passing_candidate_and_records_every_attempt(
    work_factory: Callable[..., Work], chant_repo: Path
) -> None:
    w = work_factory(chant_repo)
    add_specs(w, {S: spec_file(S, "Twice", targets=["t.txt"])})
    w.env["FAKE_CANDIDATES"] = json.dumps({"0": "unticked", "1": "ok"})
    proc = w.chant("work", S, "--best-of", "2", "--json", "--timeout", "600", timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert w.status(S) == "completed"
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    best = next(e for e in events if e["event"] == "best_of")
    assert best["kept"] == 2 and best["passed"] == [2]
    front = w.spec_text(S).split("---", 2)[1]
    assert "candidate: 1" in front and "candidate: 2" in front and "outcome: failed" in front
    assert "cost_usd: 0.0246" in front, "both candidates' cost is recorded"
    assert w.branches() == [] and w.worktrees() == [str(w.repo)]
    assert (w.repo / "t.txt").exists()


def test_best_of_pick_smallest_keeps_the_smaller_diff(
    work_factory: Callable[..., Work], chant_repo: Path
) -> None:
    w = work_factory(chant_repo)
    add_specs(w, {S: spec_file(S, "Small wins", targets=["t.txt"])})
    w.env["FAKE_CANDIDATES"] = json.dumps({"0": "bloat", "1": "ok"})
    w.env["FAKE_SLEEP"] = json.dumps(0.0)
    proc = w.chant("work", S, "--best-of", "2", "--pick", "smallest", "--timeout", "600", timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "kept candidate 2 of 2" in proc.stdout
    assert not (w.repo / "bloat.txt").exists(), "the bigger diff lost"
    cost = json.loads(w.chant("cost", "--json").stdout)
    assert cost["by"]["spec"][S]["attempts"] == 2
