"""``chant init --agent NAME`` writes each client's MCP config, merged with the user's, idempotently."""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from mcp.client.stdio import StdioServerParameters
from tests.mcp_server.conftest import Client, mcp_params_call

Run = Any
pytestmark = pytest.mark.xdist_group("mcp")

JSON_FILES = {"claude": ".mcp.json", "cursor": ".cursor/mcp.json", "gemini": ".gemini/settings.json"}


@pytest.mark.parametrize("agent", sorted(JSON_FILES))
def test_json_config_is_merged_and_idempotent(chant_repo: Path, run_chant: Run, agent: str) -> None:
    path = chant_repo / JSON_FILES[agent]
    path.parent.mkdir(parents=True, exist_ok=True)
    user = {"theme": "dark", "mcpServers": {"other": {"command": "other-server", "args": ["--x"]}}}
    path.write_text(json.dumps(user), encoding="utf-8")
    run_chant("init", "--agent", agent, "--no-commit", check=True)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["theme"] == "dark" and data["mcpServers"]["other"] == user["mcpServers"]["other"]
    assert data["mcpServers"]["chant"]["command"] == "chant" and data["mcpServers"]["chant"]["args"] == [
        "mcp"
    ]
    first = path.read_bytes()
    proc = run_chant("init", "--agent", agent, "--no-commit", check=True)
    assert path.read_bytes() == first and JSON_FILES[agent] not in proc.stdout


def test_the_users_own_chant_entry_is_kept(chant_repo: Path, run_chant: Run) -> None:
    mine = {"mcpServers": {"chant": {"command": "/opt/chant/bin/chant", "args": ["mcp", "--allow-commands"]}}}
    (chant_repo / ".mcp.json").write_text(json.dumps(mine), encoding="utf-8")
    run_chant("init", "--agent", "claude", "--no-commit", check=True)
    assert json.loads((chant_repo / ".mcp.json").read_text()) == mine


def test_a_broken_config_is_named_and_left_alone(chant_repo: Path, run_chant: Run) -> None:
    (chant_repo / ".cursor").mkdir()
    (chant_repo / ".cursor" / "mcp.json").write_text('{\n  "mcpServers": {,\n}\n', encoding="utf-8")
    proc = run_chant("init", "--agent", "cursor", "--no-commit", check=False)
    assert proc.returncode == 1 and ".cursor/mcp.json:2" in proc.stderr and "Traceback" not in proc.stderr
    assert (chant_repo / ".cursor" / "mcp.json").read_text() == '{\n  "mcpServers": {,\n}\n'


def test_codex_toml_keeps_every_byte_of_the_users_file(chant_repo: Path, run_chant: Run) -> None:
    path = chant_repo / ".codex" / "config.toml"
    path.parent.mkdir()
    user = '# my settings\nmodel = "o4"\n\n[mcp_servers.docs]\ncommand = "docs-mcp"\n'
    path.write_text(user, encoding="utf-8")
    run_chant("init", "--agent", "codex", "--no-commit", check=True)
    text = path.read_text(encoding="utf-8")
    assert text.startswith(user)
    data = tomllib.loads(text)
    assert data["mcp_servers"]["chant"] == {"command": "chant", "args": ["mcp"]}
    assert data["mcp_servers"]["docs"] == {"command": "docs-mcp"} and data["model"] == "o4"
    run_chant("init", "--agent", "codex", "--no-commit", check=True)
    assert path.read_text(encoding="utf-8") == text
    assert "<!-- chant:begin -->" in (chant_repo / "AGENTS.md").read_text()


def test_init_commits_the_config_and_a_client_can_start_the_server_from_it(
    chant_repo: Path, run_chant: Run, chant_env: dict[str, str], git: Any
) -> None:
    run_chant("init", "--agent", "claude", "--commit", check=True)
    assert ".mcp.json" in git("show", "--stat", "HEAD")
    server = json.loads((chant_repo / ".mcp.json").read_text())["mcpServers"]["chant"]
    assert server["type"] == "stdio"
    command = str(Path(sys.executable).parent / server["command"])  # the venv's `chant` console script
    params = StdioServerParameters(command=command, args=server["args"], env=chant_env, cwd=chant_repo)

    async def body(client: Client) -> None:
        made = await client.ok("chant_add", {"title": "From the configured server"})
        assert made["path"].startswith(".chant/specs/")

    mcp_params_call(params, body)
