"""``chant work`` started from a long-lived process (the dashboard, the MCP server): one scheduler per thread.

The runs are the terminal's runs: same scheduler, same pipeline, journalled (``run/journal.py``), so any
reader follows them through the journal. :meth:`Runner.start` refuses what ``chant work`` refuses before
anything starts (completed, blocked, already running, graded red without force) and returns the run's
journal ID once the scheduler has opened it.
"""

from __future__ import annotations

import io
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from chant import layout
from chant.errors import ChantError
from chant.graph import Graph
from chant.project import Project
from chant.spec.status import Status


@dataclass
class Started:
    key: str  # what the run was started for: a spec ID, or ``queue:`` and the IDs
    kind: str  # single | driver | queue
    specs: list[str]
    run: str | None  # the journal's run ID (None: the run ended before it opened one)


class Runner:
    """Background runs started here, stopped with the process that owns them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._threads: dict[str, threading.Thread] = {}
        self._cancels: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self.errors: dict[str, str] = {}

    def start(
        self,
        spec_id: str | None = None,
        *,
        queue: list[str] | None = None,
        chain: bool = False,
        options: object | None = None,
        max_parallel: int | None = None,
        force: bool = True,
        wait_for_journal: float = 10.0,
    ) -> Started:
        """Run one spec (a driver with its members), or with ``queue`` the given IDs (empty: every ready
        spec) as ``--parallel`` does (``chain``: one at a time, stopping at the first failure)."""
        from chant.run.pipeline import RunOptions

        project = Project(self.root)
        graph = Graph.of(project.specs())
        if spec_id is not None:
            spec = project.resolve(spec_id)
            wanted = [spec.id]
            if spec.status == Status.COMPLETED and not graph.members(spec.id):
                raise ChantError(
                    f"{spec.id} is already completed", hint=f"`chant replay {spec.id}` re-runs it"
                )
            if layout.is_running(project, spec.id):
                raise ChantError(f"{spec.id} is already being worked by a running chant")
            blockers = [str(b) for b in graph.blockers(spec.id)] if spec.status == Status.PENDING else []
            if blockers:
                raise ChantError(f"{spec.id} is blocked by " + ", ".join(blockers))
            kind = "driver" if graph.members(spec.id) else "single"
            key = spec.id
        else:
            wanted = [project.resolve(s).id for s in queue or []]
            kind, key = "queue", "queue:" + ",".join(wanted)
        if not force:
            refuse_red(project, graph, wanted)
        base = options if isinstance(options, RunOptions) else RunOptions()
        with self._lock:
            alive = self._threads.get(key)
            if alive is not None and alive.is_alive():
                raise ChantError(f"{key} is already running from here")
            cancel = threading.Event()
            run_options = replace(base, cancel=cancel, allow_red=force)
            from chant.run.events import Reporter
            from chant.run.scheduler import Scheduler

            # Followers read the run's journal; the terminal text goes nowhere.
            scheduler = Scheduler(
                project, run_options, Reporter(io.StringIO()), max_parallel=1 if chain else max_parallel
            )
            thread = threading.Thread(
                target=self._run,
                args=(key, scheduler, kind, wanted, chain),
                name=f"chant-work-{key}",
                daemon=True,
            )
            self._threads[key] = thread
            self._cancels[key] = cancel
            self.errors.pop(key, None)
        thread.start()
        deadline = time.monotonic() + wait_for_journal
        tee = scheduler.reporter
        while getattr(tee, "run_id", None) is None and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        return Started(key, kind, wanted, getattr(tee, "run_id", None))

    def _run(self, key: str, scheduler: object, kind: str, wanted: list[str], chain: bool) -> None:
        from chant.run.scheduler import Scheduler

        assert isinstance(scheduler, Scheduler)
        try:
            if kind == "driver":
                scheduler.run_driver(wanted[0])
            elif kind == "single":
                scheduler.run_single(wanted[0])
            else:
                scheduler.run_queue(wanted or None, stop_on_failure=chain)
        except ChantError as exc:  # recorded in the run's journal too (run_finished.error)
            self.errors[key] = exc.message

    def running(self) -> list[str]:
        with self._lock:
            return [s for s, t in self._threads.items() if t.is_alive()]

    def stop(self, timeout: float = 30) -> None:
        """Stop every run started here the way Ctrl-C stops `chant work`: agents killed, state recorded."""
        from chant.agents import process

        with self._lock:
            threads = list(self._threads.values())
            for cancel in self._cancels.values():
                cancel.set()
        if any(t.is_alive() for t in threads):
            process.kill_all()
        for thread in threads:
            thread.join(timeout=timeout)


def refuse_red(project: Project, graph: Graph, wanted: list[str]) -> None:
    """What ``chant work`` without a terminal refuses: specs graded red (chant.spec.quality), unless forced."""
    from chant.spec import quality
    from chant.validate import config_or_default

    thresholds = quality.Thresholds.from_config(config_or_default(project).get)
    reds = quality.reds_in_run(graph, thresholds, wanted)
    if reds:
        message, hint = quality.refusal_message(reds)
        raise ChantError(message, hint=hint + " (force: true runs them anyway)")
