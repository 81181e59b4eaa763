"""Tools that ask the agent to write specs: split (a pending spec into members) and plan (a requirements
document into a driver). The same calls as ``chant split`` / ``chant plan``: the agent answers in a
scratch checkout, its proposal is validated (retried once), then written all at once or not at all."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import Field

from chant.mcp import schemas
from chant.mcp.server import Chant, Settings
from chant.mcp.tools_read import SpecId

AgentName = Annotated[str | None, Field(description="Agent provider to ask (default: defaults.agent).")]
Model = Annotated[str | None, Field(description="Model to ask the agent for.")]
Timeout = Annotated[float | None, Field(description="Stop the agent after this many seconds.", gt=0)]
DryRun = Annotated[bool, Field(description="Return the proposal; write nothing.")]


def _report(
    driver: str | None, proposal: Any, planned: list[str], written: Any, dry_run: bool
) -> dict[str, Any]:
    """``chant split --json`` / ``chant plan --json``."""
    return {
        "dry_run": dry_run,
        "driver": written.driver if written is not None else driver,
        "members": written.members if written is not None else planned,
        "proposal": proposal.to_dict(),
        "commit": written.commit if written is not None else None,
    }


def register(chant: Chant) -> None:
    tool = chant.tool

    @tool("chant_split", schemas.PROPOSAL)
    def split(
        settings: Settings,
        id: SpecId,
        dry_run: DryRun = False,
        agent: AgentName = None,
        model: Model = None,
        timeout: Timeout = None,
    ) -> dict[str, Any]:
        """Ask the agent to break a pending spec into member specs; the spec becomes their driver (as
        `chant split --json`). Example: {"id": "001-big", "dry_run": true}."""
        from chant.ops import split as ops

        project = settings.project()
        spec = project.resolve(id, action="split")
        ops.check_splittable(project, spec)
        proposal = ops.propose(project, spec, agent=agent, timeout=timeout, model=model)
        planned = list(ops.member_files(spec.id, 1, proposal))
        written = None if dry_run else ops.write(project, spec, proposal)
        return _report(spec.id, proposal, planned, written, dry_run)

    @tool("chant_plan", schemas.PROPOSAL)
    def plan(
        settings: Settings,
        file: Annotated[str, Field(description="A requirements document inside the project (markdown).")],
        dry_run: DryRun = False,
        agent: AgentName = None,
        model: Model = None,
        timeout: Timeout = None,
    ) -> dict[str, Any]:
        """Ask the agent to turn a requirements document into a driver and its members (as `chant plan
        --json`); the driver's informed_by names the file, so drift reports when it changes.
        Example: {"file": "docs/requirements.md"}."""
        from chant.ops import plan as ops

        project = settings.project()
        path = Path(file)
        rel, text = ops.read_document(project, path if path.is_absolute() else project.root / path)
        proposal = ops.propose(project, rel, text, agent=agent, timeout=timeout, model=model)
        planned = [f"<new driver>.{n}" for n in range(1, len(proposal.members) + 1)]
        written = None if dry_run else ops.write(project, rel, proposal)
        return _report(None, proposal, planned, written, dry_run)
