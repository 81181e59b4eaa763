"""init."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from chant.ops.init import AGENT_FILES, PROVIDERS, commit_init, init_project


@click.command()
@click.option("--name", help="Project name (default: the directory name).")
@click.option(
    "--provider",
    type=click.Choice(PROVIDERS),
    help="The agent `chant work` runs (defaults.agent; default: claude).",
)
@click.option("--model", help="Default model for the provider.")
@click.option(
    "--agent",
    "agents",
    multiple=True,
    type=click.Choice(sorted(AGENT_FILES)),
    help="Also set this tool up for chant (repeatable): its instructions file (claude -> CLAUDE.md, codex "
    "and generic -> AGENTS.md, gemini -> GEMINI.md, cursor -> .cursorrules) and its MCP config running "
    "`chant mcp` (.mcp.json, .codex/config.toml, .gemini/settings.json, .cursor/mcp.json), merged with "
    "yours. Which agent runs specs is --provider.",
)
@click.option("--commit/--no-commit", default=None, help="Commit the files init wrote (asked on a terminal).")
def init(
    name: str | None, provider: str | None, model: str | None, agents: tuple[str, ...], commit: bool | None
) -> None:
    """Create .chant/ here: config.md, specs/, bundled prompts and a .gitignore for runtime state.

    Safe to run again: existing files are kept; --provider/--model/--name update the config in place.
    """
    from chant import git

    root = Path.cwd()
    in_git = git.toplevel(root) is not None
    result = init_project(root, name=name, provider=provider, model=model, agents=agents)
    for path in result.created:
        click.echo(f"created  {path}")
    for path in result.updated:
        click.echo(f"updated  {path}")
    if result.already and not result.created and not result.updated:
        click.echo("chant is already initialized here.")
    written = [*result.created, *result.updated]
    if not in_git:
        click.echo(
            "\nwarning: this directory is not a git repository; `chant work` needs one (run `git init`)",
            err=True,
        )
    elif written:
        if commit is None and sys.stdin.isatty() and sys.stdout.isatty():
            commit = click.confirm("\nCommit these files now?", default=True)
        if commit:
            sha = commit_init(root, result)
            click.echo(f"\nCommitted {len(written)} file(s)" + (f" as {sha[:12]}" if sha else ""))
        else:
            files = " ".join(_quote(p) for p in written)
            click.echo(
                f"\nCommit them so clones and worktrees see them:\n  git add {files} && git commit -m 'chant init'"
            )
    if not result.already:
        click.echo('\nNext: chant add "Describe the work"  (then `chant work <id>`)')


def _quote(path: str) -> str:
    import shlex

    return shlex.quote(path)
