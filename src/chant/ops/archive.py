"""``chant archive``: finished specs to ``.chant/archive/YYYY-MM-DD/<id>.md`` with ``git mv``, one commit.

Archived IDs still satisfy dependencies (the graph reads them) and still count for new ID sequences
(``chant add`` reads them), so archiving never unblocks or renumbers anything.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from chant import git
from chant.errors import ChantError
from chant.graph import Graph
from chant.layout import branch_name
from chant.locks import locked
from chant.ops.cancel import descendants
from chant.project import Project
from chant.run.pipeline import main_branch
from chant.shell import quote
from chant.spec import ids
from chant.spec.model import Spec
from chant.spec.status import Status

DONE = (Status.COMPLETED, Status.CANCELLED)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


@dataclass
class ArchivePlan:
    moves: list[tuple[str, Path, Path]] = field(default_factory=list)  # (id, from, to)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (id, why)


def destination(project: Project, spec: Spec) -> Path:
    """``archive/<date>/<id>.md``: the date it was completed, else the date in its ID."""
    for value in (spec.get("completed_at"), spec.id):
        match = _DATE.match(str(value or ""))
        if match:
            return project.archive_dir / match.group(0) / f"{spec.id}.md"
    return project.archive_dir / "undated" / f"{spec.id}.md"


def _why_not(project: Project, graph: Graph, spec_id: str, main: str) -> str | None:
    spec = graph.specs[spec_id]
    if spec.status not in DONE:
        return f"{spec_id} is {spec.status.value} (only completed or cancelled specs are archived)"
    branch = branch_name(project, spec_id)
    if git.branch_exists(project.root, branch) and not git.is_ancestor(project.root, branch, main):
        return f"{spec_id} has an unmerged branch {branch}"
    return None


def plan(project: Project, spec_id: str | None = None) -> ArchivePlan:
    """What to archive: one spec (with its members) or every finished top-level group."""
    graph = Graph.of(project.specs(refresh=True))
    main = main_branch(project)
    result = ArchivePlan()
    if spec_id is not None:
        driver = graph.driver_of(spec_id)
        if driver is not None:
            raise ChantError(
                f"{spec_id} is a member of {driver}; members are archived with their driver",
                hint=f"`chant archive {quote(driver)}` once all its members are done",
            )
        roots = [spec_id]
    else:
        roots = [s for s in ids.sorted_ids(graph.specs) if graph.driver_of(s) is None]
    for root in roots:
        group = [*descendants(graph, root), root]  # members first, the driver last
        reasons = [r for r in (_why_not(project, graph, s, main) for s in group) if r]
        if reasons:
            if spec_id is not None:
                raise ChantError(
                    f"cannot archive {root}: " + "; ".join(reasons),
                    hint="finish or merge it first (`chant merge --list` shows branches)",
                )
            if graph.specs[root].status in DONE:  # unfinished specs are simply not candidates
                result.skipped.append((root, "; ".join(reasons)))
            continue
        for member in group:
            spec = graph.specs[member]
            result.moves.append((member, spec.path, destination(project, spec)))
    return result


def apply(project: Project, archive_plan: ArchivePlan) -> str | None:
    """Move the files (``git mv`` when tracked, else a rename) and commit just them, once."""
    if not archive_plan.moves:
        return None
    root = project.root
    paths: list[Path] = []
    with locked(project.lock_path("git-index"), timeout=120):
        for _spec_id, src, dst in archive_plan.moves:
            if dst.exists():
                raise ChantError(f"{project.rel(dst)} already exists")
            if git.is_tracked(root, src) and not git.is_ignored(root, dst):
                git.move(root, src, dst)
            else:
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dst)
            paths += [src, dst]
    moved = [m[0] for m in archive_plan.moves]
    what = moved[0] if len(moved) == 1 else f"{len(moved)} specs ({', '.join(moved)})"
    sha = project.commit(paths, f"chant: archive {what}")
    project.specs(refresh=True)
    return sha
