"""Write-set overlap (chant.run.writesets): the table of what may and may not run together."""

from __future__ import annotations

import pytest

from chant.run import writesets

OVERLAP = [
    ("src/a.py", "src/a.py"),
    ("./src/a.py", "src/a.py"),
    ("src", "src/a.py"),  # a plain path may name a directory
    ("src/", "src/api/x.py"),
    ("src/*.py", "src/a.py"),
    ("src/**", "src/api/deep/x.py"),
    ("src/**/*.py", "src/a.py"),
    ("src/api/*.py", "src/**"),
    ("src/*.py", "src/api/*.py"),  # conservative: both may write under src/
    ("*.md", "README.md"),
    ("docs/[ab].md", "docs/a.md"),
]
DISJOINT = [
    ("src/a.py", "src/b.py"),
    ("src/a.py", "src/a.pyc"),
    ("src/ab", "src/a"),
    ("src/*.py", "docs/a.py"),
    ("src/*.py", "src/api/x.py"),  # * does not cross directories
    ("docs/[ab].md", "docs/c.md"),
    ("api/**", "web/**"),
]


@pytest.mark.parametrize(("a", "b"), OVERLAP)
def test_overlapping_patterns(a: str, b: str) -> None:
    assert writesets.patterns_overlap(a, b)
    assert writesets.patterns_overlap(b, a), "overlap is symmetric"


@pytest.mark.parametrize(("a", "b"), DISJOINT)
def test_disjoint_patterns(a: str, b: str) -> None:
    assert not writesets.patterns_overlap(a, b)
    assert not writesets.patterns_overlap(b, a)


def test_plan_names_who_waits_for_whom_and_why() -> None:
    sets = {"s1": ("src/a.py",), "s2": ("src/a.py", "x"), "s3": ("docs/**",), "s4": ("src/**",)}
    waits = writesets.plan(["s1", "s2", "s3", "s4"], sets)
    assert waits["s1"] == [] and waits["s3"] == []
    assert [(w.behind, w.files) for w in waits["s2"]] == [("s1", ("src/a.py",))]
    assert [w.behind for w in waits["s4"]] == ["s1", "s2"]
    assert waits["s4"][0].render() == "waits for s1 (both write src/** ~ src/a.py)"


def test_a_spec_never_waits_for_itself_or_for_an_empty_write_set() -> None:
    assert writesets.blockers("s1", ("a",), {"s1": ("a",), "s2": ()}) == []
