"""How ``chant work`` fails: no commit, unticked box, conflicts, hung agents, Ctrl-C, chains."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.conftest import SEED_DRIVER, SEED_MEMBERS
from tests.run.conftest import Work, add_specs, spec_file

A = "2026-02-01-001-aaa"
B = "2026-02-01-002-bbb"
M1, M2, M3, M4 = SEED_MEMBERS


def one_spec(work_factory: Callable[..., Work], chant_repo: Path, **specs: str) -> Work:
    w = work_factory(chant_repo)
    add_specs(w, specs or {A: spec_file(A, "Alpha", targets=["alpha.txt"], criteria=2)})
    return w


def assert_clean(w: Work) -> None:
    assert w.worktrees() == [str(w.repo)]
    assert w.git("status", "--porcelain") == ""
    assert w.git("rev-parse", "--abbrev-ref", "HEAD").strip() == "main"


def test_no_agent_commit_fails_even_after_bookkeeping(
    work_factory: Callable[..., Work], chant_repo: Path
) -> None:
    w = one_spec(work_factory, chant_repo)
    w.plan(**{A: "nocommit"})
    proc = w.chant("work", A)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"[✗] {A} (Alpha)" in proc.stdout
    assert w.status(A) == "failed"
    assert "no commits" in (w.field(A, "failure_reason") or "")
    # chant did commit its own bookkeeping on main; that never counts as the agent's work.
    subjects = w.git("log", "--format=%s").splitlines()
    assert f"chant({A}): start" in subjects
    assert not any("merge" in s for s in subjects)
    assert not (w.repo / "alpha.txt").exists()
    assert w.branches() == [], "an empty branch is noise"
    assert_clean(w)


def test_unticked_box_fails_is_not_ticked_and_resume_keeps_the_commits(
    work_factory: Callable[..., Work], chant_repo: Path
) -> None:
    w = one_spec(work_factory, chant_repo)
    w.plan(**{A: "unticked"})
    proc = w.chant("work", A)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert w.status(A) == "failed"
    reason = w.field(A, "failure_reason") or ""
    assert "unchecked" in reason and "criterion 1" in reason, reason
    assert "- [ ] criterion 1" in w.spec_text(A), "chant must never tick a box for the agent"
    assert not (w.repo / "alpha.txt").exists(), "unchecked work must not be merged"
    # The agent's commit stays on its branch for inspection and resumption.
    assert w.branches() == [f"chant/{A}"]
    kept = w.git("rev-parse", f"chant/{A}").strip()
    assert_clean(w)

    w.plan()
    proc = w.chant("work", A)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert w.status(A) == "completed"
    text = w.spec_text(A)
    assert f"  - {kept}\n" in text, "the earlier run's commit was thrown away"
    assert "- [x] criterion 1" in text and "- [x] criterion 2" in text
    assert (w.repo / "alpha.txt").is_file()
    assert w.branches() == []
    assert_clean(w)


def test_conflicting_members_one_merged_other_needs_attention_checkout_untouched(seed_work: Work) -> None:
    w = seed_work
    (w.repo / "shared.txt").write_text("line one\nline two\n", encoding="utf-8")
    w.git("add", "shared.txt")
    w.git("commit", "-q", "-m", "add shared.txt")
    # The user is mid-edit: an unstaged change to a tracked file, a staged new file and an untracked one.
    (w.repo / "README.md").write_text("# test project\nuser's unsaved line\n", encoding="utf-8")
    (w.repo / "staged.txt").write_text("staged by the user\n", encoding="utf-8")
    w.git("add", "staged.txt")
    (w.repo / "notes.txt").write_text("untracked notes\n", encoding="utf-8")
    status_before = w.git("status", "--porcelain")

    w.plan(**{".1": "conflict", ".2": "conflict"})
    proc = w.chant("work", SEED_DRIVER)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"[✓] {M1} (API extraction)" in proc.stdout
    assert f"[✗] {M2} (Database migration)" in proc.stdout
    assert "needs attention: merge conflict in shared.txt" in proc.stdout
    assert w.status(M1) == "completed"
    assert w.status(M2) == "needs_attention"
    assert "shared.txt" in (w.field(M2, "failure_reason") or "")
    assert "conflicting_files:\n  - shared.txt\n" in w.spec_text(M2)
    assert w.status(M3) == "completed"
    assert w.status(M4) == "pending"
    assert (w.repo / "shared.txt").read_text(encoding="utf-8").startswith(f"line one, as {M1} wants it")
    # The conflicting branch is kept for the user to resolve.
    assert f"chant/{M2}" in w.branches()

    # The user's checkout: same branch, their changes exactly as they left them, no merge in progress.
    assert w.git("rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    assert w.git("status", "--porcelain") == status_before
    assert (w.repo / "README.md").read_text(encoding="utf-8") == "# test project\nuser's unsaved line\n"
    assert (w.repo / "notes.txt").read_text(encoding="utf-8") == "untracked notes\n"
    assert w.git("diff", "--cached", "--name-only").split() == ["staged.txt"]
    assert not (w.repo / ".git" / "MERGE_HEAD").exists()
    assert w.worktrees() == [str(w.repo)]


def test_hung_agent_is_killed_at_the_timeout_with_its_children(
    work_factory: Callable[..., Work], chant_repo: Path
) -> None:
    w = one_spec(work_factory, chant_repo)
    w.plan(**{A: "hang"})
    started = time.monotonic()
    proc = w.chant("work", "--timeout", "2", A, timeout=30)
    elapsed = time.monotonic() - started
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert elapsed < 15, f"took {elapsed:.1f}s for a 2 s timeout"
    record = w.record(A)
    assert record.get("child_pid"), "the fake did not get to spawn its child"
    assert w.alive() == [], "the agent or its `sleep 1000` child survived"
    assert w.status(A) == "failed"
    assert "timed out" in (w.field(A, "failure_reason") or "")
    assert_clean(w)


@pytest.mark.parametrize("presses", [1, 2], ids=["ctrl-c", "ctrl-c-twice"])
def test_sigint_stops_agents_cleans_up_and_is_resumable(seed_work: Work, presses: int) -> None:
    w = seed_work
    w.sleep(60)
    w.env["PYTHONFAULTHANDLER"] = "1"  # a hang is reported with every thread's stack (SIGABRT below)
    chant = w.popen("work", SEED_DRIVER)
    try:
        w.wait_for_records(3)
        if presses == 1:
            # While it runs (bug class 3.12): the specs show as in_progress and each log already has
            # its header above the agent's first line.
            listed = w.chant("list", "--status", "in_progress")
            for member in (M1, M2, M3):
                assert member in listed.stdout, listed.stdout + listed.stderr
                log = (w.repo / ".chant" / "logs" / f"{member}.log").read_text(encoding="utf-8")
                assert log.startswith(f"# chant run: {member}\n")
                assert (
                    log.index("# chant run") < log.index(f"Working on {member}")
                    if "Working on" in log
                    else True
                )
        time.sleep(0.3)
        for _ in range(presses):
            chant.send_signal(signal.SIGINT)
            time.sleep(0.05)
        try:
            out, err = chant.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            chant.send_signal(signal.SIGABRT)
            out, err = chant.communicate(timeout=10)
            raise AssertionError(f"chant hung after Ctrl-C:\n{out}\n{err}") from None
    finally:
        if chant.poll() is None:
            chant.kill()
    assert chant.returncode == 130, out + err
    assert "Interrupted" in out
    assert w.alive() == [], "agent processes outlived chant"
    assert w.worktrees() == [str(w.repo)]
    assert w.git("rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    assert w.git("status", "--porcelain") == ""
    for spec_id in (*SEED_MEMBERS, SEED_DRIVER):
        assert w.status(spec_id) in ("failed", "pending"), (spec_id, w.status(spec_id))
    for spec_id in (M1, M2, M3):
        assert w.field(spec_id, "failure_reason") == "interrupted"

    w.sleep(0)
    proc = w.chant("work", SEED_DRIVER)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for spec_id in (*SEED_MEMBERS, SEED_DRIVER):
        assert w.status(spec_id) == "completed"
    assert w.worktrees() == [str(w.repo)]
    assert w.branches() == []


def test_chain_stops_at_the_first_failure(work_factory: Callable[..., Work], chant_repo: Path) -> None:
    w = work_factory(chant_repo)
    add_specs(w, {A: spec_file(A, "Alpha"), B: spec_file(B, "Beta")})
    w.plan(**{A: "exit1"})
    proc = w.chant("work", "--chain")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"[✗] {A} (Alpha)" in proc.stdout
    assert B not in proc.stdout
    assert list(w.records()) == [A], "the chain went on after a failure"
    assert w.status(A) == "failed"
    assert w.status(B) == "pending"
    assert_clean(w)
