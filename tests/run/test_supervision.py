"""However `chant work <driver>` dies -- SIGTERM, SIGHUP (a closed terminal) or kill -9 -- no agent of the
run outlives it by more than 5 s (checked in /proc, grandchildren included), and one `chant work <driver>`
then completes everything. A re-run never starts a second agent in a worktree whose agent still lives."""

from __future__ import annotations

import os
import signal
import time

import pytest
from tests.agents.conftest import pid_alive
from tests.conftest import SEED_DRIVER, SEED_MEMBERS
from tests.run.conftest import Work, wait_for

PARALLEL = SEED_MEMBERS[:3]  # phase 1 of the seed's driver; .4 depends on all three


@pytest.mark.parametrize("how", ["SIGTERM", "SIGHUP", "SIGKILL"])
def test_signal_to_chant_stops_every_agent_and_one_rerun_completes(seed_work: Work, how: str) -> None:
    work = seed_work
    work.plan(**{m: "hang" for m in PARALLEL})
    proc = work.popen("work", SEED_DRIVER)
    try:
        wait_for(
            lambda: all("child_pid" in work.records().get(m, {}) for m in PARALLEL), 30, "3 running agents"
        )
        agents = [work.record(m)["pid"] for m in PARALLEL] + [work.record(m)["child_pid"] for m in PARALLEL]
        assert len(set(agents)) == 6
        sig = getattr(signal, how)
        sent = time.monotonic()
        proc.send_signal(sig)
        proc.wait(30)
        wait_for(lambda: not work.alive(), 5, "every process of the run to end")
        assert time.monotonic() - sent < 5 + 1
    finally:
        if proc.poll() is None:
            proc.kill()
    if how == "SIGKILL":
        assert proc.returncode == -signal.SIGKILL
        assert {work.status(m) for m in PARALLEL} == {"in_progress"}  # stranded, recovered below
    else:
        assert proc.returncode == 128 + sig
        for member in PARALLEL:
            assert work.status(member) == "failed"
            assert work.field(member, "failure_reason") == "interrupted"
        assert work.status(SEED_DRIVER) == "failed"
        assert len(work.worktrees()) == 1  # worktrees removed, branches kept for the resume
    first_agents = {m: work.record(m)["pid"] for m in PARALLEL}

    work.plan()  # every agent now does its work
    rerun = work.chant("work", SEED_DRIVER, timeout=120)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    for spec_id in [SEED_DRIVER, *SEED_MEMBERS]:
        assert work.status(spec_id) == "completed", spec_id
    assert all(work.record(m)["pid"] != first_agents[m] for m in PARALLEL)
    assert work.branches() == [] and work.worktrees() == [str(work.repo)]
    assert work.git("status", "--porcelain") == ""
    assert not work.alive()


def test_rerun_right_after_kill9_never_runs_two_agents_in_one_worktree(seed_work: Work) -> None:
    """The watchdog holds the member's run lock until the old agent is gone: an immediate re-run waits for
    it (the holder chant is dead) instead of starting a second agent beside the orphan."""
    work = seed_work
    member = PARALLEL[0]
    work.plan(**{member: "hang"})
    work.env["FAKE_IGNORE_TERM"] = "1"  # the old agent takes the whole SIGKILL grace to die
    proc = work.popen("work", member)
    try:
        wait_for(lambda: "child_pid" in work.records().get(member, {}), 30, "the agent")
        old = work.record(member)["pid"]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    work.plan()
    work.env.pop("FAKE_IGNORE_TERM")
    rerun = work.popen("work", member)
    try:
        wait_for(lambda: not pid_alive(old), 10, "the old agent to die")
        old_gone = time.time()
        out, err = rerun.communicate(timeout=120)
    finally:
        if rerun.poll() is None:
            rerun.kill()
    assert rerun.returncode == 0, out + err
    record = work.record(member)
    assert record["pid"] != old
    assert record["start"] >= old_gone - 0.2  # the new agent started only once the old one was gone
    assert work.status(member) == "completed"
    assert not work.alive()
