"""Best of N: run N attempts of one spec side by side, each in its own worktree and branch, keep one.

``chant work ID --best-of N [--agents a,b] [--pick first|smallest]``. Every candidate goes through the same
attempts as a normal run (agent, check, early gate, retries); the kept one is the first to pass (or, with
``smallest``, the passing one with the smallest diff). Its commits become the spec's branch and the normal
integrate step merges it (gated again on the tree it lands on). Every candidate's spend is recorded in the
spec's ``attempts:`` (``candidate: k``), so ``chant cost`` counts the losers.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import TYPE_CHECKING

from chant import git
from chant.run import gate, logs
from chant.run.logs import SpecLog

if TYPE_CHECKING:
    from chant.run.pipeline import Pipeline, Prepared

PICKS = ("first", "smallest")


def pick(passed: list[tuple[int, float, int]], how: str) -> int | None:
    """The candidate kept among ``(candidate, finished at, diff lines)`` of those that passed (pure)."""
    if not passed:
        return None
    if how == "smallest":
        return min(passed, key=lambda c: (c[2], c[1], c[0]))[0]
    return min(passed, key=lambda c: (c[1], c[0]))[0]


def _candidate(pipeline: Pipeline, prep: Prepared, k: int, agent: str) -> Prepared:
    root = pipeline.project.root
    branch = f"{prep.branch}--try{k}"
    worktree = prep.worktree.with_name(f"{prep.worktree.name}--try{k}")
    if worktree.exists():
        git.worktree_remove(root, worktree)
    if git.branch_exists(root, branch):
        git.delete_branch(root, branch)
    git.worktree_add(root, worktree, branch, prep.base, sparse=prep.sparse)
    if prep.untracked_spec:
        copy = worktree / prep.spec_rel
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_text(prep.spec.path.read_text(encoding="utf-8"), encoding="utf-8")
    log = SpecLog(
        pipeline.project.logs_dir / f"{prep.spec.id}.try{k}.log", logs.max_bytes(pipeline.project.config)
    )
    log.start(prep.spec.id, agent=agent, prompt=prep.prompt_name, model=pipeline._model(prep.spec, agent))
    log.write(f"best-of candidate {k}: worktree: {worktree}  branch: {branch}  base: {prep.base}")
    return dataclasses.replace(
        prep,
        branch=branch,
        worktree=worktree,
        agent_name=agent,
        log=log,
        result=None,
        commits=[],
        attempts=[],
        trespass=[],
        reason=None,
        checked=False,
        gated=None,
        gate_s=None,
    )


def run(pipeline: Pipeline, prep: Prepared, count: int, agents: list[str], how: str) -> None:  # noqa: PLR0915 - one pass over the candidates
    """Run ``count`` candidates of ``prep``'s spec; leave ``prep`` as the kept one (or failed)."""
    root = pipeline.project.root
    names = agents or [prep.agent_name]
    candidates = [dataclasses.replace(prep, agent_name=names[0], attempts=[])]
    candidates += [_candidate(pipeline, prep, k, names[k % len(names)]) for k in range(1, count)]
    finished: dict[int, float] = {}
    errors: dict[int, BaseException] = {}

    def attempt(k: int) -> None:
        try:
            pipeline._attempts(candidates[k])
        except Exception as exc:  # one candidate's crash is its own failure
            errors[k] = exc
            candidates[k].reason, candidates[k].checked = f"candidate crashed: {exc}", True
        finally:
            finished[k] = time.monotonic()

    threads = [threading.Thread(target=attempt, args=(k,), daemon=True) for k in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for cand in candidates:
        if cand is not candidates[0]:
            git.worktree_remove(root, cand.worktree)
            gate.remove(pipeline.project, cand.worktree.name)
            cand.log.close(f"candidate done: {cand.reason or 'passed'}")
    passed = [
        (k, finished[k], git.diff_lines(root, prep.base, git.heads(root, c.branch)[0]))
        for k, c in enumerate(candidates)
        if c.reason is None
    ]
    kept = pick(passed, how)
    attempts = []
    for k, cand in enumerate(candidates):
        for entry in cand.attempts:
            entry["candidate"] = k + 1
            if kept is not None and k != kept:
                entry["outcome"] = "lost" if cand.reason is None else "failed"
                if cand.reason and "reason" not in entry:
                    entry["reason"] = cand.reason.splitlines()[0][:300]
            attempts.append(entry)
    first = candidates[0]
    if kept is None:
        reasons = "; ".join(
            f"{k + 1}: {c.reason.splitlines()[0]}" for k, c in enumerate(candidates) if c.reason
        )
        _adopt(prep, first)
        prep.attempts = attempts
        prep.reason = f"best of {count}: no candidate passed ({reasons})"
        prep.checked = True
        pipeline.on_event(
            "best_of", f"  {prep.spec.id}: no candidate of {count} passed", id=prep.spec.id, kept=None
        )
        return
    winner = candidates[kept]
    if kept != 0:
        # The kept candidate's commits become the spec's own branch (the first candidate's worktree
        # goes first: its branch is moved under it).
        pipeline._remove_worktree(prep)
        old, new = git.heads(root, prep.branch, winner.branch)
        git.update_ref(
            root, prep.branch, new, old, f"chant({prep.spec.id}): keep best-of candidate {kept + 1}"
        )
    losers = [c.branch for k, c in enumerate(candidates) if k != 0]
    git.delete_branches(root, losers)
    _adopt(prep, winner)
    prep.attempts = attempts
    prep.commits = [
        sha
        for sha, message in git.log_messages(root, f"{prep.base}..{prep.branch}")
        if not git.is_bookkeeping(message)
    ]
    prep.gate_s = sum(c.gate_s or 0.0 for c in candidates) or None
    diff = next(d for k, _t, d in passed if k == kept)
    pipeline.on_event(
        "best_of",
        f"  {prep.spec.id}: kept candidate {kept + 1} of {count} ({winner.agent_name}, {diff} lines changed;"
        f" {len(passed)} passed)",
        id=prep.spec.id,
        kept=kept + 1,
        passed=[k + 1 for k, _t, _d in passed],
        diff_lines=diff,
        agent=winner.agent_name,
    )


def _adopt(prep: Prepared, source: Prepared) -> None:
    """Take over a candidate's verdict (the spec's own run lock, log and branch name stay)."""
    prep.result = source.result
    prep.reason = source.reason
    prep.checked = True
    prep.gated = source.gated
    prep.attention = source.attention
    prep.agent_name = source.agent_name
    prep.spec_text = source.spec_text
    prep.trespass = source.trespass
    prep.budget_reason = source.budget_reason
