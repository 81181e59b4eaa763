"""Where the agent step of the pipeline runs: a plug-in behind the one pipeline, never a second pipeline.

The pipeline prepares (status commit, worktree, prompt), then hands the built ``AgentRequest`` to its
executor, then checks, integrates and finalizes whatever the executor brought back on the spec's branch.
Scheduling (``--parallel``, phases, the merge order) is the scheduler's and does not change.

- ``local`` (default): the agent runs here, in the prepared worktree (today's behaviour).
- ``ray``: the agent runs as a Ray task on a node of a Ray cluster (``chant[ray]``, docs/distributed.md);
  the branch comes back as a git bundle and lands on the same local branch before the check.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from chant.errors import ChantError

if TYPE_CHECKING:
    from chant.agents import AgentRequest, AgentResult
    from chant.agents.base import Agent
    from chant.project import Project
    from chant.run.pipeline import Prepared

NAMES = ("local", "ray")


class Executor(Protocol):
    name: str

    def run(self, prep: Prepared, agent: Agent, request: AgentRequest) -> AgentResult:
        """Run ``agent`` on ``request``; when it returns, the agent's commits are on ``prep.branch`` in the
        project's repository (and its copy of an untracked spec in ``prep.worktree``)."""
        ...


class LocalExecutor:
    name = "local"

    def run(self, prep: Prepared, agent: Agent, request: AgentRequest) -> AgentResult:
        return agent.run(request)


def make(name: str | None, project: Project, address: str | None = None) -> Executor:
    chosen = name or str(project.config.get("executor.name", "local"))
    if chosen == "local":
        if address:
            raise ChantError("--address is for --executor ray")
        return LocalExecutor()
    if chosen == "ray":
        try:
            from chant.run.executors.ray_exec import RayExecutor
        except ImportError as exc:
            raise ChantError(
                f"--executor ray needs Ray ({exc})", hint="pip install 'chant[ray]' (docs/distributed.md)"
            ) from None

        return RayExecutor(project, address or project.config.get("executor.address"))
    raise ChantError(f"unknown executor {chosen!r}", hint="one of: " + ", ".join(NAMES))
