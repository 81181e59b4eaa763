"""Bad input reaches the user as one clear line naming the file (and line for YAML), never a traceback."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ._helpers import SEED_DRIVER, SEED_MEMBERS, assert_clean_failure

Run = Callable[..., Any]
Write = Callable[..., Path]
OK_BODY = "# Title\n\n## Acceptance Criteria\n\n- [ ] done\n"

BAD_YAML = {
    # name: (file text, line the error names)
    "bad-indent": ("---\ntype: code\nstatus: pending\n  oops: indented\n---\n" + OK_BODY, 4),
    "bad-token": ("---\ntype: code\nlabels: @x\n---\n" + OK_BODY, 3),
    "not-a-mapping": ("---\n- a\n- b\n---\n" + OK_BODY, 2),
    "unclosed-frontmatter": ("---\ntype: code\nstatus: pending\n\n" + OK_BODY, 1),
    "tab-indent": ("---\ntype: code\ndepends_on:\n\t- x\n---\n" + OK_BODY, 4),
}


@pytest.mark.parametrize("case", sorted(BAD_YAML))
def test_malformed_yaml(seed_repo: Path, write_spec: Write, run_chant: Run, case: str) -> None:
    text, line = BAD_YAML[case]
    spec_id = f"2026-02-01-009-{case[:3]}"
    write_spec(spec_id, text)
    where = f".chant/specs/{spec_id}.md:{line}"

    listed = run_chant("list")
    assert listed.returncode == 0, listed.stderr  # the other specs still list
    assert "Traceback" not in listed.stderr
    warnings = [ln for ln in listed.stderr.splitlines() if spec_id in ln]
    assert len(warnings) == 1 and where in warnings[0], listed.stderr
    assert SEED_DRIVER in listed.stdout

    linted = run_chant("lint")
    assert_clean_failure(linted, where)
    assert [ln for ln in linted.stdout.splitlines() if spec_id in ln] == [
        ln for ln in linted.stdout.splitlines() if ln.startswith(where)
    ]

    data = json.loads(run_chant("lint", "--format", "json").stdout)
    [diagnostic] = [d for d in data["diagnostics"] if d["spec_id"] == spec_id]
    assert diagnostic["path"] == f".chant/specs/{spec_id}.md"
    assert diagnostic["line"] == line
    assert diagnostic["severity"] == "error"

    shown = run_chant("show", spec_id)
    assert_clean_failure(shown, where)
    if case != "bad-indent":
        return  # the other read-only commands: once is enough
    for command in (("status",), ("dag",), ("list", "--json"), ("ready",)):
        proc = run_chant(*command)
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, (command, proc.stderr)


def test_not_utf8(seed_repo: Path, write_spec: Write, run_chant: Run) -> None:
    write_spec("2026-02-01-009-bin", b"---\ntype: code\n---\n# \xff\xfe title\n")
    assert_clean_failure(run_chant("lint"), ".chant/specs/2026-02-01-009-bin.md", "UTF-8")
    assert run_chant("list").returncode == 0


def test_dependency_cycle(seed_repo: Path, write_spec: Write, run_chant: Run) -> None:
    a, b = "2026-02-01-010-aaa", "2026-02-01-011-bbb"
    write_spec(a, f"---\nstatus: pending\ndepends_on: [{b}]\n---\n" + OK_BODY)
    write_spec(b, f"---\nstatus: pending\ndepends_on:\n  - {a}\n---\n" + OK_BODY)
    linted = run_chant("lint")
    assert_clean_failure(linted, f".chant/specs/{a}.md", f"{a} -> {b} -> {a}")
    assert f".chant/specs/{b}.md" in linted.stdout
    dag = run_chant("dag", check=True)
    assert "1 cycle(s)" in dag.stdout
    assert run_chant("list", check=True).stdout.count("blocked") >= 2


def test_member_cycle_breaks_group_cleanly(seed_repo: Path, write_spec: Write, run_chant: Run) -> None:
    m1, m2 = SEED_MEMBERS[0], SEED_MEMBERS[1]
    path = seed_repo / ".chant/specs" / f"{m1}.md"
    path.write_text(path.read_text().replace("parent:", f"depends_on: [{m2}]\nparent:", 1))
    path = seed_repo / ".chant/specs" / f"{m2}.md"
    path.write_text(path.read_text().replace("parent:", f"depends_on: [{m1}]\nparent:", 1))
    assert_clean_failure(run_chant("group", "001-ext"), f"{m1} -> {m2} -> {m1}")
    assert_clean_failure(run_chant("lint"), "cycle", f"{m1} -> {m2} -> {m1}")
    shown = run_chant("show", "001-ext", "--json")
    assert "Traceback" not in shown.stderr


def test_unknown_dependency(seed_repo: Path, write_spec: Write, run_chant: Run) -> None:
    spec_id = "2026-02-01-012-unk"
    write_spec(spec_id, "---\nstatus: pending\ndepends_on:\n  - 2026-01-01-001-nope\n---\n" + OK_BODY)
    linted = run_chant("lint")
    assert_clean_failure(linted, f".chant/specs/{spec_id}.md:4", "unknown spec '2026-01-01-001-nope'")
    row = next(r for r in json.loads(run_chant("list", "--json").stdout)["specs"] if r["id"] == spec_id)
    assert row["state"] == "blocked"
    assert row["blocked_by"] == ["2026-01-01-001-nope (missing)"]


def test_missing_title(seed_repo: Path, write_spec: Write, run_chant: Run) -> None:
    spec_id = "2026-02-01-013-tit"
    write_spec(
        spec_id, "---\nstatus: pending\n---\n\nNo heading here.\n\n## Acceptance Criteria\n\n- [ ] x\n"
    )
    linted = run_chant("lint")
    assert_clean_failure(linted, f".chant/specs/{spec_id}.md", "missing title")
    assert "(untitled)" in run_chant("list", check=True).stdout


def test_empty_file(seed_repo: Path, write_spec: Write, run_chant: Run) -> None:
    write_spec("2026-02-01-014-emp", "")
    assert_clean_failure(run_chant("lint"), ".chant/specs/2026-02-01-014-emp.md", "missing title")
    assert run_chant("list").returncode == 0


def test_member_rules(seed_repo: Path, write_spec: Write, run_chant: Run) -> None:
    # a member depending on its own driver, an orphan member, a member missing from members:, and two
    # members of one parallel phase writing the same file
    write_spec(
        f"{SEED_DRIVER}.5",
        f"---\nstatus: pending\nparent: {SEED_DRIVER}\ndepends_on: [{SEED_DRIVER}]\n---\n" + OK_BODY,
    )
    write_spec("2026-02-01-099-zzz.1", "---\nstatus: pending\n---\n" + OK_BODY)
    path = seed_repo / ".chant/specs" / f"{SEED_MEMBERS[1]}.md"
    path.write_text(
        path.read_text().replace(
            "  - infrastructure/reporting-replica.tf\n",
            "  - infrastructure/reporting-replica.tf\n  - services/reporting/src/main.py\n",
        )
    )
    data = json.loads(run_chant("lint", "--format", "json").stdout)
    found = {(d["spec_id"], d["severity"], d["rule"]) for d in data["diagnostics"]}
    assert (f"{SEED_DRIVER}.5", "error", "dependency") in found
    assert ("2026-02-01-099-zzz.1", "error", "orphan") in found
    assert (SEED_DRIVER, "warning", "members") in found
    assert (SEED_MEMBERS[1], "warning", "overlap") in found
    assert_clean_failure(
        run_chant("lint"), f".chant/specs/{SEED_DRIVER}.5.md:4: error[dependency]: depends on its own driver"
    )


def test_unknown_status_and_type(seed_repo: Path, write_spec: Write, run_chant: Run) -> None:
    write_spec("2026-02-01-015-sta", "---\ntype: wizardry\nstatus: done-ish\n---\n" + OK_BODY)
    linted = run_chant("lint")
    assert_clean_failure(
        linted,
        ".chant/specs/2026-02-01-015-sta.md:2: error[type]",
        ".chant/specs/2026-02-01-015-sta.md:3: error[status]",
    )


def test_bad_command_line(seed_repo: Path, run_chant: Run) -> None:
    for args in (("list", "--status", "bogus"), ("nosuchcommand",), ("show",), ("dag", "--format", "png")):
        proc = run_chant(*args)
        assert_clean_failure(proc)
        assert proc.returncode == 2
