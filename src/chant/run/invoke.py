"""One agent invocation, built in one place: which agent, which model, what timeout, which environment.

``chant work`` (``Pipeline.run_agent``) and the one-off questions (``verify``, ``split``, ``plan``: ``ops.ask``)
both build their :class:`~chant.agents.AgentRequest` here, so a rule such as "the spec's ``model:`` wins
over the config" cannot hold for one and not the other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from chant import clock, git
from chant.agents import AgentRequest

if TYPE_CHECKING:
    from chant.project import Project
    from chant.spec.model import Spec

# What the scheduler records as the model of a driver it completed without an agent (not a model name).
AUTO_COMPLETED = "auto-completed"


def agent_name(project: Project, override: str | None, spec: Spec | None = None) -> str:
    """--agent > the spec's ``agent:`` > ``defaults.agent``."""
    spec_agent = spec.get("agent") if spec is not None else None
    return override or str(spec_agent or project.config.get("defaults.agent", "claude"))


def model(
    project: Project, spec: Spec | None, agent: str, override: str | None, *, recorded: bool = False
) -> str | None:
    """--model > the spec's ``model:`` > ``agents.<agent>.model`` > ``defaults.model``.

    On a completed spec ``model:`` records the model that did the work: a re-run does not pin itself to it
    (``recorded=False``), a question about that work (``verify``) asks the same model (``recorded=True``)."""
    if override:
        return override
    if spec is not None:
        value = spec.get("model")
        done = bool(spec.get("completed_at"))
        if value and (not done or (recorded and str(value) != AUTO_COMPLETED)):
            return str(value)
    settings = project.config.agent_settings(agent)
    value = settings.get("model") or project.config.get("defaults.model")
    return str(value) if value else None


def timeout(project: Project, override: float | None) -> float | None:
    if override is not None:
        return override
    configured = project.config.get("defaults.timeout")
    return float(configured) if configured else None


def request(
    project: Project,
    *,
    spec_id: str,
    agent: str,
    prompt: str,
    prompt_file: Path,
    worktree: Path,
    model: str | None,
    timeout: float | None,
    log: Callable[[str], None],
    env: dict[str, str] | None = None,
    cancel: threading.Event | None = None,
    on_usage: Callable[[float | None, int | None, int | None], str | None] | None = None,
) -> AgentRequest:
    """The request every provider receives: git's repository-locating variables scrubbed (the agent's own
    git must find its worktree), chant's frozen dates, the ``CHANT_*`` variables plus ``env``."""
    full = git.clean_env()
    full.update(clock.git_date_env())
    full.update(
        {
            "CHANT_SPEC_ID": spec_id,
            "CHANT_PROMPT_FILE": str(prompt_file),
            "CHANT_PROJECT_ROOT": str(project.root),
            "CHANT_WORKTREE_PATH": str(worktree),
            **(env or {}),
        }
    )
    if model:
        full["CHANT_MODEL"] = model
    return AgentRequest(
        spec_id=spec_id,
        prompt=prompt,
        prompt_file=prompt_file,
        worktree=worktree,
        env=full,
        model=model,
        timeout=timeout,
        settings=project.config.agent_settings(agent),
        log=log,
        cancel=cancel if cancel is not None else threading.Event(),
        on_usage=on_usage,
    )
