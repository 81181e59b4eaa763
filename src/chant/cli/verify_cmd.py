"""verify."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from chant.cli import common, render

if TYPE_CHECKING:
    from chant.verify import SpecVerification

LABELS = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP", "not checked": "NOT CHECKED"}


@click.command()
@common.spec_id_argument("spec_id", required=False)
@click.option("--all", "verify_all", is_flag=True, help="Every completed spec (the default without an ID).")
@click.option("--exit-code", is_flag=True, help="Exit 1 when a check failed (for CI).")
@click.option("--no-agent", is_flag=True, help="Check only commands and target files; no agent.")
@click.option(
    "--run-commands",
    is_flag=True,
    help="Run the backticked commands of criteria (sh -c in the repository root). Off by default: spec "
    "text is data; verify.run_commands: true in config.md turns it on for the project.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help="Seconds allowed per command (and for the agent).",
)
@click.option("--agent", help="Agent provider for the criteria commands cannot check.")
@common.json_option()
def verify(
    spec_id: str | None,
    verify_all: bool,
    exit_code: bool,
    no_agent: bool,
    run_commands: bool,
    timeout: float | None,
    agent: str | None,
    as_json: bool,
) -> None:
    """Re-check completed specs: target files must exist, criteria go to the agent with the `verify`
    prompt, and criteria naming a backticked command (`make test` passes) are checked by running it
    (pass = exit 0) -- only with --run-commands or verify.run_commands: true, else they are "not checked:
    commands disabled". Results are recorded in the spec (last_verified, verification_status,
    verification_failures)."""
    from chant import verify as engine
    from chant.errors import ChantError

    proj = common.project()
    chosen = engine.targets(proj, spec_id, verify_all)
    if not chosen:
        raise ChantError("No completed specs to verify", hint="`chant list --status completed`")
    reports = []
    commands = run_commands or engine.commands_enabled(proj)
    for spec in chosen:
        report = engine.verify_spec(
            proj, spec, use_agent=not no_agent, timeout=timeout, agent=agent, run_commands=commands
        )
        reports.append(report)
        if not as_json:
            _print(report)
    disabled = sum(1 for r in reports for c in r.results if c.detail == engine.COMMANDS_DISABLED)
    if as_json:
        render.emit_json({"specs": [r.to_dict() for r in reports], "commands_run": commands})
    else:
        counts = {s: sum(1 for r in reports if r.status == s) for s in ("passed", "failed", "partial")}
        summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        click.echo(f"Verified {len(reports)} spec(s): {summary}")
        if disabled:
            click.echo(
                f"{disabled} criteria name a command that was not run (commands disabled); "
                "`chant verify --run-commands` runs them"
            )
    if exit_code and any(r.status == "failed" for r in reports):
        raise SystemExit(1)


def _print(report: SpecVerification) -> None:
    click.echo(f"{report.spec_id} ({report.title}): {report.status.upper()}")
    width = max((len(r.text) for r in report.results), default=0)
    width = min(width, 60)
    for result in report.results:
        label = LABELS.get(result.status, result.status).ljust(11)
        text = result.text if len(result.text) <= 60 else result.text[:57] + "..."
        detail = f"  {result.detail}" if result.detail else ""
        click.echo(f"  {label}  {result.method.ljust(7)}  {text.ljust(width)}{detail}".rstrip())
    click.echo("")
