"""A real MCP client nobody here wrote: Claude Code (from npm, pinned) uses chant's tools.

``chant init --agent claude`` writes ``.mcp.json``; the real ``claude -p`` reads it, starts ``chant mcp`` as
its MCP server, and the scripted model server (tests/fakes/model_server.py) has the "model" call
``chant_spec_list`` and then ``chant_add`` through Claude Code's MCP tool names. The test asserts on the spec
file chant wrote and on the tool results Claude Code sent back to the model.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.contract.conftest import Scripted, as_root
from tests.fakes.model_server import FINAL_TEXT, Step

pytestmark = pytest.mark.xdist_group("contract-claude-mcp")

TITLE = "Written by Claude Code through MCP"


def tool_results(scripted: Scripted) -> list[str]:
    """The text of every tool_result Claude Code sent back to the model, in order."""
    found: list[str] = []
    for seen in scripted.server.model_calls("/v1/messages"):
        for message in seen.body.get("messages") or []:
            content = message.get("content")
            for block in content if isinstance(content, list) else []:
                if isinstance(block, dict) and block.get("type") == "tool_result":
                    inner = block.get("content")
                    parts = inner if isinstance(inner, list) else [{"text": inner}]
                    found.append("".join(str(p.get("text", "")) for p in parts if isinstance(p, dict)))
    return list(dict.fromkeys(found))


def test_claude_code_lists_and_adds_specs_through_chant_mcp(
    scripted: Callable[..., Scripted], seed_repo: Path, run_chant: Any
) -> None:
    plan = [
        Step("call", name="mcp__chant__chant_spec_list", args={"status": "ready", "limit": 5}),
        Step(
            "call",
            name="mcp__chant__chant_add",
            args={"title": TITLE, "criteria": ["The spec exists"], "labels": ["from-mcp"]},
        ),
    ]
    run = scripted("claude", plan)
    env = dict(run.env)
    # `chant` of .mcp.json is this checkout's (the venv's console script), first on PATH.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    if as_root():
        env["IS_SANDBOX"] = "1"  # Claude Code refuses to skip permission prompts as root without it
    home = Path(env["HOME"])
    (home / ".claude").mkdir(parents=True, exist_ok=True)
    # Project servers (.mcp.json) need the user's approval once; this is that approval.
    (home / ".claude" / "settings.json").write_text(
        json.dumps({"enableAllProjectMcpServers": True}), encoding="utf-8"
    )
    run_chant("init", "--agent", "claude", "--commit", env=env, check=True)
    assert json.loads((seed_repo / ".mcp.json").read_text())["mcpServers"]["chant"]["command"] == "chant"

    before = {p.name for p in (seed_repo / ".chant" / "specs").glob("*.md")}
    proc = subprocess.run(
        [
            "claude",
            "-p",
            "List the ready chant specs, then add one.",
            "--output-format",
            "stream-json",
            "--verbose",
            "--dangerously-skip-permissions",
        ],
        cwd=seed_repo,
        env=env,
        input="",
        capture_output=True,
        text=True,
        timeout=240,
    )
    explain = f"exit {proc.returncode}\nstdout:\n{proc.stdout[-4000:]}\nstderr:\n{proc.stderr[-3000:]}"
    assert proc.returncode == 0, explain
    assert FINAL_TEXT in proc.stdout, explain

    new = {p.name for p in (seed_repo / ".chant" / "specs").glob("*.md")} - before
    assert len(new) == 1, (new, explain, run.server.dump()[-3000:])
    path = seed_repo / ".chant" / "specs" / new.pop()
    text = path.read_text(encoding="utf-8")
    front = yaml.safe_load(text.split("---", 2)[1])
    assert front["status"] == "pending" and front["labels"] == ["from-mcp"]
    assert f"# {TITLE}" in text and "- [ ] The spec exists" in text
    log = subprocess.run(
        ["git", "log", "-1", "--format=%s"], cwd=seed_repo, env=env, capture_output=True, text=True
    )
    assert log.stdout.strip() == f"chant: Add spec {path.stem}"

    results = tool_results(run)
    assert len(results) >= 2, results
    listed = json.loads(results[0])
    assert listed["schema"] == 1 and [s["state"] for s in listed["specs"]] == ["ready"] * listed["returned"]
    assert listed["returned"] >= 1
    added = json.loads(results[1])
    assert added["id"] == path.stem and added["path"] == f".chant/specs/{path.name}"
