"""cost."""

from __future__ import annotations

import click

from chant.cli import common


@click.command()
@click.option("--since", metavar="DATE|SPAN", help="Only spend from this day on (2026-02-01, 7d, 2w).")
@click.option(
    "--by",
    "dimensions",
    multiple=True,
    type=click.Choice(["spec", "driver", "agent", "model", "day"]),
    help="Tables to print (repeatable; default: all).",
)
@common.json_option("Print JSON (schema 1): totals and every grouping.")
def cost(since: str | None, dimensions: tuple[str, ...], as_json: bool) -> None:
    """What the agents cost, from what each run recorded: by spec, driver, agent, model and day."""
    from chant.cli.render import emit_json
    from chant.ops.cost import DIMENSIONS, report

    data = report(common.project(), since)
    if as_json:
        emit_json(data)
        return
    total = data["total"]
    click.echo(
        f"Total: ${total['cost_usd']:.4f}, {total['tokens']['input']} in / {total['tokens']['output']} out"
        f" tokens, {total['attempts']} attempt(s)" + (f" since {data['since']}" if data["since"] else "")
    )
    for dimension in dimensions or DIMENSIONS:
        groups = data["by"][dimension]
        if not groups:
            continue
        click.echo(f"\nBy {dimension}:")
        width = max(len(k) for k in groups)
        for key, row in groups.items():
            tokens = row["tokens"]
            click.echo(
                f"  {key:<{width}}  ${row['cost_usd']:>9.4f}  {tokens['input']:>9} in  {tokens['output']:>8} out"
            )
