"""Run tools: work_start (returns at once with a run handle), work_status, work_list, pause, takeover.

A run started here is ``chant work`` in a background thread of the server (``chant.run.background``), and
like every run it is journalled (``run/journal.py``): ``work_status`` reads that journal and the specs, so
it also follows runs started from a terminal or the dashboard. With ``wait_seconds`` (or ``wait`` on
``work_start``) the call waits for the run and, when the client sent a progressToken, reports each spec
that finishes as an MCP progress notification.
"""

from __future__ import annotations

import re
import time
from typing import Annotated, Any, Literal

import anyio
from mcp.server.mcpserver import Context
from pydantic import Field

from chant.errors import ChantError
from chant.graph import Graph
from chant.mcp import paging, schemas
from chant.mcp.server import Chant, Settings
from chant.mcp.tools_read import Cursor, Limit, MaxBytes, SpecId
from chant.run import journal

RUN_ID = re.compile(r"^[0-9A-Za-z.\-]{1,64}$")
POLL = 0.2
MAX_MEMBERS = 200  # a status stays small: the rest are in chant_group / the journal
MAX_WAIT = 600.0
Wait = Annotated[
    float, Field(description="Seconds to wait for the run to finish (progress is reported meanwhile).", ge=0)
]


def find_run(settings: Settings, run: str | None, spec_id: str | None) -> journal.Run:
    project = settings.project()
    if run is not None:
        if not RUN_ID.match(run):
            raise ChantError(
                f"invalid run ID {run!r}", hint="use the run of chant_work_start or chant_work_list"
            )
        path = journal.journal_dir(project) / f"{run}{journal.SUFFIX}"
        if not path.is_file():
            raise ChantError(f"no run {run}", hint="chant_work_list lists the runs")
        return journal.load(path)
    wanted = {project.resolve(spec_id).id} if spec_id else None
    for found in journal.runs(project):
        if wanted is None or found.touches(wanted):
            return found
    raise ChantError(
        "no runs yet" + (f" for {spec_id}" if spec_id else ""), hint="chant_work_start starts one"
    )


def status_of(settings: Settings, run: journal.Run) -> dict[str, Any]:
    """The run and each of its specs: phase (drivers), state, elapsed seconds (from the journal)."""
    project = settings.project()
    graph = Graph.of(project.specs())
    asked = [s for s in run.specs if s in graph.specs]
    rows: list[tuple[str, int | None]] = []
    for spec_id in asked:
        belong = graph.members(spec_id)
        if belong:
            try:
                rows += [(m, p.number) for p in graph.phases(spec_id) for m in p.members]
            except ChantError:
                rows += [(m, None) for m in belong]
        rows.append((spec_id, None))
    bars = journal.bars(run)
    seen = {spec_id for spec_id, _ in rows}
    rows += [(spec_id, None) for spec_id in bars if spec_id not in seen]  # a queue's specs as they run
    now = time.time()
    members = []
    for spec_id, phase in rows:
        bar = bars.get(spec_id)
        spec = graph.specs.get(spec_id)
        state = bar.state if bar is not None else (graph.display_status(spec_id) if spec else "unknown")
        entry: dict[str, Any] = {
            "id": spec_id,
            "title": spec.title if spec else None,
            "phase": phase,
            "state": state,
            "elapsed_s": round((bar.end or now) - bar.start, 3) if bar is not None else None,
        }
        if bar is not None:
            entry.update(started_at=bar.start, ended_at=bar.end, reason=bar.reason)
        members.append(entry)
    finished = run.finished or {}
    return {
        "run": run.to_dict(),
        "done": run.state != "running",
        "members": members[:MAX_MEMBERS],
        "members_total": len(members),
        "error": finished.get("error")
        or settings.runner.errors.get(",".join(run.specs))
        or settings.runner.errors.get("queue:" + ",".join(run.specs)),
    }


async def follow(chant: Chant, run_id: str, wait: float, ctx: Context[Any, Any] | None) -> dict[str, Any]:
    """Wait up to ``wait`` seconds for the run to end; each spec that ends is a progress notification."""
    settings = chant.settings
    deadline = time.monotonic() + min(wait, MAX_WAIT)
    reported = -1
    while True:
        status = await chant.in_thread(lambda: status_of(settings, find_run(settings, run_id, None)))
        ended = [m for m in status["members"] if m["state"] not in ("running", "pending", "ready", "blocked")]
        ended = [m for m in ended if m.get("ended_at") is not None]
        if ctx is not None and len(ended) != reported:
            reported = len(ended)
            last = ended[-1] if ended else None
            message = f"{last['id']}: {last['state']}" if last else "started"
            try:
                await ctx.report_progress(len(ended), max(len(status["members"]), 1), message)
            except Exception:  # a client without a progressToken, or gone: the run does not care
                ctx = None
        if status["done"] or time.monotonic() >= deadline:
            return status
        await anyio.sleep(POLL)


def register(chant: Chant) -> None:
    tool = chant.tool

    @chant.async_tool("chant_work_start", schemas.WORK_START)
    async def work_start(
        chant: Chant,
        ctx: Context[Any, Any],
        id: Annotated[str | None, Field(description="A spec (a driver runs its members in phases).")] = None,
        ids: Annotated[
            list[str] | None, Field(description="Queue mode: these specs (empty with mode queue: all ready).")
        ] = None,
        mode: Annotated[
            Literal["spec", "queue", "chain"],
            Field(description="spec: one spec or driver; queue: like --parallel; chain: one by one."),
        ] = "spec",
        max_parallel: Annotated[
            int | None, Field(description="At most this many agents at once.", ge=1)
        ] = None,
        agent: Annotated[str | None, Field(description="Agent provider (default: the config's).")] = None,
        timeout: Annotated[
            float | None, Field(description="Kill an agent after this many seconds.", gt=0)
        ] = None,
        force: Annotated[bool, Field(description="Run specs graded red too (see chant_lint).")] = False,
        wait: Wait = 0,
    ) -> dict[str, Any]:
        """Start `chant work` in the background and return at once with the run's handle (poll
        chant_work_status). Example: {"id": "001-ext"} runs a driver's members in dependency phases;
        {"mode": "queue", "max_parallel": 3} runs every ready spec."""
        from chant.run.pipeline import RunOptions

        if mode == "spec" and (not id or ids):
            raise ChantError("mode spec needs id (one spec); use mode queue or chain with ids")
        if mode != "spec" and id:
            raise ChantError(f"mode {mode} takes ids, not id")
        options = RunOptions(agent=agent, timeout=timeout)
        runner = chant.settings.runner

        def start() -> Any:
            if mode == "spec":
                return runner.start(id, options=options, max_parallel=max_parallel, force=force)
            return runner.start(
                queue=list(ids or []),
                chain=mode == "chain",
                options=options,
                max_parallel=max_parallel,
                force=force,
            )

        started = await chant.in_thread(start)
        payload: dict[str, Any] = {"run": started.run, "kind": started.kind, "specs": started.specs}
        if started.run is None:
            payload["state"] = "failed"
            payload["error"] = runner.errors.get(started.key) or "the run ended before it started"
            return payload
        payload["state"] = "running"
        if wait:
            status = await follow(chant, started.run, wait, ctx)
            payload["status"] = status
            payload["state"] = status["run"]["state"]
        return payload

    @chant.async_tool("chant_work_status", schemas.WORK_STATUS, read_only=True)
    async def work_status(
        chant: Chant,
        ctx: Context[Any, Any],
        run: Annotated[
            str | None, Field(description="The run (default: the newest, or the newest of id).")
        ] = None,
        id: Annotated[str | None, Field(description="The newest run of this spec.")] = None,
        wait_seconds: Wait = 0,
    ) -> dict[str, Any]:
        """A run's state and, per spec, its phase, state and elapsed seconds. Example: {"run":
        "20260201T100000.123Z-4242", "wait_seconds": 30} waits up to 30 s, reporting progress."""
        settings = chant.settings
        found = await chant.in_thread(lambda: find_run(settings, run, id))
        if wait_seconds:
            return await follow(chant, found.id, wait_seconds, ctx)
        return await chant.in_thread(lambda: status_of(settings, found))

    @tool("chant_work_list", schemas.WORK_LIST, read_only=True)
    def work_list(
        settings: Settings,
        running_only: bool = False,
        cursor: Cursor = None,
        limit: Limit = None,
        max_bytes: MaxBytes = None,
    ) -> dict[str, Any]:
        """Runs newest first (from any chant: terminal, dashboard, MCP), with their state."""
        project = settings.project()
        found = journal.live_runs(project)[::-1] if running_only else journal.runs(project)
        return paging.page(
            found,
            key="runs",
            cursor=cursor,
            limit=limit,
            max_bytes=max_bytes,
            query={"tool": "work_list", "r": running_only},
            render=lambda r: r.to_dict(),
        )

    @tool("chant_pause", schemas.PAUSED)
    def pause(
        settings: Settings,
        id: SpecId,
        timeout: Annotated[float, Field(description="Seconds to wait for the stop.", ge=0, le=300)] = 30,
    ) -> dict[str, Any]:
        """Stop a running spec's agent and mark it paused; chant_work_start resumes it."""
        from chant.ops.pause import pause as do_pause

        project = settings.project()
        after = do_pause(project, project.resolve(id), timeout=timeout)
        if after.status.value != "paused":
            raise ChantError(f"{after.id} ended as {after.status.value} before it could be paused")
        return {"id": after.id, "status": after.status.value, "message": f"Paused {after.id}"}

    @tool("chant_takeover", schemas.TAKEOVER)
    def takeover(settings: Settings, id: SpecId) -> dict[str, Any]:
        """Pause a spec and hand its worktree and branch to a human (or you): where to continue."""
        from chant.ops.pause import takeover as do_takeover

        project = settings.project()
        taken = do_takeover(project, project.resolve(id))
        return {
            "id": taken.spec.id,
            "status": taken.spec.status.value,
            "worktree": str(taken.worktree),
            "branch": taken.branch,
            "log_tail": taken.log_tail[-20:],
        }
