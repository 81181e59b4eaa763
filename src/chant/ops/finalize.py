"""finalize and merge: check + integrate + finalize a spec's existing branch with the pipeline's own steps.

For a spec whose agent finished but chant did not record it (chant died, the run was paused and a human
continued, a conflict the user resolved by merging main into the branch, or the main branch moved since).
"""

from __future__ import annotations

from dataclasses import dataclass

from chant import git, layout
from chant.errors import ChantError
from chant.layout import branch_name
from chant.project import Project
from chant.run.pipeline import Outcome, Pipeline, RunOptions
from chant.shell import quote
from chant.spec.status import Status

FINALIZABLE = (Status.IN_PROGRESS, Status.PAUSED, Status.FAILED, Status.NEEDS_ATTENTION)

# merge --list states
READY, CONFLICTS, MERGED, NO_COMMITS = "ready", "conflicts", "merged", "no-commits"


def finalize(project: Project, spec_id: str) -> Outcome:
    """Integrate and finalize ``spec_id``'s branch. A branch that fails the check changes nothing."""
    spec = project.reload(spec_id)
    if spec.status == Status.COMPLETED:
        raise ChantError(f"{spec_id} is already completed")
    if spec.status not in FINALIZABLE:
        raise ChantError(
            f"{spec_id} is {spec.status.value}; finalize needs a spec whose agent has run "
            "(in_progress, paused, failed or needs_attention)",
            hint=f"`chant work {quote(spec_id)}` runs it",
        )
    pipeline = Pipeline(project, RunOptions())
    pipeline.recover()
    prep = pipeline.adopt(spec_id)
    try:
        if not prep.worktree_removed and git.status_porcelain(prep.worktree):
            raise ChantError(
                f"the worktree {prep.worktree} has uncommitted changes",
                hint=f"commit them on {prep.branch} (or discard them), then run this again",
            )
        reason = pipeline.check(prep)
        if reason is not None:
            raise ChantError(
                f"cannot finalize {spec_id}: {reason}", hint=f"`chant diagnose {quote(spec_id)}`"
            )
    except BaseException:
        prep.log.close("finalize refused")
        prep.lock.release()
        raise
    prep.reason, prep.checked = None, True
    try:
        return pipeline.complete(prep)
    finally:
        pipeline.flush_branches()


@dataclass
class BranchState:
    branch: str
    spec_id: str
    spec_status: str  # the spec's status, or "deleted"/"archived"
    state: str  # ready | conflicts | merged | no-commits
    commits: int
    conflicts: list[str]

    def to_dict(self) -> dict[str, object]:
        return {
            "branch": self.branch,
            "id": self.spec_id,
            "spec_status": self.spec_status,
            "state": self.state,
            "commits": self.commits,
            "conflicts": self.conflicts,
        }


def branch_states(project: Project, only: list[str] | None = None) -> list[BranchState]:
    """The state of every ``<prefix><id>`` branch (or of the given specs' branches)."""
    root = project.root
    main = Pipeline(project, RunOptions()).main_branch
    prefix = layout.branch_prefix(project)
    specs = project.specs(refresh=True)
    if only is None:
        branches = git.list_branches(root, f"{prefix}*")
    else:
        branches = [b for b in (branch_name(project, s) for s in only) if git.branch_exists(root, b)]
    found: list[BranchState] = []
    for branch in branches:
        spec_id = branch[len(prefix) :]
        spec = specs.active.get(spec_id)
        spec_status = spec.status.value if spec else ("archived" if spec_id in specs.archived else "deleted")
        main_tip, tip = git.heads(root, main, branch)
        base = git.merge_base(root, main_tip, tip) or main_tip
        commits = [s for s, m in git.log_messages(root, f"{base}..{tip}") if not git.is_bookkeeping(m)]
        conflicts: list[str] = []
        if base == tip:
            state = MERGED
        elif not commits:
            state = NO_COMMITS
        else:
            conflicts = git.merge_tree(root, main_tip, tip).conflicts
            state = CONFLICTS if conflicts else READY
        found.append(BranchState(branch, spec_id, spec_status, state, len(commits), conflicts))
    return found


def mergeable(states: list[BranchState]) -> list[BranchState]:
    """What ``merge --all`` takes: branches of unfinished specs that would merge cleanly (or already did)."""
    statuses = {s.value for s in FINALIZABLE}
    return [s for s in states if s.state in (READY, MERGED) and s.spec_status in statuses]
