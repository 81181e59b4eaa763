"""version, completion."""

from __future__ import annotations

import click

from chant import __version__


@click.command()
def version() -> None:
    """Print chant's version."""
    click.echo(f"chant {__version__}")


@click.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the completion script for SHELL; e.g. `eval "$(chant completion bash)"`."""
    from click.shell_completion import get_completion_class

    from chant.cli import cli

    cls = get_completion_class(shell)
    assert cls is not None
    click.echo(cls(cli, {}, "chant", "_CHANT_COMPLETE").source())
