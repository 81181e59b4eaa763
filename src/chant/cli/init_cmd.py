"""init."""

from __future__ import annotations

from pathlib import Path

import click

from chant.ops.init import AGENT_FILES, PROVIDERS, init_project


@click.command()
@click.option("--name", help="Project name (default: the directory name).")
@click.option("--provider", type=click.Choice(PROVIDERS), help="Agent provider used by `chant work`.")
@click.option("--model", help="Default model for the provider.")
@click.option(
    "--agent",
    "agents",
    multiple=True,
    type=click.Choice(sorted(AGENT_FILES)),
    help="Write chant's instruction section for this coding tool (repeatable).",
)
def init(name: str | None, provider: str | None, model: str | None, agents: tuple[str, ...]) -> None:
    """Create .chant/ here: config.md, specs/, bundled prompts and a .gitignore for runtime state.

    Safe to run again: existing files are kept; --provider/--model/--name update the config in place.
    """
    root = Path.cwd()
    result = init_project(root, name=name, provider=provider, model=model, agents=agents)
    for path in result.created:
        click.echo(f"created  {path}")
    for path in result.updated:
        click.echo(f"updated  {path}")
    if result.already and not result.created and not result.updated:
        click.echo("chant is already initialized here.")
    elif not result.already:
        click.echo('\nNext: chant add "Describe the work"  (then `chant work <id>`)')
