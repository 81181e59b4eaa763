"""list, ready, status, search."""

from __future__ import annotations

import click

from chant import colour
from chant.cli import common, render
from chant.ops import query
from chant.spec.model import SPEC_TYPES, Spec
from chant.spec.status import STORED_STATUSES
from chant.states import named

STATUS_CHOICES = click.Choice(sorted({*STORED_STATUSES, "ready", "blocked"}))


def _print_rows(rows: list[dict[str, object]]) -> None:
    if not rows:
        return
    width = max(len(str(r["id"])) for r in rows)
    paint = colour.enabled()
    lines = []
    for row in rows:
        state = str(row["state"])
        title = row["title"] or "(untitled)"
        mark = colour.paint(f"{render.icon(state)} {state}", state, paint)
        line = f"{str(row['id']).ljust(width)}  {mark}{' ' * (15 - len(state))} {title}"
        blocked_by = row.get("blocked_by")
        if isinstance(blocked_by, list) and blocked_by:
            line += f"  [blocked by {', '.join(str(b) for b in blocked_by)}]"
        if row.get("archived"):
            line += "  [archived]"
        lines.append(line)
    click.echo("\n".join(lines))  # one write: 5,000 echo calls cost ~30 ms


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
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (schema 1).")
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
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (schema 1).")
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
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (schema 1).")
def status(brief: bool, as_json: bool) -> None:
    """Summarise the project: counts by state, what needs attention, what is ready."""
    if brief and as_json:
        raise click.UsageError("--brief and --json cannot be combined")
    proj = common.project()
    graph = common.graph_of(proj)
    report = query.status_report(graph, [e.message for e in proj.specs().invalid.values()])
    _notice_stranded(proj, report)
    if as_json:
        render.emit_json(report.to_dict())
        return
    c = report.counts
    if brief:
        parts = [
            (c.get("completed", 0), "done"),
            (c.get("in_progress", 0), "running"),
            (c.get("ready", 0), "ready"),
            (c.get("failed", 0) + c.get("needs_attention", 0), "failed"),
        ]
        text = ", ".join(f"{n} {word}" for n, word in parts if n)
        # Only an empty project has "no specs": one whose specs are all blocked, paused or cancelled
        # used to print that too.
        if not text:
            text = f"{report.total} spec(s), none ready" if report.total else "no specs"
        click.echo(f"chant: {text}")
        return
    click.echo(f"chant status ({proj.name}): {_count(report.total, 'spec')}")
    paint = colour.enabled()
    for state in query.STATES:
        if c.get(state):
            label = colour.paint(f"{render.icon(state)} {state.replace('_', ' ')}", state, paint)
            click.echo(f"  {label}{' ' * (16 - len(state))} {c[state]}")
    if report.attention:
        click.echo("\nNeeds attention:")
        for item in report.attention:
            reason = f" - {item['reason']}" if item.get("reason") else ""
            click.echo(
                f"  {render.icon(item['status'])} {named(item['id'], item['title'])} {item['status']}{reason}"
            )
    if report.in_progress:
        click.echo("\nIn progress:")
        for item in report.in_progress:
            click.echo(f"  {render.icon(item['status'])} {named(item['id'], item['title'])}")
    if report.ready:
        click.echo(f"\nReady ({len(report.ready)}):")
        for item in report.ready[:10]:
            click.echo(f"  ○ {named(item['id'], item['title'])}")
        if len(report.ready) > 10:
            click.echo(f"  ... and {len(report.ready) - 10} more")
    for message in report.invalid:
        click.echo(f"\nwarning: {message}", err=True)


def _notice_stranded(proj: object, report: query.StatusReport) -> None:
    """Specs left in_progress by a chant that died: say so (recovery lives in the run package)."""
    import importlib

    try:
        recovery = importlib.import_module("chant.run.recovery")
    except ImportError:
        return
    recovery.annotate(proj, report)


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
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (schema 1).")
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
