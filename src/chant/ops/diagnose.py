"""``chant diagnose``: what state a spec is in, why, and the one command that moves it on."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal, cast

from chant import git, layout
from chant.errors import ChantError
from chant.graph import APPROVAL_REASONS, Graph
from chant.layout import branch_name, pause_request_path, worktree_path
from chant.locks import is_locked
from chant.project import Project
from chant.run import mainline, recovery
from chant.run.local_changes import blocking_changes
from chant.run.logs import latest_run
from chant.run.pipeline import main_branch
from chant.shell import quote
from chant.spec.model import Spec
from chant.spec.status import Status

# One word for where a spec stands: what diagnose worked out, else its stored status (docs/json.md).
DiagnoseState = Literal[
    "running",
    "stranded",
    "failed",
    "conflict",
    "uncommitted-changes",
    "paused",
    "cancelled",
    "done",
    "needs-approval",
    "blocked",
    "ready",
    "pending",
    "in_progress",
    "completed",
    "needs_attention",
]


@dataclass
class Diagnosis:
    id: str
    title: str
    status: str
    state: DiagnoseState
    failure_reason: str | None
    running: bool
    worktree: str | None
    branch: str | None
    branch_commits: list[str] = field(default_factory=list)
    branch_merged: bool = False
    branch_commits_merged: bool = False  # merged by a merge commit: the agent's work is on main
    unchecked_on_branch: list[str] = field(default_factory=list)
    blocked_by: list[str] = field(default_factory=list)
    local_changes: list[str] = field(default_factory=list)  # the user's edits a merge would overwrite
    log_tail: list[str] = field(default_factory=list)
    git_locks: list[str] = field(default_factory=list)  # git's *.lock files no running git owns
    checkout_pending: bool = False  # a chant died between moving main and updating the checkout
    diagnosis: str = ""
    fix: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def diagnose(project: Project, spec: Spec, *, tail: int = 15) -> Diagnosis:
    root = project.root
    spec_id = spec.id
    running = recovery.running(project, spec_id)
    wt = worktree_path(project, spec_id)
    branch = branch_name(project, spec_id)
    has_branch = git.branch_exists(root, branch)
    try:
        main = main_branch(project)
    except ChantError:
        main = "HEAD"
    d = Diagnosis(
        spec_id,
        spec.display_title,
        spec.status.value,
        cast("DiagnoseState", spec.status.value),  # until _explain says more
        spec.get("failure_reason"),
        running,
        str(wt) if wt.exists() else None,
        branch if has_branch else None,
    )
    if has_branch:
        base = git.merge_base(root, main, branch)
        tip = git.head(root, branch)
        d.branch_merged = base is not None and base == tip
        # Merged by a merge commit (chant's, or a human's), not just "the branch's fork point is on main";
        # or by the merge a killed chant was fast-forwarding to (the next chant to move main finishes it).
        pending = mainline.pending_checkout(project)
        into = main
        if pending and tip and not d.branch_merged and git.is_ancestor(root, tip, pending[1]):
            into, d.branch_merged = pending[1], True
        before = git.merged_at(root, tip, into) if d.branch_merged and tip else None
        d.branch_commits_merged = before is not None
        if before is not None and tip:
            base = git.merge_base(root, before, tip)  # the agent's commits are those that merge brought
        if base and (before is not None or not d.branch_merged):
            d.branch_commits = [
                s for s, m in git.log_messages(root, f"{base}..{branch}") if not git.is_bookkeeping(m)
            ]
        if spec.status == Status.NEEDS_ATTENTION and not d.branch_merged:
            d.local_changes = blocking_changes(root, main, branch) if main != "HEAD" else []
        text = git.show_file(root, branch, project.rel(spec.path))
        if text is not None:
            try:
                d.unchecked_on_branch = [c.text for c in Spec.from_text(spec_id, spec.path, text).unchecked]
            except ChantError:
                d.unchecked_on_branch = ["(the branch's copy of the spec does not parse)"]
    log = layout.log_path(project, spec_id)
    if log.exists():
        d.log_tail = latest_run(log.read_text(encoding="utf-8", errors="replace")).splitlines()[-tail:]
    graph = Graph.of(project.specs())
    d = _explain(d, spec, graph, main, pause_requested=pause_request_path(project, spec_id).exists())
    _repository_state(project, d)
    return d


def _repository_state(project: Project, d: Diagnosis) -> None:
    """What blocks every spec alike: git's stale lock files, a checkout a killed chant left half-updated.

    ``chant work``/``finalize`` clear both before they move main; otherwise ``chant cleanup`` does.
    """
    root = project.root
    locks = git.lock_files(root)
    stale = git.stale_locks(root, locks, min_age=mainline.stale_lock_seconds(project), now=time.time())
    d.git_locks = [str(p) for p in stale]
    d.checkout_pending = mainline.pending_checkout(project) is not None and not is_locked(
        project.lock_path("integration")
    )
    problems = []
    if d.git_locks:
        problems.append("git lock file(s) left by a git that was killed: " + ", ".join(d.git_locks))
    if d.checkout_pending:
        problems.append(
            "a chant was killed while moving the main branch and your checkout with it: the two disagree "
            "until the move is finished"
        )
    if not problems:
        return
    d.diagnosis += "; " + "; ".join(problems)
    if d.fix is None or not d.fix.startswith(("chant work", "chant finalize")):
        d.fix = "chant cleanup" + (f"  (then {d.fix})" if d.fix else "")


@dataclass(frozen=True)
class _Verdict:
    """What :func:`_explain` adds to the facts: the one-word state, why, and the command that moves it on."""

    state: DiagnoseState
    diagnosis: str
    fix: str | None
    blocked_by: tuple[str, ...] = ()


def _explain(d: Diagnosis, spec: Spec, graph: Graph, main: str, *, pause_requested: bool) -> Diagnosis:
    """``d`` (the facts) with its state, diagnosis and fix: one rule per stored status."""
    if d.running:
        verdict = _running(d, pause_requested)
    else:
        verdict = _BY_STATUS.get(spec.status, _pending)(d, spec, graph, main)
        if d.failure_reason and spec.status not in (Status.FAILED, Status.NEEDS_ATTENTION):
            verdict = replace(verdict, diagnosis=f"{verdict.diagnosis} (last failure: {d.failure_reason})")
    blocked_by = list(verdict.blocked_by) if verdict.blocked_by else d.blocked_by
    return replace(
        d, state=verdict.state, diagnosis=verdict.diagnosis, fix=verdict.fix, blocked_by=blocked_by
    )


def _work_done(d: Diagnosis) -> bool:
    return bool(d.branch_commits) and not d.unchecked_on_branch


def _running(d: Diagnosis, pause_requested: bool) -> _Verdict:
    diagnosis = "a chant process is running it right now (its run lock is held)"
    if pause_requested:
        diagnosis += "; a pause was requested and is being applied"
    return _Verdict("running", diagnosis, f"chant log {quote(d.id)} -f")


def _stranded(d: Diagnosis, spec: Spec, graph: Graph, main: str) -> _Verdict:
    q = quote(d.id)  # for the commands it prints: IDs come from file names
    work_done = _work_done(d)
    diagnosis = "in_progress but no chant is running it: the chant that ran it died (kill -9, crash, reboot)"
    fix = f"chant finalize {q}" if work_done and not d.branch_commits_merged else f"chant work {q}"
    if d.branch_commits_merged:
        diagnosis += (
            f"; its branch is already merged into {main}: `chant work` records the completion "
            "without running the agent again"
        )
    elif not work_done:
        diagnosis += "; `chant work` resumes its branch, `chant reset` makes it pending"
    return _Verdict("stranded", diagnosis, fix)


def _failed(d: Diagnosis, spec: Spec, graph: Graph, main: str) -> _Verdict:
    q = quote(d.id)
    diagnosis = f"the last run failed: {d.failure_reason or 'no reason recorded'}"
    if _work_done(d):
        return _Verdict(
            "failed",
            diagnosis + "; the branch now has commits and every criterion ticked",
            f"chant finalize {q}",
        )
    return _Verdict("failed", diagnosis, f"chant work {q}")


def _needs_attention(d: Diagnosis, spec: Spec, graph: Graph, main: str) -> _Verdict:
    q = quote(d.id)
    files = spec.values("conflicting_files")
    if d.local_changes and not files:
        names = ", ".join(d.local_changes)
        return _Verdict(
            "uncommitted-changes",
            f"its branch merges cleanly, but your uncommitted changes to {names} are in the way",
            f"commit or stash your changes to {names}, then `chant finalize {q}`",
        )
    diagnosis = f"its branch could not be merged: {d.failure_reason or 'merge conflict'}"
    if d.branch_merged:
        return _Verdict(
            "conflict", diagnosis + "; the branch has since been merged by hand", f"chant finalize {q}"
        )
    if d.branch:
        return _Verdict(
            "conflict",
            diagnosis + (f" ({', '.join(files)})" if files else ""),
            f"merge {main} into {d.branch} (e.g. `chant takeover {q}`, then `git merge {quote(main)}` in the "
            f"worktree), resolve, commit, then `chant finalize {q}`; or `chant merge {q}` once "
            f"{main} no longer conflicts",
        )
    return _Verdict("conflict", diagnosis, f"chant reset {q}")


def _paused(d: Diagnosis, spec: Spec, graph: Graph, main: str) -> _Verdict:
    q = quote(d.id)
    fix = f"chant finalize {q}" if _work_done(d) else f"chant work {q}"
    return _Verdict("paused", "paused by `chant pause`/`chant takeover`", fix)


def _completed(d: Diagnosis, spec: Spec, graph: Graph, main: str) -> _Verdict:
    if d.branch:
        return _Verdict("done", f"completed; its branch {d.branch} is left over", "chant cleanup")
    return _Verdict("done", "completed", None)


def _cancelled(d: Diagnosis, spec: Spec, graph: Graph, main: str) -> _Verdict:
    q = quote(d.id)
    return _Verdict(
        "cancelled",
        "cancelled; dependents treat it as done",
        f"chant reset {q}  (to revive it) or `chant archive {q}`",
    )


def _pending(d: Diagnosis, spec: Spec, graph: Graph, main: str) -> _Verdict:
    q = quote(d.id)
    blockers = graph.blockers(d.id) if d.id in graph.specs else []
    blocked_by = tuple(str(b) for b in blockers)
    if any(b.reason in APPROVAL_REASONS for b in blockers):
        return _Verdict("needs-approval", "waiting for approval", f"chant approve {q} --by NAME", blocked_by)
    if blockers:
        first = next((b.id for b in blockers if b.id), None)
        fix = f"chant diagnose {quote(first)}" if first else None
        return _Verdict("blocked", "blocked by " + ", ".join(blocked_by), fix, blocked_by)
    ready = "pending and ready" + ("; its branch is kept and will be resumed" if d.branch else "")
    return _Verdict("ready", ready, f"chant work {q}", blocked_by)


_BY_STATUS: dict[Status, Callable[[Diagnosis, Spec, Graph, str], _Verdict]] = {
    Status.IN_PROGRESS: _stranded,
    Status.FAILED: _failed,
    Status.NEEDS_ATTENTION: _needs_attention,
    Status.PAUSED: _paused,
    Status.COMPLETED: _completed,
    Status.CANCELLED: _cancelled,
}
