"""``chant work <driver>`` end to end on the seed page's specs, with a fake ``claude`` on PATH."""

from __future__ import annotations

import json
import re

from tests.conftest import CHANT_NOW, SEED_DRIVER, SEED_IDS, SEED_MEMBERS
from tests.run.conftest import Work

M1, M2, M3, M4 = SEED_MEMBERS
DURATION = r"\d+m \d+s"


def member_line(mark: str, spec_id: str, title: str, tail: str = DURATION) -> str:
    return rf"  \[{mark}\] {re.escape(spec_id)} \({re.escape(title)}\) - {tail}"


TITLES = {
    M1: "API extraction",
    M2: "Database migration",
    M3: "Test suite",
    M4: "Integration testing",
}


def test_seed_driver_runs_phases_merges_and_completes(seed_work: Work) -> None:
    w = seed_work
    before = {spec_id: w.spec_text(spec_id) for spec_id in SEED_IDS}
    w.env["FAKE_BARRIER"] = json.dumps([M1, M2, M3])
    w.sleep({".1": 0.3, ".2": 0.3, ".3": 0.3})
    proc = w.chant("work", "001-ext")
    assert proc.returncode == 0, proc.stdout + proc.stderr

    # The seed page's output, line for line.
    lines = proc.stdout.splitlines()
    expected = [
        re.escape(f"Working: {SEED_DRIVER} (Extract reporting service POC)"),
        "",
        re.escape("Phase 1: Parallel"),
        member_line("✓", M1, TITLES[M1]),
        member_line("✓", M2, TITLES[M2]),
        member_line("✓", M3, TITLES[M3]),
        "",
        re.escape("Phase 2: Sequential (depends on all above)"),
        member_line("✓", M4, TITLES[M4]),
        "",
        re.escape("Driver complete. All 4 members succeeded."),
    ]
    assert len(lines) == len(expected), proc.stdout
    for line, pattern in zip(lines, expected, strict=True):
        assert re.fullmatch(pattern, line), (line, pattern)

    # .1-.3 overlapped; .4 started after all three ended.
    rec = w.records()
    first = [rec[m] for m in (M1, M2, M3)]
    assert max(r["start"] for r in first) < min(r["end"] for r in first), "phase 1 did not overlap"
    assert rec[M4]["start"] > max(r["end"] for r in first)
    assert rec[SEED_DRIVER]["start"] > rec[M4]["end"], "the driver's wrap-up runs after its members"
    # The worktree's copy of the spec said in_progress before the agent started (bug class 3.3).
    for spec_id in (*SEED_MEMBERS, SEED_DRIVER):
        assert "\nstatus: in_progress\n" in rec[spec_id]["spec_text_at_start"]

    # Four member merges plus the driver's wrap-up, each a real two-parent merge.
    merges = w.git("log", "--merges", "--format=%H %P%x00%s").splitlines()
    subjects = sorted(line.split("\x00")[1] for line in merges)
    assert subjects == sorted(f"chant({s}): merge chant/{s}" for s in (*SEED_MEMBERS, SEED_DRIVER))
    assert all(len(line.split("\x00")[0].split()) == 3 for line in merges)

    for spec_id in (*SEED_MEMBERS, SEED_DRIVER):
        assert w.status(spec_id) == "completed", spec_id
        assert w.field(spec_id, "model") == "claude-fake-1"
        assert w.field(spec_id, "completed_at") == CHANT_NOW
        # Exactly the agent's commit, full SHA, no bookkeeping (bug classes 3.3, 3.7).
        merge = w.git("log", "--merges", "-1", "--format=%H", f"--grep=merge chant/{spec_id}$").strip()
        agent_commit = w.git("rev-parse", f"{merge}^2").strip()
        text = w.spec_text(spec_id)
        assert f"commits:\n  - {agent_commit}\n" in text, text
        assert "Chant-Bookkeeping" not in w.git("show", "-s", "--format=%B", agent_commit)
        log = (w.repo / ".chant" / "logs" / f"{spec_id}.log").read_text(encoding="utf-8")
        assert log.startswith(f"# chant run: {spec_id}\n")
        assert f"Working on {spec_id}" in log
    # The two completed dependencies are untouched; comments and unknown keys survive the round trip.
    for spec_id in SEED_IDS[:2]:
        assert w.spec_text(spec_id) == before[spec_id]
    driver = w.spec_text(SEED_DRIVER)
    for comment in (
        "  - 2026-01-27-001-cpl  # Coupling analysis",
        "  - 2026-02-01-001-ext.4  # Integration testing",
    ):
        assert comment in driver
    for member in SEED_MEMBERS:
        assert f"\nparent: {SEED_DRIVER}\n" in w.spec_text(member)
        # Every target file reached the main branch.
        for line in before[member].split("target_files:\n", 1)[1].split("---", 1)[0].splitlines():
            assert (w.repo / line.strip()[2:]).is_file(), line

    # Nothing left behind.
    assert w.worktrees() == [str(w.repo)]
    assert w.git("status", "--porcelain") == ""
    assert w.branches() == []
    assert w.git("rev-parse", "--abbrev-ref", "HEAD").strip() == "main"


def test_failed_member_skips_dependents_and_rerun_resumes(seed_work: Work) -> None:
    w = seed_work
    w.plan(**{".2": "exit1"})
    proc = w.chant("work", SEED_DRIVER)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout
    assert re.search(member_line("✓", M1, TITLES[M1]) + "$", out, re.M)
    assert re.search(member_line("✗", M2, TITLES[M2]) + " - failed: .*exited with status 1", out, re.M), out
    assert re.search(member_line("✓", M3, TITLES[M3]) + "$", out, re.M)
    assert re.search(member_line("–", M4, TITLES[M4], f"skipped \\(blocked by {re.escape(M2)}\\)"), out), out
    assert "Driver complete" not in out
    assert "Driver failed. 2 of 4 members succeeded, 1 failed, 1 skipped." in out
    assert w.status(M1) == w.status(M3) == "completed"
    assert w.status(M2) == "failed"
    assert "exited with status 1" in (w.field(M2, "failure_reason") or "")
    assert w.status(M4) == "pending"
    assert w.status(SEED_DRIVER) == "failed"
    assert M4 not in w.records()
    merged = {spec_id: w.spec_text(spec_id) for spec_id in (M1, M3)}
    first_run = {m: w.record(m)["start"] for m in (M1, M3)}
    assert w.worktrees() == [str(w.repo)]
    assert w.git("status", "--porcelain") == ""

    # Fix the cause and run the same command again: only .2 and its dependent .4 run.
    w.plan()
    proc = w.chant("work", SEED_DRIVER)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(member_line("✓", M1, TITLES[M1], DURATION + r" \(done earlier\)"), proc.stdout)
    assert re.search(member_line("✓", M3, TITLES[M3], DURATION + r" \(done earlier\)"), proc.stdout)
    assert proc.stdout.rstrip().endswith("Driver complete. All 4 members succeeded.")
    for member in (M1, M3):
        assert w.spec_text(member) == merged[member], "a completed member was touched by the re-run"
        assert w.record(member)["start"] == first_run[member], "a completed member was re-run"
    for spec_id in (M2, M4, SEED_DRIVER):
        assert w.status(spec_id) == "completed"
        assert w.field(spec_id, "failure_reason") is None
    assert w.worktrees() == [str(w.repo)]
    assert w.branches() == []
    assert w.git("status", "--porcelain") == ""


def test_dry_run_prints_phases_and_changes_nothing(seed_work: Work) -> None:
    w = seed_work
    head = w.git("rev-parse", "HEAD")
    proc = w.chant("work", "--dry-run", SEED_DRIVER)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        f"Would work: {SEED_DRIVER} (Extract reporting service POC)",
        "",
        "Phase 1: Parallel",
        f"  {M1} (API extraction) - run",
        f"  {M2} (Database migration) - run",
        f"  {M3} (Test suite) - run",
        "",
        "Phase 2: Sequential (depends on all above)",
        f"  {M4} (Integration testing) - run",
        "",
        "Then: a wrap-up run of the driver",
        "",
        "Agent: claude",
        "Pre-flight: ok",
    ]
    assert w.git("rev-parse", "HEAD") == head
    assert w.records() == {}


def test_json_events(seed_work: Work) -> None:
    w = seed_work
    proc = w.chant("work", "--json", SEED_DRIVER)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert events and all(e["schema"] == 1 and isinstance(e["event"], str) for e in events)
    kinds = [e["event"] for e in events]
    assert kinds[0] == "working" and events[0]["id"] == SEED_DRIVER
    assert kinds.count("phase_start") == 2 and kinds.count("phase_end") == 2
    ends = {e["id"]: e for e in events if e["event"] == "spec_end"}
    assert set(ends) == set(SEED_MEMBERS)
    assert all(
        e["state"] == "completed" and e["model"] == "claude-fake-1" and e["commits"] for e in ends.values()
    )
    assert {e["id"] for e in events if e["event"] == "spec_start"} >= set(SEED_MEMBERS)
    assert events[-1] == {"schema": 1, "event": "note", "text": "Driver complete. All 4 members succeeded."}


def test_blocked_spec_is_refused_without_side_effects(seed_work: Work) -> None:
    w = seed_work
    head = w.git("rev-parse", "HEAD")
    proc = w.chant("work", M4)
    assert proc.returncode != 0
    assert "blocked by" in proc.stdout + proc.stderr
    assert M1 in proc.stdout + proc.stderr
    assert w.git("rev-parse", "HEAD") == head, "a refused spec must not get a bookkeeping commit"
    assert w.status(M4) == "pending"
    assert w.worktrees() == [str(w.repo)]
    assert w.branches() == []
    assert w.records() == {}
    assert not (w.repo / ".chant" / "run" / "worktrees").exists() or not any(
        (w.repo / ".chant" / "run" / "worktrees").iterdir()
    )
