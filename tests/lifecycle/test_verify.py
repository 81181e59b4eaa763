"""`chant verify`: backticked commands, target files, agent PASS/FAIL/SKIP answers, --no-agent, recording."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from tests.lifecycle import command_agent

from chant.verify import commands_in, parse_answers

AGENT = """\
import os, pathlib, sys
prompt = sys.stdin.read()
pathlib.Path("verify-prompt.txt").write_text(prompt)
pathlib.Path("verify-model.txt").write_text(os.environ.get("CHANT_MODEL", "(none)"))
print("Checked the repository.")
print("```")
print("PASS: The README explains the project")
print("- **FAIL**: The API docs list `get_user` — docs/api.md does not mention get_user")
print("```")
print("SKIP: Latency stays under 100 ms -- needs production traffic")
"""

SPEC = """---
type: documentation
status: completed
completed_at: 2026-01-30T10:00:00Z
target_files:
  - docs/api.md
  - docs/missing.md
---

# Document the API

## Acceptance Criteria

- [x] `test -f docs/api.md` succeeds
- [x] `sh -c 'echo broken >&2; exit 3'` passes
- [x] The README explains the project
- [x] The API docs list `get_user`
- [x] Latency stays under 100 ms
"""

GREEN = """---
type: code
status: completed
completed_at: 2026-01-30T10:00:00Z
target_files:
  - docs/api.md
---

# Green

## Acceptance Criteria

- [x] `true` exits 0
- [x] `grep -q API docs/api.md` succeeds
"""

DOC = "2026-01-30-001-doc"
OK = "2026-01-30-002-ok"
TODO = "2026-01-30-003-todo"


@pytest.fixture
def repo(chant_repo: Path, git: Any) -> Path:
    root = chant_repo
    command_agent.install(root, AGENT, "verified", prompt=None)
    (root / "docs").mkdir()
    (root / "docs/api.md").write_text("# API\n")
    specs = root / ".chant/specs"
    (specs / f"{DOC}.md").write_text(SPEC)
    (specs / f"{OK}.md").write_text(GREEN)
    (specs / f"{TODO}.md").write_text("---\nstatus: pending\n---\n\n# Later\n")
    (root / ".gitignore").write_text("verify-prompt.txt\nverify-model.txt\n")
    git("add", "-A")
    git("commit", "-qm", "specs")
    return root


@pytest.mark.parametrize(
    ("recorded", "expected"),
    [
        ("model: big-model-1\n", "big-model-1"),
        ("model: auto-completed\n", "config-model"),
        ("", "config-model"),
    ],
)
def test_the_agent_answers_with_the_model_that_did_the_work(
    repo: Path, run_chant: Any, git: Any, recorded: str, expected: str
) -> None:
    # verify built its own agent request and ignored the spec's model: (issue 16 item 2); now the one
    # request builder (run/invoke.py) picks it, as a run does, else agents.<name>.model
    config = repo / ".chant/config.md"
    config.write_text(config.read_text().replace("  command:\n", "  command:\n    model: config-model\n"))
    (repo / ".chant/specs" / f"{DOC}.md").write_text(
        SPEC.replace("type: documentation\n", f"type: documentation\n{recorded}")
    )
    git("commit", "-qam", "model")
    run_chant("verify", DOC)
    assert (repo / "verify-model.txt").read_text() == expected


def test_commands_targets_and_agent(repo: Path, run_chant: Any, git: Any) -> None:
    proc = run_chant("verify", DOC, "--exit-code", "--run-commands")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout
    assert f"{DOC} (Document the API): FAILED" in out
    lines = out.splitlines()
    assert any(line.startswith("  PASS         command  `test -f docs/api.md` succeeds") for line in lines)
    assert "`sh -c 'echo broken >&2; exit 3'` exited 3: broken" in out
    assert any(line.startswith("  PASS         agent    The README explains the project") for line in lines)
    assert "docs/api.md does not mention get_user" in out
    assert any(line.startswith("  SKIP         agent    Latency stays under 100 ms") for line in lines)
    assert "needs production traffic" in out
    assert any(line.startswith("  FAIL         target   target docs/missing.md exists") for line in lines)
    # only the criteria no command could check went to the agent
    prompt = (repo / "verify-prompt.txt").read_text()
    criteria_part = prompt.split("Criteria to check:")[1]
    assert "The README explains the project" in criteria_part and "test -f" not in criteria_part

    text = (repo / ".chant/specs" / f"{DOC}.md").read_text()
    assert "verification_status: failed" in text
    assert "last_verified: '2026-02-01T10:00:00Z'" in text or "last_verified: 2026-02-01T10:00:00Z" in text
    assert "verification_failures:" in text and "docs/missing.md" in text
    assert "status: completed" in text
    assert git("status", "--porcelain", "--", ".chant/specs") == ""  # recorded and committed
    assert "verify (failed)" in git("log", "-1", "--format=%s")


def test_no_agent_all_and_json(repo: Path, run_chant: Any) -> None:
    out = run_chant(
        "verify", "--no-agent", "--run-commands", check=True
    ).stdout  # no ID: every completed spec
    assert f"{DOC} (Document the API): FAILED" in out
    assert f"{OK} (Green): PASSED" in out
    assert TODO not in out
    assert re.search(r"NOT CHECKED  none     The README explains the project +--no-agent", out)
    assert "Verified 2 spec(s): 1 passed, 1 failed" in out
    assert not (repo / "verify-prompt.txt").exists()

    _enable_commands_in_config(repo)
    data = json.loads(run_chant("verify", OK, "--json", "--exit-code", check=True).stdout)
    assert data["schema"] == 1
    assert data["commands_run"] is True
    assert data["specs"][0]["status"] == "passed"
    assert [r["status"] for r in data["specs"][0]["results"]] == ["passed", "passed", "passed"]
    assert "verification_status: passed" in (repo / ".chant/specs" / f"{OK}.md").read_text()


def test_partial_and_timeout(repo: Path, run_chant: Any, git: Any) -> None:
    spec = repo / ".chant/specs" / f"{OK}.md"
    spec.write_text(spec.read_text().replace("- [x] `true` exits 0", "- [x] `sleep 5` runs\n- [x] prose"))
    out = run_chant("verify", OK, "--no-agent", "--timeout", "0.5", "--run-commands").stdout
    assert "`sleep 5` timed out after 0.5s" in out
    spec.write_text(spec.read_text().replace("`sleep 5` runs", "`true` works"))
    run_chant("verify", OK, "--no-agent", "--run-commands", check=True)
    assert "verification_status: partial" in spec.read_text()
    assert "verification_failures" not in spec.read_text()


def _enable_commands_in_config(repo: Path) -> None:
    config = repo / ".chant/config.md"
    text = config.read_text()
    head, sep, rest = text.rpartition("---\n")
    config.write_text(f"{head}verify:\n  run_commands: true\n{sep}{rest}")


PWNED_SPEC = """---
type: code
status: completed
completed_at: 2026-01-30T10:00:00Z
---

# Innocent-looking spec from a pull request

## Acceptance Criteria

- [x] `touch PWNED` passes
"""


def test_spec_commands_run_only_when_the_user_asks(repo: Path, run_chant: Any, git: Any) -> None:
    """issue 10's must-show: `verify --no-agent` on ``- [x] `touch PWNED` passes`` creates no file unless
    --run-commands (or verify.run_commands: true)."""
    pwned = "2026-01-30-004-pwn"
    (repo / ".chant/specs" / f"{pwned}.md").write_text(PWNED_SPEC)
    git("add", "-A")
    git("commit", "-qm", "a spec from a pull request")

    out = run_chant("verify", pwned, "--no-agent", check=True).stdout
    assert not (repo / "PWNED").exists()
    assert re.search(r"NOT CHECKED  command  `touch PWNED` passes +commands disabled", out), out
    assert "`chant verify --run-commands` runs them" in out
    assert "verification_status: partial" in (repo / ".chant/specs" / f"{pwned}.md").read_text()
    data = json.loads(run_chant("verify", pwned, "--no-agent", "--json", check=True).stdout)
    assert data["commands_run"] is False
    assert data["specs"][0]["results"][0]["status"] == "not checked"
    assert not (repo / "PWNED").exists()

    # verify.run_commands must be exactly `true`: a string is a config error, not an opt-in
    config = repo / ".chant/config.md"
    original = config.read_text()
    config.write_text(original.replace("agents:", "verify:\n  run_commands: 'yes'\nagents:"))
    run_chant("verify", pwned, "--no-agent", check=True)
    assert not (repo / "PWNED").exists()
    lint = run_chant("lint", check=False)
    assert "'verify.run_commands' must be true or false" in lint.stdout

    config.write_text(original)
    run_chant("verify", pwned, "--no-agent", "--run-commands", check=True)
    assert (repo / "PWNED").exists()
    (repo / "PWNED").unlink()
    _enable_commands_in_config(repo)
    run_chant("verify", pwned, "--no-agent", check=True)
    assert (repo / "PWNED").exists()


def test_errors(repo: Path, run_chant: Any) -> None:
    missing = run_chant("verify", "nope-nope", check=False)
    assert "not found" in missing.stderr.lower()
    pending = run_chant("verify", TODO, check=False)
    assert "is pending; only completed specs can be verified" in pending.stderr


def test_commands_in_tells_commands_from_paths(tmp_path: Path) -> None:
    assert commands_in("`docs/api.md` exists and `make` passes", tmp_path) == ["make"]
    assert commands_in("`python -m pytest -q` succeeds; see `src/app.py`", tmp_path) == [
        "python -m pytest -q"
    ]
    assert commands_in("the `id` field is unique", tmp_path) == []  # `id` is a program, but no command talk
    script = tmp_path / "check.sh"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    assert commands_in("`./check.sh --fast` exits 0", tmp_path) == ["./check.sh --fast"]
    assert commands_in("no commands here", tmp_path) == []


def test_parse_answers() -> None:
    criteria = ["All 5 modules documented", "Every doc cites a source location", "A data-flow diagram"]
    output = (
        "```text\n"
        "PASS: All 5 modules documented\n"
        "FAIL: Every doc cites a source location — decisions.md cites nothing\n"
        "```\n"
        "1. SKIP: a data-flow diagram: cannot render\n"
    )
    assert parse_answers(output, criteria) == {
        "All 5 modules documented": ("passed", ""),
        "Every doc cites a source location": ("failed", "decisions.md cites nothing"),
        "A data-flow diagram": ("skipped", "cannot render"),
    }
    # answers that paraphrase the criteria are matched in order
    assert parse_answers("PASS: modules ok\nFAIL: citations missing", criteria[:2]) == {
        "All 5 modules documented": ("passed", "modules ok"),
        "Every doc cites a source location": ("failed", "citations missing"),
    }
