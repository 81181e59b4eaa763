"""The CLI's surface is checked, not remembered: every command is in docs/cli.md and has help, and every
option of every command (subcommands included) says what it does."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from chant.cli import COMMANDS
from chant.cli._group import cli

DOCS = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text(encoding="utf-8")


def _commands() -> list[tuple[str, click.Command]]:
    """``(path, command)`` for every command and subcommand, loaded through the lazy group."""
    ctx = click.Context(cli)
    found: list[tuple[str, click.Command]] = []
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        if command is None:  # an optional extra that is not installed (e.g. chant[web])
            continue
        found.append((name, command))
        if isinstance(command, click.Group):
            found += [(f"{name} {sub}", command.commands[sub]) for sub in sorted(command.commands)]
    return found


COMMAND_LIST = _commands()


def test_every_registered_command_loads() -> None:
    assert {path.split()[0] for path, _ in COMMAND_LIST} == set(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_is_documented(name: str) -> None:
    assert re.search(rf"`chant {re.escape(name)}\b", DOCS), f"`chant {name}` is missing from docs/cli.md"


@pytest.mark.parametrize(("path", "command"), COMMAND_LIST, ids=[path for path, _ in COMMAND_LIST])
def test_command_and_options_have_help(path: str, command: click.Command) -> None:
    assert (command.help or command.short_help or "").strip(), f"`chant {path}` has no help text"
    missing = [
        "/".join(param.opts)
        for param in command.params
        if isinstance(param, click.Option) and not param.hidden and not (param.help or "").strip()
    ]
    assert missing == [], f"`chant {path}`: options without help: {missing}"


def test_json_is_one_option_with_one_help_text() -> None:
    # declared once (chant.cli.common.json_option); a command whose JSON is not its usual answer may say so
    helps = {
        param.help
        for _path, command in COMMAND_LIST
        for param in command.params
        if isinstance(param, click.Option) and "--json" in param.opts
    }
    from chant.cli.common import JSON_HELP

    assert JSON_HELP in helps and len(helps) <= 5
