"""A tool that breaks (a bug, not a ChantError) is a tool error naming the exception; the server serves on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from chant.mcp import schemas, server


def test_an_unexpected_exception_is_a_tool_error_and_the_server_keeps_serving(
    seed_repo: Path, hermetic_env: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    chant = server.build(seed_repo)

    @chant.tool("chant_broken", schemas.CHANGED)
    def broken(settings: server.Settings, n: int = 1) -> dict[str, Any]:
        """A tool with a bug."""
        return {"ratio": 1 / (n - 1)}

    async def main() -> None:
        async with Client(chant.server) as client:
            failed = await client.call_tool("chant_broken", {})
            text = "".join(getattr(c, "text", "") for c in failed.content)
            assert failed.is_error and "internal error: ZeroDivisionError" in text and "Traceback" not in text
            listed = await client.call_tool("chant_spec_list", {"limit": 1})
            assert not listed.is_error and listed.structured_content["total"] == 7  # type: ignore[index]

    anyio.run(main)
    # The traceback is the server's (its log, on stderr), never the client's.
    assert any(r.exc_info and r.exc_info[0] is ZeroDivisionError for r in caplog.records)
