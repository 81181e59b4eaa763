"""Per-spec agent logs: ``.chant/logs/<id>.log``, one header per run, written line by line."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TextIO

from chant import clock

RUN_SEPARATOR = "=" * 80


class SpecLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._handle: TextIO | None = None

    def start(self, spec_id: str, *, agent: str, prompt: str, model: str | None) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        first = not self.path.exists() or self.path.stat().st_size == 0
        self._handle = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - kept open for the run
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
                self._handle.write(line.rstrip("\n") + "\n")
            self._handle.flush()

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
