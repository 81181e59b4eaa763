"""chant_split and chant_plan: the agent's proposal through MCP, the same documents as `--json`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.mcp_server.conftest import Client, mcp_call
from tests.specs.conftest import use_agent, write_spec
from tests.specs.test_split_plan import PROPOSAL, SCRIPTED, SPEC, SPEC_ID, agent

__all__ = ["use_agent", "write_spec"]
pytestmark = pytest.mark.xdist_group("mcp")


def test_split_dry_run_then_write_and_plan(
    chant_repo: Path,
    chant_env: dict[str, str],
    git: Callable[..., str],
    write_spec: Callable[..., Path],
    use_agent: Any,
) -> None:
    write_spec(SPEC_ID, SPEC)
    (chant_repo / "docs").mkdir()
    (chant_repo / "docs" / "needs.md").write_text("# Needs\n\nA reporting service.\n", encoding="utf-8")
    use_agent(agent(SCRIPTED))
    head = git("rev-parse", "HEAD")

    async def body(client: Client) -> None:
        dry = await client.ok("chant_split", {"id": "big", "dry_run": True})
        assert dry["dry_run"] is True and dry["commit"] is None
        assert dry["members"] == [f"{SPEC_ID}.{n}" for n in (1, 2, 3)]
        assert [m["title"] for m in dry["proposal"]["members"]] == [m["title"] for m in PROPOSAL["members"]]
        assert git("rev-parse", "HEAD") == head  # nothing written
        done = await client.ok("chant_split", {"id": "big"})
        assert done["driver"] == SPEC_ID and done["commit"] and len(done["members"]) == 3
        group = await client.ok("chant_group", {"id": SPEC_ID})
        assert [p["members"] for p in group["phases"]][-1] == [f"{SPEC_ID}.3"]
        planned = await client.ok("chant_plan", {"file": "docs/needs.md"})
        assert planned["driver"] and len(planned["members"]) == 3 and planned["commit"]
        driver = await client.ok("chant_spec_get", {"id": planned["driver"]})
        assert "docs/needs.md" in json.dumps(driver["spec"]["frontmatter"])
        outside = await client.error("chant_plan", {"file": "../../etc/passwd"})
        assert "outside the repository" in outside
        again = await client.error("chant_split", {"id": SPEC_ID})
        assert "split" in again

    mcp_call(chant_repo, chant_env, body)
    assert (chant_repo / ".chant" / "specs" / f"{SPEC_ID}.3.md").is_file()
    assert not (chant_repo / "scribble.txt").exists()
