"""The run journal: every ``chant work`` appends its event stream to ``.chant/run/journal/<run-id>.jsonl``.

The lines are the events of ``chant work --json`` (same names, same fields, ``"schema": 1``), each with the
wall-clock time ``t`` (epoch seconds) at which it happened, framed by ``run_started`` and ``run_finished``.
``spec_end`` also carries ``started_at``/``ended_at`` and is written as soon as that spec is integrated (the
terminal shows a driver's results at the end of each phase; a watcher must not wait that long).

Readers (the dashboard, MCP's progress) tail these files instead of polling git. A run is live while its
journal file is flock'ed: the lock dies with the process, so a ``kill -9``'d run is never shown as running
(the same rule as the run locks, docs/design.md, "Locks are flocks").

The writer is a tee added by the scheduler next to whatever reporter the caller chose, so CLI, MCP and the
dashboard's own runs are all journalled. Writing never breaks a run: an unwritable journal is dropped.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from chant.graph import Phase
from chant.locks import is_locked
from chant.project import Project
from chant.render import JSON_SCHEMA
from chant.run.events import JsonReporter, Reporter
from chant.run.pipeline import Outcome

KEEP = 100  # finished journals kept; older ones are removed when a run starts
SUFFIX = ".jsonl"


def journal_dir(project: Project) -> Path:
    return project.run_dir / "journal"


def new_run_id() -> str:
    """Sortable by name in start order: ``20260201T100000.123Z-4242``."""
    now = time.time()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now))
    return f"{stamp}.{int(now * 1000) % 1000:03d}Z-{os.getpid()}"


# -- writing ------------------------------------------------------------------------------------------
class _Writer(JsonReporter):
    """``--json``'s events into the journal file, each stamped with ``t``. Holds the file's flock."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a", encoding="utf-8")  # open for the whole run
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise
        super().__init__(handle)
        self.path = path
        self._handle = handle
        self._done: set[int] = set()  # outcomes already written by finished()
        self._extra: dict[str, Any] = {}  # added to the event being written (finished's times)
        self._emitting = threading.Lock()

    def _emit(self, event: str, **data: Any) -> None:
        line = {"schema": JSON_SCHEMA, "event": event, **data, **self._extra, "t": round(time.time(), 3)}
        self._print(json.dumps(line, ensure_ascii=False, default=str))

    def finished(self, outcome: Outcome) -> None:
        """``--json``'s spec_end for this outcome, now, with its wall-clock start and end."""
        offset = time.time() - time.monotonic()
        with self._emitting:
            self._done.add(id(outcome))
            if outcome.started and outcome.ended:
                self._extra = {
                    "started_at": round(outcome.started + offset, 3),
                    "ended_at": round(outcome.ended + offset, 3),
                }
            try:
                super().result(outcome)
            finally:
                self._extra = {}

    def result(self, outcome: Outcome) -> None:
        if id(outcome) not in self._done:
            super().result(outcome)

    def phase_done(self, phase: Phase, outcomes: list[Outcome]) -> None:
        for outcome in outcomes:
            self.result(outcome)
        self._emit("phase_end", phase=phase.number)

    def close(self) -> None:
        with self._lock:
            if not self._handle.closed:
                self._handle.close()  # releases the flock: the run is no longer live


class Tee(Reporter):
    """The caller's reporter plus the journal of the current run (between :meth:`begin` and :meth:`end`)."""

    def __init__(self, project: Project, inner: Reporter) -> None:
        super().__init__(inner.stream)
        self.project = project
        self.inner = inner
        self.writer: _Writer | None = None
        self.run_id: str | None = None

    def _journal(self, call: Callable[[_Writer], None]) -> None:
        writer = self.writer
        if writer is None:
            return
        try:
            call(writer)
        except (OSError, ValueError):  # a full disk or a closed file: the run goes on without its journal
            self.writer = None

    def begin(self, kind: str, specs: list[str]) -> None:
        run_id = new_run_id()
        directory = journal_dir(self.project)
        try:
            prune(directory)
            self.writer = _Writer(directory / f"{run_id}{SUFFIX}")
        except OSError:
            self.writer = None
            return
        self.run_id = run_id
        self._journal(
            lambda w: w._emit(
                "run_started",
                run=run_id,
                kind=kind,
                pid=os.getpid(),
                argv=list(sys.argv),
                specs=specs,
                started_at=round(time.time(), 3),
            )
        )

    def end(self, ok: bool | None, error: str | None = None, interrupted: bool = False) -> None:
        writer = self.writer
        if writer is None:
            return
        data: dict[str, Any] = {"run": self.run_id, "ok": ok, "interrupted": interrupted}
        if error:
            data["error"] = error
        self._journal(lambda w: w._emit("run_finished", **data))
        writer.close()
        self.writer = None

    # -- the Reporter interface: the caller's reporter first, then the journal ------------------------
    def working(self, spec_id: str, title: str) -> None:
        self.inner.working(spec_id, title)
        self._journal(lambda w: w.working(spec_id, title))

    def phase_start(self, phase: Phase) -> None:
        self.inner.phase_start(phase)
        self._journal(lambda w: w.phase_start(phase))

    def started(self, spec_id: str) -> None:
        self.inner.started(spec_id)
        self._journal(lambda w: w.started(spec_id))

    def finished(self, outcome: Outcome) -> None:
        self.inner.finished(outcome)
        self._journal(lambda w: w.finished(outcome))

    def phase_done(self, phase: Phase, outcomes: list[Outcome]) -> None:
        self.inner.phase_done(phase, outcomes)
        self._journal(lambda w: w.phase_done(phase, outcomes))

    def result(self, outcome: Outcome) -> None:
        self.inner.result(outcome)
        self._journal(lambda w: w.result(outcome))

    def note(self, text: str) -> None:
        self.inner.note(text)
        self._journal(lambda w: w.note(text))

    def event(self, name: str, text: str, **data: Any) -> None:
        self.inner.event(name, text, **data)
        self._journal(lambda w: w.event(name, text, **data))

    def close(self) -> None:
        self.inner.close()


_Method = TypeVar("_Method", bound=Callable[..., Any])


def recorded(kind: str) -> Callable[[_Method], _Method]:
    """Decorates a scheduler's run method: one journal per call, from ``run_started`` to ``run_finished``.

    The method's first argument names what was asked for (an ID, a list of IDs, or None for "every ready
    spec"); its :class:`RunSummary` decides ``ok``. An exception is recorded with its message.
    """

    def wrap(method: _Method) -> _Method:
        @functools.wraps(method)
        def run(self: Any, *args: Any, **kwargs: Any) -> Any:
            tee = self.reporter
            if not isinstance(tee, Tee):
                return method(self, *args, **kwargs)
            asked = args[0] if args else None
            specs = [asked] if isinstance(asked, str) else list(asked or [])
            tee.begin(kind, specs)
            try:
                summary = method(self, *args, **kwargs)
            except BaseException as exc:
                tee.end(False, error=getattr(exc, "message", None) or type(exc).__name__)
                raise
            tee.end(bool(summary.ok), interrupted=bool(summary.interrupted))
            return summary

        return run  # type: ignore[return-value]

    return wrap


def prune(directory: Path, keep: int = KEEP) -> None:
    """Remove the oldest finished journals beyond ``keep`` (live ones are never removed)."""
    if not directory.is_dir():
        return
    paths = sorted(directory.glob(f"*{SUFFIX}"), key=lambda p: p.name)
    for path in paths[: max(0, len(paths) - keep)]:
        if not is_locked(path):
            path.unlink(missing_ok=True)


# -- reading ------------------------------------------------------------------------------------------
@dataclass
class Run:
    """One journal, as far as it has been written."""

    id: str
    path: Path
    events: list[dict[str, Any]] = field(default_factory=list)
    live: bool = False

    @property
    def header(self) -> dict[str, Any]:
        first = self.events[0] if self.events else {}
        return first if first.get("event") == "run_started" else {}

    @property
    def finished(self) -> dict[str, Any] | None:
        last = self.events[-1] if self.events else {}
        return last if last.get("event") == "run_finished" else None

    @property
    def specs(self) -> list[str]:
        return [str(s) for s in self.header.get("specs") or []]

    @property
    def started_at(self) -> float | None:
        value = self.header.get("started_at")
        return float(value) if isinstance(value, int | float) else None

    @property
    def state(self) -> str:
        """``running``, ``completed``, ``failed``, ``interrupted``, or ``died`` (no end, nobody writing)."""
        if self.live:
            return "running"
        end = self.finished
        if end is None:
            return "died"
        if end.get("interrupted"):
            return "interrupted"
        return "completed" if end.get("ok") else "failed"

    def touches(self, spec_ids: set[str]) -> bool:
        return bool(spec_ids & set(self.specs)) or any(e.get("id") in spec_ids for e in self.events)

    def to_dict(self) -> dict[str, Any]:
        end = self.finished or {}
        return {
            "id": self.id,
            "state": self.state,
            "kind": self.header.get("kind"),
            "pid": self.header.get("pid"),
            "specs": self.specs,
            "started_at": self.started_at,
            "finished_at": end.get("t"),
            "error": end.get("error"),
            "events": len(self.events),
        }


def read_lines(path: Path, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Complete JSON lines from byte ``offset`` on, and the offset after the last complete line.

    A line still being written (no newline yet) is left for the next call; a corrupt line is skipped.
    """
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            data = handle.read()
    except OSError:
        return [], offset
    end = data.rfind(b"\n")
    if end < 0:
        return [], offset
    events: list[dict[str, Any]] = []
    for raw in data[: end + 1].splitlines():
        try:
            value = json.loads(raw)
        except ValueError:
            continue
        if isinstance(value, dict):
            events.append(value)
    return events, offset + end + 1


def load(path: Path) -> Run:
    events, _offset = read_lines(path)
    return Run(path.name[: -len(SUFFIX)], path, events, is_locked(path))


def runs(project: Project, limit: int | None = None) -> list[Run]:
    """Journals newest first (at most ``limit``)."""
    directory = journal_dir(project)
    if not directory.is_dir():
        return []
    paths = sorted(directory.glob(f"*{SUFFIX}"), key=lambda p: p.name, reverse=True)
    return [load(p) for p in paths[:limit]]


def live_runs(project: Project) -> list[Run]:
    directory = journal_dir(project)
    if not directory.is_dir():
        return []
    return [load(p) for p in sorted(directory.glob(f"*{SUFFIX}")) if is_locked(p)]


@dataclass
class Bar:
    """One spec's time in a run: from its ``spec_start`` to its ``spec_end`` (``end`` None: still running)."""

    spec_id: str
    start: float
    end: float | None
    state: str
    run: str
    reason: str | None = None


def bars(run: Run) -> dict[str, Bar]:
    """The spec bars of one run, from its events (a spec run twice keeps its last attempt)."""
    found: dict[str, Bar] = {}
    for event in run.events:
        name, spec_id, t = event.get("event"), event.get("id"), event.get("t")
        if not isinstance(spec_id, str) or not isinstance(t, int | float):
            continue
        if name == "spec_start":
            found[spec_id] = Bar(spec_id, float(t), None, "running", run.id)
        elif name == "spec_end":
            start = event.get("started_at")
            end = event.get("ended_at", t)
            bar = found.get(spec_id)
            if isinstance(start, int | float):
                begin = float(start)
            elif bar is not None:
                begin = bar.start
            else:
                continue  # skipped / done earlier: it did not run in this run
            found[spec_id] = Bar(
                spec_id, begin, float(end), str(event.get("state")), run.id, event.get("reason")
            )
    if not run.live:
        # A run that ended (or died) without a spec_end leaves no running bar behind.
        for spec_id, bar in list(found.items()):
            if bar.end is None:
                found[spec_id] = Bar(spec_id, bar.start, bar.start, "died", run.id)
    return found


def last_bars(project: Project, spec_ids: list[str], history: list[Run] | None = None) -> dict[str, Bar]:
    """For each spec, its bar in the newest run that ran it (times come only from journals, never guessed)."""
    wanted = set(spec_ids)
    found: dict[str, Bar] = {}
    for run in history if history is not None else runs(project):
        if not wanted - set(found):
            break
        if not run.touches(wanted):
            continue
        for spec_id, bar in bars(run).items():
            if spec_id in wanted and spec_id not in found:
                found[spec_id] = bar
    return found


def attempts(project: Project, spec_id: str, history: list[Run] | None = None) -> list[Bar]:
    """Every journalled run of one spec, newest first."""
    found: list[Bar] = []
    for run in history if history is not None else runs(project):
        bar = bars(run).get(spec_id) if run.touches({spec_id}) else None
        if bar is not None:
            found.append(bar)
    return found
