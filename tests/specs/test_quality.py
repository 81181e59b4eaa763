"""Quality rules, one table per rule (pure: specs built from text, no project on disk)."""

from __future__ import annotations

from pathlib import Path

import pytest

from chant.graph import Graph
from chant.spec import quality
from chant.spec.model import Spec


def spec(spec_id: str, frontmatter: str = "", criteria: tuple[str, ...] = ("`make test` passes",)) -> Spec:
    items = "\n".join(f"- [ ] {c}" for c in criteria)
    text = f"---\n{frontmatter}---\n\n# {spec_id}\n\n## Acceptance Criteria\n\n{items}\n"
    return Spec.from_text(spec_id, Path(f"/x/{spec_id}.md"), text)


def grade_of(*specs: Spec, thresholds: quality.Thresholds | None = None) -> dict[str, quality.Assessment]:
    graph = Graph(specs)
    return quality.assess_all(graph, thresholds or quality.Thresholds(), [s.id for s in specs])


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        # checkable: an anchor, or a verb without a vague promise
        ("`make test` passes", None),
        ("GET /reports served", None),
        ("Returns 404 for an unknown report id", None),
        ("P99 latency within 10% of baseline", None),
        ("docs/api.md describes every function", None),
        ("All four member specs created", None),
        ("Integration tests passing", None),
        ("Performance meets baseline", None),
        ("Tests pass", None),
        ("The login form rejects an empty password", None),
        ("Prints the report correctly", None),  # vague adverb, but tied to an observable verb
        ("`chant list --json` lists the spec", None),
        ("Writes 'ok' to the log", None),
        ("--dry-run changes nothing", None),
        ("Docker image builds successfully", None),
        # not checkable
        ("done", "'done' is not observable"),
        ("Code works properly", "'properly' is not observable"),
        ("Everything handled as expected", "'as expected' is not observable"),
        ("Standalone service deployable", "has no verb (what happens?)"),
        ("Zero impact on monolith database", "has no verb (what happens?)"),
        ("x", "has no verb (what happens?)"),
        ("!!!", "says nothing a check could observe"),
        ("The UI is intuitive", "'intuitive' is not observable"),
    ],
)
def test_criterion_wording(text: str, problem: str | None) -> None:
    assert quality.criterion_problem(text) == problem


def test_vague_criteria_are_amber_with_their_line() -> None:
    s = spec("a", criteria=("`make test` passes", "works properly"))
    (finding,) = grade_of(s)["a"].findings
    assert finding.rule == "vague-criterion" and finding.level == quality.AMBER
    assert finding.line == s.criteria[1].line
    assert grade_of(s)["a"].grade == quality.AMBER


@pytest.mark.parametrize(
    ("count", "grade"),
    [(1, "green"), (8, "green"), (9, "amber"), (16, "amber"), (17, "red")],
)
def test_too_many_criteria(count: int, grade: str) -> None:
    s = spec("a", criteria=tuple(f"`check {n}` passes" for n in range(count)))
    result = grade_of(s)["a"]
    assert result.grade == grade
    if grade != "green":
        assert [f.rule for f in result.findings] == ["too-many-criteria"]
        assert "chant split a" in result.findings[0].fix


@pytest.mark.parametrize(
    ("count", "grade"), [(0, "green"), (5, "green"), (6, "amber"), (10, "amber"), (11, "red")]
)
def test_too_many_target_files(count: int, grade: str) -> None:
    files = "".join(f"  - src/f{n}.py\n" for n in range(count))
    s = spec("a", f"target_files:\n{files}" if count else "")
    result = grade_of(s)["a"]
    assert result.grade == grade
    assert [f.rule for f in result.findings] == ([] if grade == "green" else ["too-many-files"])


def test_thresholds_come_from_config_and_ignore_nonsense() -> None:
    config = {"quality.max_criteria": 2, "quality.max_target_files": "many"}
    t = quality.Thresholds.from_config(config.get)
    assert t == quality.Thresholds(2, quality.DEFAULT_MAX_TARGET_FILES)
    s = spec("a", criteria=("`a` passes", "`b` passes", "`c` passes"))
    assert grade_of(s, thresholds=t)["a"].grade == "amber"
    assert quality.Thresholds.from_config({"quality.max_criteria": True}.get).max_criteria == 8


@pytest.mark.parametrize(
    ("frontmatter", "rules"),
    [
        ("type: research\n", ["no-output-schema"]),
        ("type: research\noutput_schema: schemas/findings.json\n", []),
        ("type: research\noutput_schema:\n  type: object\n", []),
        ("type: documentation\n", []),
        ("type: code\n", []),
    ],
)
def test_research_without_output_schema(frontmatter: str, rules: list[str]) -> None:
    result = grade_of(spec("a", frontmatter))["a"]
    assert [f.rule for f in result.findings] == rules
    assert result.grade == ("amber" if rules else "green")


@pytest.mark.parametrize(
    ("members", "flagged"),
    [
        # no depends_on anywhere: members run in ID order, so shared files are fine
        ({"1": "target_files: [a.py]\n", "2": "target_files: [a.py]\n"}, False),
        # both opt into the parallel phase and share a file
        (
            {"1": "depends_on: []\ntarget_files: [a.py]\n", "2": "depends_on: []\ntarget_files: [a.py]\n"},
            True,
        ),
        # ordered by a dependency
        (
            {"1": "depends_on: []\ntarget_files: [a.py]\n", "2": "depends_on: [d.1]\ntarget_files: [a.py]\n"},
            False,
        ),
        # ordered through a third member (transitively)
        (
            {
                "1": "depends_on: []\ntarget_files: [a.py]\n",
                "2": "depends_on: [d.1]\n",
                "3": "depends_on: [d.2]\ntarget_files: [a.py]\n",
            },
            False,
        ),
        # parallel, but different files
        (
            {"1": "depends_on: []\ntarget_files: [a.py]\n", "2": "depends_on: []\ntarget_files: [b.py]\n"},
            False,
        ),
    ],
)
def test_shared_files_without_order(members: dict[str, str], flagged: bool) -> None:
    specs = [spec("d", "type: driver\n"), *(spec(f"d.{n}", fm) for n, fm in members.items())]
    result = grade_of(*specs)["d"]
    assert [f.rule for f in result.findings] == (["shared-files"] if flagged else [])
    if flagged:
        assert "d.1" in result.findings[0].message and "a.py" in result.findings[0].message
        assert "chant set d.2 --add depends_on=d.1" in result.findings[0].fix


def test_grade_is_the_worst_finding_and_red_specs_are_refused() -> None:
    many = tuple(f"`c{n}` passes" for n in range(20)) + ("works fine",)
    result = grade_of(spec("a", criteria=many), spec("b"))
    assert result["a"].grade == "red" and result["b"].grade == "green"
    message, hint = quality.refusal_message(quality.red(result))
    assert "a: 21 acceptance criteria" in message and "--force" in hint
    assert result["a"].to_dict()["grade"] == "red"
