"""The click side of the ``chant`` command: the lazy command group and error handling.

Kept apart from ``chant.cli`` so that ``chant --version`` answers without importing click.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from chant import __version__
from chant.cli import COMMANDS
from chant.errors import ChantError


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name, (target, _h) in COMMANDS.items() if _importable(target))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module_name, attr = entry[0].split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                return None
            raise
        command: click.Command = getattr(module, attr)
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if name and name not in COMMANDS and not name.startswith("-"):
            import difflib

            close = difflib.get_close_matches(name, list(COMMANDS), n=3, cutoff=0.6)
            if close:
                ctx.fail(f"No such command '{name}'. Did you mean {' or '.join(repr(c) for c in close)}?")
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _importable(target: str) -> bool:
    import importlib.util

    module_name = target.split(":")[0]
    return importlib.util.find_spec(module_name) is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="chant", message="%(prog)s %(version)s")
def cli() -> None:
    """chant: markdown specs in, verified and merged work out."""


def run(argv: list[str] | None = None) -> Any:
    args = sys.argv[1:] if argv is None else argv
    try:
        return cli.main(args=argv, prog_name="chant", standalone_mode=False)
    except ChantError as exc:
        click.echo(f"error: {exc.message}", err=True)
        if exc.hint:
            click.echo(f"hint: {exc.hint}", err=True)
        _json_error(args, "error", exc.message, exc.hint)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.UsageError as exc:
        # One style for every error ("error: ..." and a hint), click's usage mistakes included.
        click.echo(f"error: {exc.format_message()}", err=True)
        where = exc.ctx.command_path if exc.ctx is not None else "chant"
        click.echo(f"hint: `{where} --help` shows the usage", err=True)
        _json_error(args, "usage", exc.format_message(), None)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        _json_error(
            args, "usage" if isinstance(exc, click.UsageError) else "error", exc.format_message(), None
        )
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)


def _json_error(args: list[str], kind: str, message: str, hint: str | None) -> None:
    """With --json (or --format json), a failure is a JSON document on stdout too, so a script that parses
    stdout gets one instead of nothing; people still read the plain lines on stderr."""
    wants_json = (
        "--json" in args
        or "--format=json" in args
        or any(a == "--format" and b == "json" for a, b in zip(args, args[1:], strict=False))
    )
    if wants_json:
        from chant.cli.render import emit_json

        emit_json({"error": {"kind": kind, "message": message, "hint": hint}})
