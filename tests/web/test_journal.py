"""The run journal: `chant work` writes its events to .chant/run/journal/<run-id>.jsonl (run/journal.py)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests.conftest import SEED_DRIVER, SEED_MEMBERS
from tests.run.conftest import Work

from chant.project import Project
from chant.run import journal

M1, M2, M3, M4 = SEED_MEMBERS


def _journals(repo: Path) -> list[Path]:
    return sorted((repo / ".chant" / "run" / "journal").glob("*.jsonl"))


def test_driver_run_is_journalled_with_the_json_events_and_times(seed_work: Work) -> None:
    w = seed_work
    w.sleep({".1": 0.4, ".2": 0.4, ".3": 0.4})
    proc = w.chant("work", "001-ext", "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [path] = _journals(w.repo)
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert all(e["schema"] == 1 and isinstance(e["t"], float) for e in lines)
    names = [e["event"] for e in lines]
    assert names[0] == "run_started" and names[-1] == "run_finished"
    head = lines[0]
    assert head["kind"] == "driver" and head["specs"] == [SEED_DRIVER] and head["pid"] > 0
    assert "work" in head["argv"]
    assert lines[-1]["ok"] is True and lines[-1]["interrupted"] is False

    # The same events as `--json` (each spec_end once), in the journal's own order.
    stdout = [json.loads(line) for line in proc.stdout.splitlines()]
    strip = lambda e: {k: v for k, v in e.items() if k not in ("t", "started_at", "ended_at")}  # noqa: E731
    key = lambda e: json.dumps(e, sort_keys=True)  # noqa: E731
    journalled = [strip(e) for e in lines[1:-1]]
    # ... plus the driver's own wrap-up run, which the terminal reports only when it fails.
    wrap_up = [e for e in journalled if e["event"] == "spec_end" and e["id"] == SEED_DRIVER]
    assert len(wrap_up) == 1 and wrap_up[0]["state"] == "completed"
    assert sorted(key(e) for e in journalled if e not in wrap_up) == sorted(map(key, stdout))

    # spec_end is written when the member is integrated, with its wall-clock start and end.
    ends = {e["id"]: e for e in lines if e["event"] == "spec_end"}
    assert set(ends) == {*SEED_MEMBERS, SEED_DRIVER}
    for member in (M1, M2, M3):
        assert ends[member]["ended_at"] - ends[member]["started_at"] >= 0.4
    phase1_end = next(e["t"] for e in lines if e["event"] == "phase_end" and e["phase"] == 1)
    assert all(ends[m]["t"] <= phase1_end for m in (M1, M2, M3))
    assert max(ends[m]["started_at"] for m in (M1, M2, M3)) < min(ends[m]["ended_at"] for m in (M1, M2, M3))

    run = journal.load(path)
    assert run.state == "completed" and not run.live
    bars = journal.last_bars(Project(w.repo), SEED_MEMBERS)
    assert set(bars) == set(SEED_MEMBERS)
    assert bars[M4].start >= max(bars[m].end or 0 for m in (M1, M2, M3))
    assert all(b.state == "completed" for b in bars.values())


def test_a_live_run_is_the_one_holding_its_journal(seed_work: Work) -> None:
    w = seed_work
    w.sleep({".1": 30})
    proc = w.popen("work", M1)
    try:
        deadline = time.monotonic() + 20
        live: list[journal.Run] = []
        while time.monotonic() < deadline:
            live = journal.live_runs(Project(w.repo))
            if live and any(e["event"] == "spec_start" for e in live[0].events):
                break
            time.sleep(0.05)
        assert live, "no live journal"
        assert live[0].state == "running" and live[0].specs == [M1]
        assert journal.last_bars(Project(w.repo), [M1])[M1].end is None
    finally:
        proc.kill()
        proc.wait()
    # Killed without a chance to write run_finished: no longer live, and not shown as running.
    [run] = journal.runs(Project(w.repo))
    assert not run.live and run.state == "died"
    assert journal.last_bars(Project(w.repo), [M1])[M1].state == "died"


def test_journals_beyond_the_limit_are_pruned_oldest_first(tmp_path: Path) -> None:
    directory = tmp_path / "journal"
    directory.mkdir()
    for n in range(5):
        (directory / f"2026010{n}T000000.000Z-1.jsonl").write_text("{}\n", encoding="utf-8")
    journal.prune(directory, keep=2)
    assert [p.name[:9] for p in sorted(directory.iterdir())] == ["20260103T", "20260104T"]


def test_a_partial_last_line_waits_for_its_newline(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('{"event": "a"}\nnot json\n{"event": "b"', encoding="utf-8")
    events, offset = journal.read_lines(path)
    assert [e["event"] for e in events] == ["a"]
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("}\n")
    more, _ = journal.read_lines(path, offset)
    assert [e["event"] for e in more] == ["b"]
