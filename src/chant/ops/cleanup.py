"""``chant cleanup``: leftovers of runs that are over. Nothing a live run (its lock is held) uses is touched,
nor the worktree of a paused spec (``chant takeover`` gave it to a human)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from chant import git
from chant.locks import is_locked
from chant.project import Project
from chant.run.pipeline import worktree_root
from chant.spec.status import Status

FINISHED = (Status.COMPLETED, Status.CANCELLED)


@dataclass
class CleanupPlan:
    worktrees: list[Path] = field(default_factory=list)
    branches: list[str] = field(default_factory=list)
    locks: list[Path] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)  # rendered prompts, pause requests

    @property
    def empty(self) -> bool:
        return not (self.worktrees or self.branches or self.locks or self.files)


def plan(project: Project) -> CleanupPlan:
    result = CleanupPlan()
    specs = project.specs(refresh=True)
    prefix = f"{project.name}-"

    def live(spec_id: str) -> bool:
        return is_locked(project.lock_path(f"run-{spec_id}"))

    root = worktree_root(project)
    registered = {Path(e["worktree"]) for e in git.worktrees(project.root)}
    if root.is_dir():
        for path in sorted(root.iterdir()):
            spec_id = path.name[len(prefix) :] if path.name.startswith(prefix) else path.name
            spec = specs.active.get(spec_id)
            if spec is not None and spec.status == Status.PAUSED:
                continue  # taken over: a human works there
            if path.is_dir() and not live(spec_id):
                result.worktrees.append(path)
    for path in sorted(registered):
        if path.parent == root and path not in result.worktrees and not path.exists():
            result.worktrees.append(path)  # registered but gone: `worktree prune` drops it

    branch_prefix = str(project.config.get("defaults.branch_prefix", "chant/"))
    for branch in git.list_branches(project.root, f"{branch_prefix}*"):
        spec_id = branch[len(branch_prefix) :]
        spec = specs.active.get(spec_id)
        if (spec is None or spec.status in FINISHED) and not live(spec_id):
            result.branches.append(branch)

    locks = project.run_dir / "locks"
    if locks.is_dir():
        for path in sorted(locks.glob("*.lock")):
            kind, _, spec_id = path.stem.partition("-")
            if kind not in ("run", "write") or not spec_id:
                continue  # shared locks (integration, git-index, add) are permanent fixtures
            spec = specs.active.get(spec_id)
            if (spec is None or spec.status in FINISHED) and not is_locked(path):
                result.locks.append(path)

    for directory in (project.run_dir / "prompts", project.run_dir / "pause"):
        if directory.is_dir():
            for path in sorted(directory.iterdir()):
                spec_id = path.name[:-3] if path.suffix == ".md" else path.name
                if path.is_file() and not live(spec_id):
                    result.files.append(path)
    return result


def apply(project: Project, cleanup: CleanupPlan) -> None:
    for path in cleanup.worktrees:
        git.worktree_remove(project.root, path)
    git.delete_branches(project.root, cleanup.branches)
    for path in [*cleanup.locks, *cleanup.files]:
        path.unlink(missing_ok=True)
    git.worktree_prune(project.root)


__all__ = ["CleanupPlan", "apply", "plan"]
