"""lint's rules one at a time (chant.lint.RULES): each is a function of one spec and the graph, so each can
be checked alone, without a repository, and the table keeps the order findings are listed in."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from chant import lint
from chant.graph import Graph
from chant.spec.model import Spec

Rule = Callable[[Spec, Graph, lint.Add], None]
CRITERIA = "\n## Acceptance Criteria\n\n- [ ] it works\n"


def _findings(rule: Rule, texts: dict[str, str], spec_id: str) -> list[tuple[str, str, str]]:
    specs = [Spec.from_text(i, Path(f"/nowhere/{i}.md"), text) for i, text in texts.items()]
    graph = Graph(specs, set(), {})
    found: list[tuple[str, str, str]] = []

    def add(sid: str, severity: str, rule_name: str, message: str, line: int | None = None) -> None:
        found.append((severity, rule_name, message))

    rule(graph.specs[spec_id], graph, add)
    return found


A = "2026-01-01-001-aaa"
B = "2026-01-01-002-bbb"


@pytest.mark.parametrize(
    ("rule", "texts", "expected"),
    [
        (lint._title, {A: "---\nstatus: pending\n---\n\nno heading\n"}, [("error", "title")]),
        (lint._title, {A: "---\nstatus: pending\n---\n\n# Fine\n"}, []),
        (lint._status, {A: "---\nstatus: complete\n---\n\n# Typo\n"}, [("error", "status")]),
        (lint._status, {A: "---\nstatus: ready\n---\n\n# Computed\n"}, [("warning", "status")]),
        (lint._dependencies, {A: f"---\ndepends_on: [{A}]\n---\n\n# Self\n"}, [("error", "dependency")]),
        (lint._dependencies, {A: f"---\ndepends_on: [{B}]\n---\n\n# Missing\n"}, [("error", "dependency")]),
        (lint._dependencies, {A: f"---\ndepends_on: [{B}]\n---\n\n# Ok\n", B: "---\n---\n\n# B\n"}, []),
        (lint._type, {A: "---\ntype: banana\n---\n\n# T\n"}, [("error", "type")]),
        (lint._priority, {A: "---\npriority: soonish\n---\n\n# P\n"}, [("warning", "priority")]),
        (lint._driver_shape, {A: "---\nstatus: pending\n---\n\n# No criteria\n"}, [("error", "criteria")]),
        (lint._driver_shape, {A: "---\nstatus: completed\n---\n\n# Done\n"}, [("warning", "criteria")]),
        (lint._driver_shape, {A: "---\n---\n\n# Ok\n" + CRITERIA}, []),
        (lint._membership, {f"{A}.1": "---\n---\n\n# Orphan\n" + CRITERIA}, [("error", "orphan")]),
    ],
)
def test_one_rule(rule: Rule, texts: dict[str, str], expected: list[tuple[str, str]]) -> None:
    spec_id = next(iter(texts))
    assert [(severity, name) for severity, name, _message in _findings(rule, texts, spec_id)] == expected


def test_the_table_holds_every_rule_once() -> None:
    assert len(set(lint.RULES)) == len(lint.RULES) == 13
    assert lint.RULES[0] is lint._id and lint.RULES[-1] is lint._sparse
