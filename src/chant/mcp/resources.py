"""Resources: each spec as ``chant://spec/<id>`` (its markdown), the project status and the drift report
(the JSON of chant_status / chant_drift), for clients that browse resources instead of calling tools."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from chant.errors import ChantError
from chant.graph import Graph
from chant.mcp import paging
from chant.ops import query, reports
from chant.run import recovery

if TYPE_CHECKING:
    from chant.mcp.server import Chant

MAX_SPEC_BYTES = 200_000


def register(chant: Chant) -> None:
    from mcp.server.mcpserver.exceptions import ResourceError

    server = chant.server
    settings = chant.settings

    def guarded(fn: Callable[[], object]) -> Callable[[], str]:
        def read() -> str:
            try:
                with settings.lock:
                    return str(fn())
            except ChantError as exc:
                raise ResourceError(exc.message) from None

        return read

    @server.resource(
        "chant://spec/{spec_id}",
        name="spec",
        description="A spec's markdown file (frontmatter and body), by ID or any unique part of one.",
        mime_type="text/markdown",
    )
    def spec(spec_id: str) -> str:
        def read() -> str:
            project = settings.project()
            found = project.resolve(spec_id, archived=True)
            data = found.path.read_bytes()
            if len(data) > MAX_SPEC_BYTES:
                raise ChantError(
                    f"{found.id} is {len(data)} bytes", hint="chant_spec_get reads it in windows"
                )
            return data.decode("utf-8", errors="replace")

        return guarded(read)()

    @server.resource(
        "chant://status",
        name="status",
        description="The project status (chant status --json).",
        mime_type="application/json",
    )
    def status() -> str:
        def read() -> str:
            project = settings.project()
            invalid = [e.message for e in project.specs().invalid.values()]
            built = query.status_report(Graph.of(project.specs()), invalid)
            built.attention += recovery.stranded_entries(project)
            return paging.dumps({"schema": 1, **built.to_dict()})

        return guarded(read)()

    @server.resource(
        "chant://drift",
        name="drift",
        description="The drift report of every completed spec (chant drift --json).",
        mime_type="application/json",
    )
    def drift() -> str:
        return guarded(
            lambda: paging.dumps({"schema": 1, **reports.drift_report(settings.project(), None)})
        )()
