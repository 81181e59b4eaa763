"""The one execution pipeline: prepare -> run agent -> check -> integrate -> finalize.

Every mode (single, driver, parallel, chain) feeds specs through these steps; only scheduling differs.
Everything that moves the main branch (status commits, merges) happens under the project's integration
lock, so concurrent members and concurrent chant processes never race on it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from chant import clock, git, layout, sparse, validate
from chant.agents import AgentResult, get_agent, process
from chant.errors import ChantError
from chant.graph import Graph, refuse_blocked
from chant.layout import acquire_run_lock, branch_name, pause_request_path, worktree_path, worktree_root
from chant.locks import FileLock
from chant.project import Project, atomic_write
from chant.run import (
    crashpoints,
    executors,
    gate,
    guard,
    invoke,
    logs,
    prompts,
    ratelimit,
    readyset,
    retry,
    worktrees,
)
from chant.run.board import Board
from chant.run.budget import Budget, BudgetError, Ledger, Scope, Spend, parse_seconds
from chant.run.local_changes import overwritten_by_merge
from chant.run.logs import SpecLog
from chant.run.mainline import Mainline, MainLock, StatusChange
from chant.shell import quote
from chant.spec.edit import REMOVE
from chant.spec.model import Spec
from chant.spec.status import Status


@dataclass
class RunOptions:
    agent: str | None = None
    model: str | None = None
    prompt: str | None = None
    timeout: float | None = None
    skip_deps: bool = False
    skip_approval: bool = False
    allow_completed: bool = False
    allow_red: bool = (
        True  # run specs graded red (chant.spec.quality); `chant work` without a terminal: --force
    )
    cancel: threading.Event = field(default_factory=threading.Event)
    executor: str | None = None  # where agents run: local (default) or ray (run/executors/)
    address: str | None = None  # the Ray cluster's address
    retries: int | None = None  # --retries: overrides the spec's retries: and defaults.retries
    budget: Budget | None = None  # --budget: the cap of this whole invocation
    best_of: int = 1  # --best-of N: candidates per spec (run/bestof.py)
    agents: list[str] = field(default_factory=list)  # --agents: the candidates' agents, in turn
    pick: str = "first"  # --pick first|smallest


def sparse_section(dirs: list[str] | None) -> str:
    """The prompt section telling the agent what a sparse worktree holds ("" for a full checkout)."""
    if not dirs:
        return ""
    shown = "\n".join(f"- `{d}/`" for d in dirs)
    return (
        "## Sparse checkout\n\n"
        "Only part of the repository is checked out in your worktree (the spec's `sparse:`): the files at "
        "its top level, the files directly inside the parents of these directories, and everything "
        f"under:\n\n{shown}\n\n"
        "Other paths exist in the repository but not on disk; read them with `git show HEAD:<path>` if you "
        "must. Keep your changes inside these directories. `git add` refuses a path outside them; if you "
        "really must add one, use `git add --sparse <path>` and commit it, or it is not integrated.\n"
    )


def uncommitted_note(porcelain: list[str], dirs: list[str] | None, limit: int = 5) -> str:
    """The files ``git status --porcelain`` lines name, those outside a sparse cone marked (pure)."""
    paths = [line[3:].split(" -> ")[-1].strip('"') for line in porcelain]
    shown = []
    for path in paths[:limit]:
        probe = path + "-" if path.endswith("/") else path  # "?? docs/": a new directory's files
        outside = dirs is not None and not sparse.contains(dirs, probe)
        shown.append(f"{path} (outside the sparse checkout: `git add --sparse` adds it)" if outside else path)
    more = f" and {len(paths) - limit} more" if len(paths) > limit else ""
    return ", ".join(shown) + more


class Stopped(StrEnum):
    """A run stopped from outside (``chant pause``, Ctrl-C): not a judgement of the agent's work. As str
    values they read as the reason recorded; compare with ``is``, so that no message can pass for one."""

    PAUSED = "paused"
    INTERRUPTED = "interrupted"


# check()'s answer: None = acceptable work, Stopped = not judged, str = why the work is refused.
Verdict = Stopped | str | None

# How one spec's run ended (docs/json.md: spec_end.state).
RunState = Literal["completed", "failed", "needs_attention", "skipped", "cancelled", "paused"]


@dataclass
class Outcome:
    spec_id: str
    title: str
    state: RunState
    duration: float = 0.0
    started: float = 0.0
    ended: float = 0.0
    reason: str | None = None
    commits: list[str] = field(default_factory=list)
    model: str | None = None
    gate_s: float | None = None  # time spent in the merge gate (None: no gate ran)
    attempts: int = 1

    @property
    def ok(self) -> bool:
        return self.state == "completed"


@dataclass
class Prepared:
    spec: Spec
    lock: FileLock
    branch: str
    worktree: Path
    base: str
    spec_rel: str
    prompt_name: str
    agent_name: str
    log: SpecLog
    started: float
    result: AgentResult | None = None
    commits: list[str] = field(default_factory=list)
    drop_branch: bool = False  # merged (or empty): delete it once its worktree is gone
    checked: bool = False
    reason: Verdict = None  # check()'s verdict once ``checked``
    worktree_removed: bool = False
    merged: str | None = None  # adopted branch already merged into main (by hand): finalize on this commit
    # Silent mode (.chant/ git-ignored): the spec is not in the worktree's tree, so chant copies it in and
    # reads the agent's ticks from that copy instead of from the branch.
    untracked_spec: bool = False
    spec_text: str | None = None
    # What the agent did outside its branch (refs it moved, .git/config or hooks it wrote): needs attention.
    trespass: list[str] = field(default_factory=list)
    attention: bool = False  # check()'s reason is one a human must look at (needs_attention, not failed)
    lease: worktrees.Lease | None = None  # the pool's worktree this run works in (run/worktrees.py)
    sparse: list[str] | None = None  # the directories its worktree checks out (None: all; chant/sparse.py)
    gate_s: float | None = None  # seconds spent in the merge gate
    gated: gate.GateRun | None = None  # the gate's run on main + this branch, before the main lock
    attempts: list[dict[str, Any]] = field(default_factory=list)  # recorded as the spec's attempts:
    feedback: str | None = None  # what the next attempt's prompt says about the last one
    budget_reason: str | None = None  # a cap this spec's agent crossed (it was stopped, no retry)
    scopes: list[Scope] = field(default_factory=list)  # the budgets this spec's spend counts against
    prompt_text: str | None = None  # a task other than the spec's own (resolving a conflict)
    limit_waited: float = 0.0  # seconds this spec has paused the queue for usage limits, in total


class Pipeline:
    def __init__(self, project: Project, options: RunOptions) -> None:
        self.project = project
        self.options = options
        self.main_branch = main_branch(project)
        self.mainline = Mainline(project, self.main_branch)
        self._dead_branches: list[str] = []
        self._dead_lock = threading.Lock()
        self._guard: guard.GitGuard | None = None
        # Run locks a scheduler already holds for the whole run (a driver's own lock): its wrap-up reuses it.
        self.held: dict[str, FileLock] = {}
        self._preflown: set[str] = set()  # specs (and "" for the project) the pre-flight passed
        self._preflight_mutex = threading.Lock()  # parallel prepares: the project is checked once, first
        self.executor = executors.make(options.executor, project, options.address)
        self.pool = worktrees.Pool(
            project, worktree_root(project), clear_locks=self.mainline.clear_stale_locks
        )
        self.board = Board()  # the specs running now and their write sets (scheduler + sibling prompts)
        self.on_event: Callable[..., None] = lambda name, text, **data: None  # the scheduler's reporter
        self.ledger = Ledger()
        self.pause = ratelimit.QueuePause(lambda name, text, **data: self.on_event(name, text, **data))

    # -- shared helpers ---------------------------------------------------------------------------------
    def main_lock(self) -> MainLock:
        return self.mainline.lock()

    def branch_name(self, spec_id: str) -> str:
        return branch_name(self.project, spec_id)

    def worktree_path(self, spec_id: str) -> Path:
        return worktree_path(self.project, spec_id)

    def record(
        self, spec_id: str, updates: dict[str, Any], *, status: Status, force: bool = False, message: str
    ) -> Spec:
        """Edit the spec and commit that onto the main branch (``Mainline.record``); caller holds the main
        lock. The commit goes to the main branch by compare-and-swap whatever the user has checked out."""
        return self.mainline.record(spec_id, updates, status=status, force=force, message=message)

    # -- prepare ---------------------------------------------------------------------------------------
    def preflight(self, spec_ids: list[str]) -> list[validate.Problem]:
        """chant.validate's pre-flight of these specs (once per spec and run): raises before any write;
        returns the warnings (e.g. an unknown config key)."""
        with self._preflight_mutex:
            return self._preflight(spec_ids)

    def _preflight(self, spec_ids: list[str]) -> list[validate.Problem]:
        todo = [s for s in spec_ids if s not in self._preflown]
        if not todo and "" in self._preflown:
            return []
        specs = self.project.specs()
        chosen = [specs.active[s] for s in todo if s in specs.active]
        options = self.options
        warnings = validate.check(
            self.project,
            chosen,
            agent=options.agent,
            prompt=options.prompt,
            project_checks="" not in self._preflown,
            allow_red=options.allow_red,
        )
        self._preflown.update(["", *todo])
        return warnings

    def prepare(self, spec_id: str) -> Prepared:
        project = self.project
        lock: FileLock
        if spec_id in self.held:
            lock = _Borrowed(self.held[spec_id])
        else:
            lock = acquire_run_lock(project, spec_id)
        try:
            return self._prepare_locked(spec_id, lock)
        except BaseException:
            lock.release()
            raise

    def _prepare_locked(self, spec_id: str, lock: FileLock) -> Prepared:
        project = self.project
        # Blockers judged on the files as they are now: re-reading only the specs that decide them keeps a
        # 1,000-spec queue from rescanning every spec per spec (run/readyset.py).
        judged = readyset.fresh_blockers(project, spec_id)
        if judged is None:
            graph = Graph.of(project.specs(refresh=True))
            judged = graph, graph.blockers(spec_id)
        spec = project.reload(spec_id)
        status = spec.status
        if status == Status.CANCELLED:
            raise ChantError(
                f"{spec_id} is cancelled", hint=f"`chant reset {quote(spec_id)}` makes it pending again"
            )
        if status == Status.COMPLETED and not self.options.allow_completed:
            raise ChantError(
                f"{spec_id} is already completed", hint=f"`chant replay {quote(spec_id)}` re-runs it"
            )
        refuse_blocked(
            spec_id, judged[1], skip_deps=self.options.skip_deps, skip_approval=self.options.skip_approval
        )
        branch = self.branch_name(spec_id)
        worktree = self.worktree_path(spec_id)
        spec_rel = project.rel(spec.path)
        has_branch = git.branch_exists(project.root, branch)
        adopted = self._adopt_if_merged(spec, lock, branch) if has_branch else None
        if adopted is not None:
            return adopted
        self.preflight([spec_id])
        if self.mainline.left_main or not self.mainline.on_main():
            raise ChantError(
                f"your checkout left {self.main_branch}: chant starts no more specs in this run",
                hint=f"`git switch {self.main_branch}`, then run the same command again",
            )
        pause_request_path(project, spec_id).unlink(missing_ok=True)  # left by an earlier run
        # Without the main lock: while another run holds it (a merge), this edit joins its status commit.
        _spec, base = self.mainline.record_waiting(
            spec_id,
            {"branch": branch, "failure_reason": REMOVE},
            status=Status.IN_PROGRESS,
            force=status == Status.IN_PROGRESS,
            message=f"chant({spec_id}): start",
        )
        crashpoints.point("start")
        # The worktree is created from the explicit base commit (which holds the in_progress status), so it
        # needs no main lock: members of a phase check out their trees concurrently instead of one by one.
        # (git guards a worktree being created against a concurrent `worktree prune`.)
        # We hold the run lock and the watchdog held it until the last agent of this spec was gone: a lock
        # file left in the spec's branch ref or worktree is a killed git's (e.g. the agent's `git commit`).
        common = self.mainline.git_dirs()[1]
        self.mainline.clear_stale_locks(
            [common / "refs" / "heads" / f"{branch}.lock"]
            + [common / "worktrees" / worktree.name / name for name in ("index.lock", "HEAD.lock")]
        )
        # Resume on an existing branch so an earlier run's commits are never thrown away.
        cone = sparse.cone(spec.values("sparse"))
        lease = self.pool.acquire(worktree, branch, None if has_branch else base, cone)
        if has_branch:
            base = git.merge_base(project.root, self.main_branch, branch) or base
        try:
            return self._prepared(spec_id, lock, branch, worktree, base, spec_rel, lease)
        except BaseException:
            self.pool.release(lease)
            raise

    def _prepared(
        self,
        spec_id: str,
        lock: FileLock,
        branch: str,
        worktree: Path,
        base: str,
        spec_rel: str,
        lease: worktrees.Lease,
    ) -> Prepared:
        project = self.project
        spec = project.reload(spec_id)
        untracked_spec = not git.path_exists_at(project.root, base, spec_rel)
        if untracked_spec:
            copy = worktree / spec_rel
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_text(spec.path.read_text(encoding="utf-8"), encoding="utf-8")
        prompt_name = prompts.choose(project, spec, self.options.prompt)
        agent_name = invoke.agent_name(project, self.options.agent, spec)
        log = SpecLog(layout.log_path(project, spec_id), logs.max_bytes(project.config))
        log.start(spec_id, agent=agent_name, prompt=prompt_name, model=self._model(spec, agent_name))
        log.write(f"worktree: {worktree}  branch: {branch}  base: {base}")
        prep = Prepared(
            spec, lock, branch, worktree, base, spec_rel, prompt_name, agent_name, log, time.monotonic()
        )
        prep.untracked_spec = untracked_spec
        prep.lease = lease
        prep.sparse = lease.sparse
        if lease.sparse:
            log.write(
                "sparse checkout: " + ", ".join(d + "/" for d in lease.sparse) + " (and top-level files)"
            )
        return prep

    def _model(self, spec: Spec, agent_name: str) -> str | None:
        return invoke.model(self.project, spec, agent_name, self.options.model)

    # -- run agent -------------------------------------------------------------------------------------
    def run_agent(self, prep: Prepared) -> AgentResult:
        project = self.project
        spec_path = prep.worktree / prep.spec_rel
        values = prompts.variables(project, prep.spec, prep.worktree, prep.branch, spec_path)
        if prep.prompt_text is not None:
            text = prep.prompt_text
        else:
            text = prompts.render(prompts.load_template(project, prep.prompt_name), values)
            extras = (sparse_section(prep.sparse), self.board.siblings_section(prep.spec.id), prep.feedback)
            for extra in extras:
                if extra:
                    text = text.rstrip("\n") + "\n\n" + extra
        prompt_file = project.run_dir / "prompts" / f"{prep.spec.id}.md"
        prompt_file.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(prompt_file, text)
        model = self._model(prep.spec, prep.agent_name)
        # A best-of candidate's branch is <branch>--try<k>: its agent gets its own reflog tag, so the
        # candidates' commits are not taken for each other's trespasses.
        tag = prep.spec.id + prep.branch[len(self.branch_name(prep.spec.id)) :]
        timeout = invoke.timeout(project, self.options.timeout)
        left = self.ledger.time_left(prep.scopes)
        if left is not None and (timeout is None or left < timeout):
            timeout = max(0.1, left)  # the time budget is the tighter limit
        request = invoke.request(
            project,
            spec_id=prep.spec.id,
            agent=prep.agent_name,
            prompt=text,
            prompt_file=prompt_file,
            worktree=prep.worktree,
            model=model,
            timeout=timeout,
            log=prep.log.write,
            env={
                "CHANT_SPEC_FILE": str(spec_path),
                "CHANT_WORKTREE": "1",
                "CHANT_BRANCH": prep.branch,
                "CHANT_TASK": "resolve" if prep.prompt_text is not None else "spec",
                # Tags every ref update the agent's git makes in the reflogs (see run/guard.py).
                "GIT_REFLOG_ACTION": guard.reflog_action(tag),
            },
            on_usage=self._usage_hook(prep),
        )
        try:
            agent = get_agent(prep.agent_name)
        except ValueError as exc:
            return AgentResult(False, None, str(exc), None)
        prep.log.write(f"--- agent {prep.agent_name} started ---")
        # This agent stops on Ctrl-C (the run's cancel flag) or on `chant pause` (a request file).
        watcher = _StopWatcher(self.options.cancel, request.cancel, pause_request_path(project, prep.spec.id))
        if crashpoints.armed("agent"):
            _crash_once_an_agent_runs()
        git_guard = self._git_guard()
        refs = guard.RefWatch.start(self.mainline.git_dirs()[1])
        result_box: list[AgentResult] = []
        try:
            # Every process the agent starts hands the run lock to its watchdog: if this chant dies, the
            # lock stays held until the agent's whole process group is gone.
            # The pool slot's lock goes with it: no other run cleans this worktree while the agent lives.
            with process.holding(prep.lock.fileno(), prep.lease.fileno() if prep.lease else -1):
                result = self.executor.run(prep, agent, request)
                result_box.append(result)
        finally:
            watcher.stop()
            moved = refs.foreign_updates(tag, prep.branch)
            prep.trespass = [f"updated {ref}" for ref in moved] + git_guard.check_and_restore(prep.spec.id)
            if result_box:
                prep.trespass += result_box[0].trespass
            for line in prep.trespass:
                prep.log.write(f"warning: outside its branch: {line}")
        prep.log.write(f"--- agent exited: ok={result.ok} exit={result.exit_code} model={result.model} ---")
        prep.result = result
        return result

    def _usage_hook(self, prep: Prepared) -> Callable[[float | None, int | None, int | None], str | None]:
        started = time.monotonic()

        def hook(cost: float | None, tokens_in: int | None, tokens_out: int | None) -> str | None:
            pending = Spend(cost or 0.0, (tokens_in or 0) + (tokens_out or 0), time.monotonic() - started)
            reason = self.ledger.crossed(prep.scopes, pending)
            if reason and prep.budget_reason is None:
                prep.budget_reason = f"{reason} (agent stopped)"
                self.on_event(
                    "budget_stop", f"  {prep.spec.id}: {prep.budget_reason}", id=prep.spec.id, reason=reason
                )
            return prep.budget_reason if reason else None

        return hook

    def scopes(self, spec: Spec) -> list[Scope]:
        """The budgets a spec's spend counts against: its own, its driver's, this invocation's."""
        config = self.project.config
        where = self.project.rel(spec.path)
        try:
            own = Budget.from_mapping(spec.get("budget"), f"{where}: budget").tighter(
                Budget.from_mapping(config.get("budget.spec"), "budget.spec in config")
            )
            found = [Scope(f"spec:{spec.id}", "spec", own)]
            driver_id = spec.id.rsplit(".", 1)[0] if "." in spec.id else None
            driver = self.project.specs().get(driver_id) if driver_id else None
            if driver is not None:
                cap = Budget.from_mapping(driver.get("budget"), f"{self.project.rel(driver.path)}: budget")
                cap = cap.tighter(Budget.from_mapping(config.get("budget.driver"), "budget.driver in config"))
                found.append(Scope(f"driver:{driver.id}", f"driver {driver.id}", cap))
            run = Budget.from_mapping(config.get("budget.run"), "budget.run in config")
            found.append(Scope("run", "run", run.tighter(self.options.budget or Budget())))
        except BudgetError as exc:
            raise ChantError(str(exc), hint="budget: takes cost_usd, tokens and time (e.g. 30m)") from None
        return found

    def run_budget_crossed(self) -> str | None:
        """This invocation's cap is spent: the schedulers start nothing more."""
        try:
            run = Budget.from_mapping(self.project.config.get("budget.run"), "budget.run")
        except BudgetError:
            run = Budget()
        return self.ledger.crossed([Scope("run", "run", run.tighter(self.options.budget or Budget()))])

    def _git_guard(self) -> guard.GitGuard:
        """The snapshot of the shared .git/config and hooks, taken before the run's first agent starts."""
        with self._dead_lock:
            if self._guard is None:
                self._guard = guard.GitGuard(self.mainline.git_dirs()[1], self.project.run_dir / "rejected")
            return self._guard

    # -- check -----------------------------------------------------------------------------------------
    def check(self, prep: Prepared) -> Verdict:
        """``None`` when the branch holds acceptable work, a :class:`Stopped` when the run was stopped (not
        judged), else a one-line reason."""
        result = prep.result
        root = self.project.root
        if prep.trespass:
            prep.attention = True
            return "the agent wrote outside its branch: " + "; ".join(prep.trespass)
        if result is not None and not result.ok and prep.budget_reason:
            return prep.budget_reason
        if result is not None and not result.ok:
            if pause_request_path(self.project, prep.spec.id).exists():
                return (
                    Stopped.PAUSED
                )  # `chant pause` stopped it (it waits for our run lock, then removes the file)
            # kill_all() on Ctrl-C may reap the agent before its runner notices the cancel flag; that is
            # still an interruption, not an agent that "died of signal 15".
            if result.cancelled or self.options.cancel.is_set():
                return Stopped.INTERRUPTED
            if result.timed_out:  # the provider's reason may name what the agent was waiting for
                limit = self.options.timeout or self.project.config.get("defaults.timeout")
                return result.error or f"agent timed out after {limit}s"
            return result.error or f"agent exited with status {result.exit_code}"
        leftovers = git.status_porcelain(prep.worktree) if not prep.worktree_removed else []
        left_note = uncommitted_note(leftovers, prep.sparse)
        if leftovers:
            prep.log.write(
                f"warning: {len(leftovers)} uncommitted change(s) left in the worktree were not integrated: "
                + left_note
            )
        prep.commits = [
            sha
            for sha, message in git.log_messages(root, f"{prep.base}..{prep.branch}")
            if not git.is_bookkeeping(message)
        ]
        if not prep.commits:
            return f"no commits by the agent on {prep.branch}" + (
                f" (left uncommitted: {left_note})" if leftovers else ""
            )
        if prep.untracked_spec:
            copy = prep.worktree / prep.spec_rel
            text = copy.read_text(encoding="utf-8") if copy.exists() else None
            prep.spec_text = text
        else:
            text = git.show_file(root, prep.branch, prep.spec_rel)
        if text is None:
            prep.attention = result is not None
            return f"the spec file {prep.spec_rel} is missing on {prep.branch}"
        try:
            branch_spec = Spec.from_text(prep.spec.id, prep.spec.path, text)
        except ChantError as exc:
            return f"the agent left an unparsable spec: {exc.message}"
        if result is not None and branch_spec.status != Status.IN_PROGRESS:
            # chant owns status:. (`chant finalize`, a human's call, accepts the branch as it is.)
            prep.attention = True
            return f"the agent changed its spec's status to {branch_spec.status.value} on {prep.branch}"
        unchecked = branch_spec.unchecked
        if unchecked:
            first = unchecked[0].text
            return f"{len(unchecked)} acceptance criteri{'on' if len(unchecked) == 1 else 'a'} unchecked (first: {first})"
        missing = git.missing_at(root, prep.branch, list(prep.spec.target_files))
        if missing:
            return "target file(s) missing on the branch: " + ", ".join(missing)
        from chant.run import outputs

        return outputs.check(root, prep.spec, prep.branch)

    # -- integrate + finalize ------------------------------------------------------------------------
    def integrate(self, prep: Prepared, gated: gate.GateRun | None = None) -> tuple[str | None, list[str]]:
        """Merge the branch into main with a real merge commit. Returns (merge sha, conflicting files).
        With a merge gate, main only moves to a tree that passed it (``gated``: a run of the gate on a
        tree computed before the main lock was taken; run again here if the code changed since)."""
        root = self.project.root
        if prep.merged is not None:
            return prep.merged, []
        message = f"chant({prep.spec.id}): merge {prep.branch}\n\n{git.BOOKKEEPING_TRAILER}"
        cmds = gate.commands(self.project, prep.spec)
        if gate.skipped_spec_gate(self.project, prep.spec):
            prep.log.write("[gate] the spec's own gate: commands are not run (verify.run_commands is off)")
        for _attempt in range(5):
            main_tip, branch_tip = git.heads(root, self.main_branch, prep.branch)
            plan = git.merge_tree(root, main_tip, branch_tip)
            if plan.tree is None:
                return None, plan.conflicts
            merge = git.commit_tree(root, plan.tree, [main_tip, branch_tip], message)
            if cmds:
                if gated is None or not gate.same_code(root, gated.tree, plan.tree):
                    gated = self._gate(prep, merge, plan.tree, cmds)
                if not gated.ok:
                    raise GateFailed(gated)
            crashpoints.point("merge-commit")
            try:
                self.mainline.advance(main_tip, merge, message)
                return merge, []
            except git.GitError as exc:
                if git.head(root, self.main_branch) != main_tip:
                    continue  # main moved under us (e.g. `chant add` elsewhere): recompute
                files = overwritten_by_merge(exc.stderr)
                if files:
                    raise ChantError(
                        f"your uncommitted changes to {', '.join(files)} would be overwritten by the merge "
                        f"into {self.main_branch} (the branch itself merges cleanly)",
                        hint=f"commit or stash them, then `chant finalize {quote(prep.spec.id)}`",
                    ) from None
                raise ChantError(
                    f"cannot update your checkout of {self.main_branch}: {exc.summary}",
                    hint="commit or stash the uncommitted changes that block the merge",
                ) from None
        raise ChantError(f"{self.main_branch} kept moving while integrating {prep.spec.id}")

    def _gate(self, prep: Prepared, commit: str, tree: str, cmds: list[str]) -> gate.GateRun:
        run = gate.run(
            self.project,
            prep.spec.id,
            commit,
            tree,
            cmds,
            cancel=self.options.cancel,
            log=prep.log.write,
            slot=prep.worktree.name,
            keep=True,  # removed with the spec's worktree (_cleanup); a re-gate at merge time reuses it
        )
        prep.gate_s = (prep.gate_s or 0.0) + run.seconds
        verdict = "passed" if run.ok else "failed"
        self.on_event(
            "gate",
            f"  gate {verdict} for {prep.spec.id} in {run.seconds:.2f}s",
            id=prep.spec.id,
            ok=run.ok,
            duration_s=round(run.seconds, 3),
            command=run.command,
        )
        return run

    def _gate_in_worker(self, prep: Prepared) -> bool:
        """Gate in the spec's worker, before its merge, when that can pay: a failed gate can then be
        retried, a best-of candidate is judged by it, and a spec running alone lands the tree it tested.
        With siblings running, one of them usually merges first and the tree must be gated again at
        merge time anyway (bench/parallel_bench.py: 99 gate runs for 50 specs), so it waits for that."""
        if self.options.best_of > 1 or self._retries(prep.spec) > 0:
            return True
        return not any(e.spec_id != prep.spec.id for e in self.board.entries())

    def _gate_early(self, prep: Prepared) -> gate.GateRun | None:
        """Run the gate before taking the main lock, on main + the branch as they are now: the lock is then
        held only for the merge (other specs keep starting), and integrate() re-gates only if code on main
        moved meanwhile (chant's own status commits do not count)."""
        if prep.merged is not None:
            return None
        cmds = gate.commands(self.project, prep.spec)
        if not cmds:
            return None
        root = self.project.root
        main_tip, branch_tip = git.heads(root, self.main_branch, prep.branch)
        plan = git.merge_tree(root, main_tip, branch_tip)
        if plan.tree is None:
            return None  # a conflict: integrate() reports it
        commit = git.commit_tree(root, plan.tree, [main_tip, branch_tip], f"chant({prep.spec.id}): gate")
        return self._gate(prep, commit, plan.tree, cmds)

    def check_and_release_worktree(self, prep: Prepared) -> None:
        """Check the branch and remove the worktree: neither needs the main branch, so this runs in the
        spec's own thread as soon as its agent exits, leaving only merge + finalize to the serial part."""
        try:
            if not prep.checked:
                self._check_safely(prep)
        finally:
            self._remove_worktree(prep)

    def _check_safely(self, prep: Prepared) -> None:
        try:
            prep.reason = self.check(prep)
        except ChantError as exc:  # e.g. a git failure: this spec fails, its siblings carry on
            prep.reason = f"could not check the branch: {exc.message}"
        prep.checked = True

    # -- attempts: retries, usage limits, budgets -------------------------------------------------------
    def _retries(self, spec: Spec) -> int:
        return retry.allowed(
            self.options.retries, spec.get("retries"), self.project.config.get("defaults.retries")
        )

    def _budget_spent(self, spec_id: str) -> str | None:
        spec = self.project.specs().get(spec_id)
        return self.ledger.crossed(self.scopes(spec)) if spec is not None else None

    def _attempts(self, prep: Prepared) -> None:
        """Run the agent, check its branch and gate it, again with what failed (``retries``), waiting out
        usage limits in between (they are not attempts); the worktree stays for the next attempt."""
        try:
            prep.scopes = self.scopes(prep.spec)
        except ChantError as exc:  # a malformed budget: this spec fails, its siblings carry on
            prep.reason, prep.checked = exc.message, True
            return
        while True:
            if not self.pause.wait(self.options.cancel):
                prep.reason, prep.checked = Stopped.INTERRUPTED, True
                return
            number = len(prep.attempts) + 1
            if number > 1:
                prep.log.write(f"--- attempt {number} ---")
            began = time.monotonic()
            started_at = clock.iso()
            result = self.run_agent(prep)
            crashpoints.point("check")
            elapsed = time.monotonic() - began
            tokens = (result.input_tokens or 0) + (result.output_tokens or 0)
            self.ledger.add(prep.scopes, Spend(result.cost_usd or 0.0, tokens, elapsed))
            if self._limited(prep, result):
                continue
            self._check_safely(prep)
            if prep.reason is None and self.project.config.get("merge.resolve") == "agent":
                prep.reason = self._resolve_early(prep)
                prep.attention = prep.reason is not None
            if prep.reason is None and prep.merged is None and self._gate_in_worker(prep):
                try:
                    prep.gated = self._gate_early(prep)
                except git.GitError as exc:
                    prep.reason = f"could not run the merge gate: {exc.summary}"
                if prep.gated is not None and not prep.gated.ok:
                    prep.reason = prep.gated.reason()
            attempt: dict[str, Any] = {
                "attempt": number,
                "started_at": started_at,
                "agent": prep.agent_name,
                "model": result.model or self._model(prep.spec, prep.agent_name) or "unknown",
                "seconds": round(elapsed, 3),
                "log": self.project.rel(prep.log.path),
            }
            if result.cost_usd is not None:
                attempt["cost_usd"] = round(result.cost_usd, 6)
            if result.input_tokens or result.output_tokens:
                attempt["tokens"] = {"input": result.input_tokens or 0, "output": result.output_tokens or 0}
            prep.attempts.append(attempt)
            if prep.reason is None:
                return
            after = self.ledger.crossed(prep.scopes)
            if after and prep.budget_reason is None:
                prep.budget_reason = after
            if (
                prep.budget_reason
                or not retry.retryable(prep.reason, attention=prep.attention)
                or number > self._retries(prep.spec)
                or self.options.cancel.is_set()
            ):
                if prep.budget_reason and prep.reason != prep.budget_reason:
                    prep.reason = f"{prep.reason}; no retry: {prep.budget_reason}"
                # A merged tree that fails the gate is for a human to look at (needs_attention).
                prep.attention = prep.attention or bool(prep.gated and not prep.gated.ok)
                return
            attempt["outcome"], attempt["reason"] = "failed", prep.reason.splitlines()[0][:300]
            output = "\n".join(filter(None, [result.output, prep.gated.tail if prep.gated else ""]))
            prep.feedback = retry.feedback(number, prep.reason, output)
            self.on_event(
                "retry",
                f"  {prep.spec.id}: attempt {number} failed ({prep.reason.splitlines()[0]}); retrying",
                id=prep.spec.id,
                attempt=number,
                reason=prep.reason,
            )
            prep.reason, prep.checked, prep.gated = None, False, None

    def _resolve_early(self, prep: Prepared) -> str | None:
        """``merge.resolve: agent``: a branch that would conflict with main gets an agent to resolve it,
        in its own worktree, before the gate (run/resolve.py)."""
        root = self.project.root
        main_tip, tip = git.heads(root, self.main_branch, prep.branch)
        if not git.merge_tree(root, main_tip, tip).conflicts:
            return None
        from chant.run import resolve

        try:
            return resolve.resolve_in(self, prep)
        except git.GitError as exc:
            return f"could not resolve the conflict: {exc.summary}"

    def _limited(self, prep: Prepared, result: AgentResult) -> bool:
        """A rate or usage limit stopped the agent: pause the queue until it resets and say to try again
        (True), or fail the spec when the reset is further than ``limits.max_wait`` or the time budget."""
        text = " ".join(filter(None, [result.error, ratelimit_tail(result.output)]))
        if result.ok or result.cancelled or not (result.rate_limited or ratelimit.detect(result.error or "")):
            return False
        if self.project.config.get("limits.pause") is False:
            return False
        now = datetime.now(UTC)  # real time, not CHANT_NOW: the wait is real
        when = ratelimit.resume_at(text, now)
        wait = ratelimit.DEFAULT_WAIT if when is None else max(0.0, (when - now).total_seconds())
        try:
            limit = parse_seconds(self.project.config.get("limits.max_wait") or ratelimit.DEFAULT_MAX_WAIT)
        except BudgetError:
            limit = ratelimit.DEFAULT_MAX_WAIT
        left = self.ledger.time_left(prep.scopes)
        reason = None
        if prep.limit_waited + wait > limit:
            reason = (
                f"usage limit: resets in {wait:.0f}s, beyond limits.max_wait ({limit:g}s): {result.error}"
            )
        elif left is not None and wait > left:
            reason = f"usage limit: resets in {wait:.0f}s, beyond the time budget ({left:.0f}s left)"
        if reason:
            prep.reason, prep.checked = reason, True
            prep.attempts.append({"attempt": len(prep.attempts) + 1, "outcome": "failed", "reason": reason})
            return False
        prep.limit_waited += wait
        prep.log.write(f"[chant] usage limit: {result.error}; the queue waits {wait:.0f}s, then retries")
        self.pause.pause(time.time() + wait, (result.error or "rate limited").splitlines()[0][:160])
        return True

    def complete(self, prep: Prepared) -> Outcome:
        """Check (unless done already), integrate and finalize one prepared run (serialised on main)."""
        return self.complete_many([prep])[0]

    def complete_many(self, preps: list[Prepared]) -> list[Outcome]:
        """``complete()`` of runs that finished together, under one hold of the main lock: each is checked
        and merged in turn, then their status changes go to main in one commit (with the starts queued
        meanwhile). A kill between two merges leaves a merged spec still ``in_progress``: adopted by the next
        run, as after a kill inside one spec's merge (docs/design.md)."""
        if len(preps) > 1 and not self.mainline.batch:  # git.batch_status: false: one after the other
            return [outcome for prep in preps for outcome in self.complete_many([prep])]
        try:
            reasons = [prep.reason if prep.checked else self.check(prep) for prep in preps]
            with self.main_lock():
                changes: list[StatusChange] = []
                outcomes = [self._conclude(p, r, changes) for p, r in zip(preps, reasons, strict=True)]
                self.mainline.record_all(changes)
            return outcomes
        finally:
            for prep in preps:
                self._cleanup(prep)

    def _conclude(self, prep: Prepared, reason: Verdict, changes: list[StatusChange]) -> Outcome:
        """Integrate a checked run, or fail it; its status change goes to ``changes``. Caller holds the lock."""
        if reason is Stopped.PAUSED:
            return self._fail(
                prep, "paused by `chant pause`", "paused", status=Status.PAUSED, changes=changes
            )
        if reason is not None and prep.attention:
            return self._fail(prep, reason, "needs_attention", status=Status.NEEDS_ATTENTION, changes=changes)
        if reason is not None:
            state: RunState = "cancelled" if reason is Stopped.INTERRUPTED else "failed"
            return self._fail(
                prep, str(reason), state, changes=changes
            )  # a plain str into the spec and events
        try:
            merge, conflicts = self.integrate(prep, prep.gated)
        except GateFailed as failed:
            if self.options.cancel.is_set():
                return self._fail(prep, "interrupted", "cancelled", changes=changes)
            return self._fail(
                prep, failed.run.reason(), "needs_attention", status=Status.NEEDS_ATTENTION, changes=changes
            )
        except ChantError as exc:
            return self._fail(
                prep, exc.message, "needs_attention", status=Status.NEEDS_ATTENTION, changes=changes
            )
        if merge is None:
            return self._fail(
                prep,
                "merge conflict in " + ", ".join(conflicts),
                "needs_attention",
                status=Status.NEEDS_ATTENTION,
                extra={"conflicting_files": conflicts},
                changes=changes,
            )
        return self._finalize(prep, merge, changes)

    def _finalize(self, prep: Prepared, merge: str, changes: list[StatusChange]) -> Outcome:
        result = prep.result
        if prep.untracked_spec and prep.spec_text is not None:
            # No merge carries an untracked spec's ticked criteria back: copy them before recording completion.
            atomic_write(prep.spec.path, prep.spec_text)
        updates: dict[str, Any] = {
            "completed_at": clock.iso(),
            "commits": prep.commits,
            "model": (result.model if result and result.model else self._model(prep.spec, prep.agent_name))
            or REMOVE,
            "branch": REMOVE,
            "failure_reason": REMOVE,
            "conflicting_files": REMOVE,
            "input_baseline": merge,
        }
        if result is not None and result.cost_usd is not None:
            updates["cost_usd"] = round(result.cost_usd, 6)
        if result is not None and (result.input_tokens or result.output_tokens):
            updates["tokens"] = {"input": result.input_tokens or 0, "output": result.output_tokens or 0}
        updates.update(self._attempt_fields(prep, "completed", None))
        # force: the merge above already brought the agent's copy of the spec to main, and agents do edit
        # its frontmatter (e.g. `status: pending`). The transition table must not veto finalizing work that
        # is merged: that left merged code under a stale status and crashed the run (we hold the spec lock).
        changes.append(
            StatusChange(prep.spec.id, updates, Status.COMPLETED, True, f"chant({prep.spec.id}): complete")
        )
        prep.drop_branch = True
        ended = time.monotonic()
        prep.log.close(f"completed: {len(prep.commits)} commit(s), merged as {merge[:12]}")
        return Outcome(
            prep.spec.id,
            prep.spec.display_title,
            "completed",
            ended - prep.started,
            prep.started,
            ended,
            commits=prep.commits,
            model=updates["model"] if updates["model"] is not REMOVE else None,
            gate_s=prep.gate_s,
            attempts=max(1, len(prep.attempts)),
        )

    def _fail(
        self,
        prep: Prepared,
        reason: str,
        state: RunState,
        *,
        status: Status = Status.FAILED,
        extra: dict[str, Any] | None = None,
        changes: list[StatusChange],
    ) -> Outcome:
        # Caller holds the main lock and commits ``changes``.
        updates: dict[str, Any] = {"failure_reason": reason, **(extra or {})}
        updates.update(self._attempt_fields(prep, state, reason))
        changes.append(StatusChange(prep.spec.id, updates, status, True, f"chant({prep.spec.id}): {state}"))
        # A failed branch keeps the agent's commits for inspection and resumption; an empty one is noise
        # (a paused one is kept: a human may take it over).
        prep.drop_branch = status != Status.PAUSED and not git.rev_list(
            self.project.root, f"{prep.base}..{prep.branch}"
        )
        ended = time.monotonic()
        prep.log.close(f"{state}: {reason}")
        return Outcome(
            prep.spec.id,
            prep.spec.display_title,
            state,
            ended - prep.started,
            prep.started,
            ended,
            reason=reason,
            gate_s=prep.gate_s,
            attempts=max(1, len(prep.attempts)),
        )

    def _attempt_fields(self, prep: Prepared, state: str, reason: str | None) -> dict[str, Any]:
        """The spend of every attempt (``cost_usd``/``tokens`` summed, failed runs included, so ``chant
        cost`` sees the losers) and ``attempts:`` unless one attempt simply completed."""
        if not prep.attempts:
            return {}
        last = prep.attempts[-1]
        last.setdefault("outcome", state)
        if reason and "reason" not in last:
            last["reason"] = reason.splitlines()[0][:300]
        fields: dict[str, Any] = {}
        # A single successful attempt is the spec's own completion (model, cost, completed_at) already.
        if self._retries(prep.spec) > 0 or len(prep.attempts) > 1 or state != "completed":
            fields["attempts"] = prep.attempts
        costs = [a["cost_usd"] for a in prep.attempts if "cost_usd" in a]
        if costs:
            fields["cost_usd"] = round(sum(costs), 6)
        tokens = [a["tokens"] for a in prep.attempts if "tokens" in a]
        if tokens:
            fields["tokens"] = {
                "input": sum(t["input"] for t in tokens),
                "output": sum(t["output"] for t in tokens),
            }
        return fields

    # -- an existing branch, without an agent run (chant finalize / chant merge) --------------------------
    def adopt(self, spec_id: str) -> Prepared:
        """A ``Prepared`` for the spec's existing branch (whose agent already finished), ready for
        ``complete()``: check + integrate + finalize exactly as after an agent run. Takes the run lock."""
        project = self.project
        lock = acquire_run_lock(project, spec_id, wait_for_orphan=False)
        try:
            spec = project.reload(spec_id)
            branch = self.branch_name(spec_id)
            tips = (
                git.heads(project.root, self.main_branch, branch)
                if git.branch_exists(project.root, branch)
                else []
            )
            if not tips:
                raise ChantError(
                    f"{spec_id} has no branch {branch}", hint=f"`chant work {quote(spec_id)}` runs it again"
                )
            main_tip, branch_tip = tips
            return self._adopted(spec, lock, main_tip, branch_tip, "(none: finalize)")
        except BaseException:
            lock.release()
            raise

    def _adopted(self, spec: Spec, lock: FileLock, main_tip: str, branch_tip: str, agent: str) -> Prepared:
        project = self.project
        spec_id = spec.id
        branch = self.branch_name(spec_id)
        base = git.merge_base(project.root, main_tip, branch_tip) or main_tip
        merged = None
        if base == branch_tip:
            # Merged by hand (e.g. after resolving a conflict): the agent's work is what the branch had
            # that main lacked before that merge (else: since this spec's last `start` commit).
            merged = main_tip
            before = git.merged_at(project.root, branch_tip, main_tip)
            found = git.merge_base(project.root, before, branch_tip) if before else None
            base = found or _run_start(project.root, spec_id, branch_tip) or base
        worktree = self.worktree_path(spec_id)
        log = SpecLog(layout.log_path(project, spec_id), logs.max_bytes(project.config))
        log.start(spec_id, agent=agent, prompt="-", model=None)
        prep = Prepared(
            spec, lock, branch, worktree, base, project.rel(spec.path), "-", "-", log, time.monotonic()
        )
        prep.worktree_removed = not worktree.exists()
        prep.merged = merged
        return prep

    def _adopt_if_merged(self, spec: Spec, lock: FileLock, branch: str) -> Prepared | None:
        """The spec's branch is already merged into main (chant died between the merge and recording it):
        finish that run instead of starting an agent again on work that is on main."""
        root = self.project.root
        main_tip, branch_tip = git.heads(root, self.main_branch, branch)
        if git.merged_at(root, branch_tip, main_tip) is None:
            return None  # a fresh branch at the start commit is an ancestor of main too, but unmerged
        prep = self._adopted(spec, lock, main_tip, branch_tip, "(none: its branch is already merged)")
        prep.log.write(f"{branch} is already merged into {self.main_branch}: recording the run, no agent")
        return prep

    def _remove_worktree(self, prep: Prepared) -> None:
        if not prep.worktree_removed:
            prep.worktree_removed = True
            if prep.lease is not None:
                self.pool.release(prep.lease)
            else:
                git.worktree_remove(self.project.root, prep.worktree)

    def _cleanup(self, prep: Prepared) -> None:
        try:
            self._remove_worktree(prep)
            if prep.gate_s is not None:
                gate.remove(self.project, prep.worktree.name)
            if prep.drop_branch:
                with self._dead_lock:
                    self._dead_branches.append(prep.branch)
        finally:
            prep.lock.release()

    def flush_branches(self, at_least: int = 0) -> None:
        """Delete merged (or empty) branches in one git call; schedulers call this after each batch (a
        long queue every ``at_least`` of them: each live branch is a reflog every agent's ref watch reads)."""
        with self._dead_lock:
            if len(self._dead_branches) < max(at_least, 1):
                return
            dead, self._dead_branches = self._dead_branches, []
        if dead:
            crashpoints.point("branch-delete")
            git.delete_branches(self.project.root, dead)

    def drop_merged_branches(self, spec_ids: list[str]) -> None:
        """Delete the leftover branches of finished specs that are merged into main (chant died after
        recording the completion, before deleting the branch)."""
        if not spec_ids:
            return
        root = self.project.root
        prefix = self.branch_name("")
        wanted = {self.branch_name(s) for s in spec_ids}
        leftover = [b for b in git.list_branches(root, f"{prefix}*") if b in wanted]
        merged = [b for b in leftover if git.is_ancestor(root, b, self.main_branch)]
        if merged:
            git.delete_branches(root, merged)

    def recover(self) -> None:
        """Finish what a chant killed while moving main left undone, before anything reads the checkout,
        and remove git lock files no running git can own (the pre-flight would refuse the run)."""
        with self.main_lock():
            self.mainline.sweep_stale_locks()
            gate.sweep(self.project, lambda spec_id: layout.is_running(self.project, spec_id))

    # -- whole run of one spec (used by the schedulers) -------------------------------------------------
    def execute(self, spec_id: str, on_start: Callable[[str], None] | None = None) -> Prepared | Outcome:
        """prepare + run agent. Returns the prepared run (to integrate later) or a failed outcome."""
        started = time.monotonic()
        try:
            spent = self._budget_spent(spec_id)
            if spent:
                raise ChantError(f"{spent} (not started)")
            prep = self.prepare(spec_id)
        except ChantError as exc:
            spec = self.project.specs().get(spec_id)
            title = spec.display_title if spec else spec_id
            now = time.monotonic()
            reason = exc.one_line() if isinstance(exc, validate.PreflightError) else exc.message
            return Outcome(spec_id, title, "failed", now - started, started, now, reason=reason)
        if on_start:
            on_start(spec_id)
        try:
            if prep.merged is None and self.options.best_of > 1:
                from chant.run import bestof

                bestof.run(self, prep, self.options.best_of, self.options.agents, self.options.pick)
            elif prep.merged is None:
                self._attempts(prep)
            self.check_and_release_worktree(prep)
        except BaseException:
            self._cleanup(prep)
            raise
        return prep


def ratelimit_tail(output: str) -> str:
    return output[-2000:] if output else ""


class GateFailed(Exception):
    def __init__(self, run: gate.GateRun) -> None:
        super().__init__(run.reason())
        self.run = run


def _run_start(root: Path, spec_id: str, tip: str) -> str | None:
    """The newest ``chant(<id>): start`` bookkeeping commit reachable from ``tip``."""
    needle = f"chant({spec_id}): start"
    for sha, message in reversed(git.log_messages(root, tip)):
        # A batched status commit lists each spec's own message as a line of its body.
        if git.is_bookkeeping(message) and any(line.startswith(needle) for line in message.splitlines()):
            return sha
    return None


def _crash_once_an_agent_runs() -> None:
    def wait_then_die() -> None:
        while not process.live_groups():
            time.sleep(0.02)
        time.sleep(0.3)  # let the agent get going (and spawn its children)
        crashpoints.point("agent")

    threading.Thread(target=wait_then_die, daemon=True).start()


class _StopWatcher:
    """Sets one agent's ``stop`` event when the run's ``cancel`` is set or ``request`` appears."""

    def __init__(self, cancel: threading.Event, stop: threading.Event, request: Path) -> None:
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, args=(cancel, stop, request), daemon=True)
        self._thread.start()

    def _watch(self, cancel: threading.Event, stop: threading.Event, request: Path) -> None:
        while not self._done.is_set():
            if cancel.is_set() or request.exists():
                stop.set()
                return
            cancel.wait(0.1)

    def stop(self) -> None:
        self._done.set()


class _Borrowed(FileLock):
    """A lock held by someone else for longer than this step: releasing it here is a no-op."""

    def __init__(self, owner: FileLock) -> None:
        super().__init__(owner.path)
        self._owner = owner

    def fileno(self) -> int:
        return self._owner.fileno()

    def release(self) -> None:
        pass


def main_branch(project: Project) -> str:
    configured = project.config.get("defaults.main_branch")
    current = git.current_branch(project.root)
    if configured:
        # Status commits are written in the user's checkout (Project.update_spec commits on the current
        # branch) while merges move the main branch. On any other branch, chant would put its bookkeeping
        # on the user's branch and give worktrees a main branch whose specs never said in_progress.
        if current != str(configured):
            raise ChantError(
                f"your checkout is on {current or 'a detached HEAD'}, not the main branch '{configured}'",
                hint=f"`git switch {quote(str(configured))}` first: chant records spec status on {configured}",
            )
        return str(configured)
    if current is None:
        if git.toplevel(project.root) is None:
            raise ChantError(
                f"{project.root} is not a git repository", hint="`git init` first: every run is a git branch"
            )
        raise ChantError(
            "HEAD is detached; chant needs the main branch checked out (or defaults.main_branch set)"
        )
    return current
