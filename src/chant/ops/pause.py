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
    spec_id = spec.id
    lock = layout.run_lock_path(project, spec_id)
    # A driver's run lock is held for its whole run; what can be paused is the member agent running now.
    members = Graph.of(project.specs()).members(spec_id)
    busy = [m for m in members if layout.is_running(project, m)]
    if busy:
        raise ChantError(
            f"{spec_id} is a driver; its chant is running {', '.join(busy)}",
            hint=f"pause those members (`chant pause {quote(busy[0])}`), or Ctrl-C the run",
        )
    if not is_locked(lock):
        if spec.status == Status.IN_PROGRESS:  # stranded: nobody else will write its status
            return project.update_spec(spec_id, {}, status=Status.PAUSED, commit=f"chant({spec_id}): pause")
        if spec.status == Status.PAUSED:
            raise ChantError(f"{spec_id} is already paused", hint=f"`chant work {quote(spec_id)}` resumes it")
        raise ChantError(
            f"{spec_id} is not running (it is {spec.status.value})",
            hint=f"`chant diagnose {quote(spec_id)}` says why",
        )
    request = pause_request_path(project, spec_id)
    request.parent.mkdir(parents=True, exist_ok=True)
    request.touch()
    deadline = time.monotonic() + timeout
    while is_locked(lock):
        if time.monotonic() >= deadline:
            request.unlink(missing_ok=True)
            raise ChantError(
                f"{spec_id} did not stop within {timeout:.0f}s", hint="its chant may be busy merging"
            )
        time.sleep(0.1)
    request.unlink(missing_ok=True)
    return project.reload(spec_id)


@dataclass
class Takeover:
    spec: Spec
    worktree: Path
    branch: str
    log_tail: list[str]


def takeover(project: Project, spec: Spec, *, tail: int = 20) -> Takeover:
    """Pause (if running), then give the branch a worktree a human can continue in."""
    spec_id = spec.id
    running = layout.is_running(project, spec_id)
    if running or spec.status == Status.IN_PROGRESS:
        spec = pause(project, spec)
    if spec.status not in (Status.PAUSED, Status.FAILED, Status.NEEDS_ATTENTION):
        raise ChantError(
            f"{spec_id} is {spec.status.value}; takeover is for a running, paused, failed or conflicted spec"
        )
    if spec.status != Status.PAUSED:
        spec = project.update_spec(
            spec_id, {}, status=Status.PAUSED, force=True, commit=f"chant({spec_id}): takeover"
        )
    branch = branch_name(project, spec_id)
    path = worktree_path(project, spec_id)
    if not path.exists():
        git.worktree_prune(project.root)
        if git.branch_exists(project.root, branch):
            git.worktree_add(project.root, path, branch, None)
        else:
            git.worktree_add(project.root, path, branch, "HEAD")
    log = layout.log_path(project, spec_id)
    lines = latest_run(log.read_text(encoding="utf-8", errors="replace")).splitlines() if log.exists() else []
    return Takeover(spec, path, branch, lines[-tail:])
