"""Specs stranded by a chant that died (``kill -9``, power loss): ``in_progress`` with no live run lock."""

from __future__ import annotations

from typing import Any

from chant.locks import is_locked
from chant.project import Project
from chant.shell import quote
from chant.spec.status import Status


def running(project: Project, spec_id: str) -> bool:
    """A chant is working the spec: its run lock is held (for a driver: its own or a member's)."""
    if is_locked(project.lock_path(f"run-{spec_id}")):
        return True
    prefix = f"{spec_id}."
    return any(
        is_locked(project.lock_path(f"run-{other}"))
        for other, spec in project.specs().active.items()
        if other.startswith(prefix) and spec.status == Status.IN_PROGRESS
    )


def stranded(project: Project) -> list[str]:
    specs = project.specs()
    return [
        spec_id
        for spec_id, spec in specs.active.items()
        if spec.status == Status.IN_PROGRESS and not running(project, spec_id)
    ]


def annotate(project: Any, report: Any) -> None:
    """Add stranded specs to a status report's attention list (used by `chant status`)."""
    assert isinstance(project, Project)
    for spec_id in stranded(project):
        spec = project.specs().active[spec_id]
        report.attention.append(
            {
                "id": spec_id,
                "title": spec.title,
                "status": "in_progress",
                "reason": f"stranded: no chant is running it (recover with `chant reset {quote(spec_id)}` or `chant work {quote(spec_id)}`)",
            }
        )
