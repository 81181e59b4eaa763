"""The recovery table of docs/design.md, row by row: chant SIGKILLs itself at each step of the pipeline
(``CHANT_TEST_CRASH_AT``, a test-only hook), then one ``chant work <driver>`` brings everything to completed
with no agent commit lost, no agent re-run for work already on main, and a clean checkout."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.conftest import SEED_DRIVER, SEED_MEMBERS
from tests.run.conftest import Work

from chant.run.crashpoints import STEPS

# Steps after which the first member's work is already on main: its agent must not run again.
ON_MAIN = {"checkout-update", "checkout-done", "status-commit", "branch-delete", "driver-complete"}


@pytest.fixture
def work(seed_repo: Path, work_factory: Callable[..., Work]) -> Work:
    return work_factory(seed_repo, "git:\n  stale_lock_seconds: 1\n")


def _starts(work: Work) -> list[str]:
    path = work.record_dir / "starts.log"
    return path.read_text(encoding="utf-8").split() if path.exists() else []


def _agent_commits(work: Work) -> list[str]:
    path = work.record_dir / "commits.log"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [line.split()[1] for line in lines]


@pytest.mark.parametrize("step", STEPS)
def test_kill_at_each_step_then_one_work_recovers(work: Work, step: str) -> None:
    if step == "gate":  # only reached with a merge gate; its scratch worktree must not outlive the crash
        config = work.repo / ".chant" / "config.md"
        config.write_text(
            config.read_text(encoding="utf-8").replace("git:\n", 'merge:\n  gate: "true"\ngit:\n')
        )
        work.git("commit", "-qam", "gate")
    work.env["CHANT_TEST_CRASH_AT"] = step
    crashed = work.chant("work", SEED_DRIVER, timeout=120)
    assert crashed.returncode == -signal.SIGKILL, crashed.stdout + crashed.stderr
    del work.env["CHANT_TEST_CRASH_AT"]
    deadline = time.monotonic() + 10
    while work.alive() and time.monotonic() < deadline:  # the watchdogs stop orphaned agents
        time.sleep(0.05)
    assert not work.alive()
    before = _starts(work)
    committed_before = _agent_commits(work)

    status = work.chant("status")
    assert status.returncode == 0, status.stderr

    again = work.chant("work", SEED_DRIVER, timeout=120)
    assert again.returncode == 0, f"{step}:\n{again.stdout}\n{again.stderr}"
    for spec_id in [SEED_DRIVER, *SEED_MEMBERS]:
        assert work.status(spec_id) == "completed", (step, spec_id, work.spec_text(spec_id))
    for sha in committed_before + _agent_commits(work):
        work.git("merge-base", "--is-ancestor", sha, "main")  # no agent commit lost
    if step in ON_MAIN:
        first = SEED_MEMBERS[0]
        assert _starts(work).count(first) == before.count(first) == 1, "work on main was redone"
    assert work.git("status", "--porcelain") == "", work.git("status")
    assert work.branches() == [] and work.worktrees() == [str(work.repo)]
    git_dir = work.repo / ".git"
    assert not list(git_dir.glob("*.lock")) and not list((git_dir / "refs").rglob("*.lock"))
    assert not (work.repo / ".chant" / "run" / "checkout-pending").exists()
    work.git("fsck", "--no-progress")


def test_cleanup_removes_what_a_killed_chant_left_in_run_dir(work: Work) -> None:
    work.env["CHANT_TEST_CRASH_AT"] = "status-commit"
    assert work.chant("work", SEED_DRIVER, timeout=120).returncode == -signal.SIGKILL
    del work.env["CHANT_TEST_CRASH_AT"]
    run_dir = work.repo / ".chant" / "run"
    assert list(run_dir.glob("bookkeeping-*.index"))  # the killed chant's private index
    out = work.chant("cleanup")
    assert out.returncode == 0, out.stderr
    assert not list(run_dir.glob("bookkeeping-*.index"))
    assert not (run_dir / "checkout-pending").exists()  # cleanup finished the checkout too
    assert work.git("status", "--porcelain") == ""
