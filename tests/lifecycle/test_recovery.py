"""kill -9 of `chant work` mid-run: the stranded spec is named, and reset/work/finalize recover it without
losing the first run's agent commit. Reset from every non-pending state. Pause and takeover of a live run."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.run.conftest import Work, add_specs, spec_file, work_factory  # noqa: F401

A = "2026-02-01-001-aaa"


@pytest.fixture
def work(chant_repo: Path, work_factory: Callable[..., Work]) -> Work:  # noqa: F811
    w = work_factory(chant_repo)
    add_specs(w, {A: spec_file(A, "Write the thing", targets=["thing.txt"])})
    return w


def _wait(predicate: Callable[[], bool], timeout: float = 20, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _committed(work: Work) -> bool:
    path = work.record_dir / f"{A}.json"
    return path.exists() and "committed" in json.loads(path.read_text(encoding="utf-8"))


def _kill_mid_run(work: Work) -> str:
    """Start `chant work A`, wait until its agent committed and sleeps, SIGKILL chant and the agent."""
    work.plan(**{A: "commit-hang"})
    proc = work.popen("work", A)
    try:
        _wait(lambda: _committed(work), what="the agent's commit")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    record = work.record(A)
    os.killpg(record["pid"], signal.SIGKILL)
    _wait(lambda: not work.alive(), what="the agent to die")
    assert work.status(A) == "in_progress"
    sha: str = record["committed"]
    return sha


@pytest.mark.parametrize("recover", ["reset+work", "work", "finalize"])
def test_kill9_then_recover_keeps_the_agent_commit(work: Work, recover: str) -> None:
    first = _kill_mid_run(work)
    worktree = work.record(A)["cwd"]
    assert Path(worktree).is_dir()

    status = work.chant("status")
    assert status.returncode == 0
    assert A in status.stdout and "stranded" in status.stdout

    diag = work.chant("diagnose", A)
    assert diag.returncode == 0, diag.stderr
    assert "stranded" in diag.stdout and f"chant finalize {A}" in diag.stdout

    work.plan(**{A: "ok"})
    if recover == "reset+work":
        out = work.chant("reset", A)
        assert out.returncode == 0, out.stderr
        assert work.status(A) == "pending"
        assert not Path(worktree).exists()  # the stranded worktree is gone; the branch is kept
        assert work.branches() == [f"chant/{A}"]
        out = work.chant("work", A)
    elif recover == "work":
        out = work.chant("work", A)
    else:
        out = work.chant("finalize", A)
        assert "completed" in out.stdout
    assert out.returncode == 0, out.stdout + out.stderr
    assert work.status(A) == "completed"
    work.git("merge-base", "--is-ancestor", first, "main")  # the first run's commit reached main
    assert first in (work.field(A, "commits") or "") or first in work.spec_text(A)
    assert not Path(worktree).exists()
    assert work.branches() == []
    assert "stranded" not in work.chant("status").stdout


def _set_status(work: Work, status: str, extra: str = "") -> None:
    path = work.repo / ".chant" / "specs" / f"{A}.md"
    text = path.read_text(encoding="utf-8").replace("status: pending", f"status: {status}{extra}", 1)
    path.write_text(text, encoding="utf-8")
    work.git("commit", "-qam", f"set {status}")


@pytest.mark.parametrize(
    ("status", "extra"),
    [
        ("failed", "\nfailure_reason: agent exited with status 1"),
        ("needs_attention", "\nfailure_reason: merge conflict in x\nconflicting_files:\n  - x"),
        ("completed", "\ncompleted_at: '2026-01-30T10:00:00Z'"),
        ("paused", ""),
        ("cancelled", ""),
        ("in_progress", ""),  # stranded: no chant holds its run lock
    ],
)
def test_reset_from_every_non_pending_state(work: Work, status: str, extra: str) -> None:
    _set_status(work, status, extra)
    out = work.chant("reset", A)
    assert out.returncode == 0, out.stderr
    assert f"Reset {A} to pending" in out.stdout
    text = work.spec_text(A)
    assert work.status(A) == "pending"
    assert "failure_reason" not in text and "conflicting_files" not in text
    if status == "completed":
        assert "original_completed_at: 2026-01-30T10:00:00Z" in text
    assert work.git("status", "--porcelain", "--", ".chant/specs") == ""  # committed


def test_reset_errors(work: Work) -> None:
    out = work.chant("reset", A)
    assert out.returncode == 1 and "already pending" in out.stderr
    out = work.chant("reset", "no-such-spec")
    assert out.returncode == 1 and "not found" in out.stderr.lower()


def test_pause_a_running_spec_then_resume(work: Work) -> None:
    work.plan(**{A: "hang"})
    proc = work.popen("work", A)
    try:
        work.wait_for_records(1)
        _wait(lambda: "child_pid" in work.record(A), what="the agent's child")
        out = work.chant("pause", A)
        assert out.returncode == 0, out.stderr
        assert f"Paused {A}" in out.stdout
        proc.wait(20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1  # the run's only spec did not complete
    assert work.status(A) == "paused"
    _wait(lambda: not work.alive(), what="the agent's process group to die")
    assert work.branches() == [f"chant/{A}"]  # kept for a human or the next run
    assert not (work.repo / ".chant" / "run" / "pause" / A).exists()

    assert work.chant("pause", A).returncode == 1  # already paused
    work.plan(**{A: "ok"})
    out = work.chant("work", A)
    assert out.returncode == 0, out.stdout + out.stderr
    assert work.status(A) == "completed"


def test_takeover_gives_a_worktree_and_finalize_merges_it(work: Work) -> None:
    work.plan(**{A: "hang"})
    proc = work.popen("work", A)
    try:
        work.wait_for_records(1)
        out = work.chant("takeover", A)
        assert out.returncode == 0, out.stderr
        proc.wait(20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert work.status(A) == "paused"
    line = next(x for x in out.stdout.splitlines() if x.startswith("Worktree: "))
    worktree = Path(line.split(": ", 1)[1])
    assert worktree.is_dir() and f"Branch: chant/{A}" in out.stdout
    # The human finishes the job on the branch, then chant merges and completes it.
    spec = worktree / ".chant" / "specs" / f"{A}.md"
    spec.write_text(spec.read_text(encoding="utf-8").replace("- [ ]", "- [x]"), encoding="utf-8")
    (worktree / "thing.txt").write_text("done by hand\n", encoding="utf-8")
    work.git("-C", str(worktree), "add", "-A")
    work.git("-C", str(worktree), "commit", "-qm", "finish by hand")
    out = work.chant("finalize", A)
    assert out.returncode == 0, out.stdout + out.stderr
    assert work.status(A) == "completed"
    assert (work.repo / "thing.txt").read_text(encoding="utf-8") == "done by hand\n"
    assert not worktree.exists()


def test_pause_and_takeover_errors(work: Work) -> None:
    out = work.chant("pause", A)
    assert out.returncode == 1 and "not running" in out.stderr
    out = work.chant("takeover", A)
    assert out.returncode == 1 and "pending" in out.stderr
    assert work.chant("pause", "nope-nope").returncode == 1


def test_a_running_driver_is_not_stranded_and_is_paused_through_its_member(work: Work) -> None:
    drv = "2026-02-01-002-drv"
    add_specs(work, {drv: spec_file(drv, "Driver"), f"{drv}.1": spec_file(f"{drv}.1", "Member")})
    work.plan(**{".1": "hang"})
    proc = work.popen("work", drv)
    try:
        _wait(lambda: (work.record_dir / f"{drv}.1.json").exists(), what="the member's agent")
        assert "stranded" not in work.chant("status").stdout
        out = work.chant("pause", drv)
        assert out.returncode == 1 and "is a driver" in out.stderr and f"chant pause {drv}.1" in out.stderr
        out = work.chant("reset", drv)
        assert out.returncode == 1 and "being worked" in out.stderr
        assert json.loads(work.chant("diagnose", drv, "--json").stdout)["diagnosis"]["state"] == "running"
        assert work.chant("pause", f"{drv}.1").returncode == 0
        proc.wait(20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert work.status(f"{drv}.1") == "paused"
    assert work.status(drv) == "failed"


def _crash_at(work: Work, step: str) -> None:
    work.env["CHANT_TEST_CRASH_AT"] = step
    out = work.chant("work", A)
    del work.env["CHANT_TEST_CRASH_AT"]
    assert out.returncode == -signal.SIGKILL, out.stdout + out.stderr
    _wait(lambda: not work.alive(), what="the agents to die")


def test_killed_inside_the_checkout_update_diagnose_names_it_and_cleanup_repairs(work: Work) -> None:
    work.plan(**{A: "ok"})
    _crash_at(work, "checkout-update")
    lock = work.repo / ".git" / "index.lock"
    assert lock.exists()
    old = time.time() - 3600
    os.utime(lock, (old, old))  # the user comes back later

    diag = work.chant("diagnose", A)
    assert diag.returncode == 0, diag.stderr
    assert f"Stale git lock: {lock}" in diag.stdout
    assert "Checkout: half-updated" in diag.stdout
    assert "already merged into main" in diag.stdout  # its work is on main: no agent re-run
    assert f"Fix: chant work {A}" in diag.stdout

    dry = work.chant("cleanup", "--dry-run")
    assert f"Would remove stale git lock {lock}" in dry.stdout and lock.exists()
    clean = work.chant("cleanup")
    assert clean.returncode == 0, clean.stderr
    assert not lock.exists()
    assert work.git("status", "--porcelain") == ""  # the checkout caught up with main
    assert "Checkout" not in work.chant("diagnose", A).stdout

    done = work.chant("work", A)
    assert done.returncode == 0, done.stdout + done.stderr
    assert work.status(A) == "completed"
    assert work.records()[A]["pid"]  # one agent run only: the second `work` adopted the merged branch
    assert (work.record_dir / "starts.log").read_text(encoding="utf-8").split() == [A]


def test_cleanup_keeps_a_lock_that_may_be_in_use(work: Work) -> None:
    lock = work.repo / ".git" / "index.lock"
    lock.write_text("", encoding="utf-8")  # fresh: a git may have just taken it
    out = work.chant("cleanup")
    assert out.returncode == 0, out.stderr
    assert f"Kept git lock {lock}" in out.stdout
    assert lock.exists()
    diag = work.chant("diagnose", A)
    assert "Stale git lock" not in diag.stdout  # not stale yet
