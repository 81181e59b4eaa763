"""The dependency graph over a set of specs: readiness, blockers, drivers and members, cycles, phases.

Pure functions of the loaded specs (no I/O). A dependency is satisfied when it is completed, cancelled
or archived; a missing or unparsable one blocks, with a reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from chant.errors import ChantError
from chant.spec import ids
from chant.spec.model import DRIVER_TYPES, Spec
from chant.spec.status import Status, is_unknown_status, parse_status

if TYPE_CHECKING:
    from chant.project import SpecSet

SATISFYING = (Status.COMPLETED, Status.CANCELLED)
# Blocker reasons that an approval decision, not other work, resolves.
APPROVAL_REASONS = ("awaiting approval", "rejected")


@dataclass(frozen=True)
class Blocker:
    id: str
    reason: str  # a status value, "missing", "invalid", "awaiting approval", "rejected", "unknown status ..."

    def __str__(self) -> str:
        return f"{self.id} ({self.reason})" if self.id else self.reason


@dataclass(frozen=True)
class Phase:
    number: int
    members: tuple[str, ...]
    depends_on_all_above: bool

    @property
    def parallel(self) -> bool:
        return len(self.members) > 1

    @property
    def label(self) -> str:
        kind = "Parallel" if self.parallel else "Sequential"
        return f"{kind} (depends on all above)" if self.depends_on_all_above else kind


class CycleError(ChantError):
    def __init__(self, cycle: list[str]) -> None:
        super().__init__("Dependency cycle: " + " -> ".join(cycle))
        self.cycle = cycle


class Graph:
    """A snapshot of a set of specs. Build a new one after specs change (``Graph.of(project.specs())``)."""

    def __init__(
        self,
        specs: Iterable[Spec],
        archived: Iterable[str] = (),
        invalid: Iterable[str] = (),
    ) -> None:
        self.specs: dict[str, Spec] = {spec.id: spec for spec in specs}
        self.archived = frozenset(archived)
        self.invalid = frozenset(invalid)
        self._deps: dict[str, list[str]] = {}
        self._implicit: dict[str, bool] = {}
        self._blockers: dict[str, list[Blocker]] = {}

    @staticmethod
    def _status(spec: Spec) -> Status:
        """``spec.status`` without the property's overhead (parse_status is memoised)."""
        return parse_status(spec.frontmatter.get("status"))

    @classmethod
    def of(cls, spec_set: SpecSet) -> Graph:
        return cls(spec_set.active.values(), spec_set.archived, spec_set.invalid)

    # -- drivers and members ----------------------------------------------------------------------
    @cached_property
    def _children(self) -> dict[str, list[str]]:
        children: dict[str, list[str]] = {}
        for spec_id in self.specs:
            parent = ids.parent_id(spec_id)
            if parent is not None:
                children.setdefault(parent, []).append(spec_id)
        return {parent: ids.sorted_ids(kids) for parent, kids in children.items()}

    def members(self, driver_id: str) -> list[str]:
        """Direct members by file name (``<driver>.N``), in natural order."""
        return list(self._children.get(driver_id, ()))

    def is_driver(self, spec_id: str) -> bool:
        spec = self.specs.get(spec_id)
        return bool(self._children.get(spec_id)) or (spec is not None and spec.type in DRIVER_TYPES)

    def driver_of(self, spec_id: str) -> str | None:
        parent = ids.parent_id(spec_id)
        return parent if parent is not None and parent in self.specs else None

    def _implicit_order(self, driver_id: str) -> bool:
        """Members run in ID order when none of them declares ``depends_on`` (``depends_on: []`` opts out)."""
        implicit = self._implicit.get(driver_id)
        if implicit is None:
            implicit = not any(self.specs[m].declares_depends_on for m in self._children.get(driver_id, ()))
            self._implicit[driver_id] = implicit
        return implicit

    # -- dependencies ------------------------------------------------------------------------------
    def dependencies(self, spec_id: str) -> list[str]:
        """Everything that must be satisfied before ``spec_id`` runs.

        Own ``depends_on``; for a member also its driver's ``depends_on`` (minus the driver's own members)
        and, under implicit ordering, the previous member.
        """
        return list(self._dependencies(spec_id))

    def _dependencies(self, spec_id: str) -> list[str]:
        """:meth:`dependencies`, computed once per spec (callers must not modify the list)."""
        found = self._deps.get(spec_id)
        if found is not None:
            return found
        spec = self.specs[spec_id]
        deps = list(spec.depends_on)
        driver = self.driver_of(spec_id)
        if driver is not None:
            siblings = self._children.get(driver, [])
            inherited = [d for d in self._dependencies(driver) if d not in siblings and d != spec_id]
            deps.extend(d for d in inherited if d not in deps)
            if self._implicit_order(driver):
                position = siblings.index(spec_id)
                if position > 0 and siblings[position - 1] not in deps:
                    deps.append(siblings[position - 1])
        found = self._deps[spec_id] = [d for d in deps if d != spec_id]
        return found

    def dependency_state(self, dep_id: str) -> str | None:
        """``None`` when satisfied, else the reason it blocks."""
        if dep_id in self.archived:
            return None
        spec = self.specs.get(dep_id)
        if spec is None:
            return "invalid" if dep_id in self.invalid else "missing"
        status = self._status(spec)
        if status in SATISFYING:
            return None
        return status.value

    def blockers(self, spec_id: str) -> list[Blocker]:
        return list(self._blockers_of(spec_id))

    def _blockers_of(self, spec_id: str) -> list[Blocker]:
        """:meth:`blockers`, computed once per spec (callers must not modify the list)."""
        memo = self._blockers.get(spec_id)
        if memo is not None:
            return memo
        spec = self.specs[spec_id]
        found = [
            Blocker(dep, reason)
            for dep in self._dependencies(spec_id)
            if (reason := self.dependency_state(dep))
        ]
        raw = spec.frontmatter.get("status")
        if raw is not None and is_unknown_status(raw):
            found.append(Blocker("", f"unknown status {str(raw)[:40]!r}"))
        if spec.rejected:
            found.append(Blocker("", "rejected"))
        elif spec.needs_approval:
            found.append(Blocker("", "awaiting approval"))
        self._blockers[spec_id] = found
        return found

    def refuse_if_blocked(
        self, spec_id: str, *, skip_deps: bool = False, skip_approval: bool = False
    ) -> None:
        """A blocked spec is not run, and that is not a failed run: raise why and how, before anything starts
        (``chant work``, the pipeline and a driver run all refuse with these words)."""
        refuse_blocked(spec_id, self.blockers(spec_id), skip_deps=skip_deps, skip_approval=skip_approval)

    def is_ready(self, spec_id: str) -> bool:
        spec = self.specs[spec_id]
        return self._status(spec) == Status.PENDING and not self._blockers_of(spec_id)

    def is_blocked(self, spec_id: str) -> bool:
        """Pending with a blocker (the tests' reading of ``display_status``; chant itself asks that)."""
        spec = self.specs[spec_id]
        return self._status(spec) == Status.PENDING and bool(self._blockers_of(spec_id))

    def display_status(self, spec_id: str) -> str:
        """Stored status, with ``pending`` refined into the computed ``ready`` / ``blocked``."""
        status = self._status(self.specs[spec_id])
        if status != Status.PENDING:
            return status.value
        return "blocked" if self._blockers_of(spec_id) else "ready"

    def ready(self) -> list[str]:
        return [spec_id for spec_id in ids.sorted_ids(self.specs) if self.is_ready(spec_id)]

    @cached_property
    def _dependents(self) -> dict[str, list[str]]:
        """``dep -> the specs that depend on it``: built once, for :meth:`replace`."""
        found: dict[str, list[str]] = {}
        for spec_id in self.specs:
            for dep in self._dependencies(spec_id):
                found.setdefault(dep, []).append(spec_id)
        return found

    def replace(self, spec: Spec) -> list[str] | None:
        """Swap in a newer version of a spec of this graph whose status (not its place in the graph)
        changed; returns the specs whose readiness that can change (it and its dependents), in ID order.
        ``None`` when its dependencies, type or approval changed too: build a new graph then."""
        old = self.specs.get(spec.id)
        if old is None or (
            list(old.depends_on) != list(spec.depends_on)
            or old.declares_depends_on != spec.declares_depends_on
            or old.type != spec.type
            or old.rejected != spec.rejected
            or old.needs_approval != spec.needs_approval
        ):
            return None
        self.specs[spec.id] = spec
        affected = [spec.id, *self._dependents.get(spec.id, ())]
        for spec_id in affected:
            self._blockers.pop(spec_id, None)
        return ids.sorted_ids(affected)

    def dependents(self, spec_id: str) -> list[str]:
        return [other for other in ids.sorted_ids(self.specs) if spec_id in self._dependencies(other)]

    # -- cycles and phases ---------------------------------------------------------------------------
    def cycles(self) -> list[list[str]]:
        """Each dependency cycle once, as ``[a, b, ..., a]``."""
        found: list[list[str]] = []
        seen_sets: set[frozenset[str]] = set()
        color: dict[str, int] = {}
        stack: list[str] = []

        def visit(node: str) -> None:
            color[node] = 1
            stack.append(node)
            for dep in self._dependencies(node) if node in self.specs else []:
                if dep not in self.specs:
                    continue
                if color.get(dep) == 1:
                    cycle = stack[stack.index(dep) :] + [dep]
                    key = frozenset(cycle)
                    if key not in seen_sets:
                        seen_sets.add(key)
                        found.append(cycle)
                elif color.get(dep) is None:
                    visit(dep)
            stack.pop()
            color[node] = 2

        for spec_id in ids.sorted_ids(self.specs):
            if spec_id not in color:
                visit(spec_id)
        return found

    def member_edges(self, driver_id: str) -> dict[str, list[str]]:
        """Member -> the members it waits for (explicit ``depends_on`` or the implicit ID order)."""
        members = self.members(driver_id)
        inside = set(members)
        if self._implicit_order(driver_id):
            return {m: ([members[i - 1]] if i else []) for i, m in enumerate(members)}
        return {m: [d for d in self.specs[m].depends_on if d in inside and d != m] for m in members}

    def phases(self, driver_id: str) -> list[Phase]:
        """Topological layers of the driver's members (Kahn); the phase output of ``chant work``."""
        edges = self.member_edges(driver_id)
        remaining = {m: set(deps) for m, deps in edges.items()}
        done: list[str] = []
        layers: list[Phase] = []
        while remaining:
            layer = ids.sorted_ids(m for m, deps in remaining.items() if not deps)
            if not layer:
                raise CycleError(_cycle_in(remaining))
            above = set(done)
            all_above = len(above) > 1 and all(above <= set(edges[m]) for m in layer)
            layers.append(Phase(len(layers) + 1, tuple(layer), all_above))
            for member in layer:
                del remaining[member]
            for deps in remaining.values():
                deps.difference_update(layer)
            done.extend(layer)
        return layers


def _cycle_in(remaining: dict[str, set[str]]) -> list[str]:
    start = ids.sorted_ids(remaining)[0]
    path = [start]
    node = start
    while True:
        node = ids.sorted_ids(remaining[node])[0]
        if node in path:
            return path[path.index(node) :] + [node]
        path.append(node)


def refuse_blocked(
    spec_id: str, blockers: list[Blocker], *, skip_deps: bool = False, skip_approval: bool = False
) -> None:
    """:meth:`Graph.refuse_if_blocked` for blockers already known (the pipeline judges them once)."""
    from chant.shell import quote

    if not skip_approval and any(b.reason in APPROVAL_REASONS for b in blockers):
        raise ChantError(
            f"{spec_id} needs approval before it can run", hint=f"`chant approve {quote(spec_id)} --by NAME`"
        )
    deps = [b for b in blockers if b.id]
    if deps and not skip_deps:
        raise ChantError(
            f"{spec_id} is blocked by " + ", ".join(map(str, deps)),
            hint="finish those first (`chant work --chain` runs ready specs in order), or pass --skip-deps",
        )
