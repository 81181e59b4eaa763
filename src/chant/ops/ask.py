"""A one-off question to the configured agent (``chant verify``, ``split``, ``plan``): the same provider layer
``chant work`` uses, without a spec run around it.

The prompt goes to ``.chant/run/prompts/<key>.md`` (and on stdin, per provider), the agent's lines to
``.chant/logs/<log_name>``. ``scratch_worktree`` gives a question a throwaway detached checkout of HEAD to
run in, so an agent that edits or commits cannot touch the user's checkout or any branch.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from chant import clock, git
from chant.agents import AgentResult, get_agent
from chant.project import Project, atomic_write
from chant.run import invoke


@dataclass(frozen=True)
class Question:
    key: str  # names the prompt file and the log section (e.g. "verify-<id>", "split-<id>")
    prompt: str
    spec_id: str  # CHANT_SPEC_ID (the spec asked about, or the plan's file name)
    log_name: str  # file under .chant/logs/
    env: dict[str, str]  # extra CHANT_* variables
    label: str  # the log's section header: "verify <id>", "split <id>"


def ask(
    project: Project,
    question: Question,
    *,
    agent: str,
    worktree: Path,
    timeout: float | None = None,
    model: str | None = None,
) -> AgentResult:
    """Run ``agent`` once on ``question`` in ``worktree``. An unknown agent is a failed result, not a raise."""
    prompt_file = project.run_dir / "prompts" / f"{question.key}.md"
    prompt_file.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(prompt_file, question.prompt)
    log_path = project.logs_dir / question.log_name
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "a", encoding="utf-8") as log:

        def write(line: str) -> None:
            log.write(line.rstrip("\n") + "\n")

        write(f"=== {question.label} at {clock.iso()} with {agent} ===")
        request = invoke.request(
            project,
            spec_id=question.spec_id,
            agent=agent,
            prompt=question.prompt,
            prompt_file=prompt_file,
            worktree=worktree,
            model=model or invoke.model(project, None, agent, None),
            timeout=invoke.timeout(project, timeout),
            log=write,
            env=question.env,
        )
        try:
            return get_agent(agent).run(request)
        except ValueError as exc:  # an unknown agent name
            return AgentResult(False, None, f"agent: {exc}", None)


def failure(result: AgentResult, agent: str) -> str | None:
    """Why a run did not answer (timed out, exited non-zero...), or ``None`` when it did."""
    if result.ok:
        return None
    reason = "timed out" if result.timed_out else (result.error or f"exit {result.exit_code}")
    return f"agent {agent} failed: {reason}"


@contextmanager
def scratch_worktree(project: Project, label: str) -> Iterator[Path]:
    """A detached checkout of HEAD for one question, removed afterwards whatever happens."""
    from chant.layout import worktree_root

    path = worktree_root(project) / f"{project.name}-{label}-{os.urandom(3).hex()}"
    head = git.head(project.root)
    if head is None:
        from chant.errors import ChantError

        raise ChantError("the repository has no commits yet", hint="commit something first (`git commit`)")
    git.worktree_add_detached(project.root, path, head)
    try:
        yield path
    finally:
        git.worktree_remove(project.root, path)
