"""finalize, merge, cancel --delete, archive, diagnose and cleanup on real repos with the fake agent."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.run.conftest import Work, add_specs, spec_file, work_factory  # noqa: F401

A = "2026-02-01-001-aaa"
B = "2026-02-01-002-bbb"
D = "2026-02-01-003-drv"


@pytest.fixture
def work(chant_repo: Path, work_factory: Callable[..., Work]) -> Work:  # noqa: F811
    return work_factory(chant_repo)


def _edit(work: Work, spec_id: str, old: str, new: str, *, commit: bool = True) -> None:
    path = work.repo / ".chant" / "specs" / f"{spec_id}.md"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    if commit:
        work.git("commit", "-qam", f"edit {spec_id}")


# -- finalize / merge -----------------------------------------------------------------------------------
def _conflicted(work: Work) -> None:
    """A ends needs_attention: its branch (forked before main changed shared.txt) rewrites line 1."""
    (work.repo / "shared.txt").write_text("line one\nline two\n", encoding="utf-8")
    work.git("add", "shared.txt")
    add_specs(work, {A: spec_file(A, "Edit shared")})
    work.git("branch", f"chant/{A}")  # an existing branch is resumed from where it forked
    (work.repo / "shared.txt").write_text("line one, as main wants it\nline two\n", encoding="utf-8")
    work.git("commit", "-qam", "main moves")
    work.plan(**{A: "conflict"})
    out = work.chant("work", A)
    assert out.returncode == 1
    assert work.status(A) == "needs_attention"


def test_merge_list_then_merge_once_main_no_longer_conflicts(work: Work) -> None:
    _conflicted(work)
    listing = work.chant("merge", "--list")
    assert listing.returncode == 0, listing.stderr
    assert f"chant/{A}" in listing.stdout and "conflicts" in listing.stdout and "shared.txt" in listing.stdout
    data = json.loads(work.chant("merge", "--list", "--json").stdout)
    assert data["branches"][0]["state"] == "conflicts"
    assert work.chant("merge", "--all").stdout.startswith("Nothing to merge")
    out = work.chant("merge", A)
    assert out.returncode == 1 and "merge conflict in shared.txt" in out.stdout
    assert work.status(A) == "needs_attention"

    (work.repo / "shared.txt").write_text("line one\nline two\n", encoding="utf-8")  # main backs out
    work.git("commit", "-qam", "revert main's change")
    assert "ready" in work.chant("merge", "--list").stdout
    dry = work.chant("merge", "--all", "--dry-run")
    assert f"Would merge {A}: ready" in dry.stdout and work.status(A) == "needs_attention"
    out = work.chant("merge", "--all")
    assert out.returncode == 0, out.stdout + out.stderr
    assert work.status(A) == "completed"
    assert "as " + A in (work.repo / "shared.txt").read_text(encoding="utf-8")
    assert work.branches() == []
    assert work.chant("merge", "--list").stdout.strip() == "No chant branches."


def test_finalize_after_the_user_merged_the_branch_by_hand(work: Work) -> None:
    _conflicted(work)
    work.git("merge", "-q", f"chant/{A}", check=False)  # conflicts in the user's checkout
    (work.repo / "shared.txt").write_text("line one, resolved\nline two\n", encoding="utf-8")
    work.git("add", "shared.txt")
    work.git("commit", "-q", "--no-edit")
    assert "merged" in work.chant("merge", "--list").stdout
    diag = work.chant("diagnose", A).stdout
    assert f"chant finalize {A}" in diag
    out = work.chant("finalize", A)
    assert out.returncode == 0, out.stdout + out.stderr
    assert work.status(A) == "completed"
    assert work.field(A, "completed_at")
    assert work.branches() == []


def test_finalize_and_merge_errors(work: Work) -> None:
    add_specs(work, {A: spec_file(A, "Unticked"), B: spec_file(B, "Pending")})
    out = work.chant("finalize", "nope-nope")
    assert out.returncode == 1 and "not found" in out.stderr.lower()
    out = work.chant("finalize", B)
    assert out.returncode == 1 and "is pending" in out.stderr and f"chant work {B}" in out.stderr
    work.plan(**{A: "unticked"})
    assert work.chant("work", A).returncode == 1
    assert work.status(A) == "failed"
    out = work.chant("finalize", A)
    assert out.returncode == 1 and "unchecked" in out.stderr
    assert work.status(A) == "failed"  # a refused finalize changes nothing
    _edit(work, B, "status: pending", "status: failed")
    out = work.chant("finalize", B)
    assert out.returncode == 1 and "has no branch" in out.stderr
    _edit(work, B, "status: failed", "status: completed")
    assert "already completed" in work.chant("finalize", B).stderr
    assert work.chant("merge").returncode == 2  # usage: IDs or --all
    assert work.chant("merge", "--list", A).returncode == 2
    assert work.chant("merge", "nope-nope").returncode == 1
    gone = "chant/2026-01-01-001-del"  # a deleted spec's branch with only chant's bookkeeping on it
    work.git("checkout", "-q", "-b", gone)
    work.git("commit", "-q", "--allow-empty", "-m", "chant(x): start\n\nChant-Bookkeeping: true")
    work.git("checkout", "-q", "main")
    listing = work.chant("merge", "--list").stdout
    assert gone in listing and "no-commits" in listing and "spec: deleted" in listing


# -- cancel --delete ------------------------------------------------------------------------------------
def test_cancel_delete(work: Work) -> None:
    add_specs(
        work,
        {
            A: spec_file(A, "Base"),
            B: spec_file(B, "Needs A", depends_on=[A]),
            D: spec_file(D, "Driver"),
            f"{D}.1": spec_file(f"{D}.1", "Member 1"),
            f"{D}.2": spec_file(f"{D}.2", "Member 2"),
        },
    )
    work.git("branch", f"chant/{A}")
    log = work.repo / ".chant" / "logs" / f"{A}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("old run\n", encoding="utf-8")

    out = work.chant("cancel", A, "--delete")
    assert out.returncode == 1 and B in out.stderr and "--force" in out.stderr
    assert work.chant("cancel", A, "--cascade").returncode == 2  # --cascade needs --delete
    out = work.chant("cancel", A, "--delete", "--force", "--yes")
    assert out.returncode == 0, out.stderr
    assert not (work.repo / ".chant" / "specs" / f"{A}.md").exists() and not log.exists()
    assert work.branches() == []
    assert work.git("status", "--porcelain") == ""
    assert f"chant({A}): delete" in work.git("log", "-1", "--format=%s")

    out = work.chant("cancel", D, "--delete")
    assert out.returncode == 1 and "2 member(s)" in out.stderr and "--cascade" in out.stderr
    out = work.chant("cancel", D, "--delete", "--cascade", "--yes")
    assert out.returncode == 0, out.stderr
    assert not list((work.repo / ".chant" / "specs").glob(f"{D}*"))
    assert work.git("status", "--porcelain") == ""
    assert work.chant("cancel", "nope-nope", "--delete").returncode == 1
    # soft cancel is unchanged
    assert work.chant("cancel", B, "--yes").returncode == 0 and work.status(B) == "cancelled"


# -- archive --------------------------------------------------------------------------------------------
def test_archive_keeps_dependents_ready_and_ids_unique(work: Work) -> None:
    done = spec_file(A, "Done", extra="completed_at: '2026-01-15T09:00:00Z'").replace(
        "status: pending", "status: completed"
    )
    add_specs(work, {A: done, B: spec_file(B, "Needs A", depends_on=[A])})
    (work.repo / "staged.txt").write_text("user's staged work\n", encoding="utf-8")
    work.git("add", "staged.txt")

    dry = work.chant("archive", "--dry-run")
    assert f"Would archive {A} -> .chant/archive/2026-01-15/{A}.md" in dry.stdout
    assert (work.repo / ".chant" / "specs" / f"{A}.md").exists()
    out = work.chant("archive")
    assert out.returncode == 0, out.stderr
    assert (work.repo / ".chant" / "archive" / "2026-01-15" / f"{A}.md").exists()
    changed = work.git("show", "--name-status", "--format=", "HEAD").split("\n")
    assert [c for c in changed if c] == [f"R100\t.chant/specs/{A}.md\t.chant/archive/2026-01-15/{A}.md"]
    assert work.git("diff", "--cached", "--name-only").strip() == "staged.txt"  # untouched

    assert B in work.chant("ready").stdout  # archived dependency still satisfied
    assert "Archived" in work.chant("show", A).stdout or A in work.chant("show", A).stdout
    new = work.chant("add", "Another one", "--json")
    assert json.loads(new.stdout)["id"].startswith("2026-02-01-003-")  # 001 (archived) and 002 taken
    assert work.chant("archive").stdout.strip() == "Nothing to archive."


def test_archive_refusals_and_driver_groups(work: Work) -> None:
    completed = "status: completed\ncompleted_at: '2026-02-01T11:00:00Z'"
    add_specs(
        work,
        {
            A: spec_file(A, "Pending"),
            D: spec_file(D, "Driver").replace("status: pending", completed),
            f"{D}.1": spec_file(f"{D}.1", "M1").replace("status: pending", completed),
            f"{D}.2": spec_file(f"{D}.2", "M2"),
        },
    )
    out = work.chant("archive", A)
    assert out.returncode == 1 and "only completed or cancelled" in out.stderr
    out = work.chant("archive", f"{D}.1")
    assert out.returncode == 1 and "archived with their driver" in out.stderr
    out = work.chant("archive", D)
    assert out.returncode == 1 and f"{D}.2 is pending" in out.stderr
    assert work.chant("archive", "nope-nope").returncode == 1

    _edit(work, f"{D}.2", "status: pending", completed)
    work.git("branch", f"chant/{D}.2")
    work.git("checkout", "-q", f"chant/{D}.2")
    work.git("commit", "-q", "--allow-empty", "-m", "unmerged work")
    work.git("checkout", "-q", "main")
    out = work.chant("archive", D)
    assert out.returncode == 1 and "unmerged branch" in out.stderr
    work.git("branch", "-D", f"chant/{D}.2")
    out = work.chant("archive", D)
    assert out.returncode == 0, out.stderr
    day = work.repo / ".chant" / "archive" / "2026-02-01"
    assert sorted(p.name for p in day.iterdir()) == [f"{D}.1.md", f"{D}.2.md", f"{D}.md"]
    assert work.git("status", "--porcelain") == ""


# -- diagnose and cleanup -------------------------------------------------------------------------------
def test_diagnose_failed_spec(work: Work) -> None:
    add_specs(work, {A: spec_file(A, "Crashes"), B: spec_file(B, "Waits", depends_on=[A])})
    work.plan(**{A: "exit1"})
    assert work.chant("work", A).returncode == 1
    out = work.chant("diagnose", A)
    assert out.returncode == 0, out.stderr
    assert "State: failed" in out.stdout and "exited with status 1" in out.stdout
    assert f"Fix: chant work {A}" in out.stdout and "Log (last lines):" in out.stdout
    data = json.loads(work.chant("diagnose", A, "--json").stdout)["diagnosis"]
    assert data["state"] == "failed" and data["running"] is False and data["fix"] == f"chant work {A}"
    blocked = json.loads(work.chant("diagnose", B, "--json").stdout)["diagnosis"]
    assert blocked["state"] == "blocked" and blocked["fix"] == f"chant diagnose {A}"
    out = work.chant("diagnose", "nope-nope")
    assert out.returncode == 1 and "not found" in out.stderr.lower()


def test_cleanup(work: Work) -> None:
    done = spec_file(A, "Done").replace("status: pending", "status: completed")
    paused = spec_file(B, "Taken over").replace("status: pending", "status: paused")
    add_specs(work, {A: done, B: paused})
    run = work.repo / ".chant" / "run"
    orphan = run / "worktrees" / f"repo-{A}"
    work.git("worktree", "add", "-q", "-b", f"chant/{A}", str(orphan))
    human = run / "worktrees" / f"repo-{B}"
    work.git("worktree", "add", "-q", "-b", f"chant/{B}", str(human))  # an open spec's branch and a
    # taken-over worktree stay
    work.git("branch", "chant/2026-01-01-001-del")  # a deleted spec's branch goes
    (run / "locks").mkdir(parents=True, exist_ok=True)
    (run / "locks" / f"run-{A}.lock").write_text("123")
    (run / "locks" / "integration.lock").write_text("")
    (run / "prompts").mkdir(parents=True, exist_ok=True)
    (run / "prompts" / f"{A}.md").write_text("prompt")

    dry = work.chant("cleanup", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert f"Would remove worktree {orphan}" in dry.stdout and f"Would remove branch chant/{A}" in dry.stdout
    assert orphan.exists() and f"chant/{A}" in work.branches()
    out = work.chant("cleanup")
    assert out.returncode == 0, out.stderr
    assert not orphan.exists() and human.is_dir()
    assert work.branches() == [f"chant/{B}"]
    assert not (run / "locks" / f"run-{A}.lock").exists() and (run / "locks" / "integration.lock").exists()
    assert not (run / "prompts" / f"{A}.md").exists()
    assert len(work.worktrees()) == 2
    assert work.chant("cleanup").stdout.strip() == "Nothing to clean up."


def test_archive_in_a_silent_repo_makes_no_commit(work: Work) -> None:
    done = spec_file(A, "Done").replace("status: pending", "status: completed")
    add_specs(work, {A: done})
    (work.repo / ".gitignore").write_text(".chant/\n", encoding="utf-8")
    work.git("rm", "-rq", "--cached", ".chant")
    work.git("add", ".gitignore")
    work.git("commit", "-qm", "silent mode")
    head = work.git("rev-parse", "HEAD")
    out = work.chant("archive", A)
    assert out.returncode == 0, out.stderr
    assert (work.repo / ".chant" / "archive" / "2026-02-01" / f"{A}.md").exists()
    assert not (work.repo / ".chant" / "specs" / f"{A}.md").exists()
    assert work.git("rev-parse", "HEAD") == head and work.git("status", "--porcelain") == ""
