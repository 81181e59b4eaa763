"""list, ready, status, search."""

from __future__ import annotations

from typing import Any

import click

from chant.cli import common, render
from chant.ops import query
from chant.render import rows_text, status_brief, status_text, summary_line
from chant.spec.model import SPEC_TYPES, Spec
from chant.spec.status import STORED_STATUSES

STATUS_CHOICES = click.Choice(sorted({*STORED_STATUSES, "ready", "blocked"}))


def _print_rows(rows: list[dict[str, Any]]) -> None:
    # One write: 5,000 echo calls cost ~30 ms. click.echo strips ANSI escapes (e.g. in titles) off a terminal.
    text = rows_text([summary_line(row) for row in rows])
    if text:
        click.echo(text, nl=False)


@click.command("list")
@click.option("--status", type=STATUS_CHOICES, help="Only specs in this state (ready/blocked are computed).")
@click.option("--type", "type_", type=click.Choice(SPEC_TYPES), help="Only specs of this type.")
@click.option(
    "--label", "labels", multiple=True, help="Only specs with this label (repeatable: any of them)."
)
@click.option("--ready", is_flag=True, help="Only specs that can be worked now.")
@click.option("--all", "show_all", is_flag=True, help="Include cancelled specs.")
@click.option("--count", is_flag=True, help="Print only the number of matching specs.")
@click.option("--due", is_flag=True, help="Only completed specs whose schedule: says they should run again.")
@common.json_option()
def list_cmd(
    status: str | None,
    type_: str | None,
    labels: tuple[str, ...],
    ready: bool,
    show_all: bool,
    count: bool,
    due: bool,
    as_json: bool,
) -> None:
    """List specs in natural ID order with their computed state."""
    proj = common.project()
    graph = common.graph_of(proj)
    common.warn_invalid(proj)
    chosen = query.select(
        graph, status=status, type_=type_, labels=labels, ready=ready, include_cancelled=show_all
    )
    if due:
        chosen = _due(chosen)
    if count:
        if as_json:
            render.emit_json({"count": len(chosen)})
        else:
            click.echo(len(chosen))
        return
    rows = [query.summary(graph, spec) for spec in chosen]
    if as_json:
        render.emit_json({"specs": rows, "invalid": [e.message for e in proj.specs().invalid.values()]})
    else:
        _print_rows(rows)


def _due(chosen: list[Spec]) -> list[Spec]:
    """Keep the specs that are due by their ``schedule:`` (relative to CHANT_NOW); warn about bad ones."""
    from chant import clock
    from chant.schedule import due_specs

    found, invalid = due_specs(chosen, clock.now())
    for spec_id, reason in invalid.items():
        click.echo(f"warning: {spec_id}: {reason}", err=True)
    return found


@click.command()
@common.json_option()
def ready(as_json: bool) -> None:
    """List specs that can be worked now (pending, dependencies satisfied, approved)."""
    proj = common.project()
    graph = common.graph_of(proj)
    rows = [query.summary(graph, spec) for spec in query.select(graph, ready=True)]
    if as_json:
        render.emit_json({"specs": rows})
    elif rows:
        _print_rows(rows)
    else:
        click.echo("No ready specs.")


@click.command()
@click.option("--brief", is_flag=True, help="One line: done, running, ready, failed.")
@common.json_option()
def status(brief: bool, as_json: bool) -> None:
    """Summarise the project: counts by state, what needs attention, what is ready."""
    if brief and as_json:
        raise click.UsageError("--brief and --json cannot be combined")
    proj = common.project()
    graph = common.graph_of(proj)
    report = query.status_report(graph, [e.message for e in proj.specs().invalid.values()])
    from chant.run import recovery  # specs left in_progress by a chant that died

    report.attention += recovery.stranded_entries(proj)
    if as_json:
        render.emit_json(report.to_dict())
        return
    if brief:
        click.echo(status_brief(report.total, report.counts), nl=False)
        return
    click.echo(
        status_text(
            proj.name, report.total, report.counts, report.attention, report.in_progress, report.ready
        ),
        nl=False,
    )
    for message in report.invalid:
        click.echo(f"\nwarning: {message}", err=True)


@click.command()
@click.argument("text")
@click.option("--title-only", is_flag=True, help="Match titles only.")
@click.option("--case-sensitive", is_flag=True, help="Match case exactly.")
@click.option("--status", type=STATUS_CHOICES, help="Only specs in this state.")
@click.option("--type", "type_", type=click.Choice(SPEC_TYPES), help="Only specs of this type.")
@click.option(
    "--label", "labels", multiple=True, help="Only specs with this label (repeatable: any of them)."
)
@click.option("--active-only", is_flag=True, help="Leave out archived specs (.chant/archive/).")
@common.json_option()
def search(
    text: str,
    title_only: bool,
    case_sensitive: bool,
    status: str | None,
    type_: str | None,
    labels: tuple[str, ...],
    active_only: bool,
    as_json: bool,
) -> None:
    """Find specs whose title or body contains TEXT (case-insensitive), archived ones included."""
    from chant.ops.reports import search_rows

    proj = common.project()
    graph = common.graph_of(proj)
    rows, problems = search_rows(
        proj,
        graph,
        text,
        title_only=title_only,
        case_sensitive=case_sensitive,
        status=status,
        type_=type_,
        labels=labels,
        active_only=active_only,
    )
    for problem in problems:
        click.echo(f"warning: {problem}", err=True)
    if as_json:
        render.emit_json({"query": text, "specs": rows})
        return
    _print_rows(rows)
    click.echo(f'Found {_count(len(rows), "spec")} matching "{text}"')


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
