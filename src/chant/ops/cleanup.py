"""``chant cleanup``: leftovers of runs that are over. Nothing a live run (its lock is held) uses is touched,
nor the worktree of a paused spec (``chant takeover`` gave it to a human).

Also git's own leftovers: a ``*.lock`` file is removed only when no running git or chant can own it -- no
git process at work in the repository, older than ``git.stale_lock_seconds``, and chant's main lock free
(held by cleanup itself while it removes them) -- and a checkout a killed chant left half-updated is
finished (run/mainline.py)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from chant import git, layout
from chant.errors import ChantError
from chant.layout import worktree_root
from chant.locks import FileLock, LockBusy, is_locked, pid_alive
from chant.project import Project
from chant.run import mainline
from chant.run.pipeline import main_branch
from chant.run.worktrees import POOL_DIR
from chant.spec.status import Status

FINISHED = (Status.COMPLETED, Status.CANCELLED)


@dataclass
class CleanupPlan:
    worktrees: list[Path] = field(default_factory=list)
    branches: list[str] = field(default_factory=list)
    locks: list[Path] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)  # rendered prompts, pause requests
    git_locks: list[Path] = field(default_factory=list)  # git's stale *.lock files
    busy_git_locks: list[Path] = field(default_factory=list)  # git's *.lock files that may be in use
    checkout: bool = False  # a half-updated checkout to finish

    @property
    def empty(self) -> bool:
        return not (
            self.worktrees or self.branches or self.locks or self.files or self.git_locks or self.checkout
        )


def plan(project: Project) -> CleanupPlan:  # noqa: C901 - one pass per kind of leftover, each a few lines
    result = CleanupPlan()
    specs = project.specs(refresh=True)
    prefix = f"{project.name}-"

    def live(spec_id: str) -> bool:
        return layout.is_running(project, spec_id)

    root = worktree_root(project)
    registered = {Path(e["worktree"]) for e in git.worktrees(project.root)}
    if root.is_dir():
        for path in sorted(root.iterdir()):
            if path.name == POOL_DIR:
                continue  # the worktree pool's free slots (run/worktrees.py): clean, kept for reuse
            spec_id = path.name[len(prefix) :] if path.name.startswith(prefix) else path.name
            spec = specs.active.get(spec_id)
            if spec is not None and spec.status == Status.PAUSED:
                continue  # taken over: a human works there
            if path.is_dir() and not live(spec_id):
                result.worktrees.append(path)
    for path in sorted(registered):
        if path.parent == root and path not in result.worktrees and not path.exists():
            result.worktrees.append(path)  # registered but gone: `worktree prune` drops it

    branch_prefix = layout.branch_prefix(project)
    for branch in git.list_branches(project.root, f"{branch_prefix}*"):
        spec_id = branch[len(branch_prefix) :]
        spec = specs.active.get(spec_id)
        if (spec is None or spec.status in FINISHED) and not live(spec_id):
            result.branches.append(branch)

    locks = project.run_dir / "locks"
    if locks.is_dir():
        for path in sorted(locks.glob("*.lock")):
            kind, _, spec_id = path.stem.partition("-")
            if kind not in ("run", "write") or not spec_id:
                continue  # shared locks (integration, git-index, add) are permanent fixtures
            spec = specs.active.get(spec_id)
            if (spec is None or spec.status in FINISHED) and not is_locked(path):
                result.locks.append(path)

    _plan_git(project, result, live)

    for directory in (project.run_dir / "prompts", project.run_dir / "pause"):
        if directory.is_dir():
            for path in sorted(directory.iterdir()):
                spec_id = path.name[:-3] if path.suffix == ".md" else path.name
                if path.is_file() and not live(spec_id):
                    result.files.append(path)
    # Private indexes of status commits (run/mainline.py) left by a chant that was killed.
    for path in sorted(project.run_dir.glob("bookkeeping-*.index")):
        pid = path.name.split("-")[1]
        if not (pid.isdigit() and pid_alive(int(pid))):
            result.files.append(path)
    return result


def _plan_git(project: Project, result: CleanupPlan, live: Callable[[str], bool]) -> None:
    if is_locked(project.lock_path("integration")):
        result.busy_git_locks = git.lock_files(project.root)  # a chant is moving main right now
        return
    found = mainline.git_lock_candidates(project, live)
    stale = git.stale_locks(
        project.root, found, min_age=mainline.stale_lock_seconds(project), now=time.time()
    )
    result.git_locks = stale
    result.busy_git_locks = [p for p in found if p not in stale]
    result.checkout = mainline.pending_checkout(project) is not None


def _apply_git(project: Project, cleanup: CleanupPlan) -> None:
    if not (cleanup.git_locks or cleanup.checkout):
        return
    lock = FileLock(project.lock_path("integration"))
    try:
        lock.acquire(timeout=0, note=str(os.getpid()))
    except LockBusy:
        raise ChantError(
            "a chant started moving the main branch meanwhile; run `chant cleanup` again"
        ) from None
    try:
        still = git.stale_locks(
            project.root, cleanup.git_locks, min_age=mainline.stale_lock_seconds(project), now=time.time()
        )
        for path in still:
            path.unlink(missing_ok=True)
        pending = mainline.pending_checkout(project)
        if pending is not None:
            main = main_branch(project)
            mainline.repair_checkout(project.root, main, *pending)
            (project.run_dir / mainline.JOURNAL).unlink(missing_ok=True)
    finally:
        lock.release()


def apply(project: Project, cleanup: CleanupPlan) -> None:
    _apply_git(project, cleanup)
    for path in cleanup.worktrees:
        git.worktree_remove(project.root, path)
    git.delete_branches(project.root, cleanup.branches)
    for path in [*cleanup.locks, *cleanup.files]:
        path.unlink(missing_ok=True)
    git.worktree_prune(project.root)


__all__ = ["CleanupPlan", "apply", "plan"]
