"""What a run reports, and how it is shown: plain lines (logs, CI, tests), live on a TTY, or JSON events."""

from __future__ import annotations

import sys
import threading
from typing import Any, TextIO

from chant.cli.render import JSON_SCHEMA, duration
from chant.graph import Phase
from chant.run.pipeline import Outcome

MARKS = {
    "completed": "✓",
    "failed": "✗",
    "needs_attention": "✗",
    "cancelled": "✗",
    "skipped": "–",
    "paused": "⏸",
}


def outcome_line(outcome: Outcome) -> str:
    mark = MARKS.get(outcome.state, "?")
    head = f"  [{mark}] {outcome.spec_id} ({outcome.title})"
    if outcome.state == "skipped":
        return f"{head} - skipped ({outcome.reason})" if outcome.reason else f"{head} - skipped"
    line = f"{head} - {duration(outcome.duration)}"
    if outcome.reason and outcome.state == "completed":
        line += f" ({outcome.reason})"
    elif not outcome.ok:
        line += f" - {outcome.state.replace('_', ' ')}: {outcome.reason}"
    return line


class Reporter:
    """Plain text, one line per event, printed once (what logs, pipes and tests see)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self._lock = threading.Lock()

    def _print(self, text: str = "") -> None:
        with self._lock:
            self.stream.write(text + "\n")
            self.stream.flush()

    def working(self, spec_id: str, title: str) -> None:
        self._print(f"Working: {spec_id} ({title})")
        self._print()

    def phase_start(self, phase: Phase) -> None:
        self._print(f"Phase {phase.number}: {phase.label}")

    def started(self, spec_id: str) -> None:
        pass

    def phase_done(self, phase: Phase, outcomes: list[Outcome]) -> None:
        for outcome in outcomes:
            self._print(outcome_line(outcome))
        self._print()

    def result(self, outcome: Outcome) -> None:
        self._print(outcome_line(outcome))

    def note(self, text: str) -> None:
        self._print(text)

    def close(self) -> None:
        pass


class JsonReporter(Reporter):
    """``--json``: one JSON object per line, each with ``"schema": 1`` and an ``event`` name."""

    def _emit(self, event: str, **data: Any) -> None:
        import json

        self._print(json.dumps({"schema": JSON_SCHEMA, "event": event, **data}, ensure_ascii=False))

    def working(self, spec_id: str, title: str) -> None:
        self._emit("working", id=spec_id, title=title)

    def phase_start(self, phase: Phase) -> None:
        self._emit("phase_start", phase=phase.number, label=phase.label, members=list(phase.members))

    def started(self, spec_id: str) -> None:
        self._emit("spec_start", id=spec_id)

    def phase_done(self, phase: Phase, outcomes: list[Outcome]) -> None:
        for outcome in outcomes:
            self.result(outcome)
        self._emit("phase_end", phase=phase.number)

    def result(self, outcome: Outcome) -> None:
        self._emit(
            "spec_end",
            id=outcome.spec_id,
            title=outcome.title,
            state=outcome.state,
            duration_s=round(outcome.duration, 3),
            reason=outcome.reason,
            commits=outcome.commits,
            model=outcome.model,
        )

    def note(self, text: str) -> None:
        self._emit("note", text=text)


class LiveReporter(Reporter):
    """On a terminal: a spinner per running spec above the printed lines."""

    def __init__(self) -> None:
        super().__init__()
        from rich.console import Console
        from rich.live import Live
        from rich.spinner import Spinner
        from rich.table import Table

        self._Spinner = Spinner
        self._Table = Table
        self.console = Console()
        self.running: dict[str, float] = {}
        self.live = Live(self._render(), console=self.console, refresh_per_second=8, transient=True)
        self.live.start()

    def _render(self) -> Any:
        import time

        table = self._Table.grid(padding=(0, 1))
        for spec_id, since in sorted(self.running.items()):
            table.add_row(self._Spinner("dots"), f"{spec_id} - {duration(time.monotonic() - since)}")
        return table

    def _print(self, text: str = "") -> None:
        with self._lock:
            self.console.print(text, markup=False, highlight=False)

    def started(self, spec_id: str) -> None:
        import time

        self.running[spec_id] = time.monotonic()
        self.live.update(self._render())

    def result(self, outcome: Outcome) -> None:
        self.running.pop(outcome.spec_id, None)
        super().result(outcome)

    def phase_done(self, phase: Phase, outcomes: list[Outcome]) -> None:
        for outcome in outcomes:
            self.running.pop(outcome.spec_id, None)
        self.live.update(self._render())
        super().phase_done(phase, outcomes)

    def close(self) -> None:
        self.live.stop()


def make_reporter(as_json: bool) -> Reporter:
    if as_json:
        return JsonReporter()
    if sys.stdout.isatty():
        return LiveReporter()
    return Reporter()
