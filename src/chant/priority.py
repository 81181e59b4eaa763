"""``priority:`` values and the order ``chant next`` picks ready specs in (pure functions, no I/O).

Accepted values (case-insensitive), most urgent first; a spec without ``priority:`` is ``medium``:

- ``critical`` (also ``urgent``, ``highest``, ``p0``, ``0``)
- ``high`` (``p1``, ``1``)
- ``medium`` (``normal``, ``p2``, ``2``)
- ``low`` (``p3``, ``3``)
- ``lowest`` (``p4``, ``4``)

The Rust tool has no ``priority`` field of its own, but its documentation and users write ``high`` /
``medium`` / ``low`` and ``P0``-``P3``; all of those are read here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chant.spec import ids

if TYPE_CHECKING:
    from chant.graph import Graph

NAMES = ("critical", "high", "medium", "low", "lowest")
DEFAULT = NAMES.index("medium")
_ALIASES = {
    "urgent": 0,
    "highest": 0,
    "normal": 2,
    **{name: rank for rank, name in enumerate(NAMES)},
    **{f"p{rank}": rank for rank in range(len(NAMES))},
    **{str(rank): rank for rank in range(len(NAMES))},
}


def rank(value: object) -> int | None:
    """0 (critical) ... 4 (lowest); :data:`DEFAULT` when unset; ``None`` when the value is not one we know."""
    if value is None or value == "":
        return DEFAULT
    if isinstance(value, bool):
        return None
    return _ALIASES.get(str(value).strip().lower())


def problem(value: object) -> str | None:
    """Why ``value`` is not a priority (for lint and ``chant set``), or ``None``."""
    if rank(value) is not None:
        return None
    return f"unknown priority '{value}' (expected {', '.join(NAMES)}, or P0-P4)"


def next_order(graph: Graph) -> list[str]:
    """The ready specs, the one to work next first: by priority, then by how many unfinished specs wait on
    it (directly or through others: its dependency depth), then by ID.

    A driver is one unit of work (``chant work DRIVER`` runs its members), so the members of an unfinished
    driver are not candidates themselves; what waits on them counts for the driver.
    """
    waiting = unblocks(graph)
    ready = [s for s in graph.ready() if _unit(graph, s) == s]

    def key(spec_id: str) -> tuple[int, int, tuple[object, ...]]:
        found = rank(graph.specs[spec_id].get("priority"))
        return (DEFAULT if found is None else found, -waiting.get(spec_id, 0), ids.sort_key(spec_id))

    return sorted(ready, key=key)


def unblocks(graph: Graph) -> dict[str, int]:
    """unit of work -> how many unfinished specs outside it wait on it, directly or transitively."""
    found: dict[str, set[str]] = {}
    for spec_id, blocked in _waiting(graph).items():
        unit = _unit(graph, spec_id)
        found.setdefault(unit, set()).update(b for b in blocked if _unit(graph, b) != unit)
    return {unit: len(blocked) for unit, blocked in found.items()}


def _unit(graph: Graph, spec_id: str) -> str:
    """The outermost unfinished driver that runs ``spec_id``, or the spec itself."""
    from chant.graph import SATISFYING

    driver = graph.driver_of(spec_id)
    while driver is not None and graph.specs[driver].status not in SATISFYING:
        spec_id, driver = driver, graph.driver_of(driver)
    return spec_id


def _waiting(graph: Graph) -> dict[str, set[str]]:
    """spec -> every unfinished spec that depends on it, directly or transitively."""
    from chant.graph import SATISFYING

    dependents: dict[str, set[str]] = {}
    for spec_id, spec in graph.specs.items():
        if spec.status in SATISFYING:
            continue
        for dep in graph.dependencies(spec_id):
            dependents.setdefault(dep, set()).add(spec_id)
    closure: dict[str, set[str]] = {}
    for start in dependents:
        seen: set[str] = set()
        stack = list(dependents[start])
        while stack:
            node = stack.pop()
            if node in seen or node == start:
                continue
            seen.add(node)
            stack.extend(dependents.get(node, ()))
        closure[start] = seen
    return closure
