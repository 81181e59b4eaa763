"""approve / reject gate `chant work`; `chant log` prints runs; replay's errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.run.conftest import Work, work_factory  # noqa: F401


def test_approval_gate_log_and_replay_errors(chant_repo: Path, work_factory: Callable[..., Work]) -> None:  # noqa: F811
    work = work_factory(chant_repo)
    created = work.chant(
        "add", "Risky change\n\n## Acceptance Criteria\n\n- [ ] done", "--needs-approval", "--json"
    )
    assert created.returncode == 0, created.stderr
    sid = json.loads(created.stdout)["id"]

    out = work.chant("work", sid)
    assert out.returncode == 1 and "needs approval" in out.stdout + out.stderr
    assert work.chant("approve", sid).returncode == 2  # --by is required
    out = work.chant("reject", sid, "--by", "alice", "--reason", "too risky")
    assert out.returncode == 0 and f"Rejected {sid}" in out.stdout
    assert "status: rejected" in work.spec_text(sid) and "too risky" in work.spec_text(sid)
    assert work.chant("work", sid).returncode == 1

    out = work.chant("log", sid)
    assert out.returncode == 1 and "No log" in out.stderr
    assert work.chant("replay", sid).returncode == 1  # only completed specs

    out = work.chant("approve", sid, "--by", "bob")
    assert out.returncode == 0 and f"Approved {sid}" in out.stdout
    assert "status: approved" in work.spec_text(sid) and "by: bob" in work.spec_text(sid)
    out = work.chant("work", sid)
    assert out.returncode == 0, out.stdout + out.stderr
    assert work.status(sid) == "completed"

    full = work.chant("log", sid)
    assert full.returncode == 0 and f"# chant run: {sid}" in full.stdout
    assert work.chant("log", sid, "-n", "1").stdout.count("\n") == 1
    assert work.chant("log", sid, "--run", "latest").returncode == 0
    assert work.chant("log", sid, "--run", "2").returncode == 2
    assert "not found" in work.chant("approve", "nope-nope", "--by", "x").stderr.lower()
