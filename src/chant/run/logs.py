"""Per-spec agent logs: ``.chant/logs/<id>.log``, one header per run, written line by line.

A log is capped at ``logs.max_bytes`` (config; default 32 MiB): when a line would take it past the cap, the
file becomes ``<id>.log.1`` (replacing an older one) and a new ``<id>.log`` continues, so an agent that
prints without end costs at most twice the cap on disk and the newest output is always kept.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, TextIO

from chant import clock

RUN_SEPARATOR = "=" * 80
MAX_BYTES = 32 * 1024 * 1024
MIN_BYTES = 64 * 1024


def max_bytes(config: Any) -> int:
    """``logs.max_bytes`` from a project's config (at least 64 KiB), else the default."""
    try:
        value = int(config.get("logs.max_bytes", MAX_BYTES))
    except (TypeError, ValueError):
        return MAX_BYTES
    return max(MIN_BYTES, value)


class SpecLog:
    def __init__(self, path: Path, max_bytes: int = MAX_BYTES) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._handle: TextIO | None = None
        self._size = 0
        self._spec_id = ""

    def start(self, spec_id: str, *, agent: str, prompt: str, model: str | None) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        first = not self.path.exists() or self.path.stat().st_size == 0
        self._spec_id = spec_id
        self._handle = open(self.path, "a", encoding="utf-8")  # kept open for the run
        self._size = self._handle.tell()
        header = [] if first else ["", RUN_SEPARATOR]
        header += [
            f"# chant run: {spec_id}",
            f"# Started: {clock.iso()}",
            f"# Agent: {agent}  Model: {model or '(default)'}  Prompt: {prompt}",
        ]
        if not first:
            header.append(RUN_SEPARATOR)
        self.write_lines(header + [""])

    def write(self, line: str) -> None:
        self.write_lines([line])

    def write_lines(self, lines: list[str]) -> None:
        with self._lock:
            if self._handle is None:
                return
            for line in lines:
                text = line.rstrip("\n") + "\n"
                size = len(text.encode("utf-8", errors="replace"))
                if self._size + size > self.max_bytes and self._size > 0:
                    self._rotate()
                self._handle.write(text)
                self._size += size
            self._handle.flush()

    def _rotate(self) -> None:
        assert self._handle is not None
        self._handle.close()
        older = self.path.with_name(self.path.name + ".1")
        os.replace(self.path, older)
        self._handle = open(self.path, "a", encoding="utf-8")  # kept open for the run
        note = (
            f"# chant run: {self._spec_id} (continued: the log reached logs.max_bytes = {self.max_bytes}; "
            f"its earlier part is in {older.name})\n"
        )
        self._handle.write(note)
        self._size = len(note.encode("utf-8"))

    def close(self, summary: str | None = None) -> None:
        if summary:
            self.write(f"# {summary}")
        with self._lock:
            if self._handle is not None:
                self._handle.close()
                self._handle = None


def latest_run(text: str) -> str:
    """The part of a log after the last run separator."""
    marker = RUN_SEPARATOR + "\n"
    index = text.rfind(marker)
    if index < 0:
        return text
    return text[index + len(marker) :]
