"""The ``chant`` command: a thin click layer over the chant modules.

Subcommands are imported only when invoked, so ``chant --version`` and ``chant list`` stay fast.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from typing import Any

import click

from chant import __version__
from chant.errors import ChantError

# name -> (module:attribute, one-line help shown by `chant --help` without importing the module)
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("chant.cli.init_cmd:init", "Create .chant/ (config, specs, prompts) in this repository."),
    "add": ("chant.cli.spec_cmds:add", "Create a spec (or the next member of a driver with --group)."),
    "list": ("chant.cli.query_cmds:list_cmd", "List specs with their computed state."),
    "show": ("chant.cli.spec_cmds:show", "Show one spec: fields, dependencies, members, criteria."),
    "edit": ("chant.cli.spec_cmds:edit", "Open a spec in $EDITOR and check it afterwards."),
    "ready": ("chant.cli.query_cmds:ready", "List specs that can be worked now."),
    "status": ("chant.cli.query_cmds:status", "Summarise the project: counts, attention, ready work."),
    "search": ("chant.cli.query_cmds:search", "Find specs whose title or body contains text."),
    "dag": ("chant.cli.graph_cmds:dag", "Print the dependency graph (text tree or mermaid)."),
    "group": ("chant.cli.graph_cmds:group", "Show a driver's members, their status and phases."),
    "lint": ("chant.cli.graph_cmds:lint", "Check specs: YAML, titles, dependencies, cycles, members."),
    "cancel": ("chant.cli.spec_cmds:cancel", "Cancel a spec (soft: sets status: cancelled)."),
    "work": ("chant.cli.work_cmd:work", "Execute specs with an agent in isolated worktrees."),
    "version": ("chant.cli.misc_cmds:version", "Print chant's version."),
    "completion": ("chant.cli.misc_cmds:completion", "Print a shell completion script (bash, zsh, fish)."),
}


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

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _importable(target: str) -> bool:
    module_name = target.split(":")[0]
    return importlib.util.find_spec(module_name) is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="chant", message="%(prog)s %(version)s")
def cli() -> None:
    """chant: markdown specs in, verified and merged work out."""


def main(argv: list[str] | None = None) -> Any:
    try:
        return cli.main(args=argv, prog_name="chant", standalone_mode=False)
    except ChantError as exc:
        click.echo(f"error: {exc.message}", err=True)
        if exc.hint:
            click.echo(f"hint: {exc.hint}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
