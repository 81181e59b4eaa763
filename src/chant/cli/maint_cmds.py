"""finalize, merge, archive, diagnose, cleanup, pause, takeover: thin layers over chant.ops."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from chant.cli import common, render
from chant.errors import ChantError
from chant.shell import quote
from chant.spec.status import Status

if TYPE_CHECKING:
    from chant.run.pipeline import Outcome


def _outcome_line(outcome: Outcome) -> str:
    if outcome.ok:
        return f"{outcome.spec_id}: completed ({len(outcome.commits)} commit(s) merged)"
    return f"{outcome.spec_id}: {outcome.state}: {outcome.reason}"


@click.command()
@common.spec_id_argument()
def finalize(spec_id: str) -> None:
    """Check, merge and complete a spec whose agent finished but chant did not record it (chant died, a
    paused run a human continued, a conflict resolved by merging into the branch)."""
    from chant.ops.finalize import finalize as do_finalize

    proj = common.project()
    outcome = do_finalize(proj, proj.resolve(spec_id).id)
    click.echo(_outcome_line(outcome))
    if not outcome.ok:
        raise SystemExit(1)


@click.command()
@common.spec_id_argument("spec_ids", nargs=-1)
@click.option(
    "--list", "as_list", is_flag=True, help="Show chant branches: ready, conflicts, merged, no-commits."
)
@click.option(
    "--all", "merge_all", is_flag=True, help="Merge every branch of an unfinished spec that is ready."
)
@common.dry_run_option("Say what would be merged and stop.")
@common.json_option("With --list: JSON.")
@click.option(
    "--resolve",
    is_flag=True,
    help="A conflict with main: an agent resolves it in the spec's branch, then gate and merge.",
)
@click.option("--agent", help="With --resolve: the agent that resolves (default: the spec's).")
def merge(
    spec_ids: tuple[str, ...],
    as_list: bool,
    merge_all: bool,
    dry_run: bool,
    as_json: bool,
    resolve: bool,
    agent: str | None,
) -> None:
    """Integrate kept branches (e.g. after the main branch moved) exactly as `chant work` does: a
    --no-ff merge computed with git merge-tree, then finalize. Your checkout is only fast-forwarded."""
    from chant.ops import finalize as ops_finalize

    proj = common.project()
    if as_list:
        if spec_ids or merge_all:
            raise click.UsageError("--list takes no IDs and no --all")
        states = ops_finalize.branch_states(proj)
        if as_json:
            render.emit_json({"branches": [s.to_dict() for s in states]})
            return
        if not states:
            click.echo("No chant branches.")
        for s in states:
            extra = f"  ({', '.join(s.conflicts)})" if s.conflicts else ""
            click.echo(f"{s.branch:<40} {s.state:<11} {s.commits:>3} commit(s)  spec: {s.spec_status}{extra}")
        return
    if bool(spec_ids) == merge_all:
        raise click.UsageError("give spec IDs or --all (or --list)")
    if merge_all:
        targets = [s.spec_id for s in ops_finalize.mergeable(ops_finalize.branch_states(proj))]
        if not targets:
            click.echo("Nothing to merge (see `chant merge --list`).")
            return
    else:
        targets = [proj.resolve(s).id for s in spec_ids]
    if dry_run:
        by_id = {s.spec_id: s for s in ops_finalize.branch_states(proj, targets)}
        for spec_id in targets:
            state = by_id.get(spec_id)
            click.echo(f"Would merge {spec_id}: " + (state.state if state else "no branch"))
        return
    failed = 0
    for spec_id in targets:
        try:
            if resolve:
                from chant.run.resolve import resolve_branch

                outcome = resolve_branch(proj, spec_id, agent)
            else:
                outcome = ops_finalize.finalize(proj, spec_id)
        except ChantError as exc:
            click.echo(f"{spec_id}: {exc.message}", err=True)
            failed += 1
            continue
        click.echo(_outcome_line(outcome))
        failed += not outcome.ok
    if failed:
        raise SystemExit(1)


@click.command()
@common.spec_id_argument("spec_id", required=False)
@common.dry_run_option("List what would be archived.")
def archive(spec_id: str | None, dry_run: bool) -> None:
    """Move completed and cancelled specs to .chant/archive/YYYY-MM-DD/ (git mv, one commit). A driver
    goes with its members, once all of them are done. Archived specs still satisfy dependencies."""
    from chant.ops import archive as ops

    proj = common.project()
    plan = ops.plan(proj, proj.resolve(spec_id).id if spec_id else None)
    for skipped, why in plan.skipped:
        click.echo(f"skip {skipped}: {why}", err=True)
    if not plan.moves:
        click.echo("Nothing to archive.")
        return
    for moved, _src, dst in plan.moves:
        click.echo(f"{'Would archive' if dry_run else 'Archived'} {moved} -> {proj.rel(dst)}")
    if not dry_run:
        ops.apply(proj, plan)


@click.command()
@common.spec_id_argument()
@common.json_option()
def diagnose(spec_id: str, as_json: bool) -> None:
    """Explain a spec's state (status, failure, run lock, worktree, branch commits and criteria, log tail)
    and print the command that moves it on."""
    from chant.ops.diagnose import diagnose as do_diagnose

    proj = common.project()
    d = do_diagnose(proj, proj.resolve(spec_id))
    if as_json:
        render.emit_json({"diagnosis": d.to_dict()})
        return
    click.echo(f"Spec: {d.id} ({d.title})")
    click.echo(f"Status: {d.status}   State: {d.state}")
    if d.failure_reason:
        click.echo(f"Failure: {d.failure_reason}")
    click.echo(f"Running: {'yes (run lock held)' if d.running else 'no'}")
    click.echo(f"Worktree: {d.worktree or '-'}")
    if d.branch:
        merged = ", merged into main" if d.branch_merged else ""
        click.echo(f"Branch: {d.branch} ({len(d.branch_commits)} agent commit(s){merged})")
        if d.unchecked_on_branch:
            click.echo(f"Unchecked on the branch: {len(d.unchecked_on_branch)}")
            for text in d.unchecked_on_branch[:5]:
                click.echo(f"  [ ] {text}")
    else:
        click.echo("Branch: -")
    if d.blocked_by:
        click.echo("Blocked by: " + ", ".join(d.blocked_by))
    for lock in d.git_locks:
        click.echo(f"Stale git lock: {lock}")
    if d.checkout_pending:
        click.echo("Checkout: half-updated (main and your files and index disagree)")
    if d.log_tail:
        click.echo("Log (last lines):")
        for line in d.log_tail:
            click.echo(f"  {line}")
    click.echo(f"\nDiagnosis: {d.diagnosis}")
    click.echo(f"Fix: {d.fix}" if d.fix else "Fix: nothing to do")


@click.command()
@common.dry_run_option("List what would be removed.")
def cleanup(dry_run: bool) -> None:
    """Remove leftovers of finished runs: orphan worktrees, branches of completed/cancelled/deleted specs,
    stale lock files, rendered prompts; then `git worktree prune`. Live runs are never touched."""
    from chant.ops import cleanup as ops

    proj = common.project()
    plan = ops.plan(proj)
    verb = "Would remove" if dry_run else "Removed"
    for path in plan.worktrees:
        click.echo(f"{verb} worktree {path}")
    for branch in plan.branches:
        click.echo(f"{verb} branch {branch}")
    for path in [*plan.locks, *plan.files]:
        click.echo(f"{verb} {proj.rel(path)}")
    for path in plan.git_locks:
        click.echo(f"{verb} stale git lock {path}")
    if plan.checkout:
        click.echo(("Would finish" if dry_run else "Finished") + " updating the checkout a killed chant left")
    for path in plan.busy_git_locks:
        click.echo(f"Kept git lock {path}: a git process is running in the repository, or it is too recent")
    if plan.empty:
        click.echo("Nothing to clean up.")
    if not dry_run:
        ops.apply(proj, plan)


@click.command()
@common.spec_id_argument()
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    default=30.0,
    show_default=True,
    help="Seconds to wait for the stop.",
)
def pause(spec_id: str, timeout: float) -> None:
    """Stop a running spec's agent (its chant carries on) and mark it paused; `chant work ID` resumes."""
    from chant.ops.pause import pause as do_pause

    proj = common.project()
    spec = do_pause(proj, proj.resolve(spec_id), timeout=timeout)
    if spec.status != Status.PAUSED:
        raise ChantError(f"{spec.id} ended as {spec.status.value} before it could be paused")
    click.echo(f"Paused {spec.id} (resume with `chant work {quote(spec.id)}`)")


@click.command()
@common.spec_id_argument()
def takeover(spec_id: str) -> None:
    """Pause a spec and hand its branch to you: prints the worktree, branch and log tail."""
    from chant.ops.pause import takeover as do_takeover

    proj = common.project()
    t = do_takeover(proj, proj.resolve(spec_id))
    click.echo(f"Took over {t.spec.id} (status: paused)")
    click.echo(f"Worktree: {t.worktree}")
    click.echo(f"Branch: {t.branch}")
    if t.log_tail:
        click.echo("Log (last lines):")
        for line in t.log_tail:
            click.echo(f"  {line}")
    click.echo(
        f"\nContinue in the worktree and commit on {t.branch}; then `chant finalize {quote(t.spec.id)}` merges it "
        f"(or `chant work {quote(t.spec.id)}` hands it back to the agent, discarding uncommitted changes)."
    )
