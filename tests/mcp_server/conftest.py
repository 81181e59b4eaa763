"""Drive ``chant mcp`` with the SDK's own client: the real server as a subprocess over stdio (or HTTP).

``mcp_call(repo, env, body)`` starts ``python -m chant mcp`` in ``repo`` with ``env``, opens a
``ClientSession`` and runs ``await body(client)``; :class:`Client` adds helpers that unwrap results.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from tests.conftest import CHANT_CMD
from tests.run.conftest import Work, work_factory

__all__ = ["Client", "Work", "mcp_call", "mcp_params_call", "work_factory"]


class Client:
    def __init__(self, session: ClientSession) -> None:
        self.session = session
        self.progress: list[tuple[float, float | None, str | None]] = []

    async def raw(self, name: str, args: dict[str, Any] | None = None, **kw: Any) -> Any:
        return await self.session.call_tool(name, args or {}, **kw)

    async def ok(self, name: str, args: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        result = await self.raw(name, args, **kw)
        text = "".join(getattr(c, "text", "") for c in result.content)
        assert not result.is_error, f"{name}({args}) failed: {text}"
        data = result.structured_content
        assert isinstance(data, dict) and data.get("schema") == 1, data
        assert json.loads(text) == data  # the text block is the same document
        return data

    async def error(self, name: str, args: dict[str, Any] | None = None) -> str:
        result = await self.raw(name, args)
        text = "".join(getattr(c, "text", "") for c in result.content)
        assert result.is_error, f"{name}({args}) should have failed, got {text[:300]}"
        assert "Traceback" not in text
        return text

    async def alive(self) -> None:
        data = await self.ok("chant_status")
        assert "counts" in data


Body = Callable[[Client], Awaitable[None]]


def mcp_call(repo: Path, env: dict[str, str], body: Body, *args: str, timeout: float = 120) -> None:
    params = StdioServerParameters(
        command=CHANT_CMD[0], args=[*CHANT_CMD[1:], "mcp", *args], env=env, cwd=repo
    )
    mcp_params_call(params, body, timeout=timeout)


def mcp_params_call(params: StdioServerParameters, body: Body, timeout: float = 120) -> None:
    async def main() -> None:
        with anyio.fail_after(timeout):
            async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
                await session.initialize()
                await body(Client(session))

    anyio.run(main)
