"""reset, replay, log, approve, reject."""

from __future__ import annotations

import time
from pathlib import Path

import click

from chant import layout
from chant.cli import common
from chant.errors import ChantError
from chant.shell import quote


def _work(spec_id: str) -> None:
    from chant.cli.work_cmd import work

    ctx = click.get_current_context()
    ctx.invoke(work, spec_ids=(spec_id,))


@click.command()
@common.spec_id_argument()
@click.option("--discard", is_flag=True, help="Also delete the spec's branch and the commits on it.")
@click.option("--work", "then_work", is_flag=True, help="Run `chant work` on it afterwards.")
def reset(spec_id: str, discard: bool, then_work: bool) -> None:
    """Make a spec pending again (from failed, needs_attention, completed, paused, cancelled, or an
    in_progress spec whose chant died). A driver's members are reset too. The branch is kept."""
    from chant.ops.lifecycle import reset as do_reset

    proj = common.project()
    spec = proj.resolve(spec_id, action="reset")
    for done in do_reset(proj, spec, discard=discard):
        click.echo(f"Reset {done} to pending")
    if then_work:
        _work(spec.id)


@click.command()
@common.spec_id_argument()
def replay(spec_id: str) -> None:
    """Re-run a completed spec, keeping original_completed_at and counting replays."""
    from chant.ops.lifecycle import prepare_replay

    proj = common.project()
    spec = proj.resolve(spec_id, action="replay")
    prepare_replay(proj, spec)
    click.echo(f"Replaying {spec.id}")
    _work(spec.id)


@click.command()
@common.spec_id_argument()
@click.option("--run", "which", default=None, metavar="latest", help="Only the latest run.")
@click.option("-n", "--lines", type=click.IntRange(min=0), default=None, help="Only the last N lines.")
@click.option("-f", "--follow", is_flag=True, help="Keep printing new lines while the spec runs.")
def log(spec_id: str, which: str | None, lines: int | None, follow: bool) -> None:
    """Print a spec's agent log (.chant/logs/<id>.log). With -f, follow it until its run ends."""
    from chant.run.logs import latest_run

    proj = common.project()
    spec = proj.resolve(spec_id, archived=True)
    path = layout.log_path(proj, spec.id)
    if not path.exists():
        raise ChantError(
            f"No log for {spec.id} yet", hint=f"it appears when `chant work {quote(spec.id)}` starts"
        )
    if which not in (None, "latest"):
        raise click.BadParameter("only 'latest' is supported", param_hint="--run")
    data = path.read_bytes()
    text = data.decode("utf-8", errors="replace")
    if which == "latest":
        text = latest_run(text)
    out = text.splitlines()
    if lines is not None:
        out = out[-lines:]
    for line in out:
        click.echo(line)
    if follow:
        _follow(path, len(data), layout.run_lock_path(proj, spec.id))


def _follow(path: Path, position: int, run_lock: Path) -> None:
    """Print what is appended to ``path`` for as long as a chant holds the spec's run lock."""
    from chant.locks import is_locked

    try:
        while True:
            running = is_locked(run_lock)  # before reading, so the run's last lines are never missed
            size = path.stat().st_size
            if size > position:
                with open(path, "rb") as handle:
                    handle.seek(position)
                    chunk = handle.read(size - position)
                click.echo(chunk.decode("utf-8", errors="replace"), nl=False)
                position += len(chunk)
            if not running:
                return
            time.sleep(0.5)
    except KeyboardInterrupt:
        return


@click.command()
@common.spec_id_argument()
@click.option("--by", required=True, help="Who approves.")
def approve(spec_id: str, by: str) -> None:
    """Approve a spec that needs approval, so `chant work` will run it."""
    from chant.ops.lifecycle import set_approval

    proj = common.project()
    spec = proj.resolve(spec_id, action="approve")
    set_approval(proj, spec, approved=True, by=by)
    click.echo(f"Approved {spec.id}")


@click.command()
@common.spec_id_argument()
@click.option("--by", required=True, help="Who rejects.")
@click.option("--reason", required=True, help="Why.")
def reject(spec_id: str, by: str, reason: str) -> None:
    """Reject a spec: it will not run until approved."""
    from chant.ops.lifecycle import set_approval

    proj = common.project()
    spec = proj.resolve(spec_id, action="reject")
    set_approval(proj, spec, approved=False, by=by, reason=reason)
    click.echo(f"Rejected {spec.id}")
