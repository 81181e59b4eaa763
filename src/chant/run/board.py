"""The specs of this run whose agents are running now, with their write sets (thread-safe).

The scheduler registers a spec when it starts it and releases it once it is integrated; it asks the board
which running specs a candidate would collide with (chant.run.writesets). The pipeline reads the board to
tell each agent who runs beside it (its "siblings"), so it stays out of their files.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from chant.run import writesets


@dataclass(frozen=True)
class Entry:
    spec_id: str
    title: str
    writes: tuple[str, ...]


class Board:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: dict[str, Entry] = {}

    def register(self, spec_id: str, title: str, writes: Sequence[str]) -> None:
        with self._lock:
            self._running[spec_id] = Entry(spec_id, title, tuple(writes))

    def release(self, spec_id: str) -> None:
        with self._lock:
            self._running.pop(spec_id, None)

    def entries(self) -> list[Entry]:
        with self._lock:
            return list(self._running.values())

    def blockers(
        self, spec_id: str, writes: Sequence[str], also: dict[str, Sequence[str]] | None = None
    ) -> list[writesets.Wait]:
        """The running specs (plus ``also``: e.g. earlier specs still waiting) ``spec_id`` collides with."""
        with self._lock:
            running: dict[str, Sequence[str]] = {e.spec_id: e.writes for e in self._running.values()}
        running.update(also or {})
        return writesets.blockers(spec_id, writes, running)

    def siblings_section(self, spec_id: str) -> str:
        """The prompt section naming the other running specs and their write sets ("" when alone)."""
        others = sorted((e for e in self.entries() if e.spec_id != spec_id), key=lambda e: e.spec_id)
        if not others:
            return ""
        lines = [
            "## Specs running beside you",
            "",
            "Other agents are working these specs at the same time, each in its own worktree. Stay out of "
            "the files they write; if your task needs one of them, say so instead of editing it.",
            "",
        ]
        for entry in others:
            writes = ", ".join(entry.writes) if entry.writes else "(no declared files)"
            lines.append(f"- {entry.spec_id} ({entry.title}): writes {writes}")
        return "\n".join(lines) + "\n"
