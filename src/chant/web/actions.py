"""The dashboard's buttons: the same library calls as the CLI commands of the same names.

``approve``/``reject`` -> ``ops.lifecycle.set_approval``; ``pause`` -> ``ops.pause.pause``; ``reset`` ->
``ops.lifecycle.reset``; ``work`` -> the scheduler (``run_driver`` / ``run_single``) in a background thread
of the server (``chant.run.background``), journalled like any other run, so every open page follows it live.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from chant.errors import ChantError
from chant.project import Project
from chant.run.background import Runner
from chant.spec.status import Status

NAMES = ("approve", "reject", "pause", "reset", "work")
__all__ = ["NAMES", "Runner", "perform"]


def perform(root: Path, name: str, spec_id: str, form: Mapping[str, str], runner: Runner) -> str:
    """Do one action; returns what happened, in the CLI's words. Raises ChantError with the CLI's errors."""
    if name not in NAMES:
        raise ChantError(f"unknown action '{name}'", hint="actions: " + ", ".join(NAMES))
    project = Project(root)
    spec = project.resolve(spec_id)
    if name in ("approve", "reject"):
        from chant.ops.lifecycle import set_approval

        by = (form.get("by") or "").strip()
        reason = (form.get("reason") or "").strip()
        if not by:
            raise ChantError(f"{name} needs a name (who {name}s)", hint="fill in the 'your name' field")
        if name == "reject" and not reason:
            raise ChantError("reject needs a reason")
        set_approval(project, spec, approved=name == "approve", by=by, reason=reason or None)
        return f"{'Approved' if name == 'approve' else 'Rejected'} {spec.id}"
    if name == "pause":
        from chant.ops.pause import pause

        after = pause(project, spec)
        return (
            f"Paused {spec.id}"
            if after.status == Status.PAUSED
            else f"{spec.id} ended as {after.status.value}"
        )
    if name == "reset":
        from chant.ops.lifecycle import reset

        done = reset(project, spec)
        return "Reset " + ", ".join(done) + " to pending"
    runner.start(spec.id)
    return f"Started chant work {spec.id}"
