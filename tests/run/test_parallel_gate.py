"""The test-gated merge queue: main only moves to a merged tree that passed ``merge.gate``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.run.conftest import Work, add_specs, spec_file

A, B, C = "2026-02-01-001-gta", "2026-02-01-002-gtb", "2026-02-01-003-gtc"
# Each spec passes alone; a.txt and b.txt together break the build.
CLASH = "if [ -f a.txt ] && [ -f b.txt ]; then echo 'a.txt and b.txt clash'; exit 3; fi"


def _events(stdout: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def _trees_on_main(w: Work) -> list[set[str]]:
    return [
        set(w.git("ls-tree", "-r", "--name-only", sha).split()) for sha in w.git("rev-list", "main").split()
    ]


def test_a_gate_failing_on_the_merged_tree_keeps_main_and_lets_the_next_spec_land(
    work_factory: Callable[..., Work], chant_repo: Path
) -> None:
    w = work_factory(chant_repo, f'merge:\n  gate:\n    - "{CLASH}"\n    - test -f README.md || true\n')
    add_specs(
        w,
        {
            A: spec_file(A, "Adds a", targets=["a.txt"]),
            B: spec_file(B, "Adds b", targets=["b.txt"]),
            C: spec_file(C, "Adds c", targets=["c.txt"]),
        },
    )
    proc = w.chant("work", "--parallel", "1", "--json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert w.status(A) == "completed" and w.status(C) == "completed"
    assert w.status(B) == "needs_attention"
    reason = w.spec_text(B)
    assert "merge gate failed on the merged tree" in reason and "a.txt and b.txt clash" in reason, reason
    # Main never held a tree that fails the gate, and B's work is kept on its branch.
    assert not any({"a.txt", "b.txt"} <= tree for tree in _trees_on_main(w))
    assert f"chant/{B}" in w.branches()
    assert "b.txt" in w.git("ls-tree", "-r", "--name-only", f"chant/{B}").split()
    events = _events(proc.stdout)
    gates = {e["id"]: e for e in events if e["event"] == "gate"}
    assert gates[A]["ok"] is True and gates[B]["ok"] is False and gates[C]["ok"] is True
    ends = {e["id"]: e for e in events if e["event"] == "spec_end"}
    for spec_id in (A, B, C):
        assert isinstance(ends[spec_id]["gate_s"], float) and ends[spec_id]["gate_s"] >= 0
    assert w.worktrees() == [str(w.repo)], "the gate's scratch worktrees are gone"
    assert w.git("status", "--porcelain") == ""


def test_a_specs_own_gate_runs_only_with_the_verify_opt_in(
    work_factory: Callable[..., Work], chant_repo: Path
) -> None:
    w = work_factory(chant_repo)
    add_specs(w, {A: spec_file(A, "Own gate", targets=["a.txt"], extra="gate:\n  - exit 9")})
    proc = w.chant("work", A)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    log = (w.repo / ".chant" / "logs" / f"{A}.log").read_text(encoding="utf-8")
    assert "commands are not run (verify.run_commands is off)" in log

    w2 = work_factory(chant_repo, "verify:\n  run_commands: true\n")
    add_specs(w2, {B: spec_file(B, "Own gate", targets=["b.txt"], extra="gate:\n  - echo own gate; exit 9")})
    proc = w2.chant("work", B)
    assert proc.returncode == 1
    assert w2.status(B) == "needs_attention"
    assert "`echo own gate; exit 9` exited 9" in w2.spec_text(B)
