"""A queue that was interrupted (Ctrl-C) or killed (kill -9) is resumed by running the same command again:
its unfinished specs are not `ready` (they say in_progress or failed: interrupted), so the queue has to
pick them up itself -- without re-running a spec that failed for a reason of its own."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.run.conftest import Work, add_specs, spec_file, wait_for

HUNG = ["2026-03-01-001-aaa", "2026-03-01-002-bbb"]
BROKEN = "2026-03-01-003-ccc"
LATER = ["2026-03-01-004-ddd", "2026-03-01-005-eee"]


@pytest.mark.parametrize("how", ["SIGINT", "SIGKILL"])
def test_the_same_queue_command_resumes_what_an_interrupted_run_left(
    chant_repo: Path, work_factory: Callable[..., Work], how: str
) -> None:
    work = work_factory(chant_repo)
    add_specs(work, {s: spec_file(s, f"Queue {s}") for s in [*HUNG, BROKEN, *LATER]})
    work.plan(**{s: "hang" for s in HUNG}, **{BROKEN: "exit1"})
    proc = work.popen("work", "--parallel", "3")
    try:
        wait_for(lambda: all("child_pid" in work.records().get(s, {}) for s in HUNG), 30, "2 hung agents")
        wait_for(lambda: all(work.status(s) == "completed" for s in LATER), 60, "the other specs to land")
        proc.send_signal(getattr(signal, how))
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    expected = "in_progress" if how == "SIGKILL" else "failed"
    assert [work.status(s) for s in HUNG] == [expected, expected]
    assert work.status(BROKEN) == "failed" and work.field(BROKEN, "failure_reason") != "interrupted"
    first_agents = {s: work.record(s)["pid"] for s in [*HUNG, BROKEN]}

    work.plan()  # the agents now do their work
    again = work.chant("work", "--parallel", "3", timeout=120)
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"Resuming 2 spec(s) an earlier run left unfinished: {', '.join(HUNG)}" in again.stdout
    assert [work.status(s) for s in HUNG] == ["completed", "completed"]
    assert all(work.record(s)["pid"] != first_agents[s] for s in HUNG), "each ran again"
    assert work.record(BROKEN)["pid"] == first_agents[BROKEN], "a spec's own failure is not retried"
    assert work.status(BROKEN) == "failed"
    assert set(work.branches()) <= {f"chant/{BROKEN}"}, "merged branches of the killed run are deleted"
    assert work.worktrees() == [str(work.repo)]
    assert work.git("status", "--porcelain") == ""
