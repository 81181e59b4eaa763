"""The codex provider against a fake ``codex`` that prints what Codex CLI 0.171 prints under ``--json``."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from chant.agents import get_agent
from chant.agents.base import AgentRequest

from .conftest import logged, write_script

# Codex under --json: JSONL events on stdout, one warning on stderr, and the model only in the session's
# rollout file ($CODEX_HOME/sessions/YYYY/MM/DD/rollout-<time>-<thread id>.jsonl).
FAKE_CODEX = """
import json, os, sys, time
from pathlib import Path
args = sys.argv[1:]
prompt = sys.stdin.read()
open("seen.json", "w").write(json.dumps({"args": args, "prompt": prompt}))
mode = os.environ.get("FAKE_MODE", "ok")
if "--full-auto" in args:
    print("error: unexpected argument '--full-auto' found\\n\\n  tip: to pass '--full-auto' as a value, use"
          " '-- --full-auto'\\n\\nUsage: codex exec [OPTIONS] [PROMPT]\\n\\nFor more information, try '--help'.",
          file=sys.stderr)
    sys.exit(2)
home = Path(os.environ.get("CODEX_HOME") or Path(os.environ["HOME"]) / ".codex")
thread = "01a2358c-889b-7793-bd73-1d4f39b90f99"
model = args[args.index("--model") + 1] if "--model" in args else os.environ.get("FAKE_DEFAULT_MODEL", "")
if mode != "no-rollout":
    day = home / "sessions" / "2026" / "02" / "01"
    day.mkdir(parents=True, exist_ok=True)
    with open(day / f"rollout-2026-02-01T10-00-00-{thread}.jsonl", "w") as fh:
        fh.write(json.dumps({"type": "session_meta", "payload": {"id": thread}}) + "\\n")
        fh.write(json.dumps({"type": "turn_context", "payload": {"cwd": os.getcwd(), "model": model}}) + "\\n")
def emit(obj):
    print(json.dumps(obj), flush=True)
print('WARNING: proceeding, even though we could not create PATH aliases: Refusing to create helper'
      ' binaries under temporary dir "/tmp"', file=sys.stderr, flush=True)
emit({"type": "thread.started", "thread_id": thread})
emit({"type": "turn.started"})
if mode == "401":
    url = "http://127.0.0.1:9/v1/responses"
    for n in range(1, 6):
        emit({"type": "error", "message": f"Reconnecting... {n}/5 (unexpected status 401 Unauthorized:"
              f" Incorrect API key provided, url: {url})"})
        time.sleep(30)
    emit({"type": "turn.failed", "error": {"message": f"unexpected status 401 Unauthorized: url: {url}"}})
    sys.exit(1)
emit({"type": "item.completed", "item": {"id": "item_0", "type": "reasoning", "text": "**Planning**"}})
cmd = "/bin/bash -lc ls"
emit({"type": "item.started", "item": {"id": "item_1", "type": "command_execution", "command": cmd,
      "aggregated_output": "", "exit_code": None, "status": "in_progress"}})
emit({"type": "item.completed", "item": {"id": "item_1", "type": "command_execution", "command": cmd,
      "aggregated_output": "README.md\\nsrc\\n", "exit_code": 0, "status": "completed"}})
emit({"type": "item.completed", "item": {"id": "item_2", "type": "file_change",
      "changes": [{"path": "src/app.py", "kind": "update"}], "status": "completed"}})
emit({"type": "item.completed", "item": {"id": "item_3", "type": "agent_message", "text": "Done."}})
if mode == "fail":
    emit({"type": "error", "message": "stream error: broken pipe"})
    emit({"type": "turn.failed", "error": {"message": "model response stream ended unexpectedly"}})
    sys.exit(1)
emit({"type": "turn.completed", "usage": {"input_tokens": 24763, "cached_input_tokens": 24448,
      "cache_write_input_tokens": 0, "output_tokens": 122, "reasoning_output_tokens": 0}})
"""


@pytest.fixture
def codex(bin_dir: Path) -> None:
    write_script(bin_dir, "codex", FAKE_CODEX)


def _home(request: AgentRequest, tmp_path: Path) -> Path:
    home = tmp_path / "home"
    request.env["HOME"] = str(home)
    request.env.pop("CODEX_HOME", None)
    return home


def test_codex_bypasses_its_sandbox_and_parses_events(
    codex: None, make_request: Callable[..., AgentRequest], tmp_path: Path
) -> None:
    request = make_request(prompt="fix it", model="gpt-5-codex")
    _home(request, tmp_path)
    result = get_agent("codex").run(request)
    assert result.ok, result.error
    assert result.session_id == "01a2358c-889b-7793-bd73-1d4f39b90f99"
    assert result.model == "gpt-5-codex"
    assert (result.input_tokens, result.output_tokens) == (24763, 122)
    assert result.output == "Done."
    seen = json.loads((request.worktree / "seen.json").read_text())
    assert seen == {
        "args": [
            "exec",
            "--json",
            "--dangerously-bypass-approvals-and-sandbox",
            "--model",
            "gpt-5-codex",
            "-",
        ],
        "prompt": "fix it",
    }
    lines = logged(request)
    assert "[chant] codex --version: 9.9.9 (fake)" in lines
    assert "[tool] shell /bin/bash -lc ls" in lines
    assert "[tool result] exit=0 README.md src" in lines
    assert "[file] update src/app.py" in lines
    assert "[reasoning] **Planning**" in lines


def test_codex_model_from_the_session_rollout(
    codex: None, make_request: Callable[..., AgentRequest], tmp_path: Path
) -> None:
    request = make_request()
    _home(request, tmp_path)
    request.env["FAKE_DEFAULT_MODEL"] = "gpt-6.2-sol"
    result = get_agent("codex").run(request)
    assert result.ok, result.error
    assert result.model == "gpt-6.2-sol"


def test_codex_model_from_codex_home_config(
    codex: None, make_request: Callable[..., AgentRequest], tmp_path: Path
) -> None:
    request = make_request()
    request.env["CODEX_HOME"] = str(tmp_path / "codex-home")
    (tmp_path / "codex-home").mkdir()
    (tmp_path / "codex-home" / "config.toml").write_text(
        'model = "o9-mini"\n[model_providers.x]\nname = "x"\n'
    )
    request.env["FAKE_MODE"] = "no-rollout"
    result = get_agent("codex").run(request)
    assert result.ok, result.error
    assert result.model == "o9-mini"


def test_codex_sandbox_setting(
    codex: None, make_request: Callable[..., AgentRequest], tmp_path: Path
) -> None:
    request = make_request(settings={"sandbox": "workspace-write"})
    _home(request, tmp_path)
    assert get_agent("codex").run(request).ok
    seen = json.loads((request.worktree / "seen.json").read_text())
    assert seen["args"] == ["exec", "--json", "--sandbox", "workspace-write", "-"]


def test_codex_unknown_sandbox_is_a_clear_error(
    codex: None, make_request: Callable[..., AgentRequest]
) -> None:
    request = make_request(settings={"sandbox": "full-auto"})
    result = get_agent("codex").run(request)
    assert not result.ok and result.exit_code is None
    assert result.error == (
        "agents.codex.sandbox in .chant/config.md must be one of read-only, workspace-write,"
        " danger-full-access (got 'full-auto')"
    )
    assert not (request.worktree / "seen.json").exists()


def test_codex_turn_failed(codex: None, make_request: Callable[..., AgentRequest], tmp_path: Path) -> None:
    request = make_request()
    _home(request, tmp_path)
    request.env["FAKE_MODE"] = "fail"
    result = get_agent("codex").run(request)
    assert not result.ok and result.exit_code == 1
    assert result.error == "codex reported an error: model response stream ended unexpectedly"


def test_codex_rejected_key_stops_at_the_first_reconnect(
    codex: None, make_request: Callable[..., AgentRequest], tmp_path: Path
) -> None:
    request = make_request()
    _home(request, tmp_path)
    request.env["FAKE_MODE"] = "401"
    start = time.monotonic()
    result = get_agent("codex").run(request)
    assert time.monotonic() - start < 15  # the fake waits 30 s between reconnects
    assert not result.ok and not result.cancelled and not result.timed_out
    assert result.error is not None
    assert result.error.startswith(
        "authentication failed (HTTP 401): unexpected status 401 Unauthorized: Incorrect API key provided"
    )
    assert "OPENAI_API_KEY" in result.error
    assert any(
        line.startswith("[chant] stopping the agent: authentication failed") for line in logged(request)
    )


def test_a_removed_flag_reports_the_cli_error_line_not_the_last_line(
    codex: None, make_request: Callable[..., AgentRequest]
) -> None:
    request = make_request(settings={"extra_args": ["--full-auto"]})
    result = get_agent("codex").run(request)
    assert not result.ok and result.exit_code == 2
    assert result.error == "agent exited with status 2: error: unexpected argument '--full-auto' found"
