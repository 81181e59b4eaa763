"""Bad arguments to every tool are tool errors with the CLI's message, and the server keeps serving."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mcp.shared.exceptions import MCPError
from tests.mcp_server.conftest import Client, mcp_call
from tests.mcp_server.test_server import TOOLS

pytestmark = pytest.mark.xdist_group("mcp")

UNKNOWN = "2099-01-01-zzz-nope"
AMBIGUOUS = "001-ext."  # ext.1 .. ext.4
OUTSIDE = "../outside.txt"

# (tool, arguments, a piece of the message) -- each tool has at least one; IDs, types, paths and cursors.
CASES: list[tuple[str, dict[str, Any], str]] = [
    ("chant_spec_list", {"limit": "many"}, "limit"),
    ("chant_spec_list", {"status": "sleeping"}, "status"),
    ("chant_spec_list", {"cursor": "not-a-cursor"}, "invalid cursor"),
    ("chant_spec_list", {"limit": 0}, "limit"),
    ("chant_ready", {"max_bytes": 3}, "max_bytes"),
    ("chant_spec_get", {}, "id"),
    ("chant_spec_get", {"id": 42}, "id"),
    ("chant_spec_get", {"id": UNKNOWN}, "Spec not found"),
    ("chant_spec_get", {"id": AMBIGUOUS}, "mbiguous"),
    ("chant_spec_get", {"id": "ext.1", "body": True, "body_offset": -1}, "body_offset"),
    ("chant_status", {"limit": -5}, "limit"),
    ("chant_search", {"query": ""}, "empty"),
    ("chant_search", {"query": ["a"]}, "query"),
    ("chant_dag", {"cursor": "eyJvIjo1LCJxIjoieCJ9"}, "another query"),
    ("chant_group", {"id": "001-cpl"}, "no member specs"),
    ("chant_group", {"id": AMBIGUOUS}, "mbiguous"),
    ("chant_lint", {"id": UNKNOWN}, "Spec not found"),
    ("chant_lint", {"section": "everything"}, "section"),
    ("chant_diagnose", {"id": UNKNOWN}, "Spec not found"),
    ("chant_drift", {"id": "ext.1"}, "drift only checks completed specs"),
    ("chant_log", {"id": "ext.1"}, "No log"),
    ("chant_log", {"id": "../../../etc/passwd"}, "Spec not found"),
    ("chant_add", {}, "title"),
    ("chant_add", {"title": "x", "target_files": [OUTSIDE]}, "outside"),
    ("chant_add", {"title": "x", "target_files": ["/etc/passwd"]}, "passwd"),
    ("chant_add", {"title": "x", "informed_by": ["../../secrets/*"]}, "leaves the repository"),
    ("chant_add", {"title": "x", "depends_on": [UNKNOWN]}, "Spec not found"),
    ("chant_add", {"title": "x", "group": AMBIGUOUS}, "mbiguous"),
    ("chant_add", {"title": "x", "type": "poem"}, "type"),
    ("chant_spec_update", {"id": "ext.1"}, "nothing to update"),
    ("chant_spec_update", {"id": "ext.1", "set": {"target_files": OUTSIDE}}, "outside"),
    ("chant_spec_update", {"id": "ext.1", "unset": ["status"]}, "status cannot be unset"),
    ("chant_spec_update", {"id": "ext.1", "set": "priority=high"}, "set"),
    ("chant_cancel", {"id": UNKNOWN}, "Spec not found"),
    ("chant_reset", {"id": "ext.1"}, "pending"),
    ("chant_archive", {"id": "ext.1"}, "member"),
    ("chant_approve", {"id": "ext.1", "by": ""}, "by"),
    ("chant_reject", {"id": "ext.1", "by": "Ann"}, "reason"),
    ("chant_finalize", {"id": "ext.1"}, "finalize needs"),
    ("chant_verify", {"id": "ext.1"}, "only completed specs"),
    ("chant_verify", {"id": "001-cpl", "run_commands": True}, "opt-in"),
    ("chant_work_start", {}, "mode spec needs id"),
    ("chant_work_start", {"id": "ext.4", "force": True}, "blocked by"),
    ("chant_work_start", {"id": "001-cpl"}, "already completed"),
    ("chant_work_start", {"id": UNKNOWN}, "Spec not found"),
    ("chant_work_start", {"mode": "parallel"}, "mode"),
    ("chant_work_status", {"run": "../../etc/passwd"}, "invalid run"),
    ("chant_work_status", {"run": "20990101T000000.000Z-1"}, "no run"),
    ("chant_work_status", {}, "no runs yet"),
    ("chant_work_list", {"limit": "x"}, "limit"),
    ("chant_pause", {"id": "ext.1"}, "not running"),
    ("chant_takeover", {"id": "ext.1"}, "takeover is for"),
    ("chant_split", {"id": "001-cpl"}, "only a pending spec can be split"),
    ("chant_split", {"id": UNKNOWN}, "Spec not found"),
    ("chant_plan", {"file": "../outside.md"}, "outside the repository"),
    ("chant_plan", {"file": "/etc/hostname"}, "outside the repository"),
    ("chant_plan", {"file": "docs/none.md"}, "no such file"),
]


def test_every_tool_has_a_bad_case() -> None:
    assert {tool for tool, _args, _text in CASES} == TOOLS


def test_bad_arguments_are_tool_errors_and_the_server_keeps_serving(
    seed_repo: Path, chant_env: dict[str, str]
) -> None:
    head = (seed_repo / ".git" / "HEAD").read_text()
    before = sorted(p.name for p in (seed_repo / ".chant" / "specs").iterdir())
    messages: dict[int, str] = {}

    async def body(client: Client) -> None:
        for index, (tool, args, _text) in enumerate(CASES):
            messages[index] = await client.error(tool, args)
            if index % 5 == 0:
                await client.alive()
        # An unknown resource is a protocol error (MCP's rule for resources), with chant's message.
        with pytest.raises(MCPError, match="not found"):
            await client.session.read_resource(f"chant://spec/{UNKNOWN}")
        with pytest.raises(MCPError, match="mbiguous"):
            await client.session.read_resource(f"chant://spec/{AMBIGUOUS}")
        await client.alive()

    mcp_call(seed_repo, chant_env, body)
    wrong = [
        (t, a, messages[i]) for i, (t, a, text) in enumerate(CASES) if text.lower() not in messages[i].lower()
    ]
    assert not wrong, "\n".join(map(str, wrong))
    # Nothing was written by any of them.
    assert (seed_repo / ".git" / "HEAD").read_text() == head
    assert sorted(p.name for p in (seed_repo / ".chant" / "specs").iterdir()) == before
    assert not (seed_repo.parent / "outside.txt").exists()
