"""set, next."""

from __future__ import annotations

from typing import Any

import click

from chant.cli import common, render
from chant.states import named


def _shown(value: Any) -> str:
    from chant.spec import yamlio
    from chant.spec.edit import REMOVE

    if value is REMOVE or value is None:
        return "(unset)"
    if isinstance(value, dict | list):
        return yamlio.dump_flow(value)
    return yamlio.emit_scalar(value) if not isinstance(value, str) else value


@click.command("set")
@common.spec_id_argument()
@click.argument("assignments", nargs=-1, metavar="KEY=VALUE...")
@click.option(
    "--add", "adds", multiple=True, metavar="KEY=VALUE", help="Append to a list field (repeatable)."
)
@click.option(
    "--remove", "removes", multiple=True, metavar="KEY=VALUE", help="Remove an item from a list (repeatable)."
)
@click.option("--unset", "unsets", multiple=True, metavar="KEY", help="Remove a field (repeatable).")
@click.option("--no-commit", is_flag=True, help="Write the file but do not commit it.")
@common.json_option()
def set_cmd(
    spec_id: str,
    assignments: tuple[str, ...],
    adds: tuple[str, ...],
    removes: tuple[str, ...],
    unsets: tuple[str, ...],
    no_commit: bool,
    as_json: bool,
) -> None:
    """Set frontmatter fields of a spec; only the edited lines of the file change.

    \b
    chant set 001 priority=high labels=api,backend
    chant set 001 --add depends_on=002 --remove labels=backend
    chant set 001 status=cancelled approval.required=true --unset model
    """
    from chant.ops.set import set_fields

    if not (assignments or adds or removes or unsets):
        raise click.UsageError("nothing to set: give KEY=VALUE, --add, --remove or --unset")
    proj = common.project()
    spec = proj.resolve(spec_id, action="set")
    result = set_fields(
        proj,
        spec,
        assign=list(assignments),
        add=list(adds),
        remove=list(removes),
        unset=list(unsets),
        commit=not no_commit,
    )
    grade = _grade(proj, result.spec.id)
    if as_json:
        render.emit_json(
            {
                "id": result.spec.id,
                "path": proj.rel(result.spec.path),
                "changes": [c.to_dict() for c in result.changes],
                "warnings": result.warnings,
                "commit": result.commit,
                "quality": grade.to_dict(),
            }
        )
        return
    if not result.changes:
        click.echo(f"{result.spec.id}: nothing changed (the fields already have those values)")
        return
    click.echo(f"Updated {named(result.spec.id, result.spec.title)}")
    for change in result.changes:
        click.echo(f"  {change.key}: {_shown(change.old)} -> {_shown(change.new)}")
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if grade.grade != "green":
        click.echo(f"Quality: {grade.grade} (`chant show {result.spec.id}` says why)", err=True)


def _grade(proj: Any, spec_id: str) -> Any:
    from chant.spec import quality

    graph = common.graph_of(proj)
    return quality.assess_all(graph, quality.Thresholds.from_config(proj.config.get), [spec_id])[spec_id]


@click.command("next")
@click.option("--all", "show_all", is_flag=True, help="List every ready spec in the order `next` picks them.")
@common.json_option()
def next_cmd(show_all: bool, as_json: bool) -> None:
    """Print the ready spec to work next: by priority, then by how many specs wait on it, then by ID."""
    from chant import priority

    proj = common.project()
    graph = common.graph_of(proj)
    order = priority.next_order(graph)
    waiting = priority.unblocks(graph)
    rows: list[dict[str, Any]] = [
        {
            "id": spec_id,
            "title": graph.specs[spec_id].title,
            "type": graph.specs[spec_id].type,
            "priority": priority.NAMES[_rank(graph.specs[spec_id].get("priority"))],
            "unblocks": waiting.get(spec_id, 0),
        }
        for spec_id in order
    ]
    if as_json:
        render.emit_json({"next": rows[0] if rows else None, "ready": rows if show_all else rows[:1]})
        return
    if not rows:
        click.echo("Nothing is ready (`chant status` says what is blocked and why).")
        return
    for row in rows if show_all else rows[:1]:
        waits = row["unblocks"]
        tail = f", unblocks {waits} spec{'s' if waits != 1 else ''}" if waits else ""
        click.echo(f"{named(row['id'], row['title'])} [{row['priority']}{tail}]")
    if not show_all:
        click.echo(f"Run it: chant work {rows[0]['id']}")


def _rank(value: object) -> int:
    from chant import priority

    found = priority.rank(value)
    return priority.DEFAULT if found is None else found
