"""reset, replay, approve, reject: status changes around `chant work` (one state table, one writer)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chant import clock, git, layout
from chant.errors import ChantError
from chant.graph import Graph
from chant.project import Project
from chant.shell import quote
from chant.spec.edit import REMOVE, untick_criteria
from chant.spec.model import Spec
from chant.spec.status import Status


def reset(project: Project, spec: Spec, *, discard: bool = False, members: bool = True) -> list[str]:
    """Back to ``pending`` from any other state. Keeps the branch (and its commits) unless ``discard``.

    A running spec (its run lock is held) is refused; an ``in_progress`` spec whose chant died is fine.
    Returns the IDs that were reset (a driver's members too).
    """
    ids = [spec.id]
    if members:
        graph = Graph.of(project.specs())
        ids += [m for m in graph.members(spec.id) if graph.specs[m].status != Status.PENDING]
    for spec_id in ids:
        if layout.is_running(project, spec_id):
            raise ChantError(
                f"{spec_id} is being worked by a running chant",
                hint=f"stop that run first (Ctrl-C, or `chant pause {quote(spec_id)}`)",
            )
    done: list[str] = []
    for spec_id in ids:
        current = project.reload(spec_id)
        if current.status == Status.PENDING and spec_id == spec.id and not discard:
            raise ChantError(f"{spec_id} is already pending")
        remove_worktree(project, spec_id)
        if discard:
            git.delete_branch(project.root, layout.branch_name(project, spec_id))
        updates: dict[str, Any] = {"failure_reason": REMOVE, "conflicting_files": REMOVE, "branch": REMOVE}
        if current.get("completed_at"):
            if not current.get("original_completed_at"):
                updates["original_completed_at"] = current.get("completed_at")
            updates["completed_at"] = REMOVE
        project.update_spec(
            spec_id, updates, status=Status.PENDING, force=True, commit=f"chant({spec_id}): reset"
        )
        done.append(spec_id)
    return done


def already_completed(graph: Graph, spec_id: str) -> str | None:
    """Why ``chant work <spec_id>`` has nothing to do (a completed spec, or a completed driver whose members
    are all finished), else ``None``. Re-running must not rewrite its completion (``completed_at``, model)."""
    spec = graph.specs[spec_id]
    if spec.status != Status.COMPLETED:
        return None
    if any(graph.specs[m].status not in (Status.COMPLETED, Status.CANCELLED) for m in graph.members(spec_id)):
        return None  # a member added since: the driver has work again
    return f"{spec_id} is already completed (use `chant replay {quote(spec_id)}` to run it again, or `chant reset {quote(spec_id)}`)"


def remove_worktree(project: Project, spec_id: str) -> bool:
    """Remove the spec's worktree: any registered on its branch and the one at its usual path."""
    from pathlib import Path

    from chant import git
    from chant.layout import branch_name, worktree_path

    ref = f"refs/heads/{branch_name(project, spec_id)}"
    removed = False
    for entry in git.worktrees(project.root):
        if entry.get("branch") == ref:
            git.worktree_remove(project.root, Path(entry["worktree"]))
            removed = True
    path = worktree_path(project, spec_id)
    if path.exists():
        git.worktree_remove(project.root, path)
        removed = True
    return removed


def prepare_replay(project: Project, spec: Spec) -> None:
    """Record the replay, then reset so `chant work` runs it again."""
    if spec.status != Status.COMPLETED:
        raise ChantError(
            f"{spec.id} is {spec.status.value}; only completed specs can be replayed",
            hint=f"use `chant work {quote(spec.id)}`",
        )
    count = (spec.int_value("replay_count") or 0) + 1
    updates: dict[str, Any] = {"replayed_at": clock.iso(), "replay_count": count}
    if not spec.get("original_completed_at") and spec.get("completed_at"):
        updates["original_completed_at"] = spec.get("completed_at")
    # A replay must earn its ticks again: the agent starts from open criteria, so the check means something.
    project.update_spec(spec.id, updates, body_edit=untick_criteria)
    reset(project, project.reload(spec.id), members=False)


def set_approval(project: Project, spec: Spec, *, approved: bool, by: str, reason: str | None = None) -> Spec:
    approval = dict(spec.approval)
    approval.setdefault("required", True)
    approval.update({"status": "approved" if approved else "rejected", "by": by, "at": clock.iso()})
    if reason:
        approval["reason"] = reason
    verb = "approve" if approved else "reject"
    return project.update_spec(spec.id, {"approval": approval}, commit=f"chant({spec.id}): {verb}")


# -- schedules: what `chant work --due` and `chant work ID` reset before they run ---------------------------
@dataclass(frozen=True)
class DueSpec:
    spec: Spec
    to_run: list[str]  # what its reset made pending (a driver and its members), or the spec in a dry run


def reset_due(project: Project, *, dry_run: bool) -> tuple[list[DueSpec], dict[str, str]]:
    """Reset every spec whose ``schedule:`` says it is due (a driver with its members; not in a dry run);
    returns them in load order, and ``spec ID -> why its schedule is invalid``."""
    from chant.schedule import due_specs

    found, invalid = due_specs(project.specs().ordered(), clock.now())
    graph = Graph.of(project.specs())
    ids = {spec.id for spec in found}
    done: list[DueSpec] = []
    for spec in found:
        if graph.driver_of(spec.id) in ids:
            continue  # its driver's reset covers it
        done.append(DueSpec(spec, [spec.id] if dry_run else reset(project, spec)))
    return done, invalid


def reset_if_due(project: Project, spec_id: str) -> Spec | None:
    """`chant work ID` on a completed spec whose ``schedule:`` says it is due runs it again: reset it first.
    Returns the spec when it was reset."""
    from chant.schedule import due_specs

    spec = project.resolve(spec_id)
    if not spec.get("schedule"):
        return None
    found, _invalid = due_specs([spec], clock.now())
    if not found:
        return None
    reset(project, spec)
    return spec
