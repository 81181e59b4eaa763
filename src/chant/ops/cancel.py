"""``chant cancel``: soft (status -> cancelled through the round-trip writer) and ``--delete``."""

from __future__ import annotations

from chant import layout
from chant.errors import ChantError
from chant.graph import Graph
from chant.project import Project
from chant.spec.model import Spec
from chant.spec.status import Status


def cancel(project: Project, spec: Spec) -> Spec:
    if spec.status == Status.CANCELLED:
        raise ChantError(f"{spec.id} is already cancelled")
    if layout.is_running(project, spec.id):
        raise ChantError(f"{spec.id} is being worked by a running chant", hint="stop that run first (Ctrl-C)")
    return project.update_spec(spec.id, {}, status=Status.CANCELLED, commit=f"chant({spec.id}): cancel")


def dependents_of(project: Project, spec_id: str) -> list[str]:
    return Graph.of(project.specs()).dependents(spec_id)


def descendants(graph: Graph, spec_id: str) -> list[str]:
    """A driver's members, their members, ... (natural order, depth first)."""
    found: list[str] = []
    for member in graph.members(spec_id):
        found += [member, *descendants(graph, member)]
    return found


def plan_delete(project: Project, spec: Spec, *, cascade: bool, force: bool) -> list[str]:
    """The IDs ``cancel --delete`` would remove (driver first), or a ChantError saying why not."""
    graph = Graph.of(project.specs(refresh=True))
    members = descendants(graph, spec.id)
    if members and not cascade:
        raise ChantError(
            f"{spec.id} is a driver with {len(members)} member(s): {', '.join(members)}",
            hint="--cascade deletes its members too",
        )
    doomed = [spec.id, *members]
    for spec_id in doomed:
        if layout.is_running(project, spec_id):
            raise ChantError(
                f"{spec_id} is being worked by a running chant", hint="stop that run first (Ctrl-C)"
            )
    dependents = sorted({d for s in doomed for d in graph.dependents(s)} - set(doomed))
    if dependents and not force:
        raise ChantError(
            f"{', '.join(dependents)} depend{'s' if len(dependents) == 1 else ''} on {spec.id}",
            hint="--force deletes it anyway (they will then be blocked by a missing dependency)",
        )
    return doomed


def delete(project: Project, doomed: list[str]) -> None:
    """Remove the specs' files, logs, worktrees and branches; commit the deletion (one commit)."""
    from chant import git
    from chant.layout import branch_name
    from chant.ops.lifecycle import remove_worktree

    paths = []
    for spec_id in doomed:
        path = project.spec_path(spec_id)
        remove_worktree(project, spec_id)
        git.delete_branch(project.root, branch_name(project, spec_id))
        layout.log_path(project, spec_id).unlink(missing_ok=True)
        path.unlink(missing_ok=True)
        paths.append(path)
    what = doomed[0] if len(doomed) == 1 else f"{doomed[0]} and {len(doomed) - 1} member(s)"
    project.commit(paths, f"chant({doomed[0]}): delete {what}")
    project.specs(refresh=True)
