"""Fixtures for the spec-writing suite (issue 15): writing specs and a `command` agent into a chant repo."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from tests.lifecycle import command_agent


@pytest.fixture
def write_spec(chant_repo: Path) -> Callable[..., Path]:
    """``write_spec(spec_id, text)`` writes ``.chant/specs/<id>.md`` byte for byte (uncommitted)."""

    def write(spec_id: str, text: str) -> Path:
        path = chant_repo / ".chant" / "specs" / f"{spec_id}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        return path

    return write


@pytest.fixture
def use_agent(chant_repo: Path, git: Callable[..., str]) -> Callable[[str], None]:
    """``use_agent(script)``: make ``script`` (Python) the project's `command` agent and commit everything."""

    def install(script: str) -> None:
        command_agent.install(chant_repo, script, "specs")
        git("add", "-A")
        git("commit", "-q", "-m", "agent and specs")

    return install
