"""``chant pause`` / ``chant takeover``: stop the agent of a running spec without stopping its chant.

The chant running the spec owns its status, so pause never writes it while that chant lives: it creates
``.chant/run/pause/<id>``, which the pipeline polls (every 0.1 s) next to its Ctrl-C flag. The pipeline
stops that one agent (its whole process group), keeps the branch and records ``paused``; the rest of the run
carries on. Liveness stays "the run lock is held", so a spec whose chant died (stranded) is paused directly.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from chant import git, layout
from chant.errors import ChantError
from chant.graph import Graph
from chant.layout import branch_name, pause_request_path, worktree_path
from chant.locks import is_locked
from chant.project import Project
from chant.run.logs import latest_run
from chant.shell import quote
from chant.spec.model import Spec
from chant.spec.status import Status


def pause(project: Project, spec: Spec, *, timeout: float = 30.0) -> Spec:
    """Pause ``spec``; returns it as recorded afterwards (``paused``, or what its run ended as)."""
    sid = spec.id
    lock = layout.run_lock_path(project, sid)
    # A driver's run lock is held for its whole run; what can be paused is the member agent running now.
    members = Graph.of(project.specs()).members(sid)
    busy = [m for m in members if layout.is_running(project, m)]
    if busy:
        raise ChantError(
            f"{sid} is a driver; its chant is running {', '.join(busy)}",
            hint=f"pause those members (`chant pause {quote(busy[0])}`), or Ctrl-C the run",
        )
    if not is_locked(lock):
        if spec.status == Status.IN_PROGRESS:  # stranded: nobody else will write its status
            return project.update_spec(sid, {}, status=Status.PAUSED, commit=f"chant({sid}): pause")
        if spec.status == Status.PAUSED:
            raise ChantError(f"{sid} is already paused", hint=f"`chant work {quote(sid)}` resumes it")
        raise ChantError(
            f"{sid} is not running (it is {spec.status.value})",
            hint=f"`chant diagnose {quote(sid)}` says why",
        )
    request = pause_request_path(project, sid)
    request.parent.mkdir(parents=True, exist_ok=True)
    request.touch()
    deadline = time.monotonic() + timeout
    while is_locked(lock):
        if time.monotonic() >= deadline:
            request.unlink(missing_ok=True)
            raise ChantError(
                f"{sid} did not stop within {timeout:.0f}s", hint="its chant may be busy merging"
            )
        time.sleep(0.1)
    request.unlink(missing_ok=True)
    return project.reload(sid)


@dataclass
class Takeover:
    spec: Spec
    worktree: Path
    branch: str
    log_tail: list[str]


def takeover(project: Project, spec: Spec, *, tail: int = 20) -> Takeover:
    """Pause (if running), then give the branch a worktree a human can continue in."""
    sid = spec.id
    running = layout.is_running(project, sid)
    if running or spec.status == Status.IN_PROGRESS:
        spec = pause(project, spec)
    if spec.status not in (Status.PAUSED, Status.FAILED, Status.NEEDS_ATTENTION):
        raise ChantError(
            f"{sid} is {spec.status.value}; takeover is for a running, paused, failed or conflicted spec"
        )
    if spec.status != Status.PAUSED:
        spec = project.update_spec(
            sid, {}, status=Status.PAUSED, force=True, commit=f"chant({sid}): takeover"
        )
    branch = branch_name(project, sid)
    path = worktree_path(project, sid)
    if not path.exists():
        git.worktree_prune(project.root)
        if git.branch_exists(project.root, branch):
            git.worktree_add(project.root, path, branch, None)
        else:
            git.worktree_add(project.root, path, branch, "HEAD")
    log = layout.log_path(project, sid)
    lines = latest_run(log.read_text(encoding="utf-8", errors="replace")).splitlines() if log.exists() else []
    return Takeover(spec, path, branch, lines[-tail:])
