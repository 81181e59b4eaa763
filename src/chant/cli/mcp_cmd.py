"""mcp."""

from __future__ import annotations

import click

from chant.cli import common
from chant.errors import ChantError


def _address(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep:
        host, port = "127.0.0.1", text
    try:
        number = int(port)
    except ValueError:
        raise click.BadParameter(f"expected [HOST:]PORT, got {text!r}", param_hint="'--http'") from None
    if not 0 < number < 65536:
        raise click.BadParameter(f"port {number} is out of range", param_hint="'--http'")
    return host or "127.0.0.1", number


@click.command()
@click.option(
    "--http",
    "http",
    metavar="[HOST:]PORT",
    help="Serve the streamable HTTP transport on HOST:PORT (host default 127.0.0.1) instead of stdio.",
)
@click.option(
    "--allow-commands",
    is_flag=True,
    help="Let chant_verify run criteria's backticked commands when asked (off: spec text is data).",
)
def mcp(http: str | None, allow_commands: bool) -> None:
    """Serve chant's tools and resources over the Model Context Protocol (stdio by default).

    \b
    Claude Code: `chant init --agent claude` writes .mcp.json; or `claude mcp add chant -- chant mcp`.
    docs/mcp.md lists every tool and each client's configuration.
    """
    proj = common.project()
    try:
        from chant.mcp import server
    except ImportError as exc:  # the optional extra: say how to get it
        raise ChantError(
            f"chant mcp needs the mcp extra ({exc.name or exc} is not installed)",
            hint="pip install 'chant[mcp]'",
        ) from None
    if http is None:
        server.serve_stdio(proj.root, allow_commands=allow_commands)
        return
    host, port = _address(http)
    server.serve_http(proj.root, host, port, allow_commands=allow_commands)
