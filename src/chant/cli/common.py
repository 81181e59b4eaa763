"""Small helpers for command modules: loading the project and resolving IDs with clear errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from chant.graph import Graph
from chant.project import Project

F = TypeVar("F", bound=Callable[..., Any])


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


# -- options shared by many commands: declared once, with one help text ------------------------------------
JSON_HELP = "Machine-readable output (schema 1)."


def json_option(help: str = JSON_HELP) -> Callable[[F], F]:
    """``--json`` (``as_json``). Pass ``help`` only where the JSON is not the command's usual answer."""
    return click.option("--json", "as_json", is_flag=True, help=help)


def dry_run_option(help: str) -> Callable[[F], F]:
    """``--dry-run``: say what would happen and write nothing (``help`` says what is printed)."""
    return click.option("--dry-run", is_flag=True, help=help)


def spec_id_argument(name: str = "spec_id", **kwargs: Any) -> Callable[[F], F]:
    """A spec ID (or a unique part of one), completed from the spec file names."""
    return click.argument(name, shell_complete=complete_ids, **kwargs)
