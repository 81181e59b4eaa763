"""Drift, reset and replay on a spec completed through the real pipeline with a `command` agent."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from tests.lifecycle import command_agent

DOC_SPEC = """---
type: documentation
status: pending
tracks:
  - src/**/*.py
target_files:
  - docs/api.md
---

# Document the API

## Acceptance Criteria

- [ ] docs/api.md describes every function
"""

DOWNSTREAM = """---
type: code
status: pending
depends_on:
  - 2026-02-01-002-dwn  # placeholder replaced below
---

# Build on the docs

## Acceptance Criteria

- [ ] uses the docs
"""

DOC_ID = "2026-02-01-001-doc"
DOWN_ID = "2026-02-01-002-use"


@pytest.fixture
def project(chant_repo: Path, git: Any) -> Path:
    root = chant_repo
    command_agent.install(root, command_agent.TICK_AND_COMMIT, "drifty")
    (root / "src").mkdir()
    (root / "src" / "api.py").write_text("def hello():\n    return 'hi'\n")
    (root / ".chant" / "specs" / f"{DOC_ID}.md").write_text(DOC_SPEC)
    (root / ".chant" / "specs" / f"{DOWN_ID}.md").write_text(DOWNSTREAM.replace("2026-02-01-002-dwn", DOC_ID))
    git("add", "-A")
    git("commit", "-qm", "project")
    return root


def test_drift_after_completion(project: Path, run_chant: Any, git: Any, tmp_path: Path) -> None:
    run_chant("work", DOC_ID, check=True)
    run_chant("work", DOWN_ID, check=True)
    assert "status: completed" in (project / ".chant/specs" / f"{DOC_ID}.md").read_text()
    clean = run_chant("drift", DOC_ID, "--exit-code", check=True).stdout
    assert "UP TO DATE" in clean

    clone = tmp_path / "clone"
    git("clone", "-q", str(project), str(clone))

    with open(project / "src" / "api.py", "a") as handle:
        handle.write("\n\n@router.get('/reports/realtime')\ndef get_realtime_report():\n    return 1\n")
    git("commit", "-qam", "add realtime report")
    numstat = git("diff", "--numstat", "HEAD~1", "--", "src/api.py").split()
    out = run_chant("drift", DOC_ID, check=True).stdout
    assert "DRIFT DETECTED" in out
    assert "src/api.py" in out
    assert f"Lines changed: +{numstat[0]}, -{numstat[1]}" in out
    assert "New function: get_realtime_report" in out
    assert "New endpoint: /reports/realtime" in out
    assert "Tracked files changed" in out
    assert run_chant("drift", DOC_ID, "--exit-code").returncode == 1
    # drift is read-only
    assert "status: completed" in (project / ".chant/specs" / f"{DOC_ID}.md").read_text()

    everything = run_chant("drift", "--all", check=True).stdout
    assert DOWN_ID in everything and "CASCADE DRIFT" in everything

    fresh = run_chant("drift", "--all", cwd=clone, check=True).stdout
    assert "DRIFT" not in fresh.replace("Drift Report", "")


def test_reset_and_replay(project: Path, run_chant: Any, git: Any, chant_env: dict[str, str]) -> None:
    run_chant("work", DOC_ID, check=True)
    spec_file = project / ".chant/specs" / f"{DOC_ID}.md"
    first = re.search(r"completed_at: (\S+)", spec_file.read_text())
    assert first
    out = run_chant(
        "replay", DOC_ID, check=True, env={**chant_env, "CHANT_NOW": "2026-02-03T10:00:00Z"}
    ).stdout
    assert "Replaying" in out
    text = spec_file.read_text()
    assert f"original_completed_at: {first.group(1)}" in text
    assert "replay_count: 1" in text
    assert "status: completed" in text
    run_chant("reset", DOC_ID, check=True)
    assert "status: pending" in spec_file.read_text()
    assert run_chant("reset", DOC_ID).returncode != 0  # already pending
    assert "not found" in run_chant("reset", "nope-nope").stderr.lower()
