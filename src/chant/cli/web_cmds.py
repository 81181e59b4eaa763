"""serve, site build, site serve."""

from __future__ import annotations

from pathlib import Path

import click

from chant.cli import common

DEFAULT_PORT = 8765
SITE_PORT = 3000


@click.command()
@click.option(
    "--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True, help="0: any free port."
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to bind; any other than loopback needs a token.",
)
@click.option("--token", help="Require this token (default: one is generated when --host is not loopback).")
def serve(port: int, host: str, token: str | None) -> None:
    """Serve the live dashboard: board, drivers with timelines, attention, cost; actions; live updates.

    Everything it shows comes from the spec files and the run journals (.chant/run/journal/), so runs
    started from the terminal, from MCP or from the page all appear live.
    """
    from chant import web

    web.require(web.SERVER)
    from chant.web.app import serve as run_server

    proj = common.project()
    proj.specs()  # a broken project fails here, with its usual error, not inside the server
    run_server(
        proj.root,
        host=host,
        port=port,
        token=token,
        announce=lambda text: click.echo(text, err=text.startswith("warning")),
    )


@click.group()
def site() -> None:
    """Static HTML of the dashboard's pages (for CI artifacts and hosting)."""


@site.command("build")
@click.option(
    "-o",
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output directory (default: ./public).",
)
@click.option(
    "--no-drift", is_flag=True, help="Skip the drift section of completed specs (faster on big projects)."
)
def site_build(out: Path | None, no_drift: bool) -> None:
    """Render every page to static files with relative links: open index.html, no server needed."""
    from chant import web

    web.require(web.SITE)
    from chant.web.site import DEFAULT_OUT, build

    proj = common.project()
    common.warn_invalid(proj)
    target = out if out is not None else Path.cwd() / DEFAULT_OUT
    built = build(proj, target, drift=not no_drift)
    click.echo(f"Built {built.pages} pages ({built.specs} specs) in {built.out}")
    click.echo(f"Open {built.out / 'index.html'}  or  chant site serve --out {built.out}")


@site.command("serve")
@click.option(
    "-o",
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    help="The built site (default: ./public).",
)
@click.option(
    "-p",
    "--port",
    type=click.IntRange(0, 65535),
    default=SITE_PORT,
    show_default=True,
    help="0: any free port.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
def site_serve(out: Path | None, port: int, host: str) -> None:
    """Serve a built site for a quick look (read-only files; no actions, no live updates)."""
    from chant.web.site import DEFAULT_OUT
    from chant.web.site import serve as serve_files

    directory = (out if out is not None else Path.cwd() / DEFAULT_OUT).resolve()
    serve_files(directory, host, port, lambda text: click.echo(text))
