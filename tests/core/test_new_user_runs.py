"""The new-user walls that need a run: a fake ``claude`` on PATH does the work (tests/fakes/fake_agent.py)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import CHANT_CMD
from tests.run.conftest import install_fake_claude

Run = Callable[..., Any]
Git = Callable[..., str]
SPEC = "2026-02-01-001-rdm"


@pytest.fixture
def agent_env(chant_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    env = dict(chant_env)
    env["PATH"] = f"{install_fake_claude(tmp_path / 'bin').parent}{os.pathsep}{env['PATH']}"
    env["FAKE_RECORD_DIR"] = str(tmp_path / "records")
    (tmp_path / "records").mkdir()
    return env


def _add(repo: Path, git: Git, spec_id: str, text: str) -> None:
    (repo / ".chant" / "specs" / f"{spec_id}.md").write_text(text, encoding="utf-8")
    git("add", "-A")
    git("commit", "-q", "-m", f"add {spec_id}")


def test_replay_gives_the_agent_open_criteria(
    chant_repo: Path, run_chant: Run, git: Git, agent_env: dict[str, str], tmp_path: Path
) -> None:
    _add(
        chant_repo,
        git,
        SPEC,
        "---\ntype: code\nstatus: completed\ncompleted_at: 2026-01-30T10:00:00Z\n---\n\n# Readme\n\n"
        "## Acceptance Criteria\n\n- [x] first\n- [X] second\n",
    )
    run_chant("replay", "rdm", env=agent_env, check=True)
    record = json.loads((tmp_path / "records" / f"{SPEC}.json").read_text(encoding="utf-8"))
    assert "- [ ] first\n- [ ] second\n" in record["spec_text_at_start"]
    text = (chant_repo / ".chant" / "specs" / f"{SPEC}.md").read_text(encoding="utf-8")
    assert (
        "status: completed" in text and "- [x] first\n- [x] second\n" in text
    )  # the agent ticked them again
    assert "original_completed_at" in text


def test_a_merge_blocked_by_uncommitted_changes_names_them(
    chant_repo: Path, run_chant: Run, git: Git, agent_env: dict[str, str]
) -> None:
    _add(
        chant_repo,
        git,
        SPEC,
        "---\ntype: code\nstatus: pending\ntarget_files:\n  - README.md\n---\n\n# Readme\n\n"
        "## Acceptance Criteria\n\n- [ ] rewritten\n",
    )
    (chant_repo / "README.md").write_text("# my own unsaved edit\n", encoding="utf-8")
    proc = run_chant("work", "rdm", env=agent_env)
    assert proc.returncode == 1
    assert "your uncommitted changes to README.md would be overwritten" in proc.stdout
    assert (chant_repo / "README.md").read_text(encoding="utf-8") == "# my own unsaved edit\n"
    diagnosis = run_chant("diagnose", "rdm", env=agent_env, check=True).stdout
    assert "State: uncommitted-changes" in diagnosis
    assert "conflict" not in diagnosis.lower()
    assert "commit or stash your changes to README.md, then `chant finalize" in diagnosis
    data = json.loads(run_chant("diagnose", "rdm", "--json", env=agent_env, check=True).stdout)
    assert data["diagnosis"]["local_changes"] == ["README.md"]
    git("stash", "-q")
    run_chant("finalize", "rdm", env=agent_env, check=True)
    assert "status: completed" in (chant_repo / ".chant" / "specs" / f"{SPEC}.md").read_text(encoding="utf-8")


def test_rerunning_a_completed_driver_keeps_its_record(
    chant_repo: Path, run_chant: Run, git: Git, agent_env: dict[str, str]
) -> None:
    run_chant("add", "Driver", "--type", "driver", env=agent_env, check=True)
    run_chant("add", "Member", "--group", "001", env=agent_env, check=True)
    run_chant("work", "001", env=agent_env, check=True)
    driver = next(p for p in (chant_repo / ".chant" / "specs").glob("*.md") if p.name.count(".") == 1)
    before = driver.read_text(encoding="utf-8")
    assert "status: completed" in before and "model: claude-fake-1" in before
    head = git("rev-parse", "HEAD")
    again = run_chant("work", "001", env=agent_env, check=True)
    assert "already completed" in again.stdout
    assert driver.read_text(encoding="utf-8") == before
    assert git("rev-parse", "HEAD") == head


def test_live_view_ticks_and_shows_titles(chant_repo: Path, git: Git, agent_env: dict[str, str]) -> None:
    import pty

    _add(
        chant_repo,
        git,
        SPEC,
        "---\ntype: code\nstatus: pending\n---\n\n# Slow one\n\n## Acceptance Criteria\n\n- [ ] done\n",
    )
    env = {k: v for k, v in agent_env.items() if k != "NO_COLOR"}
    env.update({"TERM": "xterm-256color", "FAKE_SLEEP": "3.5"})
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [*CHANT_CMD, "work", "rdm"], cwd=chant_repo, env=env, stdin=slave, stdout=slave, stderr=slave
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    assert proc.wait(timeout=60) == 0
    os.close(master)
    screen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", b"".join(chunks).decode("utf-8", errors="replace"))
    assert f"{SPEC} (Slow one) - 0m 1s" in screen  # the running row's timer moved on its own
    assert f"{SPEC} (Slow one) - 0m 2s" in screen
    assert re.search(rf"\[✓\] {SPEC} \(Slow one\) - 0m [3-9]s", screen)
