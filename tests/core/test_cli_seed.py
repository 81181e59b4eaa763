"""The real CLI on the seed repository (subprocesses in a hermetic git repo)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ._helpers import (
    SEED_DEPENDENCIES,
    SEED_DRIVER,
    SEED_IDS,
    SEED_MEMBERS,
    assert_clean_failure,
    changed_lines,
)

Run = Callable[..., Any]


def test_seed_files_are_byte_exact_in_the_repo(seed_repo: Path, git: Callable[..., str]) -> None:
    from ._helpers import SEED_DIR

    for spec_id in SEED_IDS:
        assert (seed_repo / ".chant/specs" / f"{spec_id}.md").read_bytes() == (
            SEED_DIR / f"{spec_id}.md"
        ).read_bytes()
    assert git("status", "--porcelain") == ""
    assert git("log", "-1", "--format=%an <%ae> %ad", "--date=iso-strict") == (
        "Chant Test <test@chant.invalid> 2026-02-01T10:00:00+00:00\n"
    )


def test_show_driver(seed_repo: Path, run_chant: Run) -> None:
    out = run_chant("show", "001-ext", check=True).stdout
    assert out.startswith(f"Spec: {SEED_DRIVER}\nTitle: Extract reporting service POC\nType: driver\n")
    assert "Status: pending (ready)" in out
    assert f"  - {SEED_DEPENDENCIES[0]} (satisfied)" in out
    for member, title in zip(
        SEED_MEMBERS,
        ["API extraction", "Database migration", "Test suite", "Integration testing"],
        strict=True,
    ):
        assert f"{member} ({title})" in out
    assert "  [ ] Performance meets baseline" in out
    data = json.loads(run_chant("show", "001-ext", "--json", check=True).stdout)
    assert data["schema"] == 1
    spec = data["spec"]
    assert spec["id"] == SEED_DRIVER
    assert spec["members"] == SEED_MEMBERS
    assert spec["phases"] == [SEED_MEMBERS[:3], SEED_MEMBERS[3:]]
    assert spec["path"] == f".chant/specs/{SEED_DRIVER}.md"
    assert len(spec["criteria"]) == 5


def test_show_member(seed_repo: Path, run_chant: Run) -> None:
    out = run_chant("show", "ext.4", check=True).stdout
    assert out.startswith(f"Spec: {SEED_MEMBERS[3]}\nTitle: Integration testing\nType: task\n")
    assert "Status: pending (blocked)" in out
    assert "Blocked by: " + ", ".join(f"{m} (pending)" for m in SEED_MEMBERS[:3]) in out
    assert "  [ ] Validation report complete" in out
    body = run_chant("show", "ext.4", "--body", check=True).stdout
    assert "- [ ] Route 10% of reporting traffic to new service" in body


def test_show_ambiguous_and_unknown(seed_repo: Path, run_chant: Run) -> None:
    proc = run_chant("show", "ext.")  # the four members, and no driver among them
    assert_clean_failure(proc, "Ambiguous", *SEED_MEMBERS)
    assert_clean_failure(run_chant("show", "no-such-spec"), "not found")


def test_group_phases(seed_repo: Path, run_chant: Run) -> None:
    out = run_chant("group", "001-ext", check=True).stdout
    assert out.startswith(
        f"Driver: {SEED_DRIVER} (Extract reporting service POC) [ready]\nMembers: 0/4 completed\n\n"
        "Phase 1: Parallel\n"
        f"  ○ {SEED_MEMBERS[0]} (API extraction) - ready\n"
        f"  ○ {SEED_MEMBERS[1]} (Database migration) - ready\n"
        f"  ○ {SEED_MEMBERS[2]} (Test suite) - ready\n\n"
        "Phase 2: Sequential (depends on all above)\n"
        f"  ⊘ {SEED_MEMBERS[3]} (Integration testing) - blocked\n"
    )
    data = json.loads(run_chant("group", "001-ext", "--json", check=True).stdout)
    assert data["schema"] == 1
    assert [(p["number"], p["label"], p["members"]) for p in data["phases"]] == [
        (1, "Parallel", SEED_MEMBERS[:3]),
        (2, "Sequential (depends on all above)", SEED_MEMBERS[3:]),
    ]
    assert {m["id"]: m["phase"] for m in data["members"]} == dict(
        zip(SEED_MEMBERS, [1, 1, 1, 2], strict=True)
    )


def test_group_of_a_non_driver_is_a_clean_error(seed_repo: Path, run_chant: Run) -> None:
    assert_clean_failure(run_chant("group", "cpl"), "has no member specs")


def test_dag_text(seed_repo: Path, run_chant: Run) -> None:
    out = run_chant("dag", check=True).stdout
    lines = out.splitlines()
    assert lines[0] == f"● {SEED_DEPENDENCIES[0]} (Coupling analysis) [completed]"
    for spec_id in SEED_IDS:
        assert spec_id in out
    # the driver hangs under its dependencies, the members under the driver, .4 under .1
    driver_line = next(i for i, line in enumerate(lines) if f"{SEED_DRIVER} (Extract" in line)
    member_lines = [next(i for i, line in enumerate(lines) if f"{m} (" in line) for m in SEED_MEMBERS]
    assert driver_line < member_lines[0] < member_lines[3] < member_lines[1] < member_lines[2]
    assert "Summary: 7 specs, 1 without dependencies, 0 cycle(s)" in out


def test_dag_mermaid(seed_repo: Path, run_chant: Run) -> None:
    lines = run_chant("dag", "--format", "mermaid", check=True).stdout.splitlines()
    assert lines[0] == "graph TD"
    nodes = {line.split("[", 1)[0].strip(): line for line in lines[1:] if "[" in line}
    assert len(nodes) == 7
    name = {
        spec_id: next(n for n, line in nodes.items() if f'"{spec_id}<br/>' in line) for spec_id in SEED_IDS
    }
    edges = {line.strip() for line in lines if "-->" in line}
    for member in SEED_MEMBERS[:3]:
        assert f"{name[member]} --> {name[SEED_MEMBERS[3]]}" in edges
    assert f"{name[SEED_DEPENDENCIES[0]]} --> {name[SEED_DRIVER]}" in edges
    assert f"  {name[SEED_DRIVER]} -.-> {name[SEED_MEMBERS[0]]}" in lines


def test_list_json_and_ready(seed_repo: Path, run_chant: Run) -> None:
    data = json.loads(run_chant("list", "--json", check=True).stdout)
    assert data["schema"] == 1
    rows = {row["id"]: row for row in data["specs"]}
    assert list(rows) == SEED_IDS
    assert rows[SEED_MEMBERS[3]]["state"] == "blocked"
    assert rows[SEED_MEMBERS[3]]["blocked_by"] == [f"{m} (pending)" for m in SEED_MEMBERS[:3]]
    assert rows[SEED_MEMBERS[0]]["driver"] == SEED_DRIVER
    ready = run_chant("list", "--ready", check=True).stdout.splitlines()
    assert [line.split()[0] for line in ready] == [SEED_DRIVER, *SEED_MEMBERS[:3]]
    assert run_chant("list", "--ready", "--count", check=True).stdout.strip() == "4"
    assert run_chant("list", "--status", "blocked", "--count", check=True).stdout.strip() == "1"
    assert run_chant("list", "--type", "code", "--count", check=True).stdout.strip() == "3"
    ready_cmd = json.loads(run_chant("ready", "--json", check=True).stdout)
    assert [row["id"] for row in ready_cmd["specs"]] == [SEED_DRIVER, *SEED_MEMBERS[:3]]


def test_status_brief_and_json(seed_repo: Path, run_chant: Run) -> None:
    assert run_chant("status", "--brief", check=True).stdout == "chant: 2 done, 4 ready\n"
    data = json.loads(run_chant("status", "--json", check=True).stdout)
    assert data["schema"] == 1
    assert data["total"] == 7
    assert data["counts"]["ready"] == 4
    assert data["counts"]["blocked"] == 1
    assert data["counts"]["completed"] == 2
    assert [item["id"] for item in data["ready"]] == [SEED_DRIVER, *SEED_MEMBERS[:3]]
    out = run_chant("status", check=True).stdout
    assert "7 specs" in out and "Ready (4):" in out


def test_lint_json_clean(seed_repo: Path, run_chant: Run) -> None:
    data = json.loads(run_chant("lint", "--format", "json", check=True).stdout)
    grades = {row["id"]: row["grade"] for row in data.pop("quality")}  # tests/specs covers the rules
    assert data == {"schema": 1, "diagnostics": [], "errors": 0, "warnings": 0, "checked": 7}
    assert set(grades) == {SEED_DRIVER, *SEED_MEMBERS} and "red" not in grades.values()


def test_search(seed_repo: Path, run_chant: Run) -> None:
    out = run_chant("search", "replica", check=True).stdout
    assert [line.split()[0] for line in out.splitlines()[:-1]] == [SEED_DRIVER, SEED_MEMBERS[1]]
    assert out.splitlines()[-1] == 'Found 2 specs matching "replica"'
    data = json.loads(run_chant("search", "INTEGRATION", "--title-only", "--json", check=True).stdout)
    assert data["schema"] == 1
    assert [row["id"] for row in data["specs"]] == [SEED_MEMBERS[3]]
    assert run_chant("search", "no such text anywhere", check=True).stdout.endswith(
        'Found 0 specs matching "no such text anywhere"\n'
    )


def test_cancel_changes_only_the_status_line_and_commits(
    seed_repo: Path, run_chant: Run, git: Callable[..., str]
) -> None:
    path = seed_repo / ".chant/specs" / f"{SEED_DRIVER}.md"
    before = path.read_bytes()
    head = git("rev-parse", "HEAD").strip()
    out = run_chant("cancel", "001-ext", "--yes", check=True)
    assert f"Cancelled {SEED_DRIVER}" in out.stdout
    after = path.read_bytes()
    assert changed_lines(before.decode(), after.decode()) == [
        ("replace", ["status: pending\n"], ["status: cancelled\n"])
    ]
    assert after == before.replace(b"\nstatus: pending\n", b"\nstatus: cancelled\n", 1)
    # committed: exactly that file, one commit, the tree clean
    assert git("rev-list", "--count", f"{head}..HEAD").strip() == "1"
    assert git("diff", "--name-only", head, "HEAD").splitlines() == [f".chant/specs/{SEED_DRIVER}.md"]
    assert git("log", "-1", "--format=%s").strip() == f"chant({SEED_DRIVER}): cancel"
    assert git("status", "--porcelain") == ""
    # cancelled specs are hidden by default, shown with --all, and cancelling twice is a clean error
    assert SEED_DRIVER + " " not in run_chant("list", check=True).stdout
    assert "cancelled" in run_chant("list", "--all", check=True).stdout
    assert_clean_failure(run_chant("cancel", SEED_DRIVER, "--yes"), "already cancelled")


def test_version_and_help(seed_repo: Path, run_chant: Run) -> None:
    version = run_chant("--version", check=True).stdout
    assert version.startswith("chant ")
    assert run_chant("version", check=True).stdout == version
    helptext = run_chant("--help", check=True).stdout
    for command in ("init", "add", "list", "show", "lint", "dag", "group", "cancel", "search", "status"):
        assert command in helptext
    assert "complete" in run_chant("completion", "bash", check=True).stdout.lower()


def test_works_from_a_subdirectory(seed_repo: Path, run_chant: Run) -> None:
    sub = seed_repo / "deep" / "er"
    sub.mkdir(parents=True)
    assert run_chant("list", "--count", cwd=sub, check=True).stdout.strip() == "7"


def test_outside_a_project_is_a_clean_error(git_repo: Path, run_chant: Run) -> None:
    assert_clean_failure(run_chant("list"), "chant init")


def test_status_brief_never_says_no_specs_when_there_are_some(chant_repo: Path, run_chant: Run) -> None:
    assert run_chant("status", "--brief", check=True).stdout == "chant: no specs\n"
    spec = chant_repo / ".chant/specs/2026-02-01-001-blk.md"
    spec.write_text("---\nstatus: pending\ndepends_on: [2026-01-01-001-nope]\n---\n# Blocked\n")
    assert run_chant("status", "--brief", check=True).stdout == "chant: 1 spec(s), none ready\n"


def test_show_json_of_a_driver_with_a_member_cycle(seed_repo: Path, run_chant: Run) -> None:
    for this, other in ((SEED_MEMBERS[0], SEED_MEMBERS[1]), (SEED_MEMBERS[1], SEED_MEMBERS[0])):
        path = seed_repo / ".chant/specs" / f"{this}.md"
        path.write_text(path.read_text().replace("parent:", f"depends_on: [{other}]\nparent:", 1))
    spec = json.loads(run_chant("show", "001-ext", "--json", check=True).stdout)["spec"]
    assert spec["phases"] is None
    assert f"{SEED_MEMBERS[0]} -> {SEED_MEMBERS[1]} -> {SEED_MEMBERS[0]}" in spec["phase_error"]


def test_add_counts_archived_sequences(chant_repo: Path, run_chant: Run) -> None:
    archive = chant_repo / ".chant/archive"
    archive.mkdir()
    (archive / "2026-02-01-00z-old.md").write_text("---\nstatus: completed\n---\n# Old\n")
    out = run_chant("add", "After the archived one", check=True).stdout
    assert "Created 2026-02-01-010-" in out
