"""Readiness for long queues, at a cost per spec that does not grow with the number of specs.

``chant work --parallel`` used to rebuild the whole graph from a rescan of every spec file after each
completion (and ``prepare`` did the same per spec to re-check the spec's blockers): with 1,000 specs that
is 1,000 scans of 1,000 files. Here:

- :class:`ReadySet` scans once, then follows the run's own outcomes: a finished spec is re-read alone and
  only it and its dependents are re-judged (``Graph.replace``). It rescans everything only when a finished
  spec's place in the graph changed, or when the queue drains (to pick up specs added or approved while
  the run went on).
- :func:`fresh_blockers` re-reads from disk just the specs that decide one spec's blockers -- the spec, its
  drivers and their members (implicit ordering), and what all of those depend on -- so ``prepare`` judges
  on the files as they are now, as it did with a full rescan.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator

from chant.errors import ChantError
from chant.graph import Blocker, Graph
from chant.project import Project, SpecSet
from chant.spec import ids


class ReadySet:
    """The ready specs of one queue run, in ID order."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._gone: set[str] = set()  # taken or ruled out by the scheduler: never offered again
        self.scans = 0
        self.rescan()

    def rescan(self) -> bool:
        """Read every spec again; ``True`` when that found a spec to offer that was not offered before."""
        before = set(getattr(self, "_ready", ()))
        self.graph = Graph.of(self.project.specs(refresh=True))
        self.scans += 1
        self._ready = [s for s in self.graph.ready() if s not in self._gone]
        self._keys = [ids.sort_key(s) for s in self._ready]
        return any(s not in before for s in self._ready)

    def __iter__(self) -> Iterator[str]:
        """The ready specs now (a snapshot: :meth:`discard` while iterating is fine)."""
        return iter(list(self._ready))

    def discard(self, spec_id: str) -> None:
        self._gone.add(spec_id)
        key = ids.sort_key(spec_id)
        at = bisect.bisect_left(self._keys, key)
        if at < len(self._ready) and self._ready[at] == spec_id:
            del self._ready[at]
            del self._keys[at]

    def finished(self, spec_id: str) -> None:
        """``spec_id``'s run ended (its status is on disk): re-judge it and what depends on it."""
        try:
            spec = self.project.reload(spec_id)
        except ChantError:
            self.rescan()
            return
        affected = self.graph.replace(spec)
        if affected is None:
            self.rescan()
            return
        for other in affected:
            if other not in self._gone and self.graph.is_ready(other):
                key = ids.sort_key(other)
                at = bisect.bisect_left(self._keys, key)
                if at == len(self._ready) or self._ready[at] != other:
                    self._ready.insert(at, other)
                    self._keys.insert(at, key)


def fresh_blockers(project: Project, spec_id: str) -> tuple[Graph, list[Blocker]] | None:
    """``(graph, blockers of spec_id)`` from fresh reads of only the specs that decide them; ``None`` when
    that cannot be told without a full scan (a spec unknown to the last scan, a file that fails to read)."""
    known = project.specs()
    if spec_id not in known.active:
        return None
    needed = {spec_id}
    node: str | None = spec_id
    while node is not None and (parent := ids.parent_id(node)) is not None and parent in known.active:
        needed.add(parent)
        needed.update(_members(known, parent))
        node = parent
    try:
        fresh = {s: project.reload(s) for s in sorted(needed)}
        for spec in list(fresh.values()):
            for dep in spec.depends_on:
                if dep in fresh or dep in known.archived or dep in known.invalid:
                    continue
                if dep not in known.active:
                    return None  # new since the last scan, or really missing: the full scan tells
                fresh[dep] = project.reload(dep)
    except (ChantError, OSError):
        return None
    graph = Graph(fresh.values(), known.archived, known.invalid)
    return graph, graph.blockers(spec_id)


def _members(known: SpecSet, driver_id: str) -> list[str]:
    prefix = f"{driver_id}."
    return [s for s in known.active if s.startswith(prefix) and ids.parent_id(s) == driver_id]


__all__ = ["ReadySet", "fresh_blockers"]
