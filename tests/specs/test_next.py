"""`chant next`: priority, then what a spec unblocks (transitively), then ID; drivers are one unit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import SEED_DRIVER

from chant import priority
from chant.graph import Graph
from chant.spec.model import Spec


def spec(spec_id: str, frontmatter: str = "") -> Spec:
    text = f"---\n{frontmatter}---\n\n# {spec_id}\n\n## Acceptance Criteria\n\n- [ ] `true` passes\n"
    return Spec.from_text(spec_id, Path(f"/x/{spec_id}.md"), text)


@pytest.mark.parametrize(
    ("value", "rank"),
    [
        (None, 2),
        ("", 2),
        ("critical", 0),
        ("URGENT", 0),
        ("P0", 0),
        (0, 0),
        ("high", 1),
        ("p1", 1),
        ("1", 1),
        ("medium", 2),
        ("normal", 2),
        ("low", 3),
        ("P3", 3),
        ("lowest", 4),
        ("someday", None),
        (True, None),
        (7, None),
    ],
)
def test_priority_values(value: object, rank: int | None) -> None:
    assert priority.rank(value) == rank
    assert (priority.problem(value) is None) == (rank is not None)


@pytest.mark.parametrize(
    ("specs", "order"),
    [
        # ID order when nothing else differs
        ({"b": "", "a": ""}, ["a", "b"]),
        # priority first, whatever unblocks what
        ({"a": "", "b": "priority: high\n", "c": "depends_on: [a]\n"}, ["b", "a"]),
        # unset is medium: above low, below high
        ({"a": "priority: low\n", "b": "", "c": "priority: high\n"}, ["c", "b", "a"]),
        # same priority: the one more specs wait on (transitively) first
        (
            {"a": "", "b": "", "c": "depends_on: [b]\n", "d": "depends_on: [c]\n", "e": "depends_on: [a]\n"},
            ["b", "a"],
        ),
        # a completed dependent waits on nothing
        ({"a": "", "b": "", "c": "status: completed\ndepends_on: [b]\n"}, ["a", "b"]),
        # blocked and finished specs are never next
        ({"a": "status: in_progress\n", "b": "depends_on: [a]\n", "c": "status: completed\n"}, []),
        # an unknown priority reads as medium (lint warns)
        ({"a": "priority: someday\n", "b": "priority: low\n"}, ["a", "b"]),
    ],
)
def test_next_order(specs: dict[str, str], order: list[str]) -> None:
    graph = Graph([spec(i, fm) for i, fm in specs.items()])
    assert priority.next_order(graph) == order


def test_a_driver_is_one_unit() -> None:
    graph = Graph(
        [
            spec("d", "type: driver\n"),
            spec("d.1", "depends_on: []\n"),
            spec("d.2", "depends_on: []\n"),
            spec("x", ""),
            spec("y", "depends_on: [d.2]\n"),  # waits on a member: counts for the driver
        ]
    )
    assert priority.next_order(graph) == ["d", "x"]
    assert priority.unblocks(graph) == {"d": 1}


def test_next_cli_on_the_seed(seed_repo: Path, run_chant: Any) -> None:
    out = run_chant("next", check=True).stdout
    assert out.splitlines() == [
        f"{SEED_DRIVER} (Extract reporting service POC) [medium]",
        f"Run it: chant work {SEED_DRIVER}",
    ]
    run_chant("add", "Urgent fix", "--criterion", "`make test` passes", check=True)
    data = json.loads(run_chant("next", "--all", "--json", check=True).stdout)
    assert [row["id"] for row in data["ready"]][0] == SEED_DRIVER
    urgent = data["ready"][1]["id"]
    run_chant("set", urgent, "priority=P0", check=True)
    data = json.loads(run_chant("next", "--json", check=True).stdout)
    assert data["next"]["id"] == urgent and data["next"]["priority"] == "critical"
    assert [row["id"] for row in data["ready"]] == [urgent]


def test_next_with_nothing_ready(chant_repo: Path, run_chant: Any) -> None:
    assert "Nothing is ready" in run_chant("next", check=True).stdout
    assert json.loads(run_chant("next", "--json", check=True).stdout) == {
        "schema": 1,
        "next": None,
        "ready": [],
    }
