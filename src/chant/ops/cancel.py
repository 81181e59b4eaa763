"""``chant cancel`` (soft): status -> cancelled through the round-trip writer."""

from __future__ import annotations

from chant.errors import ChantError
from chant.graph import Graph
from chant.locks import is_locked
from chant.project import Project
from chant.spec.model import Spec
from chant.spec.status import Status


def cancel(project: Project, spec: Spec) -> Spec:
    if spec.status == Status.CANCELLED:
        raise ChantError(f"{spec.id} is already cancelled")
    if is_locked(project.lock_path(f"run-{spec.id}")):
        raise ChantError(f"{spec.id} is being worked by a running chant", hint="stop that run first (Ctrl-C)")
    return project.update_spec(spec.id, {}, status=Status.CANCELLED, commit=f"chant({spec.id}): cancel")


def dependents_of(project: Project, spec_id: str) -> list[str]:
    return Graph.of(project.specs()).dependents(spec_id)
