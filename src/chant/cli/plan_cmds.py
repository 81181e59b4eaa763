"""split, plan: an agent proposes member specs (shown with --dry-run, else written all at once)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from chant.cli import common, render
from chant.states import named


def _agent_options(func: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            common.dry_run_option("Print the agent's proposal; write nothing."),
            click.option("--agent", help="Agent provider to ask (default: defaults.agent)."),
            click.option("--model", help="Model to ask the agent for."),
            click.option("--timeout", type=float, metavar="SECONDS", help="Stop the agent after this long."),
            click.option("--no-commit", is_flag=True, help="Write the files but do not commit them."),
            common.json_option(),
        ]
    ):
        func = option(func)
    return func


@click.command()
@common.spec_id_argument()
@_agent_options
def split(
    spec_id: str,
    dry_run: bool,
    agent: str | None,
    model: str | None,
    timeout: float | None,
    no_commit: bool,
    as_json: bool,
) -> None:
    """Ask the agent to break a pending spec into members (prompt: .chant/prompts/split.md).

    The spec becomes their driver and keeps its own criteria for the wrap-up run.
    """
    from chant.ops import split as ops

    proj = common.project()
    spec = proj.resolve(spec_id, action="split")
    ops.check_splittable(proj, spec)
    if not as_json:
        click.echo(f"Asking the agent to split {named(spec.id, spec.title)}...", err=True)
    proposal = ops.propose(proj, spec, agent=agent, timeout=timeout, model=model)
    planned = list(ops.member_files(spec.id, 1, proposal))
    _report(
        proj,
        spec.id,
        proposal,
        planned,
        dry_run=dry_run,
        as_json=as_json,
        write=None if dry_run else (lambda: ops.write(proj, spec, proposal, commit=not no_commit)),
    )


@click.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@_agent_options
def plan(
    file: Path,
    dry_run: bool,
    agent: str | None,
    model: str | None,
    timeout: float | None,
    no_commit: bool,
    as_json: bool,
) -> None:
    """Ask the agent to turn a requirements document into a driver and its members (.chant/prompts/plan.md).

    The driver's informed_by names FILE, so `chant drift` reports when the requirements change.
    """
    from chant.ops import plan as ops

    proj = common.project()
    rel, text = ops.read_document(proj, file)
    if not as_json:
        click.echo(f"Asking the agent to plan {rel}...", err=True)
    proposal = ops.propose(proj, rel, text, agent=agent, timeout=timeout, model=model)
    planned = [f"<new driver>.{n}" for n in range(1, len(proposal.members) + 1)]
    _report(
        proj,
        None,
        proposal,
        planned,
        dry_run=dry_run,
        as_json=as_json,
        write=None if dry_run else (lambda: ops.write(proj, rel, proposal, commit=not no_commit)),
    )


def _report(
    proj: Any,
    driver: str | None,
    proposal: Any,
    planned: list[str],
    *,
    dry_run: bool,
    as_json: bool,
    write: Callable[[], Any] | None,
) -> None:
    written = write() if write is not None else None
    ids = written.members if written is not None else planned
    if as_json:
        render.emit_json(
            {
                "dry_run": dry_run,
                "driver": written.driver if written is not None else driver,
                "members": ids,
                "proposal": proposal.to_dict(),
                "commit": written.commit if written is not None else None,
            }
        )
        return
    if proposal.title:
        click.echo(f"Driver: {proposal.title}")
    for number, (member, spec_id) in enumerate(zip(proposal.members, ids, strict=True), start=1):
        after = ", ".join(str(d) for d in member.depends_on)
        click.echo(f"{number}. {named(spec_id, member.title)}" + (f"  (after {after})" if after else ""))
        if member.target_files:
            click.echo(f"   target files: {', '.join(member.target_files)}")
        for criterion in member.criteria:
            click.echo(f"   - [ ] {criterion}")
    if written is None:
        click.echo(f"\nDry run: nothing written ({len(ids)} member(s) proposed).")
        return
    what = "committed" if written.commit else "not committed"
    click.echo(f"\nWrote {written.driver} and {len(ids)} member(s) ({what}).")
    click.echo(f"Next: chant group {written.driver}   then: chant work {written.driver}")
