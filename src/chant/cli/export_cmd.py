"""export."""

from __future__ import annotations

from pathlib import Path

import click

from chant.cli import common
from chant.cli.query_cmds import STATUS_CHOICES

SUFFIXES = {".json": "json", ".csv": "csv", ".md": "md", ".markdown": "md"}


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "csv", "md", "markdown"], case_sensitive=False),
    help="json (default), csv, or md: a readable report. Inferred from -o's suffix when not given.",
)
@click.option("--status", type=STATUS_CHOICES, help="Only specs in this state (ready/blocked are computed).")
@click.option("--type", "type_", help="Only specs of this type.")
@click.option(
    "--label", "labels", multiple=True, help="Only specs with this label (repeatable: any of them)."
)
@click.option("--ready", is_flag=True, help="Only specs that can be worked now.")
@click.option("--all", "show_all", is_flag=True, help="Include cancelled specs.")
@click.option("--search", "text", help="Only specs whose title or body contains TEXT (case-insensitive).")
@click.option("--fields", help="Comma-separated fields, or `all` (default: id,type,status,state,title,...).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE.")
def export(
    fmt: str | None,
    status: str | None,
    type_: str | None,
    labels: tuple[str, ...],
    ready: bool,
    show_all: bool,
    text: str | None,
    fields: str | None,
    output: Path | None,
) -> None:
    """Export specs (the ones `chant list` would show, with its filters) as JSON, CSV or markdown.

    \b
    chant export --format csv -o specs.csv
    chant export --status completed --fields id,title,completed_at,cost_usd --format md
    """
    from chant.ops import export as ops_export
    from chant.ops import query
    from chant.project import atomic_write

    proj = common.project()
    graph = common.graph_of(proj)
    common.warn_invalid(proj)
    if fmt is None:
        fmt = SUFFIXES.get(output.suffix.lower(), "json") if output is not None else "json"
    fmt = ops_export.parse_format(fmt)
    chosen = query.select(
        graph, status=status, type_=type_, labels=labels, ready=ready, include_cancelled=show_all
    )
    if text:
        found = {s.id for s in query.search(graph, text)}
        chosen = [s for s in chosen if s.id in found]
    names = ops_export.parse_fields(fields, chosen)
    described = [
        f"{key}={val}"
        for key, val in (
            ("status", status),
            ("type", type_),
            ("label", ",".join(labels) or None),
            ("search", text),
        )
        if val
    ] + (["ready"] if ready else [])
    filters = f" · filters: {', '.join(described)}" if described else ""
    document = ops_export.export(graph, chosen, fmt, names, title=proj.name, filters=filters)
    if output is None:
        click.echo(document, nl=False)
        return
    target = output if output.is_absolute() else Path.cwd() / output
    if not target.parent.is_dir():
        raise click.BadParameter(f"directory {target.parent} does not exist", param_hint="-o")
    atomic_write(target, document)
    click.echo(f"Exported {len(chosen)} spec{'s' if len(chosen) != 1 else ''} ({fmt}) to {output}", err=True)
