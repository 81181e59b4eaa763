"""Agents are checked, not trusted: what an agent does outside its branch sends the spec to needs_attention
with the reason, and the shared .git/config and hooks are put back as they were."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from tests.run.conftest import Work, add_specs, spec_file

A = "2026-02-01-001-aaa"


@pytest.fixture
def work(work_factory: Callable[..., Work], chant_repo: Path) -> Work:
    w = work_factory(chant_repo)
    add_specs(w, {A: spec_file(A, "Guarded", targets=["out.txt"])})
    return w


@pytest.mark.parametrize(
    ("scenario", "reason"),
    [
        ("rogue-main", "updated refs/heads/main (rogue commit on main)"),
        ("rogue-branch", "updated refs/heads/side-work (side work)"),
        ("delete-spec", f"the spec file .chant/specs/{A}.md is missing on chant/{A}"),
    ],
)
def test_agent_writing_outside_its_branch_needs_attention(work: Work, scenario: str, reason: str) -> None:
    main_before = work.git("rev-parse", "main").strip()
    work.plan(**{A: scenario})
    out = work.chant("work", A)
    assert out.returncode == 1, out.stdout + out.stderr
    assert work.status(A) == "needs_attention"
    assert reason in (work.field(A, "failure_reason") or ""), work.spec_text(A)
    assert work.branches() == [f"chant/{A}"]  # kept for a human to look at
    merges = work.git("log", "--merges", "--format=%s", f"{main_before}..main")
    assert merges == ""  # nothing of the agent's was merged


def test_hooks_and_config_written_by_the_agent_are_undone(work: Work) -> None:
    config = (work.repo / ".git" / "config").read_bytes()
    work.plan(**{A: "rogue-hooks"})
    out = work.chant("work", A)
    assert out.returncode == 1, out.stdout + out.stderr
    assert work.status(A) == "needs_attention"
    reason = work.field(A, "failure_reason") or ""
    assert ".git/config was changed (restored)" in reason
    assert ".git/hooks/pre-commit was added (removed again)" in reason
    assert (work.repo / ".git" / "config").read_bytes() == config
    assert not (work.repo / ".git" / "hooks" / "pre-commit").exists()
    rejected = work.repo / ".chant" / "run" / "rejected" / A
    assert b"hooksPath" in (rejected / "config").read_bytes()  # kept for inspection
    # The user's next commit runs no hook of the agent's.
    (work.repo / "note.txt").write_text("mine\n", encoding="utf-8")
    work.git("add", "note.txt")
    work.git("commit", "-q", "-m", "user commit")
    assert not (work.repo / "PWNED").exists()


def test_agent_rewriting_its_status_needs_attention_and_finalize_accepts(work: Work) -> None:
    work.plan(**{A: "setstatus"})
    work.env["FAKE_SET_STATUS"] = "completed"
    out = work.chant("work", A)
    assert out.returncode == 1
    assert work.status(A) == "needs_attention"
    assert "changed its spec's status to completed" in (work.field(A, "failure_reason") or "")
    # A human puts the status back on the branch (as after `chant takeover`) and finalizes.
    fix = work.repo.parent / "fix"
    work.git("worktree", "add", "-q", str(fix), f"chant/{A}")
    spec = fix / ".chant" / "specs" / f"{A}.md"
    spec.write_text(spec.read_text(encoding="utf-8").replace("status: completed", "status: in_progress"))
    work.git("-C", str(fix), "commit", "-q", "-am", "status is chant's")
    work.git("worktree", "remove", str(fix))
    done = work.chant("finalize", A)
    assert done.returncode == 0, done.stdout + done.stderr
    assert work.status(A) == "completed"
