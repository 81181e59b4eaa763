"""Where a spec's run lives on disk and in git: its run lock, log, branch, worktree and pause request.

One home for these names, so that the pipeline, the recovery commands and the dashboard agree on them.
Import-light: everything beyond ``os`` is imported where it is needed. The run lock's file-name prefix
lives in chant.scan, so that the click-free fast path can probe a lock without importing this module.
"""

from __future__ import annotations

import os

from chant.scan import RUN_LOCK_PREFIX

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs the fast path ~7 ms
if TYPE_CHECKING:
    from pathlib import Path

    from chant.locks import FileLock
    from chant.project import Project

# How long a new run waits for a run lock whose chant is dead: the agent watchdog holds it while it stops
# the orphaned agent group (SIGTERM, a grace, SIGKILL; see agents/watchdog.py).
ORPHAN_WAIT = 15.0


def run_lock_name(spec_id: str) -> str:
    """The name of the lock a chant holds while it works ``spec_id`` (``Project.lock_path`` adds the rest)."""
    return f"{RUN_LOCK_PREFIX}{spec_id}"


def run_lock_path(project: Project, spec_id: str) -> Path:
    return project.lock_path(run_lock_name(spec_id))


def is_running(project: Project, spec_id: str) -> bool:
    """A chant is working ``spec_id`` right now: its run lock is held (liveness is nothing else)."""
    from chant.locks import is_locked

    return is_locked(run_lock_path(project, spec_id))


def acquire_run_lock(project: Project, spec_id: str, *, wait_for_orphan: bool = True) -> FileLock:
    """The exclusive lock a chant holds while it works ``spec_id``; liveness is "this lock is held".

    With ``wait_for_orphan`` a lock held by the watchdog of a chant that died is waited for (it is
    stopping that agent); without, any holder means "busy" (``finalize`` / ``merge`` start no agent)."""
    from chant.errors import ChantError
    from chant.locks import FileLock, LockBusy, holder, pid_alive

    path = run_lock_path(project, spec_id)
    lock = FileLock(path)
    try:
        lock.acquire(timeout=0, note=str(os.getpid()))
    except LockBusy:
        if not wait_for_orphan:
            raise ChantError(f"{spec_id} is being worked by a running chant") from None
        owner = holder(path)
        if owner is None or pid_alive(owner):
            raise ChantError(f"{spec_id} is already being worked by another chant process") from None
        # The chant that ran it is gone but its agent's watchdog still holds the lock: it is stopping
        # that agent right now. Wait for it rather than start a second agent in the same worktree.
        try:
            lock.acquire(timeout=ORPHAN_WAIT, note=str(os.getpid()))
        except LockBusy:
            raise ChantError(
                f"{spec_id}: an agent of a chant that died (pid {owner}) is still running",
                hint="its watchdog stops it within seconds; if it does not, `chant diagnose " + spec_id + "`",
            ) from None
    return lock


def log_path(project: Project, spec_id: str, kind: str = "") -> Path:
    """``.chant/logs/<id>.log`` (the agent's run), or ``<id>.<kind>.log`` (``verify``)."""
    return project.logs_dir / (f"{spec_id}.{kind}.log" if kind else f"{spec_id}.log")


def branch_name(project: Project, spec_id: str) -> str:
    return f"{branch_prefix(project)}{spec_id}"


def branch_prefix(project: Project) -> str:
    return str(project.config.get("defaults.branch_prefix", "chant/"))


def worktree_root(project: Project) -> Path:
    from pathlib import Path

    root = os.environ.get("CHANT_WORKTREE_ROOT") or project.config.get("worktree.root")
    base = Path(root).expanduser() if root else project.run_dir / "worktrees"
    return base if base.is_absolute() else project.root / base


def worktree_path(project: Project, spec_id: str) -> Path:
    return worktree_root(project) / f"{project.name}-{spec_id}"


def pause_request_path(project: Project, spec_id: str) -> Path:
    """``chant pause`` creates this file; the chant running the spec polls it and stops that agent."""
    return project.run_dir / "pause" / spec_id
