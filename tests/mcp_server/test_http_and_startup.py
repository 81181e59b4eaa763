"""``chant mcp --http``: the streamable HTTP transport on 127.0.0.1; and the SDK stays out of other commands."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import anyio
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from tests.conftest import CHANT_CMD
from tests.mcp_server.conftest import Client

pytestmark = pytest.mark.xdist_group("mcp")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_streamable_http(seed_repo: Path, chant_env: dict[str, str]) -> None:
    port = free_port()
    server = subprocess.Popen(
        [*CHANT_CMD, "mcp", "--http", str(port)],
        cwd=seed_repo,
        env=chant_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "chant mcp --http did not listen"
                time.sleep(0.1)

        async def main() -> None:
            with anyio.fail_after(60):
                url = f"http://127.0.0.1:{port}/mcp"
                async with (
                    streamable_http_client(url) as streams,
                    ClientSession(streams[0], streams[1]) as session,
                ):
                    await session.initialize()
                    client = Client(session)
                    tools = await session.list_tools()
                    assert len(tools.tools) == 27
                    listed = await client.ok("chant_spec_list", {"limit": 2})
                    assert listed["returned"] == 2 and listed["total"] == 7
                    await client.error("chant_spec_get", {"id": "nope-nope"})
                    await client.alive()
                    resource = await session.read_resource("chant://spec/001-ext")
                    assert "Extract reporting" in resource.contents[0].text  # type: ignore[union-attr]

        anyio.run(main)
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_bad_http_address_is_a_usage_error(seed_repo: Path, run_chant: object) -> None:
    proc = run_chant("mcp", "--http", "localhost:notaport", check=False)  # type: ignore[operator]
    assert proc.returncode == 2 and "expected [HOST:]PORT" in proc.stderr


@pytest.mark.parametrize("args", [["--help"], ["list"], ["status"], ["show", "ext.1"]])
def test_other_commands_do_not_import_the_sdk(
    seed_repo: Path, chant_env: dict[str, str], args: list[str]
) -> None:
    probe = (
        "import sys, atexit\n"
        "atexit.register(lambda: sys.stderr.write('MCP-LOADED\\n' if 'mcp' in sys.modules else 'MCP-ABSENT\\n'))\n"
        "from chant.cli import main\n"
        f"sys.argv = ['chant', *{args!r}]\n"
        "raise SystemExit(main())\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=seed_repo,
        env=chant_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "MCP-ABSENT" in proc.stderr and "MCP-LOADED" not in proc.stderr


def test_mcp_help_lists_the_transport(run_chant: object, seed_repo: Path) -> None:
    proc = run_chant("mcp", "--help", check=True)  # type: ignore[operator]
    assert "--http" in proc.stdout and "127.0.0.1" in proc.stdout
