"""work."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from chant.cli import common
from chant.states import named

if TYPE_CHECKING:
    from chant.graph import Graph
    from chant.project import Project


@click.command()
@common.spec_id_argument("spec_ids", nargs=-1)
@click.option(
    "--parallel",
    "parallel",
    is_flag=False,
    flag_value=-1,
    default=None,
    type=int,
    metavar="[N]",
    help="Run all ready specs (or the given ones), N at a time (default: parallel.max).",
)
@click.option("--chain", is_flag=True, help="Run ready specs one at a time until done or a failure.")
@click.option(
    "--max",
    "max_parallel",
    type=click.IntRange(min=1),
    help="At most N agents at once (drivers and --parallel).",
)
@click.option("--sequential", is_flag=True, help="Run a driver's members one at a time, in phase order.")
@click.option("--agent", help="Agent provider (claude, codex, gemini, openai, ollama, command).")
@click.option("--model", help="Model to ask the agent for.")
@click.option("--prompt", help="Prompt name from .chant/prompts/.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help="Kill an agent after this many seconds.",
)
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    metavar="N",
    help="Retry a failed attempt up to N times, telling the agent what failed (default: retries:).",
)
@click.option(
    "--budget",
    "budget_text",
    metavar="CAPS",
    help="Cap this whole run: cost=USD,tokens=N,time=30m (any of them).",
)
@click.option(
    "--best-of",
    "best_of",
    type=click.IntRange(min=1),
    default=1,
    metavar="N",
    help="Run N attempts side by side in separate worktrees; keep one that passes.",
)
@click.option(
    "--agents", "agents_text", metavar="A,B", help="With --best-of: the candidates' agents, in turn."
)
@click.option(
    "--pick",
    type=click.Choice(["first", "smallest"]),
    default="first",
    help="With --best-of: keep the first to pass, or the passing one with the smallest diff.",
)
@click.option("--skip-deps", is_flag=True, help="Run even if dependencies are not complete.")
@click.option("--skip-approval", is_flag=True, help="Run even if approval is pending.")
@common.dry_run_option("Print what would run, in which phases, and stop.")
@click.option("--force", is_flag=True, help="Run specs graded red too (see `chant lint`), without asking.")
@click.option("--due", is_flag=True, help="Reset and run the completed specs their schedule: says are due.")
@click.option(
    "--executor",
    type=click.Choice(["local", "ray"]),
    help="Where agents run: here (local, the default) or as Ray tasks on a cluster (docs/distributed.md).",
)
@click.option("--address", metavar="ADDR", help="The Ray cluster to use with --executor ray (host:port).")
@common.json_option("Stream JSON events (schema 1), one per line.")
def work(  # noqa: C901, PLR0915 - option checks, then one dispatch to the scheduler
    spec_ids: tuple[str, ...],
    parallel: int | None,
    chain: bool,
    max_parallel: int | None,
    sequential: bool,
    agent: str | None,
    model: str | None,
    prompt: str | None,
    timeout: float | None,
    retries: int | None,
    budget_text: str | None,
    best_of: int,
    agents_text: str | None,
    pick: str,
    skip_deps: bool,
    skip_approval: bool,
    dry_run: bool,
    force: bool,
    due: bool,
    as_json: bool,
    executor: str | None,
    address: str | None,
) -> None:
    """Execute specs: each in its own git worktree, checked, merged into the main branch, finalized.

    \b
    chant work ID            one spec (a driver runs its members in phases)
    chant work --parallel=3  every ready spec, 3 at a time, refilling as dependencies complete
    chant work --chain       ready specs one by one, stopping at the first failure
    """
    from chant.errors import ChantError
    from chant.graph import Graph
    from chant.run.events import make_reporter
    from chant.run.pipeline import RunOptions
    from chant.run.scheduler import Scheduler

    if parallel is not None and parallel != -1 and parallel < 1:  # -1: bare --parallel (parallel.max)
        raise click.BadParameter(f"{parallel} is not at least 1", param_hint="'--parallel'")
    agents = [a.strip() for a in (agents_text or "").split(",") if a.strip()]
    if agents:
        from chant.agents import AGENT_NAMES

        unknown = [a for a in agents if a.lower() not in AGENT_NAMES]
        if unknown:
            raise click.BadParameter(
                f"unknown agent(s) {', '.join(unknown)}; known: {', '.join(AGENT_NAMES)}",
                param_hint="'--agents'",
            )
    budget = None
    if budget_text is not None:
        from chant.run.budget import Budget, BudgetError

        try:
            budget = Budget.parse(budget_text)
        except BudgetError as exc:
            raise click.BadParameter(str(exc), param_hint="'--budget'") from None
    proj = common.project()
    if due:
        if spec_ids:
            raise click.UsageError("--due takes no spec IDs")
        due_ids = _reset_due(proj, dry_run)
        if not due_ids:
            click.echo("No scheduled specs are due.")
            return
        if dry_run:
            return
        spec_ids = tuple(due_ids)
        parallel = parallel if parallel is not None else 1
    if not spec_ids and parallel is None and not chain:
        raise click.UsageError("give a spec ID, or --parallel / --chain to work every ready spec")
    if len(spec_ids) > 1 and parallel is None and not chain:
        raise click.UsageError("several IDs need --parallel or --chain")
    resolved = [proj.resolve(s).id for s in spec_ids]
    if not due and not dry_run and len(resolved) == 1:
        _reset_if_due(proj, resolved[0])
    graph = Graph.of(proj.specs())
    if len(resolved) == 1 and parallel is None and not chain:
        from chant.ops.lifecycle import already_completed
        from chant.spec.status import Status

        done = already_completed(graph, resolved[0])
        if done:  # a no-op, not a failure: nothing is written
            click.echo(done)
            return
        if not dry_run and graph.specs[resolved[0]].status == Status.PENDING:
            graph.refuse_if_blocked(resolved[0], skip_deps=skip_deps, skip_approval=skip_approval)
    if dry_run:
        _dry_run(graph, resolved, parallel is not None or chain)
        _dry_run_preflight(proj, graph, resolved, agent, prompt, force)
        return
    allow_red = _refuse_red(proj, graph, resolved, force=force)
    options = RunOptions(
        agent=agent,
        model=model,
        prompt=prompt,
        timeout=timeout,
        skip_deps=skip_deps,
        skip_approval=skip_approval,
        allow_red=allow_red,
        executor=executor,
        address=address,
        retries=retries,
        budget=budget,
        best_of=best_of,
        agents=agents,
        pick=pick,
    )
    limit = max_parallel or (parallel if parallel and parallel > 0 else None)
    reporter = make_reporter(as_json, lambda i: s.title if (s := proj.specs().get(i)) else None)
    scheduler = Scheduler(proj, options, reporter, max_parallel=1 if chain else limit)
    try:
        with scheduler.signals_as_flag():
            if chain or parallel is not None:
                summary = scheduler.run_queue(resolved or None, stop_on_failure=chain)
            elif graph.is_driver(resolved[0]) and graph.members(resolved[0]):
                summary = scheduler.run_driver(resolved[0], sequential=sequential)
            else:
                summary = scheduler.run_single(resolved[0])
    except ChantError:
        reporter.close()
        raise
    reporter.close()
    if summary.exit_code:
        raise SystemExit(summary.exit_code)


def _refuse_red(proj: Project, graph: Graph, resolved: list[str], *, force: bool) -> bool:
    """Specs graded red (chant.spec.quality) would likely waste an agent run: on a terminal chant asks,
    without one it refuses unless --force (a cron job or CI run has nobody to notice). Returns whether the
    run may start red specs (the pipeline's pre-flight refuses any others it meets)."""
    import sys

    from chant.errors import ChantError
    from chant.spec import quality
    from chant.validate import config_or_default

    if force:
        return True
    thresholds = quality.Thresholds.from_config(config_or_default(proj).get)
    reds = quality.reds_in_run(graph, thresholds, resolved)
    interactive = sys.stdin.isatty()
    if not reds:
        return interactive
    message, hint = quality.refusal_message(reds)
    if not interactive:
        raise ChantError(message, hint=hint)
    click.echo(message, err=True)
    if not click.confirm("Run anyway?"):
        click.echo("Nothing run.", err=True)
        raise SystemExit(1)
    return True


def _reset_due(proj: Project, dry_run: bool) -> list[str]:
    """Reset every due spec (ops.lifecycle.reset_due), say so; return what to run."""
    from chant.ops.lifecycle import reset_due

    done, invalid = reset_due(proj, dry_run=dry_run)
    for spec_id, reason in invalid.items():
        click.echo(f"warning: {spec_id}: {reason}", err=True)
    to_run: list[str] = []
    for due in done:
        spec = due.spec
        tail = "" if dry_run else "; reset to pending"
        click.echo(f"Due: {spec.id} ({spec.display_title}), schedule: {spec.get('schedule')}{tail}")
        to_run += due.to_run
    return to_run


def _reset_if_due(proj: Project, spec_id: str) -> None:
    from chant.ops.lifecycle import reset_if_due

    spec = reset_if_due(proj, spec_id)
    if spec is not None:
        click.echo(
            f"Due: {spec.id} ({spec.display_title}), schedule: {spec.get('schedule')}; reset to pending"
        )


def _dry_run_preflight(
    proj: Project, graph: Graph, resolved: list[str], agent: str | None, prompt: str | None, force: bool
) -> None:
    """What the real run's pre-flight would say, and with which agent (nothing is written either way)."""
    from chant import validate
    from chant.spec.status import Status

    chosen = resolved or [s for s in graph.ready() if not graph.is_driver(s)]
    chosen += [m for s in list(chosen) for m in graph.members(s) if graph.specs[m].status != Status.COMPLETED]
    specs = [graph.specs[s] for s in dict.fromkeys(chosen) if s in graph.specs]
    config = validate.config_or_default(proj)
    names = sorted({agent or str(s.get("agent") or config.get("defaults.agent", "claude")) for s in specs})
    problems = validate.preflight(proj, specs, agent=agent, prompt=prompt, allow_red=force)
    click.echo(f"\nAgent: {', '.join(names) or '-'}")
    if not problems:
        click.echo("Pre-flight: ok")
        return
    stops = any(p.severity == "error" for p in problems)
    click.echo("Pre-flight: the run would stop on:" if stops else "Pre-flight: ok, with warnings:")
    for problem in problems:
        click.echo(f"  {problem.severity}: {problem.render()}\n    fix: {problem.fix}")


def _dry_run(graph: Graph, resolved: list[str], queue: bool) -> None:
    from chant.run import writesets

    if not queue and resolved and graph.is_driver(resolved[0]) and graph.members(resolved[0]):
        driver = graph.specs[resolved[0]]
        click.echo(f"Would work: {named(driver.id, driver.title)}\n")
        for phase in graph.phases(driver.id):
            click.echo(f"Phase {phase.number}: {phase.label}")
            sets = {m: writesets.write_set(graph.specs[m]) for m in phase.members}
            waits = writesets.plan(list(phase.members), sets)
            for member in phase.members:
                state = graph.display_status(member)
                action = "skip (completed)" if state == "completed" else "run"
                click.echo(f"  {named(member, graph.specs[member].title)} - {action}")
                for wait in waits[member]:
                    click.echo(f"    {wait.render()}: never runs at the same time")
            click.echo("")
        wrap = driver.target_files or driver.unchecked
        click.echo("Then: " + ("a wrap-up run of the driver" if wrap else "auto-complete the driver"))
        return
    from chant.spec import ids

    targets = resolved or [s for s in graph.ready() if not graph.is_driver(s)]
    order = ids.sorted_ids(targets)
    waits = writesets.plan(order, {s: writesets.write_set(graph.specs[s]) for s in order})
    for spec_id in order:
        blockers = graph.blockers(spec_id)
        note = f"blocked by {', '.join(map(str, blockers))}" if blockers else "ready"
        click.echo(f"{named(spec_id, graph.specs[spec_id].title)} - {note}")
        for wait in waits[spec_id]:
            click.echo(f"  {wait.render()}: never runs at the same time")
