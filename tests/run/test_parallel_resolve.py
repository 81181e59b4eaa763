"""Conflicts get help: an agent resolves a branch's conflict with main in the branch; main is never forced."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.run.conftest import Work, add_specs, spec_file

A, B = "2026-02-01-001-rsa", "2026-02-01-002-rsb"


def _setup(w: Work) -> None:
    (w.repo / "shared.txt").write_text("line one\nline two\n", encoding="utf-8")
    w.git("add", "shared.txt")
    w.git("commit", "-q", "-m", "add shared.txt")
    add_specs(w, {A: spec_file(A, "Alpha wants line one"), B: spec_file(B, "Beta wants line one too")})
    w.plan(**{A: "conflict", B: "conflict"})


def test_merge_resolve_agent_resolves_in_the_branch_then_gates_and_lands(
    work_factory: Callable[..., Work], chant_repo: Path
) -> None:
    w = work_factory(chant_repo, 'merge:\n  resolve: agent\n  gate: "test -f shared.txt"\n')
    _setup(w)
    w.sleep({A: 0.0, B: 2.5})  # B finishes after A is merged: its branch now conflicts with main
    proc = w.chant("work", "--parallel", "2", "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert w.status(A) == "completed" and w.status(B) == "completed"
    shared = (w.repo / "shared.txt").read_text(encoding="utf-8")
    assert f"as {A} wants it" in shared and f"as {B} wants it" in shared
    told = (w.record_dir / f"{B}.resolve.txt").read_text(encoding="utf-8")
    assert "- shared.txt" in told and "Beta wants line one too" in told
    assert f"Alpha wants line one ({A})" in told, "the other side's intent is in the prompt"
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert any(e["event"] == "resolve" and e["id"] == B and e["others"] == [A] for e in events)
    assert any(e["event"] == "gate" and e["id"] == B and e["ok"] for e in events)


def test_chant_merge_resolve_and_an_agent_that_gives_up_changes_nothing(
    work_factory: Callable[..., Work], chant_repo: Path
) -> None:
    w = work_factory(chant_repo)
    _setup(w)
    w.sleep({A: 0.0, B: 2.5})
    proc = w.chant("work", "--parallel", "2")
    assert proc.returncode == 1
    assert w.status(B) == "needs_attention"
    main_before, branch_before = w.git("rev-parse", "main").strip(), w.git("rev-parse", f"chant/{B}").strip()

    w.env["FAKE_RESOLVE"] = "giveup"
    gave_up = w.chant("merge", B, "--resolve")
    assert gave_up.returncode == 1
    assert (
        "not resolved by the agent: the merge was not concluded (shared.txt)"
        in gave_up.stdout + gave_up.stderr
    )
    changed = w.git("diff", "--name-only", main_before, "main").split()
    assert changed == [f".chant/specs/{B}.md"], "only the spec's status note; no code moved on main"
    assert w.git("rev-parse", f"chant/{B}").strip() == branch_before, "the branch is put back"
    assert w.status(B) == "needs_attention"

    del w.env["FAKE_RESOLVE"]
    done = w.chant("merge", B, "--resolve")
    assert done.returncode == 0, done.stdout + done.stderr
    assert w.status(B) == "completed"
    w.git("merge-base", "--is-ancestor", main_before, "main")  # main only moved forward
    shared = (w.repo / "shared.txt").read_text(encoding="utf-8")
    assert f"as {A} wants it" in shared and f"as {B} wants it" in shared
    assert w.worktrees() == [str(w.repo)] and w.branches() == []
