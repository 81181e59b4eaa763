"""``sparse:`` (chant/sparse.py): which directories a spec's worktree checks out, validated by lint with
the file and line of each bad entry; the cone judged exactly as git's cone mode does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chant import sparse
from chant.run.pipeline import sparse_section, uncommitted_note

CONE = ["src/reporting", "tests"]


@pytest.mark.parametrize(
    ("item", "wanted"),
    [
        ("src/reporting/", None),
        ("./tests", None),
        ("a b/c", None),
        ("/etc", "absolute"),
        ("C:/work", "absolute"),
        ("../elsewhere", "leaves the repository"),
        ("src/../../x", "leaves the repository"),
        ("src/*", "not globs"),
        ("", "empty entry"),
        (".", "whole repository"),
        (".git/hooks", "git's own"),
        ("true", "reads as a switch"),
        (3, "expected a directory path"),
        ({"a": 1}, "expected a directory path"),
    ],
)
def test_what_a_sparse_entry_may_be(item: object, wanted: str | None) -> None:
    found = sparse.problem(item)
    assert (found is None) if wanted is None else (found is not None and wanted in found), found


def test_the_cone_is_normalised_and_always_holds_chants_own_directory() -> None:
    assert sparse.cone(["./src/reporting/", "tests", "tests/"]) == [".chant", "src/reporting", "tests"]
    assert sparse.cone([]) is None
    assert sparse.cone(["/abs", "../x"]) is None, "nothing usable: a full checkout (lint refuses the run)"


@pytest.mark.parametrize(
    ("path", "inside"),
    [
        ("README.md", True),  # top-level files: always
        ("*.md", True),
        ("src/setup.py", True),  # directly inside a parent of a listed directory (git's cone mode)
        ("src/reporting/deep/a.py", True),
        ("src/reporting/**/*.py", True),
        ("tests/test_x.py", True),
        ("src/billing/b.py", False),
        ("src/**/b.py", False),  # a glob over src/ reaches outside src/reporting
        ("docs/guide.md", False),
        ("docs/*.md", False),
        ("tests2/x.py", False),
    ],
)
def test_what_the_cone_holds(path: str, inside: bool) -> None:
    assert sparse.contains(CONE, path) is inside


def test_the_prompt_section_and_the_uncommitted_note_name_the_cone() -> None:
    assert sparse_section(None) == ""
    text = sparse_section([".chant", "src/reporting"])
    assert "`src/reporting/`" in text and "git add --sparse" in text
    note = uncommitted_note(
        ["?? docs/", " M src/reporting/a.py", "?? docs2/new.txt"], [".chant", "src/reporting"]
    )
    assert note.startswith("docs/ (outside the sparse checkout")
    assert "src/reporting/a.py," in note and "docs2/new.txt (outside" in note
    assert uncommitted_note([" M a.py"], None) == "a.py"
    assert uncommitted_note([f"?? f{n}" for n in range(7)], None).endswith("f4 and 2 more")


def _spec(frontmatter: str) -> str:
    return f"---\ntype: code\nstatus: pending\n{frontmatter}---\n\n# Sparse\n\n## Acceptance Criteria\n\n- [ ] x\n"


def test_lint_names_file_and_line_of_each_bad_entry(chant_repo: Path, run_chant: Any) -> None:
    specs = chant_repo / ".chant" / "specs"
    (specs / "2026-02-01-001-aaa.md").write_text(
        _spec("sparse:\n  - src/ok/\n  - /abs/dir\n  - ../up\n"), encoding="utf-8"
    )
    (specs / "2026-02-01-002-bbb.md").write_text(_spec("sparse: {src: 1}\n"), encoding="utf-8")
    (specs / "2026-02-01-003-ccc.md").write_text(
        _spec("sparse: [src/reporting/]\ntarget_files:\n  - src/reporting/r.py\n  - docs/report.md\n"),
        encoding="utf-8",
    )
    (specs / "2026-02-01-004-ddd.md").write_text(_spec("sparse: src/ok\n"), encoding="utf-8")
    out = run_chant("lint", check=False)
    assert out.returncode == 1
    lines = out.stdout.splitlines()
    assert any(
        ".chant/specs/2026-02-01-001-aaa.md:6: error[sparse]: sparse: '/abs/dir' is absolute" in x
        for x in lines
    )
    assert any(
        ".chant/specs/2026-02-01-001-aaa.md:7: error[sparse]: sparse: '../up' leaves" in x for x in lines
    )
    assert any("2026-02-01-002-bbb.md:4: error[field-type]" in x for x in lines), out.stdout
    warning = [x for x in lines if "003-ccc" in x]
    assert len(warning) == 1 and ":7: warning[sparse]: target_files entry 'docs/report.md'" in warning[0]
    assert not [x for x in lines if "004-ddd" in x], "a single directory is a valid sparse:"
    # the pre-flight refuses what lint rejects: no worktree, no status change
    work = run_chant("work", "2026-02-01-001-aaa", check=False)
    assert work.returncode != 0 and "is absolute" in work.stdout + work.stderr
