"""doctor."""

from __future__ import annotations

import click

from chant.cli import common, render

_ICONS = {"ok": "✓", "error": "✗", "warning": "!", "skipped": "–"}


@click.command()
@common.json_option()
def doctor(as_json: bool) -> None:
    """Check the project and its environment the way `chant work` would, and more: config.md, the git
    repository and main branch, git identity, git lock files, agents (on PATH), every spec that can still
    run, stranded runs, leftovers of finished runs, uncommitted chant files. Prints the command that fixes
    each problem; exits 1 when something is wrong (warnings alone exit 0)."""
    from chant.ops.doctor import doctor as run_doctor

    report = run_doctor(common.project(read_config=False))
    if as_json:
        render.emit_json(report.to_dict())
    else:
        click.echo(f"chant doctor ({report.project})")
        width = max(len(c.name) for c in report.checks)
        for check in report.checks:
            head = f"  {_ICONS[check.status]} {check.name.ljust(width)}  "
            if check.skipped:
                click.echo(f"{head}skipped (not a git repository)")
                continue
            if not check.problems:
                click.echo(f"{head}{check.detail}".rstrip())
                continue
            pad = " " * len(head)
            for index, problem in enumerate(check.problems):
                click.echo(f"{head if index == 0 else pad}{problem.severity}: {problem.render()}")
                click.echo(f"{pad}  fix: {problem.fix}")
        errors, warnings = report.count("error"), report.count("warning")
        verdict = "everything chant needs is in place" if not errors and not warnings else ""
        click.echo(f"\n{errors} error(s), {warnings} warning(s)" + (f": {verdict}" if verdict else ""))
    if not report.ok:
        raise SystemExit(1)
