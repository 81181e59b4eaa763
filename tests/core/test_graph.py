"""The dependency graph: readiness, blockers, drivers and members, cycles, phases (pure, in-process)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chant.graph import CycleError, Graph
from chant.spec.model import Spec

from ._helpers import SEED_DRIVER, SEED_IDS, SEED_MEMBERS, seed_texts
from .conftest import make_spec

STATUSES = ["pending", "in_progress", "paused", "completed", "failed", "needs_attention", "cancelled"]
SATISFIED = {"completed", "cancelled"}


def fm(status: str = "pending", deps: list[str] | None = None, extra: str = "") -> str:
    text = f"status: {status}\n"
    if deps is not None:
        text += "depends_on: [" + ", ".join(deps) + "]\n"
    return text + extra


def seed_graph() -> Graph:
    texts = seed_texts()
    return Graph(Spec.from_text(i, Path(f"{i}.md"), texts[i]) for i in SEED_IDS)


# -- the seed ----------------------------------------------------------------------------------------------
def test_seed_phases_and_labels() -> None:
    graph = seed_graph()
    assert graph.members(SEED_DRIVER) == SEED_MEMBERS
    phases = graph.phases(SEED_DRIVER)
    assert [list(p.members) for p in phases] == [SEED_MEMBERS[:3], SEED_MEMBERS[3:]]
    assert [p.label for p in phases] == ["Parallel", "Sequential (depends on all above)"]
    assert [p.number for p in phases] == [1, 2]


def test_seed_readiness() -> None:
    graph = seed_graph()
    assert graph.ready() == [SEED_DRIVER, *SEED_MEMBERS[:3]]
    assert [str(b) for b in graph.blockers(SEED_MEMBERS[3])] == [f"{m} (pending)" for m in SEED_MEMBERS[:3]]
    assert graph.display_status("2026-01-27-001-cpl") == "completed"
    assert graph.is_driver(SEED_DRIVER) and not graph.is_driver(SEED_MEMBERS[0])
    assert graph.driver_of(SEED_MEMBERS[2]) == SEED_DRIVER
    assert graph.cycles() == []


def test_members_inherit_the_drivers_dependencies() -> None:
    texts = seed_texts()
    texts["2026-01-28-001-doc"] = texts["2026-01-28-001-doc"].replace("status: completed", "status: failed")
    graph = Graph(Spec.from_text(i, Path(f"{i}.md"), texts[i]) for i in SEED_IDS)
    for member in SEED_MEMBERS[:3]:
        assert [str(b) for b in graph.blockers(member)] == ["2026-01-28-001-doc (failed)"]
    assert graph.ready() == []


# -- readiness (property) -----------------------------------------------------------------------------------
IDS = [f"2026-02-01-{n:03d}-abc" for n in range(1, 9)]
MISSING = ["2026-01-01-001-gone", "2026-01-01-002-gone"]
ARCHIVED = ["2025-12-01-001-old", "2025-12-01-002-old"]
APPROVALS = [
    "",
    "approval:\n  required: true\n  status: pending\n",
    "approval:\n  required: true\n  status: approved\n",
    "approval:\n  required: true\n  status: rejected\n",
    "needs_approval: true\n",
]


@st.composite
def plain_graphs(draw: st.DrawFn) -> tuple[dict[str, tuple[str, list[str], str]], list[str]]:
    count = draw(st.integers(1, len(IDS)))
    specs: dict[str, tuple[str, list[str], str]] = {}
    for spec_id in IDS[:count]:
        status = draw(st.sampled_from(STATUSES))
        deps = draw(st.lists(st.sampled_from(IDS[:count] + MISSING + ARCHIVED), max_size=4, unique=True))
        approval = draw(st.sampled_from(APPROVALS))
        specs[spec_id] = (status, [d for d in deps if d != spec_id], approval)
    archived = draw(st.lists(st.sampled_from(ARCHIVED), unique=True))
    return specs, archived


@settings(max_examples=200, deadline=None)
@given(plain_graphs())
def test_property_ready_iff_deps_satisfied_and_approved(
    case: tuple[dict[str, tuple[str, list[str], str]], list[str]],
) -> None:
    specs, archived = case
    graph = Graph(
        [make_spec(i, fm(status, deps, approval)) for i, (status, deps, approval) in specs.items()],
        archived=archived,
    )
    for spec_id, (status, deps, approval) in specs.items():
        deps_ok = all(
            d in archived or (d in specs and specs[d][0] in SATISFIED) for d in deps
        )  # a missing dependency is never satisfied
        approval_ok = approval in ("", "approval:\n  required: true\n  status: approved\n")
        expected = status == "pending" and deps_ok and approval_ok
        assert graph.is_ready(spec_id) is expected, (spec_id, specs[spec_id])
        assert (spec_id in graph.ready()) is expected
        if status == "pending":
            assert graph.display_status(spec_id) == ("ready" if expected else "blocked")
            assert graph.is_blocked(spec_id) is not expected
            blockers = graph.blockers(spec_id)
            for dep in deps:
                if dep in MISSING or (dep in ARCHIVED and dep not in archived):
                    assert any(b.id == dep and b.reason == "missing" for b in blockers)
        else:
            assert graph.display_status(spec_id) == status
            assert not graph.is_blocked(spec_id)


# -- phases (property) -------------------------------------------------------------------------------------
DRIVER = "2026-02-01-001-drv"


@st.composite
def drivers(draw: st.DrawFn, acyclic: bool = True) -> dict[str, list[str] | None]:
    """member -> declared depends_on (None = the key is absent)."""
    count = draw(st.integers(1, 9))
    members = [f"{DRIVER}.{n}" for n in range(1, count + 1)]
    declared: dict[str, list[str] | None] = {}
    for index, member in enumerate(members):
        if draw(st.booleans()):
            declared[member] = None
            continue
        pool = members[:index] if acyclic else members
        deps = draw(st.lists(st.sampled_from(pool), unique=True, max_size=4)) if pool else []
        if draw(st.integers(0, 4)) == 0:
            deps.append("2026-01-01-001-ext")  # outside the driver: not a phase edge
        declared[member] = deps
    return dict(sorted(declared.items(), key=lambda kv: int(kv[0].rsplit(".", 1)[1])))


def driver_graph(declared: dict[str, list[str] | None]) -> Graph:
    specs = [make_spec(DRIVER, "type: driver\nstatus: pending\n")]
    specs += [make_spec(m, fm("pending", deps)) for m, deps in declared.items()]
    return Graph(specs)


@settings(max_examples=200, deadline=None)
@given(drivers())
def test_property_phases(declared: dict[str, list[str] | None]) -> None:
    graph = driver_graph(declared)
    members = list(declared)
    phases = graph.phases(DRIVER)
    placed = [m for p in phases for m in p.members]
    assert sorted(placed) == sorted(members) and len(placed) == len(set(placed))  # exactly once each
    phase_of = {m: p.number for p in phases for m in p.members}
    assert [p.number for p in phases] == list(range(1, len(phases) + 1))
    implicit = all(deps is None for deps in declared.values())
    if implicit:
        assert [list(p.members) for p in phases] == [[m] for m in members]  # ID order, one at a time
        return
    for member, deps in declared.items():
        inside = [d for d in deps or [] if d in declared]
        for dep in inside:
            assert phase_of[dep] < phase_of[member]  # every dependency sits in an earlier phase
        if not inside:
            assert phase_of[member] == 1  # depends_on: [] (or absent) opts into the first phase
        else:
            assert max(phase_of[d] for d in inside) == phase_of[member] - 1  # as early as possible
    for phase in phases:
        assert list(phase.members) == sorted(phase.members, key=lambda m: int(m.rsplit(".", 1)[1]))


@settings(max_examples=150, deadline=None)
@given(drivers(acyclic=False))
def test_property_phases_or_a_real_cycle(declared: dict[str, list[str] | None]) -> None:
    graph = driver_graph(declared)
    edges = graph.member_edges(DRIVER)
    try:
        phases = graph.phases(DRIVER)
    except CycleError as error:
        cycle = error.cycle
        assert cycle[0] == cycle[-1] and len(cycle) >= 2
        for node, nxt in zip(cycle, cycle[1:], strict=False):
            assert nxt in edges[node]
        assert " -> ".join(cycle) in error.message
        assert graph.cycles(), "graph.cycles() must report what phases() refused"
    else:
        assert sorted(m for p in phases for m in p.members) == sorted(declared)


def test_depends_on_empty_list_opts_into_phase_one() -> None:
    declared: dict[str, list[str] | None] = {
        f"{DRIVER}.1": None,
        f"{DRIVER}.2": [],
        f"{DRIVER}.3": [f"{DRIVER}.1"],
    }
    phases = driver_graph(declared).phases(DRIVER)
    assert [list(p.members) for p in phases] == [[f"{DRIVER}.1", f"{DRIVER}.2"], [f"{DRIVER}.3"]]
    assert [p.label for p in phases] == ["Parallel", "Sequential"]


def test_implicit_order_blocks_later_members() -> None:
    graph = driver_graph({f"{DRIVER}.1": None, f"{DRIVER}.2": None, f"{DRIVER}.10": None})
    assert graph.ready() == [DRIVER, f"{DRIVER}.1"]
    assert [str(b) for b in graph.blockers(f"{DRIVER}.10")] == [f"{DRIVER}.2 (pending)"]


# -- blockers and cycles ---------------------------------------------------------------------------------
def test_blocker_reasons() -> None:
    graph = Graph(
        [
            make_spec("2026-02-01-001-aaa", fm("failed")),
            make_spec(
                "2026-02-01-002-bbb",
                fm("pending", ["2026-02-01-001-aaa", "2026-02-01-009-zzz", "2026-02-01-008-bad"]),
            ),
            make_spec("2026-02-01-003-ccc", fm("pending", [], "approval:\n  required: true\n")),
            make_spec("2026-02-01-004-ddd", fm("pending", [], "approval:\n  status: rejected\n")),
        ],
        invalid=["2026-02-01-008-bad"],
    )
    assert [str(b) for b in graph.blockers("2026-02-01-002-bbb")] == [
        "2026-02-01-001-aaa (failed)",
        "2026-02-01-009-zzz (missing)",
        "2026-02-01-008-bad (invalid)",
    ]
    assert [str(b) for b in graph.blockers("2026-02-01-003-ccc")] == ["awaiting approval"]
    assert [str(b) for b in graph.blockers("2026-02-01-004-ddd")] == ["rejected"]


def test_cycle_is_named() -> None:
    a, b, c = (f"2026-02-01-00{n}-cyc" for n in (1, 2, 3))
    graph = Graph(
        [make_spec(a, fm("pending", [c])), make_spec(b, fm("pending", [a])), make_spec(c, fm("pending", [b]))]
    )
    cycles = graph.cycles()
    assert len(cycles) == 1
    cycle = cycles[0]
    assert cycle[0] == cycle[-1] and set(cycle) == {a, b, c} and len(cycle) == 4
    assert not graph.ready()


def test_member_cycle_in_phases_names_members() -> None:
    declared: dict[str, list[str] | None] = {f"{DRIVER}.1": [f"{DRIVER}.2"], f"{DRIVER}.2": [f"{DRIVER}.1"]}
    with pytest.raises(CycleError) as info:
        driver_graph(declared).phases(DRIVER)
    assert info.value.message == f"Dependency cycle: {DRIVER}.1 -> {DRIVER}.2 -> {DRIVER}.1"


def test_dependents() -> None:
    graph = seed_graph()
    assert graph.dependents(SEED_MEMBERS[0]) == [SEED_MEMBERS[3]]
    assert "2026-01-28-001-doc" in graph.dependencies(SEED_MEMBERS[0])  # inherited from the driver
