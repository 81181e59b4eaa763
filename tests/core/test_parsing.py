"""Reading specs: titles, acceptance criteria, field shapes other tools write, approval, bad YAML."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chant.errors import SpecParseError
from chant.spec import document
from chant.spec.model import Spec

from ._helpers import SEED_DRIVER, assert_clean_failure, seed_texts

F = "```"


def spec(text: str, spec_id: str = "2026-02-01-001-abc") -> Spec:
    return Spec.from_text(spec_id, Path(f"{spec_id}.md"), text)


# -- titles ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "title"),
    [
        ("# Simple\n", "Simple"),
        ("\n\n# After blank lines\ntext\n# Second\n", "After blank lines"),
        (f"{F}bash\n# a shell comment\n{F}\n# Real title\n", "Real title"),
        ("~~~\n# tilde fenced\n~~~\n# Real\n", "Real"),
        (f"````\n{F}\n# nested fence\n{F}\n````\n# Outer\n", "Outer"),
        # a line with an info string cannot close a fence (CommonMark), so "# not" is still code
        (f"{F}\ncode\n{F}python\n# not a title\n{F}\n# Real\n", "Real"),
        ("## Only a subheading\n", None),
        ("#NoSpace\n", None),
        ("text first\n# Later title\n", "Later title"),
        ("# Title with trailing spaces   \r\n\r\nbody\r\n", "Title with trailing spaces"),
        ("", None),
        ("# \n# Second\n", None),
    ],
)
def test_title_is_first_h1_outside_fences(body: str, title: str | None) -> None:
    assert document.title_of(body) == title
    assert spec(f"---\nstatus: pending\n---\n{body}").title == title


# -- acceptance criteria ---------------------------------------------------------------------------------
def test_criteria_from_last_ac_section_outside_fences() -> None:
    text = (
        "---\nstatus: pending\n---\n"  # lines 1-3
        "# T\n"  # 4
        "\n"  # 5
        "## Acceptance Criteria\n"  # 6: an earlier section (superseded by the last one)
        "- [x] early\n"  # 7
        "\n"  # 8
        f"{F}markdown\n"  # 9
        "## Acceptance Criteria\n"  # 10: fenced, ignored
        "- [ ] fenced item\n"  # 11
        f"{F}\n"  # 12
        "## Acceptance Criteria\n"  # 13: the last real one
        "\n"  # 14
        "- [ ] one\n"  # 15
        "- [X] two (capital X counts)\n"  # 16
        "* [x] three\n"  # 17
        "### A subsection keeps the section open\n"  # 18
        "  - [ ] four (indented)\n"  # 19
        "- not a checkbox\n"  # 20
        "## Notes\n"  # 21
        "- [ ] after the section\n"  # 22
    )
    found = spec(text).criteria
    assert [(c.text, c.checked, c.line) for c in found] == [
        ("one", False, 15),
        ("two (capital X counts)", True, 16),
        ("three", True, 17),
        ("four (indented)", False, 19),
    ]


def test_criteria_fenced_ac_section_only_means_none() -> None:
    text = f"---\n---\n# T\n\n{F}\n## Acceptance Criteria\n- [ ] example\n{F}\n"
    assert spec(text).criteria == []


def test_seed_criteria_and_line_numbers() -> None:
    texts = seed_texts()
    driver = spec(texts[SEED_DRIVER], SEED_DRIVER)
    assert [c.text for c in driver.criteria] == [
        "All four member specs created",
        "Standalone service deployable",
        "All existing tests passing",
        "Integration tests passing",
        "Performance meets baseline",
    ]
    lines = texts[SEED_DRIVER].split("\n")
    for item in driver.criteria:
        assert lines[item.line - 1] == f"- [ ] {item.text}"
    member = spec(texts[f"{SEED_DRIVER}.1"], f"{SEED_DRIVER}.1")
    assert member.title == "API extraction"
    # the Tasks checkboxes are not acceptance criteria
    assert [c.text for c in member.criteria][0] == "Service starts and responds to health check"
    assert len(member.criteria) == 4
    assert all(not c.checked for c in member.criteria)
    assert len(document.checkboxes_of_section(member.body, "Tasks")) == 6


def test_crlf_spec_parses_like_lf() -> None:
    text = seed_texts()[SEED_DRIVER]
    lf, crlf = spec(text, SEED_DRIVER), spec(text.replace("\n", "\r\n"), SEED_DRIVER)
    assert crlf.frontmatter == lf.frontmatter
    assert crlf.title == lf.title
    assert [(c.text, c.checked, c.line) for c in crlf.criteria] == [
        (c.text, c.checked, c.line) for c in lf.criteria
    ]


# -- field shapes ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("frontmatter", "deps"),
    [
        ("depends_on: 2026-01-27-001-cpl\n", ["2026-01-27-001-cpl"]),
        ("depends_on: [a, b]\n", ["a", "b"]),
        ("depends_on:\n- a\n- b\n", ["a", "b"]),
        ("depends_on:\n    - a\n", ["a"]),
        ("depends_on: []\n", []),
        ("depends_on:\n", []),
        ("depends_on: 123\n", ["123"]),
        ("", []),
    ],
)
def test_depends_on_shapes(frontmatter: str, deps: list[str]) -> None:
    parsed = spec(f"---\n{frontmatter}---\n# T\n")
    assert parsed.depends_on == deps
    assert parsed.declares_depends_on == ("depends_on" in frontmatter)


@pytest.mark.parametrize(
    ("frontmatter", "needs", "rejected"),
    [
        ("approval:\n  required: true\n  status: pending\n", True, False),
        (
            "approval:\n  required: true\n  status: approved\n  by: alex\n  at: 2026-01-30T10:00:00Z\n",
            False,
            False,
        ),
        ("approval:\n  required: true\n  status: rejected\n", True, True),
        ("approval:\n  required: false\n", False, False),
        ("needs_approval: true\n", True, False),
        ("approval: yes please\n", False, False),  # a malformed block is ignored, not a crash
        ("", False, False),
    ],
)
def test_approval_blocks(frontmatter: str, needs: bool, rejected: bool) -> None:
    parsed = spec(f"---\nstatus: pending\n{frontmatter}---\n# T\n")
    assert parsed.needs_approval is needs
    assert parsed.rejected is rejected


def test_yaml_scalars_are_read_as_written() -> None:
    parsed = spec(
        "---\nstatus: pending\nmodel: 1.0\nlabels: [yes, no, on, '08', 0755]\n"
        "completed_at: 2026-01-30T09:00:00Z\nwhen: 2026-01-30\n---\n# T\n"
    )
    fm = parsed.frontmatter
    assert fm["labels"] == ["yes", "no", "on", "08", "0755"]  # labels are text: kept as written
    assert parsed.labels == ["yes", "no", "on", "08", "0755"]
    assert fm["completed_at"] == "2026-01-30T09:00:00Z"
    assert fm["when"] == "2026-01-30"
    json.dumps(parsed.to_dict())  # every value is JSON-serialisable


def test_unknown_keys_are_kept_and_unknown_type_does_not_crash() -> None:
    parsed = spec("---\ntype: epic\nstatus: in-progress\nx_team: reporting\n---\n# T\n")
    assert parsed.type == "epic"
    assert parsed.status.value == "in_progress"
    assert parsed.frontmatter["x_team"] == "reporting"
    assert parsed.to_dict()["frontmatter"]["x_team"] == "reporting"


@pytest.mark.parametrize(
    ("frontmatter", "line"),
    [
        ("type: code\nstatus: x\n  bad: indent\n", 4),
        ("type: code\nx: @bad\n", 3),
        ("type: code\nstatus: [unclosed\n", None),
        ("- a list\n- not a mapping\n", 2),
    ],
)
def test_bad_yaml_names_file_and_line(frontmatter: str, line: int | None) -> None:
    with pytest.raises(SpecParseError) as info:
        Spec.from_text("x", Path(".chant/specs/x.md"), f"---\n{frontmatter}---\n# T\n")
    error = info.value
    assert error.path == ".chant/specs/x.md"
    assert error.line is not None and error.line >= 2
    if line is not None:
        assert error.line == line
    assert str(error).startswith(f".chant/specs/x.md:{error.line}: ")
    assert "\n" not in str(error)


def test_unclosed_frontmatter_is_a_parse_error() -> None:
    with pytest.raises(SpecParseError, match="not closed"):
        document.split("---\nstatus: pending\n# T\n", "x.md")


def test_split_is_lossless() -> None:
    for text in [*seed_texts().values(), "---\r\na: 1\r\n---\r\nbody", "no frontmatter", "---\n---", ""]:
        parts = document.split(text)
        assert parts.opening + parts.frontmatter + parts.closing + parts.body == text


# -- repositories made by the Rust tool ---------------------------------------------------------------
RUST_REPO = {
    "001-fix-login": (
        "---\ntype: code\nstatus: completed\ncommits: [abc1234]\ncompleted_at: 2026-01-02T03:04:05Z\n"
        "model: claude-sonnet-4\n---\n\n# Fix login\n\n## Acceptance Criteria\n\n- [x] fixed\n"
    ),
    "002-feature": (
        "---\ntype: driver\nstatus: pending\ndepends_on: 001-fix-login\n---\n\n# Feature\n\n"
        "## Acceptance Criteria\n\n- [ ] shipped\n"
    ),
    "002-feature.1": "---\ntype: code\nstatus: pending\n---\n\n# Part one\n\n## Acceptance Criteria\n\n- [ ] a\n",
    "002-feature.2": (
        "---\ntype: code\nstatus: pending\nlabels:\n- ui\ntarget_files: [src/ui.rs]\n---\n\n# Part two\n\n"
        "## Acceptance Criteria\n\n- [ ] b\n"
    ),
    "002-feature.10": "---\ntype: code\nstatus: ready\n---\n\n# Part ten\n\n## Acceptance Criteria\n\n- [ ] c\n",
    "003-docs": (
        "---\ntype: documentation\nstatus: pending\ntracks:\n  - src/**/*.rs\n"
        "approval:\n  required: true\n  status: approved\n  by: someone\n---\n\n# Docs\n\n"
        "## Acceptance Criteria\n\n- [ ] written\n"
    ),
}


def test_rust_tool_repo_loads(
    chant_repo: Path, write_spec: Callable[..., Path], run_chant: Callable[..., Any]
) -> None:
    for spec_id, text in RUST_REPO.items():
        write_spec(spec_id, text)
    listed = json.loads(run_chant("list", "--json", check=True).stdout)
    assert listed["schema"] == 1
    assert listed["invalid"] == []
    assert [row["id"] for row in listed["specs"]] == [
        "001-fix-login",
        "002-feature",
        "002-feature.1",
        "002-feature.2",
        "002-feature.10",
        "003-docs",
    ]
    state = {row["id"]: row["state"] for row in listed["specs"]}
    assert state == {
        "001-fix-login": "completed",
        "002-feature": "ready",
        "002-feature.1": "ready",
        "002-feature.2": "blocked",  # implicit ID order: no member declares depends_on
        "002-feature.10": "blocked",
        "003-docs": "ready",  # approved
    }
    drivers = {row["id"]: row["driver"] for row in listed["specs"]}
    assert drivers["002-feature.10"] == "002-feature"
    shown = json.loads(run_chant("show", "feature.1", "--json", check=True).stdout)["spec"]
    assert shown["id"] == "002-feature.1"
    grouped = json.loads(run_chant("group", "002-feature", "--json", check=True).stdout)
    assert [p["members"] for p in grouped["phases"]] == [
        ["002-feature.1"],
        ["002-feature.2"],
        ["002-feature.10"],
    ]
    linted = run_chant("lint", "--format", "json")
    assert "Traceback" not in linted.stderr
    report = json.loads(linted.stdout)
    # 'ready' is computed, never stored: a file that stores it loads (as pending) with a warning
    assert [(d["spec_id"], d["severity"], d["rule"]) for d in report["diagnostics"]] == [
        ("002-feature.10", "warning", "status")
    ]
    assert linted.returncode == 0


def test_unknown_type_is_a_lint_error_not_a_crash(
    chant_repo: Path, write_spec: Callable[..., Path], run_chant: Callable[..., Any]
) -> None:
    write_spec(
        "001-epic", "---\ntype: epic\nstatus: pending\n---\n# Epic\n\n## Acceptance Criteria\n\n- [ ] x\n"
    )
    assert "001-epic" in run_chant("list", check=True).stdout
    assert "Type: epic" in run_chant("show", "001-epic", check=True).stdout
    linted = run_chant("lint")
    assert_clean_failure(linted, ".chant/specs/001-epic.md:2", "unknown type 'epic'")
