"""Small helpers for command modules: loading the project and resolving IDs with clear errors."""

from __future__ import annotations

import click

from chant.graph import Graph
from chant.project import Project


def project(*, read_config: bool = True) -> Project:
    """The project around the current directory. Its config.md is read up front so that invalid YAML there
    stops every command the same way (relative path and line); lint and doctor pass ``read_config=False``
    and report it instead."""
    proj = Project.discover()
    if read_config:
        proj.config  # noqa: B018 - parsed now: raises chant.config.ConfigError
    return proj


def graph_of(proj: Project) -> Graph:
    return Graph.of(proj.specs())


def complete_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion from file names only (no YAML parsing)."""
    try:
        proj = Project.discover()
    except Exception:
        return []
    names = [p.name[:-3] for p in proj.specs_dir.glob("*.md")]
    return [n for n in names if incomplete in n]


def warn_invalid(proj: Project) -> None:
    """Unparsable specs are never silently skipped: every listing names them on stderr."""
    for exc in proj.specs().invalid.values():
        click.echo(f"warning: {exc.message}", err=True)
