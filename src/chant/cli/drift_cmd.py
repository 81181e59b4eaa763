"""drift."""

from __future__ import annotations

from collections.abc import Sequence

import click

from chant.cli import common, render


@click.command()
@click.argument("spec_id", required=False, shell_complete=common.complete_ids)
@click.option(
    "--all", "show_all", is_flag=True, help="Every completed spec, with the cascade through depends_on."
)
@click.option("--json", "as_json", is_flag=True)
@click.option("--exit-code", is_flag=True, help="Exit 1 when anything drifted (for CI).")
def drift(spec_id: str | None, show_all: bool, as_json: bool, exit_code: bool) -> None:
    """Report completed specs whose input files changed since they completed (read-only)."""
    from chant import drift as engine

    proj = common.project()
    only = None
    if spec_id and not show_all:
        spec = proj.resolve(spec_id)
        only = [spec.id, *common.graph_of(proj).members(spec.id)]
    reports = engine.check_all(proj, only)
    if as_json:
        render.emit_json({"specs": [r.to_dict() for r in reports]})
    else:
        _print(reports, cascade=show_all or spec_id is None)
    if exit_code and any(r.drifted or r.upstream for r in reports):
        raise SystemExit(1)


def _print(reports: Sequence[object], *, cascade: bool) -> None:
    from chant.drift import FIELD_LABELS, SpecDrift, short_id

    click.echo("Drift Report\n============\n")
    items = [r for r in reports if isinstance(r, SpecDrift)]
    if not items:
        click.echo("No completed specs to check.")
        return
    for report in items:
        if cascade and not report.drifted and not report.upstream:
            continue
        date = (report.completed_at or "")[:10]
        click.echo(f"Spec: {report.spec_id} ({report.title})")
        click.echo(f"Status: {report.state}")
        if not report.drifted and not report.upstream:
            click.echo(f"\nInput files ({report.input_count}) unchanged since completion ({date})\n")
            continue
        for field_name, label in FIELD_LABELS.items():
            changes = [c for c in report.changes if c.source == field_name]
            if not changes:
                continue
            click.echo(f"\n{label} files changed since completion ({date}):")
            for change in changes:
                click.echo(f"  - {change.path}")
                click.echo(f"      {change.kind.capitalize()}: {change.date or 'unknown'}")
                if change.added or change.removed:
                    click.echo(f"      Lines changed: +{change.added}, -{change.removed}")
                for note in change.notes:
                    click.echo(f"      {note}")
        if report.upstream:
            click.echo("\nUpstream drift: " + ", ".join(report.upstream))
        click.echo("\nRecommendation: Re-run spec to bring it up to date")
        click.echo(f"  $ chant reset {short_id(report.spec_id)} && chant work {short_id(report.spec_id)}\n")
    if cascade and not any(r.drifted or r.upstream for r in items):
        click.echo(f"All {len(items)} completed spec(s) are up to date.")
