"""The dashboard's buttons: the same library calls as the CLI commands of the same names.

``approve``/``reject`` -> ``ops.lifecycle.set_approval``; ``pause`` -> ``ops.pause.pause``; ``reset`` ->
``ops.lifecycle.reset``; ``work`` -> the scheduler (``run_driver`` / ``run_single``) in a background thread
of the server, journalled like any other run, so every open page follows it live.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Mapping
from pathlib import Path

from chant import layout
from chant.errors import ChantError
from chant.graph import Graph
from chant.project import Project
from chant.spec.status import Status

NAMES = ("approve", "reject", "pause", "reset", "work")


def perform(root: Path, name: str, spec_id: str, form: Mapping[str, str], runner: Runner) -> str:
    """Do one action; returns what happened, in the CLI's words. Raises ChantError with the CLI's errors."""
    if name not in NAMES:
        raise ChantError(f"unknown action '{name}'", hint="actions: " + ", ".join(NAMES))
    project = Project(root)
    spec = project.resolve(spec_id)
    if name in ("approve", "reject"):
        from chant.ops.lifecycle import set_approval

        by = (form.get("by") or "").strip()
        reason = (form.get("reason") or "").strip()
        if not by:
            raise ChantError(f"{name} needs a name (who {name}s)", hint="fill in the 'your name' field")
        if name == "reject" and not reason:
            raise ChantError("reject needs a reason")
        set_approval(project, spec, approved=name == "approve", by=by, reason=reason or None)
        return f"{'Approved' if name == 'approve' else 'Rejected'} {spec.id}"
    if name == "pause":
        from chant.ops.pause import pause

        after = pause(project, spec)
        return (
            f"Paused {spec.id}"
            if after.status == Status.PAUSED
            else f"{spec.id} ended as {after.status.value}"
        )
    if name == "reset":
        from chant.ops.lifecycle import reset

        done = reset(project, spec)
        return "Reset " + ", ".join(done) + " to pending"
    runner.start(spec.id)
    return f"Started chant work {spec.id}"


class Runner:
    """``chant work`` runs started from the page: one scheduler per thread, stopped with the server."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._threads: dict[str, threading.Thread] = {}
        self._cancels: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self.errors: dict[str, str] = {}

    def start(self, spec_id: str) -> None:
        project = Project(self.root)
        spec = project.resolve(spec_id)
        graph = Graph.of(project.specs())
        if spec.status == Status.COMPLETED and not graph.members(spec.id):
            raise ChantError(f"{spec.id} is already completed", hint=f"`chant replay {spec.id}` re-runs it")
        if layout.is_running(project, spec.id):
            raise ChantError(f"{spec.id} is already being worked by a running chant")
        blockers = [str(b) for b in graph.blockers(spec.id)] if spec.status == Status.PENDING else []
        if blockers:
            raise ChantError(f"{spec.id} is blocked by " + ", ".join(blockers))
        with self._lock:
            alive = self._threads.get(spec.id)
            if alive is not None and alive.is_alive():
                raise ChantError(f"{spec.id} is already running from this dashboard")
            cancel = threading.Event()
            thread = threading.Thread(
                target=self._run, args=(spec.id, cancel), name=f"chant-work-{spec.id}", daemon=True
            )
            self._threads[spec.id] = thread
            self._cancels[spec.id] = cancel
        thread.start()

    def _run(self, spec_id: str, cancel: threading.Event) -> None:
        from chant.run.events import Reporter
        from chant.run.pipeline import RunOptions
        from chant.run.scheduler import Scheduler

        project = Project(self.root)
        options = RunOptions(cancel=cancel)
        # The page follows the run through its journal; the terminal text goes nowhere.
        scheduler = Scheduler(project, options, Reporter(io.StringIO()))
        try:
            if Graph.of(project.specs()).members(spec_id):
                scheduler.run_driver(spec_id)
            else:
                scheduler.run_single(spec_id)
        except ChantError as exc:  # recorded in the run's journal too (run_finished.error)
            self.errors[spec_id] = exc.message

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
