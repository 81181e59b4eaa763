"""Write sets: which files a spec may write, and which specs therefore must not run at the same time.

A spec's write set is its ``target_files`` plus the globs of an optional ``writes:`` list. Two specs
whose write sets overlap never run together: the scheduler starts the later one once the earlier one is
merged (so it starts from a tree that holds the earlier one's work). Pure functions, no I/O.

Overlap is decided conservatively: two globs overlap when one could match a path the other matches, which
is approximated by their literal prefixes (``src/api/**`` and ``src/*.py`` overlap: both may write under
``src/``). A false "overlap" costs parallelism; a missed one costs a merge conflict.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chant.globs import glob_regex

_WILD = re.compile(r"[*?\[]")


def write_set(spec: Any) -> tuple[str, ...]:
    """``target_files`` + ``writes:`` of a spec (anything with ``target_files`` and ``values()``)."""
    found = [str(p) for p in spec.target_files] + [str(p) for p in spec.values("writes")]
    return tuple(dict.fromkeys(_norm(p) for p in found if str(p).strip()))


def _norm(pattern: str) -> str:
    pattern = pattern.strip().replace("\\", "/")
    while pattern.startswith("./"):
        pattern = pattern[2:]
    return pattern.rstrip("/") if pattern not in ("", "/") else pattern


def _is_glob(pattern: str) -> bool:
    return bool(_WILD.search(pattern))


def _prefix(pattern: str) -> str:
    """The literal directory part before the first wildcard: ``src/api/*.py`` -> ``src/api``."""
    match = _WILD.search(pattern)
    head = pattern[: match.start()] if match else pattern
    return head.rsplit("/", 1)[0] if "/" in head else ""


def _under(path: str, directory: str) -> bool:
    return directory == "" or path == directory or path.startswith(directory + "/")


def _glob_match(path: str, pattern: str) -> bool:
    return glob_regex(pattern).match(path) is not None


def patterns_overlap(a: str, b: str) -> bool:
    """Could a file written under pattern ``a`` also be one under ``b``? (A plain path names a file or a
    whole directory.)"""
    a, b = _norm(a), _norm(b)
    ga, gb = _is_glob(a), _is_glob(b)
    if not ga and not gb:
        return _under(a, b) or _under(b, a)
    if ga and not gb:
        return _glob_match(b, a) or _under(_prefix(a), b) or (_under(b, _prefix(a)) and _wide(a, b))
    if gb and not ga:
        return patterns_overlap(b, a)
    pa, pb = _prefix(a), _prefix(b)
    return _under(pa, pb) or _under(pb, pa)


def _wide(glob: str, path: str) -> bool:
    """``path`` is a directory the glob may reach into (``src/**`` vs ``src/api``)."""
    return _glob_match(path + "/x", glob) or "**" in glob


def shared(a: Sequence[str], b: Sequence[str]) -> list[tuple[str, str]]:
    """The pairs of patterns of two write sets that overlap (empty: the specs may run together)."""
    return [(x, y) for x in a for y in b if patterns_overlap(x, y)]


@dataclass(frozen=True)
class Wait:
    """``spec`` may not start while ``behind`` runs: both may write ``files``."""

    spec: str
    behind: str
    files: tuple[str, ...]

    def render(self) -> str:
        return f"waits for {self.behind} (both write {', '.join(self.files)})"


def _files(pairs: Iterable[tuple[str, str]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(x if x == y else f"{x} ~ {y}" for x, y in pairs))


def blockers(spec_id: str, mine: Sequence[str], running: Mapping[str, Sequence[str]]) -> list[Wait]:
    """Which of the ``running`` specs (id -> write set) keep ``spec_id`` from starting now."""
    found = []
    for other, theirs in running.items():
        if other == spec_id:
            continue
        pairs = shared(mine, theirs)
        if pairs:
            found.append(Wait(spec_id, other, _files(pairs)))
    return found


def plan(order: Sequence[str], sets: Mapping[str, Sequence[str]]) -> dict[str, list[Wait]]:
    """For ``chant work --dry-run``: each spec, in run order, with the earlier specs it must wait for."""
    waits: dict[str, list[Wait]] = {}
    for index, spec_id in enumerate(order):
        earlier = {o: sets.get(o, ()) for o in order[:index]}
        waits[spec_id] = blockers(spec_id, sets.get(spec_id, ()), earlier)
    return waits
