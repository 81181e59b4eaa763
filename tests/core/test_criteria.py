"""Criteria as authors mean them (issue 9 item 3): fences that never close, misnamed headings, none at all."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chant.spec import document
from chant.spec.model import Spec

F = "```"
NESTED = (
    "---\nstatus: pending\n---\n"  # 1-3
    "# Nested fences\n"  # 4
    "\n"  # 5
    f"{F}markdown\n"  # 6: the author means this block to hold the next one
    "Example:\n"  # 7
    f"{F}python\n"  # 8
    "print('hi')\n"  # 9
    f"{F}\n"  # 10: CommonMark closes the outer block here ...
    f"{F}\n"  # 11: ... and opens a new one that never closes, hiding the rest
    "\n"  # 12
    "## Acceptance Criteria\n"  # 13
    "\n"  # 14
    "- [ ] the example renders\n"  # 15
    "- [x] the text is reviewed\n"  # 16
)
UNCLOSED = "---\nstatus: pending\n---\n# Unclosed\n\n~~~\nsome log\n\n## Acceptance Criteria\n\n- [ ] one\n"


def spec(text: str, spec_id: str = "2026-01-01-001-abc") -> Spec:
    return Spec.from_text(spec_id, Path(f"/nonexistent/{spec_id}.md"), text)


def test_nested_fences_of_the_same_length_no_longer_hide_the_criteria() -> None:
    found = spec(NESTED).criteria
    assert [(c.text, c.checked, c.line) for c in found] == [
        ("the example renders", False, 15),
        ("the text is reviewed", True, 16),
    ]
    assert document.unclosed_fence(spec(NESTED).body) == 7  # body line 7 = file line 11


def test_an_unclosed_fence_hides_nothing() -> None:
    assert [c.text for c in spec(UNCLOSED).criteria] == ["one"]


def test_balanced_fences_keep_commonmark_rules() -> None:
    text = f"---\n---\n# T\n\n{F}\n## Acceptance Criteria\n- [ ] example\n{F}\n\n## Acceptance Criteria\n- [ ] real\n"
    assert [c.text for c in spec(text).criteria] == ["real"]
    assert document.unclosed_fence(spec(text).body) is None


@pytest.mark.parametrize(
    "heading",
    ["### Acceptance Criteria", "## acceptance criteria", "## Acceptance criteria", "# ACCEPTANCE CRITERIA:"],
)
def test_misnamed_headings_are_not_read_but_named(heading: str) -> None:
    parsed = spec(f"---\nstatus: pending\n---\n# T\n\n{heading}\n\n- [ ] x\n")
    assert parsed.criteria == []
    assert document.misnamed_criteria_headings(parsed.body, parsed.body_line_offset) == [(6, heading)]
    problems = document.criteria_problems(parsed)
    assert problems[0].startswith("no acceptance criteria")
    assert (
        problems[1]
        == f"line 6: '{heading}' is not read as criteria; the heading must be '## Acceptance Criteria'"
    )


def test_criteria_problems_is_empty_when_criteria_exist() -> None:
    assert document.criteria_problems(spec(NESTED)) == []
    assert document.criteria_problems(spec("---\n---\n# T\n\n## Acceptance Criteria (v2)\n- [ ] x\n")) == []
    assert len(document.criteria_problems(spec("---\n---\n# T\n\nNo criteria.\n"))) == 1


def test_lint_warns_about_both(
    chant_repo: Path, write_spec: Callable[..., Path], run_chant: Callable[..., Any]
) -> None:
    write_spec("2026-01-01-001-nst", NESTED)
    write_spec("2026-01-01-002-mis", "---\nstatus: pending\n---\n# T\n\n### Acceptance Criteria\n\n- [ ] x\n")
    report = json.loads(run_chant("lint", "--format", "json").stdout)
    found = [(d["spec_id"], d["rule"], d["line"], d["severity"]) for d in report["diagnostics"]]
    assert ("2026-01-01-001-nst", "fence", 11, "warning") in found
    assert ("2026-01-01-002-mis", "criteria", 6, "warning") in found
    assert ("2026-01-01-002-mis", "criteria", None, "error") in found  # and "no checkboxes" (it would run)
    assert not [f for f in found if f[0] == "2026-01-01-001-nst" and f[1] == "criteria"]
    text = run_chant("lint").stdout
    assert (
        ".chant/specs/2026-01-01-002-mis.md:6: warning[criteria]: '### Acceptance Criteria' is not read"
        in text
    )
