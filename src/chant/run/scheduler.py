"""Schedulers: they decide what runs when; the pipeline does the running.

- single: one spec.
- driver: its members in phases (topological layers), each phase concurrently up to ``max``, merged in ID
  order when the phase ends; then the driver's wrap-up run or auto-completion.
- queue (``--parallel``): every ready spec, at most ``max`` at a time, refilled as dependencies complete.
- chain: the queue with one slot that stops at the first failure.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field

from chant import clock
from chant.agents import process
from chant.errors import ChantError
from chant.graph import Graph, Phase
from chant.layout import acquire_run_lock
from chant.project import Project
from chant.run import crashpoints, journal, recovery, writesets
from chant.run.events import Reporter
from chant.run.pipeline import Outcome, Pipeline, Prepared, RunOptions
from chant.run.readyset import ReadySet
from chant.shell import quote
from chant.spec import ids
from chant.spec.edit import REMOVE
from chant.spec.status import Status


@dataclass
class RunSummary:
    outcomes: list[Outcome] = field(default_factory=list)
    interrupted: bool = False
    stopped: str | None = None  # why the run stopped early with nothing failed (e.g. the checkout left main)

    @property
    def exit_code(self) -> int:
        """0 when everything completed, 128 + the stop signal after an interruption (130 for Ctrl-C), else 1."""
        if self.interrupted:
            return 128 + stop_signal()
        return 0 if self.ok else 1

    @property
    def ok(self) -> bool:
        return not self.interrupted and not self.stopped and all(o.ok for o in self.outcomes)


class Scheduler:
    def __init__(
        self, project: Project, options: RunOptions, reporter: Reporter, max_parallel: int | None = None
    ):
        self.project = project
        self.options = options
        self.reporter: Reporter = journal.Tee(project, reporter)  # every run is journalled (run/journal.py)
        self.pipeline = Pipeline(project, options)
        self.pipeline.mainline.on_note = reporter.note
        self.pipeline.on_event = self.reporter.event
        configured = int(project.config.get("parallel.max", 4) or 4)
        self.max_parallel = max(1, max_parallel or configured)
        self._told: set[tuple[str, str]] = set()  # (spec, the spec it waits for) already reported

    # -- the unit of work shared by every mode ------------------------------------------------------
    def _execute(self, spec_id: str) -> Prepared | Outcome:
        return self.pipeline.execute(spec_id, on_start=self.reporter.started)

    def _finish(self, item: Prepared | Outcome) -> Outcome:
        try:
            outcome = item if isinstance(item, Outcome) else self.pipeline.complete(item)
        finally:
            # Integrated (or failed): specs that write the same files may start now.
            self.pipeline.board.release(item.spec_id if isinstance(item, Outcome) else item.spec.id)
        self.reporter.finished(outcome)
        return outcome

    def _finish_all(self, items: list[Prepared | Outcome]) -> list[Outcome]:
        """``_finish`` of several runs at once (``Pipeline.complete_many``)."""
        preps = [item for item in items if not isinstance(item, Outcome)]
        try:
            completed = iter(self.pipeline.complete_many(preps) if preps else [])
            outcomes = [item if isinstance(item, Outcome) else next(completed) for item in items]
        finally:
            for item in items:
                self.pipeline.board.release(item.spec_id if isinstance(item, Outcome) else item.spec.id)
        for outcome in outcomes:
            self.reporter.finished(outcome)
        return outcomes

    def _run_batch(self, spec_ids: list[str]) -> list[Outcome]:
        """Run specs concurrently, then check/integrate/finalize them in ID order."""
        if not spec_ids:
            return []
        try:
            return self._run_batch_inner(spec_ids)
        finally:
            self.pipeline.flush_branches()

    def _run_batch_inner(self, spec_ids: list[str]) -> list[Outcome]:
        order = ids.sorted_ids(spec_ids)
        outcomes: dict[str, Outcome] = {}
        done: dict[str, Prepared | Outcome] = {}
        waiting = list(order)
        running: dict[Future[Prepared | Outcome], str] = {}
        with ThreadPoolExecutor(max_workers=min(self.max_parallel, len(order))) as pool:

            def start() -> None:
                spent = self.pipeline.run_budget_crossed()
                if spent:
                    for spec_id in waiting:  # the invocation's budget is spent: nothing more starts
                        outcomes[spec_id] = self._not_started(spec_id, f"{spent} (not started)")
                        self.reporter.finished(outcomes[spec_id])
                    waiting.clear()
                    return
                # A spec waits while a running spec, or an earlier one still waiting, may write its files:
                # reserving for earlier IDs keeps the ID-ordered merges from waiting on each other.
                for spec_id in list(waiting):
                    if len(running) >= self.max_parallel:
                        return
                    earlier = {w: self._writes(w) for w in waiting[: waiting.index(spec_id)]}
                    if self._blocked(spec_id, earlier):
                        continue
                    waiting.remove(spec_id)
                    running[self._submit(pool, spec_id)] = spec_id

            try:
                start()
                while len(outcomes) < len(order):
                    if not running:
                        start()
                        continue
                    finished, _pending = _wait_any(list(running))
                    for future in finished:
                        done[running.pop(future)] = future.result()
                    # Integrate each spec as soon as it and every lower ID are done: merges stay in ID
                    # order, but overlap with siblings still running instead of all waiting for the last.
                    for spec_id in order:
                        if spec_id in outcomes:
                            continue
                        if spec_id not in done:
                            break
                        outcomes[spec_id] = self._finish(done.pop(spec_id))
                    start()
            except KeyboardInterrupt:
                self._interrupt()
                for future, spec_id in list(running.items()):
                    done[spec_id] = future.result()
                for spec_id in order:
                    if spec_id not in outcomes and spec_id in done:
                        outcomes[spec_id] = self._finish(done[spec_id])
                    elif spec_id not in outcomes:
                        outcomes[spec_id] = self._not_started(spec_id)
                raise Interrupted([outcomes[s] for s in order]) from None
        return [outcomes[s] for s in order]

    # -- write sets: overlapping specs never run together (run/writesets.py) -------------------------
    def _writes(self, spec_id: str) -> tuple[str, ...]:
        spec = self.project.specs().get(spec_id)
        return writesets.write_set(spec) if spec is not None else ()

    def _blocked(self, spec_id: str, also: dict[str, tuple[str, ...]] | None = None) -> bool:
        waits = self.pipeline.board.blockers(spec_id, self._writes(spec_id), dict(also or {}))
        for held in waits:
            if (spec_id, held.behind) not in self._told:
                self._told.add((spec_id, held.behind))
                self.reporter.event(
                    "spec_wait",
                    f"  {spec_id} {held.render()}",
                    id=spec_id,
                    waits_for=held.behind,
                    files=list(held.files),
                )
        return bool(waits)

    def _submit(self, pool: ThreadPoolExecutor, spec_id: str) -> Future[Prepared | Outcome]:
        spec = self.project.specs().get(spec_id)
        title = spec.display_title if spec is not None else spec_id
        self.pipeline.board.register(spec_id, title, self._writes(spec_id))
        return pool.submit(self._execute, spec_id)

    def _not_started(self, spec_id: str, reason: str = "interrupted before it started") -> Outcome:
        spec = self.project.specs().get(spec_id)
        title = spec.display_title if spec is not None else spec_id
        return Outcome(spec_id, title, "skipped", reason=reason)

    @contextmanager
    def signals_as_flag(self) -> Iterator[None]:
        """While the scheduler runs, SIGINT, SIGTERM and SIGHUP only set a flag that the waits turn into an
        interruption: each is handled like Ctrl-C (agents stopped, specs marked, worktrees kept for resume).
        A closed terminal (SIGHUP) or a service manager's stop (SIGTERM) must not leave specs in_progress
        with their agents running on."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        _STOP.clear()
        _STOP_SIGNAL[:] = []
        previous = {sig: signal.signal(sig, _on_stop_signal) for sig in STOP_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _interrupt(self) -> None:
        # A second Ctrl-C (users press it twice) used to land in the middle of this cleanup and leave
        # specs in_progress. From here on chant only stops agents, records outcomes and exits (128 + the
        # signal), so further stop signals are ignored; SIGKILL still ends it (the watchdogs then stop
        # the agents).
        if threading.current_thread() is threading.main_thread():
            for sig in STOP_SIGNALS:
                signal.signal(sig, signal.SIG_IGN)
            try:
                print(
                    "Interrupted: stopping agents and recording their state (further signals are ignored)...",
                    file=sys.stderr,
                    flush=True,
                )
            except OSError:
                pass  # the terminal is gone (SIGHUP)
        self.options.cancel.set()
        process.kill_all()

    # -- single ---------------------------------------------------------------------------------
    def _preflight(self, spec_ids: list[str]) -> None:
        """Refuse the whole run before its first write when the pre-flight finds a problem."""
        for problem in self.pipeline.preflight(spec_ids):
            self.reporter.note(f"warning: {problem.render()}")

    @journal.recorded("single")
    def run_single(self, spec_id: str) -> RunSummary:
        self.pipeline.recover()
        spec = self.project.resolve(spec_id)
        self._preflight([spec.id])
        self.reporter.working(spec.id, spec.display_title)
        try:
            outcomes = self._run_batch([spec.id])
        except Interrupted as stop:
            return self._report_interrupt(stop.outcomes)
        for outcome in outcomes:
            self.reporter.result(outcome)
        return RunSummary(outcomes)

    # -- driver ---------------------------------------------------------------------------------
    @journal.recorded("driver")
    def run_driver(self, driver_id: str, *, sequential: bool = False) -> RunSummary:
        # The driver's own run lock is held for the whole run, so between phases it never looks stranded
        # and a second `chant work <driver>` is refused; its wrap-up run borrows the lock.
        lock = acquire_run_lock(self.project, driver_id)
        self.pipeline.held[driver_id] = lock
        self.pipeline.recover()
        try:
            return self._run_driver(driver_id, sequential=sequential)
        finally:
            self.pipeline.held.pop(driver_id, None)
            lock.release()

    def _run_driver(  # noqa: PLR0915 - being split by the parallel-scheduling work (issues 12/13)
        self, driver_id: str, *, sequential: bool = False
    ) -> RunSummary:
        project = self.project
        graph = Graph.of(project.specs(refresh=True))
        driver = graph.specs[driver_id]
        members = graph.members(driver_id)
        if not members:
            raise ChantError(f"{driver_id} is a driver with no member specs")
        if driver.status == Status.CANCELLED:
            raise ChantError(f"{driver_id} is cancelled")
        # A driver's approval is checked on its members and its wrap-up run (the pipeline), not here.
        graph.refuse_if_blocked(driver_id, skip_deps=self.options.skip_deps, skip_approval=True)
        phases = graph.phases(driver_id)
        if sequential:
            flat = [m for p in phases for m in p.members]
            phases = [Phase(i + 1, (m,), False) for i, m in enumerate(flat)]
        edges = graph.member_edges(driver_id)
        self._preflight([driver_id, *(m for m in members if graph.specs[m].status != Status.COMPLETED)])
        self.reporter.working(driver_id, driver.display_title)
        self.pipeline.drop_merged_branches(
            [m for m in members if graph.specs[m].status in (Status.COMPLETED, Status.CANCELLED)]
        )
        if driver.status != Status.IN_PROGRESS:
            with self.pipeline.main_lock():
                self.pipeline.record(
                    driver_id,
                    {"failure_reason": REMOVE},
                    status=Status.IN_PROGRESS,
                    force=True,
                    message=f"chant({driver_id}): start driver",
                )
        summary = RunSummary()
        bad: set[str] = set()
        for phase in phases:
            self.reporter.phase_start(phase)
            graph = Graph.of(project.specs(refresh=True))
            done = [m for m in phase.members if graph.specs[m].status == Status.COMPLETED]
            skipped = {m: [d for d in edges[m] if d in bad] for m in phase.members if m not in done}
            skipped = {m: blockers for m, blockers in skipped.items() if blockers}
            runnable = [m for m in phase.members if m not in done and m not in skipped]
            interrupted: list[Outcome] | None = None
            try:
                outcomes = self._run_batch(runnable)
            except Interrupted as stop:
                outcomes, interrupted = stop.outcomes, stop.outcomes
            for member in done:
                outcomes.append(
                    Outcome(member, graph.specs[member].display_title, "completed", reason="done earlier")
                )
            for member, blockers in skipped.items():
                outcomes.append(
                    Outcome(
                        member,
                        graph.specs[member].display_title,
                        "skipped",
                        reason="blocked by " + ", ".join(blockers),
                    )
                )
            outcomes.sort(key=lambda o: ids.sort_key(o.spec_id))
            bad.update(o.spec_id for o in outcomes if not o.ok)
            summary.outcomes.extend(outcomes)
            self.reporter.phase_done(phase, outcomes)
            if interrupted is not None:
                summary.interrupted = True
                self._mark_driver(driver_id, Status.FAILED, "interrupted")
                self.reporter.note("Interrupted. Run the same command again to resume.")
                return summary
            left = self.pipeline.mainline.left_main
            if left and phase is not phases[-1]:
                reason = f"stopped: the checkout left {self.pipeline.main_branch} (now on {left})"
                self._mark_driver(driver_id, Status.FAILED, reason)
                summary.stopped = reason
                self.reporter.note(
                    f"Your checkout switched to {left}: this phase's results are recorded on "
                    f"{self.pipeline.main_branch} and the run stops. `git switch "
                    f"{self.pipeline.main_branch}`, then `chant work {driver_id}` resumes."
                )
                return summary
        member_outcomes = [o for o in summary.outcomes if o.spec_id in members]
        if bad:
            failed = [o for o in member_outcomes if o.state not in ("completed", "skipped")]
            skipped_n = sum(1 for o in member_outcomes if o.state == "skipped")
            succeeded = len(members) - len(failed) - skipped_n
            self._mark_driver(driver_id, Status.FAILED, f"{len(failed)} member(s) failed")
            self.reporter.note(
                f"Driver failed. {succeeded} of {len(members)} members succeeded, "
                f"{len(failed)} failed, {skipped_n} skipped."
            )
            for outcome in failed:
                self.reporter.note(f"  {outcome.spec_id}: {outcome.reason}")
            self.reporter.note(f"Fix the cause, then run `chant work {quote(driver_id)}` again to resume.")
            return summary
        wrap = self._wrap_up(driver_id)
        if wrap is not None:
            summary.outcomes.append(wrap)
            if not wrap.ok:
                self.reporter.result(wrap)
                self.reporter.note(f"Driver wrap-up failed: {wrap.reason}")
                return summary
        self.reporter.note(f"Driver complete. All {len(members)} members succeeded.")
        return summary

    def _wrap_up(self, driver_id: str) -> Outcome | None:
        """A driver with its own target files or open criteria gets a run of its own; else it auto-completes."""
        crashpoints.point("driver-complete")
        driver = self.project.reload(driver_id)
        if driver.target_files or driver.unchecked:
            try:
                outcomes = self._run_batch([driver_id])
            except Interrupted as stop:
                outcomes = stop.outcomes
            return outcomes[0]
        with self.pipeline.main_lock():
            self.pipeline.record(
                driver_id,
                {
                    "completed_at": clock.iso(),
                    "model": "auto-completed",
                    "failure_reason": REMOVE,
                    "branch": REMOVE,
                },
                status=Status.COMPLETED,
                force=True,
                message=f"chant({driver_id}): complete",
            )
        return None

    def _mark_driver(self, driver_id: str, status: Status, reason: str) -> None:
        with self.pipeline.main_lock():
            self.pipeline.record(
                driver_id,
                {"failure_reason": reason},
                status=status,
                force=True,
                message=f"chant({driver_id}): {status.value}",
            )

    # -- queue (parallel) and chain ---------------------------------------------------------------
    @journal.recorded("queue")
    def run_queue(  # noqa: C901, PLR0915 - the refill loop: start, wait, record; just reshaped by issues 12/13
        self, only: list[str] | None = None, *, stop_on_failure: bool = False
    ) -> RunSummary:
        """Run ready specs (or just ``only``) at most ``max_parallel`` at a time; refill as deps complete."""
        self.pipeline.recover()
        summary = RunSummary()
        attempted: set[str] = set()
        failed: set[str] = set()
        lock = threading.Lock()
        with ThreadPoolExecutor(max_workers=self.max_parallel) as pool:
            running: dict[Future[Prepared | Outcome], str] = {}
            # Scanned once; then only finished specs and their dependents are re-judged (run/readyset.py).
            ready = ReadySet(self.project)
            # What an earlier run of this queue left unfinished (Ctrl-C, kill -9) is resumed first, so "run
            # the same command again" does resume: those specs are not `ready`, the graph says they started.
            resume = self._unfinished(ready.graph, only)
            # A killed queue leaves its last merged branches (they are deleted in batches): gone now.
            self.pipeline.drop_merged_branches(
                [s for s, spec in ready.graph.specs.items() if spec.status == Status.COMPLETED]
            )
            if resume:
                self.reporter.note(
                    f"Resuming {len(resume)} spec(s) an earlier run left unfinished: {', '.join(resume)}"
                )

            def refill() -> None:
                if self.pipeline.mainline.left_main:
                    return  # spec state is read from the checkout, which is no longer main's
                spent = self.pipeline.run_budget_crossed()
                if spent:
                    if not summary.stopped:
                        summary.stopped = spent
                        self.reporter.note(f"Stopped: {spent}; no more specs start in this run.")
                    return
                while resume and len(running) < self.max_parallel:
                    spec_id = resume.pop(0)
                    ready.discard(spec_id)
                    attempted.add(spec_id)
                    running[self._submit(pool, spec_id)] = spec_id
                for spec_id in ready:
                    if len(running) >= self.max_parallel:
                        return
                    if spec_id in attempted or ready.graph.is_driver(spec_id):
                        ready.discard(spec_id)
                        continue
                    if only is not None and spec_id not in only:
                        ready.discard(spec_id)
                        continue
                    if self._blocked(spec_id):
                        continue  # stays ready: offered again by the refill after the spec it waits for
                    ready.discard(spec_id)
                    attempted.add(spec_id)
                    running[self._submit(pool, spec_id)] = spec_id

            refill()
            # A driver whose members all finished earlier (e.g. its wrap-up failed) is still work to do.
            if not running and not self._finishable_drivers(None if only is None else set(only)):
                raise ChantError("No ready specs to work", hint="`chant list` shows what blocks them")
            try:
                while running:
                    done, _pending = _wait_any(list(running))
                    # Runs that finished together merge under one hold of the main lock and record their
                    # statuses in one commit; in ID order, as a phase merges.
                    finished = sorted(done, key=lambda f: running[f])
                    for future in finished:
                        running.pop(future)
                    for outcome in self._finish_all([f.result() for f in finished]):
                        with lock:
                            summary.outcomes.append(outcome)
                        self.reporter.result(outcome)
                        ready.finished(outcome.spec_id)
                        self.pipeline.flush_branches(at_least=BRANCH_BATCH)
                        if not outcome.ok:
                            failed.add(outcome.spec_id)
                    if failed and stop_on_failure:
                        for future in list(running):
                            outcome = self._finish(future.result())
                            summary.outcomes.append(outcome)
                            self.reporter.result(outcome)
                        running.clear()
                        break
                    refill()
                    if not running and not self.pipeline.mainline.left_main and ready.rescan():
                        refill()  # drained: specs added or approved meanwhile are work of this run too
            except KeyboardInterrupt:
                self._interrupt()
                for future in list(running):
                    outcome = self._finish(future.result())
                    summary.outcomes.append(outcome)
                    self.reporter.result(outcome)
                summary.interrupted = True
        self.pipeline.flush_branches()
        # The wrap-up runs of drivers whose members are now all done are part of this command: their
        # outcomes are printed and decide the exit code (they used to be dropped, so a failed wrap-up
        # exited 0). Not after Ctrl-C or a chain's failure, and with explicit IDs only for the drivers of
        # specs this run touched.
        if not summary.interrupted and not (failed and stop_on_failure):
            scope = None if only is None else set(only) | attempted
            for outcome in self._complete_finished_drivers(scope):
                summary.outcomes.append(outcome)
                self.reporter.result(outcome)
        return summary

    def _unfinished(self, graph: Graph, only: list[str] | None) -> list[str]:
        """Specs outside any driver that a dead or interrupted run left behind: ``in_progress`` with no
        chant holding them (stranded) or ``failed: interrupted``. A driver's members resume with their
        driver (``chant work <driver>``), which knows their phases."""
        stranded = set(recovery.stranded(self.project))
        found = []
        for spec_id in ids.sorted_ids(graph.specs):
            spec = graph.specs[spec_id]
            if (only is not None and spec_id not in only) or graph.is_driver(spec_id):
                continue
            if graph.driver_of(spec_id) is not None:
                continue
            interrupted = spec.status == Status.FAILED and spec.get("failure_reason") == "interrupted"
            if spec_id in stranded or interrupted:
                found.append(spec_id)
        return found

    def _finishable_drivers(self, scope: set[str] | None = None) -> list[str]:
        """Unfinished drivers whose members are all done (within ``scope``: the driver or one member)."""
        graph = Graph.of(self.project.specs(refresh=True))
        found: list[str] = []
        for spec_id in ids.sorted_ids(graph.specs):
            members = graph.members(spec_id)
            spec = graph.specs[spec_id]
            if scope is not None and spec_id not in scope and not scope.intersection(members):
                continue
            if (
                members
                and spec.status not in (Status.COMPLETED, Status.CANCELLED)
                and all(graph.specs[m].status in (Status.COMPLETED, Status.CANCELLED) for m in members)
            ):
                found.append(spec_id)
        return found

    def _complete_finished_drivers(self, scope: set[str] | None = None) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for spec_id in self._finishable_drivers(scope):
            outcome = self._wrap_up(spec_id)
            if outcome is not None:
                outcomes.append(outcome)
        return outcomes

    def _report_interrupt(self, outcomes: list[Outcome]) -> RunSummary:
        for outcome in outcomes:
            self.reporter.result(outcome)
        self.reporter.note("Interrupted. Run the same command again to resume.")
        return RunSummary(outcomes, interrupted=True)


# A queue deletes its merged branches in batches of this many (and the rest at its end).
BRANCH_BATCH = 32


class Interrupted(Exception):
    def __init__(self, outcomes: list[Outcome]) -> None:
        super().__init__("interrupted")
        self.outcomes = outcomes


# Ctrl-C is turned into a flag while a scheduler runs (see Scheduler.sigint_as_flag) and raised as
# KeyboardInterrupt only here, at safe points. An asynchronous KeyboardInterrupt can land inside
# Condition.wait() of a Future and leave its lock held, so the worker that later sets the result blocks
# forever: `chant work` then hung after Ctrl-C on a loaded machine. It also never cuts an integration
# (merge + finalize) in half.
_STOP = threading.Event()
_STOP_SIGNAL: list[int] = []  # the first stop signal received, for the exit status
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _on_stop_signal(signum: int, _frame: object) -> None:
    if not _STOP_SIGNAL:
        _STOP_SIGNAL.append(signum)
    if signum == signal.SIGHUP:
        _detach_terminal()
    _STOP.set()


def stop_signal() -> int:
    return _STOP_SIGNAL[0] if _STOP_SIGNAL else signal.SIGINT


def _detach_terminal() -> None:
    """After a hangup, writes to the terminal fail (EIO) and would abort the cleanup half-way: point the
    terminal's descriptors at /dev/null. Pipes and files (a log, a test harness) are left alone."""
    import os
    import stat

    try:
        devnull = os.open(os.devnull, os.O_RDWR)
    except OSError:
        return
    try:
        for fd in (0, 1, 2):
            try:
                if stat.S_ISCHR(os.fstat(fd).st_mode):
                    os.dup2(devnull, fd)
            except OSError:
                continue
    finally:
        os.close(devnull)


def _wait_interruptibly(future: Future[Prepared | Outcome]) -> Prepared | Outcome:
    while True:
        if _STOP.is_set():
            raise KeyboardInterrupt
        try:
            return future.result(timeout=0.2)
        except TimeoutError:
            continue


def _wait_any(
    futures: list[Future[Prepared | Outcome]],
) -> tuple[set[Future[Prepared | Outcome]], set[Future[Prepared | Outcome]]]:
    while True:
        if _STOP.is_set():
            raise KeyboardInterrupt
        done, pending = wait(futures, timeout=0.2, return_when=FIRST_COMPLETED)
        if done:
            return done, pending
