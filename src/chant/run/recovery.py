"""Specs stranded by a chant that died (``kill -9``, power loss): ``in_progress`` with no live run lock."""

from __future__ import annotations

from typing import Any

from chant import layout
from chant.project import Project
from chant.render import stranded_entry
from chant.spec.status import Status


def running(project: Project, spec_id: str) -> bool:
    """A chant is working the spec: its run lock is held (for a driver: its own or a member's)."""
    if layout.is_running(project, spec_id):
        return True
    prefix = f"{spec_id}."
    return any(
        layout.is_running(project, other)
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


def stranded_entries(project: Project) -> list[dict[str, Any]]:
    """The attention entries of the stranded specs (``chant status`` lists them)."""
    active = project.specs().active
    return [stranded_entry(spec_id, active[spec_id].title) for spec_id in stranded(project)]
