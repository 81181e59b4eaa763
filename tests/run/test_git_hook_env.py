"""chant started by git itself: from a hook, git hands its children ``GIT_DIR`` (in a linked worktree) and
``GIT_INDEX_FILE``. Those must not leak into the git calls chant makes in its own worktrees, nor into the
agent's ``git commit`` (tests/conftest.py scrubs every ``GIT_*`` variable, so only a real hook shows it).
"""

from __future__ import annotations

import shlex
import stat
import sys
from pathlib import Path

from tests.conftest import CHANT_CMD, run_chant_raw, run_git
from tests.lifecycle.command_agent import TICK_AND_COMMIT, install

SPEC_ID = "2026-02-01-001-hok"
SPEC = """---
type: code
status: pending
---
# Written from a hook

## Acceptance Criteria

- [ ] the agent committed
"""


def _chant_project(root: Path, env: dict[str, str]) -> None:
    """A second repository with chant, one spec and a command agent that ticks and commits."""
    root.mkdir(parents=True)
    run_git("init", "-q", "-b", "main", cwd=root, env=env)
    (root / "README.md").write_text("# project\n", encoding="utf-8")
    run_chant_raw("init", cwd=root, env=env, check=True)
    specs = root / ".chant" / "specs"
    install(root, TICK_AND_COMMIT.replace("{python}", sys.executable), "hooked")
    config = root / ".chant" / "config.md"
    config.write_text(config.read_text().replace("{python}", sys.executable), encoding="utf-8")
    (specs / f"{SPEC_ID}.md").write_text(SPEC, encoding="utf-8")
    run_git("add", "-A", cwd=root, env=env)
    run_git("commit", "-q", "-m", "project", cwd=root, env=env)


def _hook(outer: Path, project: Path, log: Path) -> None:
    chant = " ".join(shlex.quote(part) for part in CHANT_CMD)
    script = f"""#!/bin/sh
set -e
env | grep '^GIT_' | sort > {shlex.quote(str(log))}.env
cd {shlex.quote(str(project))}
{chant} lint > {shlex.quote(str(log))} 2>&1
{chant} work {SPEC_ID} >> {shlex.quote(str(log))} 2>&1
"""
    hook = outer / ".git" / "hooks" / "pre-commit"
    hook.write_text(script, encoding="utf-8")
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR)


def test_work_and_lint_from_a_pre_commit_hook_in_a_linked_worktree(
    tmp_path: Path, chant_env: dict[str, str]
) -> None:
    env = dict(chant_env)
    project = tmp_path / "project"
    _chant_project(project, env)

    # The outer repository, committed to from a linked worktree: git sets GIT_DIR and GIT_INDEX_FILE.
    outer = tmp_path / "outer"
    outer.mkdir()
    run_git("init", "-q", "-b", "main", cwd=outer, env=env)
    run_git("commit", "-q", "--allow-empty", "-m", "outer", cwd=outer, env=env)
    linked = tmp_path / "outer-linked"
    run_git("worktree", "add", "-q", "-b", "feature", str(linked), cwd=outer, env=env)
    log = tmp_path / "hook.log"
    _hook(outer, project, log)
    outer_before = run_git("rev-parse", "main", cwd=outer, env=env).strip()

    (linked / "file.txt").write_text("x\n", encoding="utf-8")
    run_git("add", "file.txt", cwd=linked, env=env)
    run_git("commit", "-q", "-m", "user's commit", cwd=linked, env=env)
    hook_env = (tmp_path / "hook.log.env").read_text(encoding="utf-8")
    assert "GIT_DIR=" in hook_env and "GIT_INDEX_FILE=" in hook_env, hook_env  # the hazard is real
    output = log.read_text(encoding="utf-8")
    assert "1 spec(s) checked: 0 error(s)" in output and f"[✓] {SPEC_ID}" in output, output

    # chant worked on its own repository: the spec completed and its branch was merged into main.
    spec_text = run_git("show", f"main:.chant/specs/{SPEC_ID}.md", cwd=project, env=env)
    assert "status: completed" in spec_text, output
    subjects = run_git("log", "--format=%s", "main", cwd=project, env=env)
    assert f"chant({SPEC_ID}): work" in subjects
    # ... and never touched the repository whose hook ran it.
    assert run_git("rev-parse", "main", cwd=outer, env=env).strip() == outer_before
    outer_branches = run_git("branch", "--list", "chant/*", cwd=outer, env=env)
    assert outer_branches.strip() == ""
    assert f"chant({SPEC_ID})" not in run_git("log", "--all", "--format=%s", cwd=outer, env=env)
    # The user's own commit in the linked worktree went through with the hook.
    assert "user's commit" in run_git("log", "-1", "--format=%s", "feature", cwd=outer, env=env)
