"""The MCP server: tools and resources over chant's library, on the official SDK (stdio or streamable HTTP).

Every tool is a plain function over ``chant.ops`` / the scheduler, registered through :meth:`Chant.tool`,
which runs it in a worker thread (chant's library is synchronous; the event loop keeps serving), turns a
:class:`ChantError` into an MCP tool error carrying the CLI's message and hint, and an unexpected exception
into a tool error naming the exception (its traceback goes to stderr, never to the client): one bad request
never stops the server. Results carry ``"schema": 1`` first, as every ``--json`` document does, and are
published with an ``outputSchema`` (``schemas.py``).
"""

from __future__ import annotations

import functools
import gc
import inspect
import logging
import signal
import sys
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent, ToolAnnotations

from chant import __version__
from chant.errors import ChantError
from chant.graph import Graph
from chant.mcp import paging
from chant.project import Project

log = logging.getLogger("chant.mcp")

INSTRUCTIONS = """chant runs markdown specs (.chant/specs/*.md) with coding agents in git worktrees.
Read with chant_spec_list / chant_ready / chant_status / chant_spec_get (bodies only with body: true),
write with chant_add / chant_spec_update, run with chant_work_start (returns at once) and poll
chant_work_status. Lists are paged: pass next_cursor back as cursor."""


@dataclass
class Settings:
    root: Path
    allow_commands: bool = False  # `chant mcp --allow-commands`: criteria commands may run (verify)
    runner: Any = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def project(self) -> Project:
        return Project(self.root)


def result(payload: dict[str, Any]) -> CallToolResult:
    document = {"schema": 1, **payload}
    return CallToolResult(
        content=[TextContent(type="text", text=paging.dumps(document))], structured_content=document
    )


def tool_error(exc: BaseException) -> ToolError:
    if isinstance(exc, ChantError):
        text = exc.message + (f" (hint: {exc.hint})" if getattr(exc, "hint", None) else "")
        return ToolError(text)
    return ToolError(f"internal error: {type(exc).__name__}: {exc}")


class Chant:
    """The server and what its tools share (the project root, the background runs)."""

    def __init__(self, settings: Settings) -> None:
        from chant.run.background import Runner

        self.settings = settings
        settings.runner = Runner(settings.root)
        self.server: MCPServer[Any] = MCPServer(
            "chant", instructions=INSTRUCTIONS, version=__version__, log_level="WARNING"
        )

    def tool(
        self, name: str, schema: dict[str, Any], *, read_only: bool = False, destructive: bool = False
    ) -> Callable[[Callable[..., dict[str, Any]]], Callable[..., dict[str, Any]]]:
        """Register a synchronous function returning a payload dict as the tool ``name``."""

        def register(fn: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
            settings = self.settings

            @functools.wraps(fn)
            async def call(*args: Any, **kwargs: Any) -> CallToolResult:
                def work() -> dict[str, Any]:
                    with settings.lock:  # one library call at a time: git and spec writes stay ordered
                        return fn(settings, *args, **kwargs)

                return await _guarded(name, anyio.to_thread.run_sync(work))

            self._add(call, fn, "settings", name, schema, read_only, destructive)
            return fn

        return register

    def async_tool(
        self, name: str, schema: dict[str, Any], *, read_only: bool = False
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register a coroutine ``fn(chant, ..., ctx)`` (tools that wait and report progress)."""

        def register(fn: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(fn)
            async def call(*args: Any, **kwargs: Any) -> CallToolResult:
                return await _guarded(name, fn(self, *args, **kwargs))

            self._add(call, fn, "chant", name, schema, read_only, False)
            return fn

        return register

    def _add(
        self,
        call: Callable[..., Any],
        fn: Callable[..., Any],
        injected: str,
        name: str,
        schema: dict[str, Any],
        read_only: bool,
        destructive: bool,
    ) -> None:
        """Register ``call`` (wrapping ``fn``) as the tool ``name``. The SDK builds the input schema from
        ``fn``'s parameters, minus the one chant injects (``injected``)."""
        signature = inspect.signature(fn, eval_str=True)
        params = [p for p in signature.parameters.values() if p.name != injected]
        _retype(call, fn, signature.replace(parameters=params, return_annotation=CallToolResult))
        doc = fn.__doc__ or ""
        annotations = ToolAnnotations(
            read_only_hint=read_only,
            destructive_hint=destructive,
            idempotent_hint=read_only,
            open_world_hint=False,
        )
        self.server.add_tool(call, name=name, description=inspect.cleandoc(doc), annotations=annotations)
        registered = self.server._tool_manager.get_tool(name)
        assert registered is not None
        # A published schema without a model: advertised (clients validate against it), not re-validated.
        registered.fn_metadata.output_schema = {"type": "object", **schema}

    async def in_thread(self, fn: Callable[[], Any]) -> Any:
        def work() -> Any:
            with self.settings.lock:
                return fn()

        return await anyio.to_thread.run_sync(work)


async def _guarded(name: str, pending: Awaitable[dict[str, Any]]) -> CallToolResult:
    """The tool's payload as a result; any failure as a tool error (the server keeps serving)."""
    try:
        payload = await pending
    except ChantError as exc:
        raise tool_error(exc) from None
    except Exception as exc:  # a bug must not kill the server: report it with its traceback in the log
        log.exception("tool %s failed", name)
        raise tool_error(exc) from None
    return result(payload)


def _retype(call: Any, fn: Callable[..., Any], signature: inspect.Signature) -> None:
    """What the SDK reads to build the input schema: ``fn``'s parameters without the injected first one."""
    call.__signature__ = signature
    call.__annotations__ = {
        **{p.name: p.annotation for p in signature.parameters.values()},
        "return": CallToolResult,
    }


def build(root: Path, *, allow_commands: bool = False) -> Chant:
    from chant.mcp import resources, tools_plan, tools_read, tools_run, tools_write

    chant = Chant(Settings(root, allow_commands=allow_commands))
    tools_read.register(chant)
    tools_write.register(chant)
    tools_plan.register(chant)
    tools_run.register(chant)
    resources.register(chant)
    return chant


def warm_up(settings: Settings) -> None:
    """Read the specs once before answering the client: the first call (the list an agent waits on) then
    finds the modules imported, the index cache written and the files in the page cache. A few tens of
    milliseconds of a start-up the SDK's import dominates."""
    from chant.ops import query

    try:
        query.select(Graph.of(settings.project().specs()))
    except Exception:  # a broken project is reported by the first tool call, with its message
        pass
    # The SDK's import leaves ~10^5 long-lived objects; a full collection walking them all used to land in
    # the first calls (tens of ms). Frozen, the collector skips them from now on.
    gc.collect()
    gc.freeze()


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def serve_stdio(root: Path, *, allow_commands: bool = False) -> None:
    chant = build(root, allow_commands=allow_commands)
    warm_up(chant.settings)
    # Clients stop their servers with SIGTERM: stop this server's runs the way Ctrl-C stops `chant work`
    # (agents killed, every running spec recorded) instead of leaving them stranded in_progress.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        anyio.run(chant.server.run_stdio_async)
    except KeyboardInterrupt:
        pass
    finally:
        chant.settings.runner.stop()


def serve_http(root: Path, host: str, port: int, *, allow_commands: bool = False) -> None:
    chant = build(root, allow_commands=allow_commands)
    warm_up(chant.settings)
    print(f"chant mcp: streamable HTTP on http://{host}:{port}/mcp", file=sys.stderr, flush=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"warning: {host} is not a loopback address and chant mcp has no authentication: anyone who"
            " reaches it can add, change and run specs",
            file=sys.stderr,
            flush=True,
        )
    try:
        anyio.run(functools.partial(chant.server.run_streamable_http_async, host=host, port=port))
    finally:
        chant.settings.runner.stop()
