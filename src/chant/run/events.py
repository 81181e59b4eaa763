"""What a run reports, and how it is shown: plain lines (logs, CI, tests), live on a TTY, or JSON events."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any, TextIO

from chant import colour
from chant.graph import Phase
from chant.render import JSON_SCHEMA, duration
from chant.run.pipeline import Outcome
from chant.states import named

MARKS = {
    "completed": "✓",
    "failed": "✗",
    "needs_attention": "✗",
    "cancelled": "✗",
    "skipped": "–",
    "paused": "⏸",
}


def outcome_line(outcome: Outcome, paint: bool = False) -> str:
    mark = colour.paint(MARKS.get(outcome.state, "?"), outcome.state, paint)
    head = f"  [{mark}] {named(outcome.spec_id, outcome.title)}"
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
        self._print(f"Working: {named(spec_id, title)}")
        self._print()

    def phase_start(self, phase: Phase) -> None:
        self._print(f"Phase {phase.number}: {phase.label}")

    def started(self, spec_id: str) -> None:
        pass

    def finished(self, outcome: Outcome) -> None:
        """A spec is integrated (or failed); the terminal reports it with its phase, the journal at once."""

    def phase_done(self, phase: Phase, outcomes: list[Outcome]) -> None:
        for outcome in outcomes:
            self._print(outcome_line(outcome))
        self._print()

    def result(self, outcome: Outcome) -> None:
        self._print(outcome_line(outcome))

    def note(self, text: str) -> None:
        self._print(text)

    def event(self, name: str, text: str, **data: Any) -> None:
        """A scheduling event (a spec waiting, a gate, a pause...): ``text`` for people, ``data`` for
        ``--json`` (event ``name``)."""
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
            gate_s=None if outcome.gate_s is None else round(outcome.gate_s, 3),
            attempts=outcome.attempts,
        )

    def note(self, text: str) -> None:
        self._emit("note", text=text)

    def event(self, name: str, text: str, **data: Any) -> None:
        self._emit(name, text=text, **data)


class LiveReporter(Reporter):
    """On a terminal: a spinner row per running spec (its title and a ticking timer) above the printed lines.

    rich redraws the rows itself (``get_renderable``), so the elapsed time moves between events; colour
    follows rich's rules (off with ``NO_COLOR``).
    """

    def __init__(self, titles: Callable[[str], str | None] | None = None) -> None:
        super().__init__()
        from rich.console import Console
        from rich.live import Live
        from rich.spinner import Spinner
        from rich.table import Table
        from rich.text import Text

        self._Spinner = Spinner
        self._Table = Table
        self._Text = Text
        self._titles = titles
        self.console = Console()
        self.running: dict[str, tuple[float, str, Any]] = {}  # id -> (since, label, spinner)
        self.driver: str | None = None  # set once a phase starts: the run's own spec is then a driver
        self._working: str | None = None
        self.live = Live(
            console=self.console, refresh_per_second=4, transient=True, get_renderable=self._render
        )
        self.live.start()

    def _render(self) -> Any:
        import time

        table = self._Table.grid(padding=(0, 1))
        now = time.monotonic()
        rows = dict(self.running)  # a copy: rich's refresh thread calls this while specs start and end
        for _spec_id, (since, label, spinner) in sorted(rows.items()):
            table.add_row(spinner, f"{label} - {duration(now - since)}")
        return table

    def _print(self, text: str = "") -> None:
        with self._lock:
            self.console.print(self._Text.from_ansi(text), highlight=False)

    def working(self, spec_id: str, title: str) -> None:
        self._working = spec_id
        super().working(spec_id, title)

    def phase_start(self, phase: Phase) -> None:
        self.driver = self._working
        super().phase_start(phase)

    def started(self, spec_id: str) -> None:
        import time

        title = self._titles(spec_id) if self._titles is not None else None
        label = named(spec_id, title)
        if spec_id == self.driver:
            label += " - wrap-up"
        self.running[spec_id] = (time.monotonic(), label, self._Spinner("dots"))

    def result(self, outcome: Outcome) -> None:
        self.running.pop(outcome.spec_id, None)
        self._print(outcome_line(outcome, paint=True))

    def phase_done(self, phase: Phase, outcomes: list[Outcome]) -> None:
        for outcome in outcomes:
            self.running.pop(outcome.spec_id, None)
        for outcome in outcomes:
            self._print(outcome_line(outcome, paint=True))
        self._print()

    def close(self) -> None:
        self.live.stop()


def make_reporter(as_json: bool, titles: Callable[[str], str | None] | None = None) -> Reporter:
    """JSON events, the live view on a terminal, else plain lines. ``titles`` names running specs."""
    if as_json:
        return JsonReporter()
    if sys.stdout.isatty():
        return LiveReporter(titles)
    return Reporter()
