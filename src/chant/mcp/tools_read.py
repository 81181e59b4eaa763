"""Read tools: list, get, ready, status, search, dag, group, lint, diagnose, drift, log.

Each is the ``--json`` document of the CLI command of the same name (docs/json.md), built by the same
library calls, paged where it is a list (``paging.page``) and windowed where it is a text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field

from chant.errors import ChantError
from chant.graph import Graph
from chant.mcp import paging, schemas
from chant.mcp.server import Chant, Settings
from chant.ops import query, reports
from chant.spec.model import SPEC_TYPES
from chant.spec.status import STORED_STATUSES

if TYPE_CHECKING:
    StateName = str
    SpecType = str
else:  # the choices of `chant list --status` / `--type`, as enums in the input schema
    StateName = Literal[tuple(sorted({*STORED_STATUSES, "ready", "blocked"}))]
    SpecType = Literal[SPEC_TYPES]

SpecId = Annotated[str, Field(description="A spec ID or any unique part of one (e.g. '001-ext', 'ext.2').")]
Cursor = Annotated[str | None, Field(description="next_cursor of the previous page (same other arguments).")]
Limit = Annotated[int | None, Field(description=f"Rows per page (default {paging.DEFAULT_LIMIT}).", ge=1)]
MaxBytes = Annotated[
    int | None, Field(description=f"JSON bytes per page (default {paging.DEFAULT_MAX_BYTES}).", ge=1000)
]
Offset = Annotated[
    int | None, Field(description="Byte offset to start at (next_offset of the last call).", ge=0)
]
TextLimit = Annotated[int | None, Field(description=f"Bytes to return (default {paging.TEXT_LIMIT}).", ge=1)]


def _invalid(project: Any) -> list[str]:
    return [e.message for e in project.specs().invalid.values()]


def register(chant: Chant) -> None:  # noqa: PLR0915 - the tool table: one closure per tool, registered here
    tool = chant.tool

    @tool("chant_spec_list", schemas.SPEC_LIST, read_only=True)
    def spec_list(
        settings: Settings,
        status: Annotated[StateName | None, Field(description="Only specs in this state.")] = None,
        type: Annotated[SpecType | None, Field(description="Only specs of this type.")] = None,
        labels: Annotated[list[str] | None, Field(description="Only specs with any of these labels.")] = None,
        ready: Annotated[bool, Field(description="Only specs that can be worked now.")] = False,
        include_cancelled: bool = False,
        cursor: Cursor = None,
        limit: Limit = None,
        max_bytes: MaxBytes = None,
    ) -> dict[str, Any]:
        """List specs in ID order with their computed state (summaries only: chant_spec_get has the rest).
        Example: {"status": "ready", "limit": 20}."""
        project = settings.project()
        graph = Graph.of(project.specs())
        chosen = query.select(
            graph,
            status=status,
            type_=type,
            labels=tuple(labels or ()),
            ready=ready,
            include_cancelled=include_cancelled,
        )
        asked = {"status": status, "type": type, "labels": labels, "ready": ready, "c": include_cancelled}
        got = paging.page(
            chosen,
            key="specs",
            cursor=cursor,
            limit=limit,
            max_bytes=max_bytes,
            query={"tool": "list", **asked},
            render=lambda spec: query.summary(graph, spec),
        )
        return {**got, "invalid": _invalid(project)[:20]}

    @tool("chant_ready", schemas.READY, read_only=True)
    def ready(
        settings: Settings, cursor: Cursor = None, limit: Limit = None, max_bytes: MaxBytes = None
    ) -> dict[str, Any]:
        """Specs that can be worked now (pending, dependencies done, approved), in ID order."""
        graph = Graph.of(settings.project().specs())
        return paging.page(
            query.select(graph, ready=True),
            key="specs",
            cursor=cursor,
            limit=limit,
            max_bytes=max_bytes,
            query={"tool": "ready"},
            render=lambda spec: query.summary(graph, spec),
        )

    @tool("chant_spec_get", schemas.SPEC_GET, read_only=True)
    def spec_get(
        settings: Settings,
        id: SpecId,
        body: Annotated[bool, Field(description="Also return (a window of) the markdown body.")] = False,
        body_offset: Offset = None,
        body_limit: TextLimit = None,
    ) -> dict[str, Any]:
        """One spec as `chant show --json`: fields, criteria, dependencies, members, quality; the body only
        with body: true, at most body_limit bytes from body_offset. Example: {"id": "001-ext", "body": true}."""
        project = settings.project()
        spec = project.resolve(id, archived=True)
        detail = reports.spec_detail(project, spec, Graph.of(project.specs()))
        if body:
            detail["body"] = paging.window(spec.body.encode("utf-8"), body_offset, body_limit)
        return {"spec": detail}

    @tool("chant_status", schemas.STATUS, read_only=True)
    def status(
        settings: Settings,
        limit: Annotated[int, Field(description="At most this many entries per list.", ge=1, le=500)] = 20,
    ) -> dict[str, Any]:
        """The project at a glance, as `chant status --json`: counts by state, what needs attention, what is
        in progress, what is ready (each list cut to `limit`; `truncated` gives the full lengths)."""
        from chant.run import recovery

        project = settings.project()
        built = query.status_report(Graph.of(project.specs()), _invalid(project))
        built.attention += recovery.stranded_entries(project)  # specs a dead chant left, as `chant status`
        report = built.to_dict()
        truncated: dict[str, int] = {}
        for key in ("attention", "in_progress", "ready", "invalid"):
            if len(report[key]) > limit:
                truncated[key] = len(report[key])
                report[key] = report[key][:limit]
        return {**report, "truncated": truncated}

    @tool("chant_search", schemas.SEARCH, read_only=True)
    def search(
        settings: Settings,
        query: Annotated[str, Field(description="Text to find in titles and bodies.")],
        title_only: bool = False,
        case_sensitive: bool = False,
        status: Annotated[StateName | None, Field(description="Only specs in this state.")] = None,
        type: Annotated[SpecType | None, Field(description="Only specs of this type.")] = None,
        labels: list[str] | None = None,
        include_archive: Annotated[bool, Field(description="Search .chant/archive/ too.")] = True,
        cursor: Cursor = None,
        limit: Limit = None,
        max_bytes: MaxBytes = None,
    ) -> dict[str, Any]:
        """Specs whose title or body contains the text (case-insensitive), archived ones included.
        Example: {"query": "reporting"}."""
        if not query:
            raise ChantError("query must not be empty")
        project = settings.project()
        rows, problems = reports.search_rows(
            project,
            Graph.of(project.specs()),
            query,
            title_only=title_only,
            case_sensitive=case_sensitive,
            status=status,
            type_=type,
            labels=tuple(labels or ()),
            active_only=not include_archive,
        )
        asked = {"q": query, "t": title_only, "c": case_sensitive, "s": status, "y": type, "l": labels}
        got = paging.page(
            rows,
            key="specs",
            cursor=cursor,
            limit=limit,
            max_bytes=max_bytes,
            query={"tool": "search", "a": include_archive, **asked},
        )
        return {"query": query, **got, "warnings": problems[:20]}

    @tool("chant_dag", schemas.DAG, read_only=True)
    def dag(
        settings: Settings, cursor: Cursor = None, limit: Limit = None, max_bytes: MaxBytes = None
    ) -> dict[str, Any]:
        """The dependency graph as `chant dag --format json`, a page of nodes at a time with the edges into
        them."""
        graph = Graph.of(settings.project().specs())
        whole = reports.dag_report(graph)
        into: dict[str, list[dict[str, str]]] = {}
        for edge in whole["edges"]:
            into.setdefault(edge["to"], []).append(edge)
        got = paging.page(
            whole["nodes"],
            key="nodes",
            cursor=cursor,
            limit=limit,
            max_bytes=(max_bytes or paging.DEFAULT_MAX_BYTES) // 2,
            query={"tool": "dag"},
        )
        got["edges"] = [e for node in got["nodes"] for e in into.get(node["id"], [])]
        got["limit_bytes"] *= 2  # half for the nodes, at most as much for their edges
        return got

    @tool("chant_group", schemas.GROUP, read_only=True)
    def group(settings: Settings, id: SpecId) -> dict[str, Any]:
        """A driver's members with their state and the phases `chant work` runs them in (`chant group`)."""
        project = settings.project()
        report = reports.group_report(project, project.resolve(id, archived=True))
        if paging.size_of(report) > paging.MAX_BYTES:
            raise ChantError(f"{id} has too many members to show at once", hint="use chant_spec_list")
        return report

    @tool("chant_lint", schemas.LINT, read_only=True)
    def lint(
        settings: Settings,
        id: Annotated[str | None, Field(description="Only this spec (default: all).")] = None,
        section: Annotated[
            Literal["diagnostics", "quality"], Field(description="Which list to page through.")
        ] = "diagnostics",
        cursor: Cursor = None,
        limit: Limit = None,
        max_bytes: MaxBytes = None,
    ) -> dict[str, Any]:
        """`chant lint --format json`: problems in specs and config.md (errors stop `chant work`), and each
        spec's quality grade; the counts cover everything, one section is paged."""
        project = settings.project()
        payload, _diagnostics, _grades = reports.lint_report(project, reports.lint_only(project, id))
        got = paging.page(
            payload[section],
            key=section,
            cursor=cursor,
            limit=limit,
            max_bytes=max_bytes,
            query={"tool": "lint", "id": id, "section": section},
        )
        other = "quality" if section == "diagnostics" else "diagnostics"
        return {**payload, **got, other: [], "section": section}

    @tool("chant_diagnose", schemas.DIAGNOSE, read_only=True)
    def diagnose(settings: Settings, id: SpecId) -> dict[str, Any]:
        """Why a spec is in its state (run lock, worktree, branch, criteria, log tail) and the command that
        moves it on (`chant diagnose --json`)."""
        from chant.ops.diagnose import diagnose as do_diagnose

        project = settings.project()
        return {"diagnosis": do_diagnose(project, project.resolve(id)).to_dict()}

    @tool("chant_drift", schemas.DRIFT, read_only=True)
    def drift(
        settings: Settings,
        id: Annotated[str | None, Field(description="One completed spec (default: every one).")] = None,
        cursor: Cursor = None,
        limit: Limit = None,
        max_bytes: MaxBytes = None,
    ) -> dict[str, Any]:
        """Completed specs whose input files changed since they completed (`chant drift --json`), with
        what to re-run, upstream first."""
        payload = reports.drift_report(settings.project(), id)
        got = paging.page(
            payload.pop("specs"),
            key="specs",
            cursor=cursor,
            limit=limit,
            max_bytes=max_bytes,
            query={"tool": "drift", "id": id},
        )
        return {**payload, **got}

    @tool("chant_log", schemas.LOG, read_only=True)
    def log(
        settings: Settings,
        id: SpecId,
        offset: Annotated[
            int | None, Field(description="Byte offset (default: the last `limit` bytes).", ge=0)
        ] = None,
        limit: TextLimit = None,
    ) -> dict[str, Any]:
        """A window of a spec's agent log (.chant/logs/<id>.log): by default its last `limit` bytes;
        `next_offset` continues it. Example: {"id": "001-ext.2", "limit": 4000}."""
        project = settings.project()
        spec = project.resolve(id, archived=True)
        path = project.logs_dir / f"{spec.id}.log"
        if not path.is_file():
            raise ChantError(
                f"No log for {spec.id} yet", hint=f"it appears when `chant work {spec.id}` starts"
            )
        window = paging.window(path.read_bytes(), offset, limit, tail=offset is None)
        return {"id": spec.id, "path": project.rel(path), **window}
