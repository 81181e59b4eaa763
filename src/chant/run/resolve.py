"""Conflicts get help: an agent resolves a spec's merge conflict with main, in the spec's own branch.

``chant merge ID --resolve`` (and, during ``chant work``, ``merge.resolve: agent``) merges the main branch
*into the spec's branch* in a worktree, leaving the conflict markers, and starts the agent there with the
conflicting files and both sides' intent: this spec, and the specs whose work on main touched those files.
The agent concludes the merge with a commit on the spec's branch. chant then checks that nothing is left
unmerged, gates and integrates as usual. Main's history is never rewritten and nothing is forced: if the
agent does not finish the merge cleanly, the branch is put back where it was and the spec needs attention.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from chant import git
from chant.errors import ChantError
from chant.project import Project
from chant.run.pipeline import Outcome, Pipeline, RunOptions
from chant.spec.model import Spec
from chant.spec.status import Status

if TYPE_CHECKING:
    from chant.run.pipeline import Prepared

_SUBJECT_ID = re.compile(r"^chant\(([^)]+)\):")
_MARKER = re.compile(r"^(<{7}|>{7})( |$)", re.M)


def prompt(spec: Spec, others: list[Spec], files: list[str], main_branch: str, branch: str) -> str:
    """What the resolving agent is told (pure)."""
    lines = [
        f"# Resolve a merge conflict: {spec.display_title} ({spec.id})",
        "",
        f"You are in a git worktree on the branch `{branch}`, in the middle of merging `{main_branch}` into it.",
        "These files have conflicts (markers `<<<<<<<`, `=======`, `>>>>>>>`):",
        "",
        *(f"- {f}" for f in files),
        "",
        "Resolve every conflict so that BOTH sides' intent holds, then `git add` the files and conclude the",
        "merge with `git commit --no-edit`. Change nothing else; never rebase, reset or push.",
        "",
        "## This branch's intent",
        "",
        f"{spec.display_title} ({spec.id})",
        "",
        spec.body.strip(),
        "",
        f"## What {main_branch} did meanwhile",
        "",
    ]
    if not others:
        lines.append("(no chant spec is recorded for those changes; read the other side of each conflict)")
    for other in others:
        lines += [f"### {other.display_title} ({other.id})", "", other.body.strip(), ""]
    return "\n".join(lines).rstrip() + "\n"


def other_specs(project: Project, base: str, main_tip: str, files: list[str], own: str) -> list[Spec]:
    """The specs whose commits on main (since the branch forked) touched the conflicting files."""
    found: list[str] = []
    for _sha, message in git.log_messages(project.root, f"{base}..{main_tip}", files):
        match = _SUBJECT_ID.match(message)
        if match and match.group(1) != own and match.group(1) not in found:
            found.append(match.group(1))
    specs = project.specs()
    return [s for s in (specs.get(i) for i in found) if s is not None]


def resolve_in(pipeline: Pipeline, prep: Prepared) -> str | None:
    """Merge main into ``prep``'s worktree and have the agent resolve it. None when the branch now holds
    a clean merge of main; else why not (the branch is then back where it was)."""
    root = pipeline.project.root
    worktree = prep.worktree
    main_tip, before = git.heads(root, pipeline.main_branch, prep.branch)
    files = git.merge_start(worktree, main_tip, f"chant({prep.spec.id}): merge {pipeline.main_branch}")
    if not files:
        if git.merge_in_progress(worktree):
            git.commit_merge(worktree)  # main merged in cleanly after all
        return None
    base = git.merge_base(root, before, main_tip) or main_tip
    others = other_specs(pipeline.project, base, main_tip, files, prep.spec.id)
    prep.log.write(f"[resolve] conflicts in {', '.join(files)}; asking {prep.agent_name} to resolve them")
    pipeline.on_event(
        "resolve",
        f"  {prep.spec.id}: conflicts in {', '.join(files)}; an agent resolves them in {prep.branch}",
        id=prep.spec.id,
        files=files,
        others=[o.id for o in others],
    )
    prep.prompt_text = prompt(prep.spec, others, files, pipeline.main_branch, prep.branch)
    own = prep.result  # the spec's own run: its model and cost are what finalize records
    try:
        result = pipeline.run_agent(prep)
    finally:
        prep.prompt_text, prep.result = None, own
    reason = _verdict(worktree, files, main_tip, root, prep.branch)
    if result is not None and not result.ok and reason is None:
        reason = result.error or "the resolving agent failed"
    if reason is not None:
        if git.merge_in_progress(worktree):
            git.merge_abort(worktree)
        git.reset_hard(worktree, before)  # the spec's branch as it was; main is never touched
        prep.log.write(f"[resolve] not resolved: {reason}")
        return f"conflict with {pipeline.main_branch} not resolved by the agent: {reason}"
    prep.log.write("[resolve] resolved; the branch now holds a merge of main")
    return None


def _verdict(worktree: Path, files: list[str], main_tip: str, root: Path, branch: str) -> str | None:
    if git.merge_in_progress(worktree):
        left = git.unmerged(worktree)
        return f"the merge was not concluded ({', '.join(left) or 'no commit'})"
    if not git.is_ancestor(root, main_tip, branch):
        return "the branch does not contain the main branch after the agent's commit"
    marked = [f for f in files if _MARKER.search(git.show_file(root, branch, f) or "")]
    if marked:
        return "conflict markers left in " + ", ".join(marked)
    return None


def resolve_branch(project: Project, spec_id: str, agent: str | None = None) -> Outcome:
    """``chant merge ID --resolve``: resolve the branch's conflict with an agent, then check, gate,
    integrate and finalize it as ``chant merge`` does."""
    spec = project.reload(spec_id)
    if spec.status not in (Status.NEEDS_ATTENTION, Status.FAILED, Status.IN_PROGRESS, Status.PAUSED):
        raise ChantError(f"{spec_id} is {spec.status.value}: nothing to resolve")
    pipeline = Pipeline(project, RunOptions(agent=agent))
    pipeline.recover()
    prep = pipeline.adopt(spec_id)
    root = project.root
    try:
        main_tip, tip = git.heads(root, pipeline.main_branch, prep.branch)
        if not git.merge_tree(root, main_tip, tip).conflicts:
            raise ChantError(
                f"{prep.branch} merges cleanly into {pipeline.main_branch}: nothing to resolve",
                hint=f"`chant merge {spec_id}`",
            )
        prep.agent_name = agent or str(spec.get("agent") or project.config.get("defaults.agent", "claude"))
        if prep.worktree.exists():
            git.worktree_remove(root, prep.worktree)
        git.worktree_add(root, prep.worktree, prep.branch, None)
        prep.worktree_removed = False
        prep.scopes = pipeline.scopes(spec)
        reason = resolve_in(pipeline, prep)
    except BaseException:
        pipeline._remove_worktree(prep)
        prep.log.close("resolve failed")
        prep.lock.release()
        raise
    if reason is None:
        prep.result = None  # judged like `chant merge`: the branch, not the resolving run
        prep.reason = pipeline.check(prep)
    else:
        prep.reason, prep.attention = reason, True
    prep.checked = True
    pipeline._remove_worktree(prep)
    try:
        return pipeline.complete(prep)
    finally:
        pipeline.flush_branches()
