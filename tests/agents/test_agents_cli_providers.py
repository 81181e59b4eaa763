from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from chant.agents import AGENT_NAMES, get_agent
from chant.agents.base import AgentRequest, UnknownAgentError

from .conftest import logged, write_script

FAKE_CODEX = """
import json, os, sys
prompt = sys.stdin.read()
open("seen.json", "w").write(json.dumps({"args": sys.argv[1:], "prompt": prompt}))
mode = os.environ.get("FAKE_MODE", "ok")
def emit(obj):
    print(json.dumps(obj), flush=True)
print("model: gpt-5-codex", file=sys.stderr, flush=True)
emit({"type": "thread.started", "thread_id": "0199a213-81c0"})
emit({"type": "turn.started"})
emit({"type": "item.completed", "item": {"id": "item_0", "type": "reasoning", "text": "**Planning**"}})
emit({"type": "item.started", "item": {"id": "item_1", "type": "command_execution",
      "command": "bash -lc ls", "aggregated_output": "", "status": "in_progress"}})
emit({"type": "item.completed", "item": {"id": "item_1", "type": "command_execution",
      "command": "bash -lc ls", "aggregated_output": "README.md\\nsrc\\n", "exit_code": 0, "status": "completed"}})
emit({"type": "item.completed", "item": {"id": "item_2", "type": "file_change",
      "changes": [{"path": "src/app.py", "kind": "update"}], "status": "completed"}})
emit({"type": "item.completed", "item": {"id": "item_3", "item_type": "assistant_message", "text": "Done."}})
if mode == "fail":
    emit({"type": "error", "message": "stream error: broken pipe"})
    emit({"type": "turn.failed", "error": {"message": "model response stream ended unexpectedly"}})
    sys.exit(1)
emit({"type": "turn.completed", "usage": {"input_tokens": 24763, "cached_input_tokens": 24448, "output_tokens": 122}})
"""

FAKE_GEMINI = """
import json, os, sys
prompt = sys.stdin.read()
open("seen.json", "w").write(json.dumps({"args": sys.argv[1:], "prompt": prompt}))
mode = os.environ.get("FAKE_MODE", "ok")
def emit(obj):
    print(json.dumps(obj), flush=True)
emit({"type": "init", "timestamp": "2025-10-10T12:00:00.000Z", "session_id": "g-1", "model": "gemini-2.5-pro"})
emit({"type": "message", "role": "user", "content": prompt})
emit({"type": "message", "role": "assistant", "content": "Looking at ", "delta": True})
emit({"type": "message", "role": "assistant", "content": "the files.\\nI will", "delta": True})
emit({"type": "tool_use", "tool_name": "run_shell_command", "tool_id": "t1", "parameters": {"command": "ls"}})
emit({"type": "tool_result", "tool_id": "t1", "status": "success", "output": "a.txt"})
emit({"type": "message", "role": "assistant", "content": "Next step ", "delta": True})
emit({"type": "message", "role": "assistant", "content": "done.", "delta": True})
if mode == "fail":
    emit({"type": "error", "severity": "error", "message": "quota"})
    emit({"type": "result", "status": "error", "error": {"type": "FatalError", "message": "quota exhausted"},
          "stats": {"total_tokens": 10, "input_tokens": 8, "output_tokens": 2}})
    sys.exit(1)
emit({"type": "result", "status": "success",
      "stats": {"total_tokens": 250, "input_tokens": 200, "output_tokens": 50, "duration_ms": 3000, "tool_calls": 1}})
"""


def test_codex_parses_events(make_request: Callable[..., AgentRequest], bin_dir: Path) -> None:
    write_script(bin_dir, "codex", FAKE_CODEX)
    request = make_request(prompt="fix it", model="gpt-5-codex")
    result = get_agent("codex").run(request)
    assert result.ok, result.error
    assert result.session_id == "0199a213-81c0"
    assert result.model == "gpt-5-codex"
    assert (result.input_tokens, result.output_tokens) == (24763, 122)
    assert result.output == "Done."
    seen = json.loads((request.worktree / "seen.json").read_text())
    assert seen == {
        "args": ["exec", "--json", "--full-auto", "--model", "gpt-5-codex", "-"],
        "prompt": "fix it",
    }
    lines = logged(request)
    assert "[tool] shell bash -lc ls" in lines
    assert "[tool result] exit=0 README.md src" in lines
    assert "[file] update src/app.py" in lines
    assert "[reasoning] **Planning**" in lines


def test_codex_model_from_stderr_header(make_request: Callable[..., AgentRequest], bin_dir: Path) -> None:
    write_script(bin_dir, "codex", FAKE_CODEX)
    assert get_agent("codex").run(make_request()).model == "gpt-5-codex"


def test_codex_turn_failed(make_request: Callable[..., AgentRequest], bin_dir: Path) -> None:
    write_script(bin_dir, "codex", FAKE_CODEX)
    request = make_request()
    request.env["FAKE_MODE"] = "fail"
    result = get_agent("codex").run(request)
    assert not result.ok and result.exit_code == 1
    assert result.error == "codex reported an error: model response stream ended unexpectedly"


def test_gemini_parses_stream_json(make_request: Callable[..., AgentRequest], bin_dir: Path) -> None:
    write_script(bin_dir, "gemini", FAKE_GEMINI)
    request = make_request(prompt="list files", model="gemini-2.5-pro")
    result = get_agent("gemini").run(request)
    assert result.ok, result.error
    assert result.model == "gemini-2.5-pro" and result.session_id == "g-1"
    assert (result.input_tokens, result.output_tokens) == (200, 50)
    assert result.output == "Looking at the files.\nI will\nNext step done."
    seen = json.loads((request.worktree / "seen.json").read_text())
    assert seen["args"] == ["--output-format", "stream-json", "--yolo", "--model", "gemini-2.5-pro"]
    assert seen["prompt"] == "list files"
    lines = logged(request)
    assert lines.index("I will") < lines.index('[tool] run_shell_command {"command": "ls"}')
    assert "[tool result] success a.txt" in lines
    assert "Next step done." in lines
    assert "list files" not in lines  # the echoed user message is not assistant output


def test_gemini_error_result(make_request: Callable[..., AgentRequest], bin_dir: Path) -> None:
    write_script(bin_dir, "gemini", FAKE_GEMINI)
    request = make_request()
    request.env["FAKE_MODE"] = "fail"
    result = get_agent("gemini").run(request)
    assert not result.ok
    assert result.error == "gemini reported an error: quota exhausted"


def test_command_agent_python_placeholder_and_chant_result(make_request: Callable[..., AgentRequest]) -> None:
    script = (
        "import json, os, sys\n"
        "prompt = sys.stdin.read()\n"
        "print('got', len(prompt), os.environ['CHANT_SPEC_ID'], sys.argv[1])\n"
        "print('progress', file=sys.stderr)\n"
        'print("CHANT_RESULT " + json.dumps({"model": "my-model", "cost_usd": 0.5, '
        '"input_tokens": 7, "output_tokens": 9}))\n'
    )
    request = make_request(prompt="hello", settings={"command": ["{python}", "-c", script, "{spec_id}"]})
    result = get_agent("command").run(request)
    assert result.ok, result.error
    assert result.model == "my-model" and result.cost_usd == 0.5
    assert (result.input_tokens, result.output_tokens) == (7, 9)
    assert result.output == "got 5 2026-01-01-001-abc 2026-01-01-001-abc"
    assert "[stderr] progress" in logged(request)


def test_command_agent_string_command_and_failure(make_request: Callable[..., AgentRequest]) -> None:
    request = make_request(
        model="fallback-model",
        settings={"command": "{python} -c 'import sys; print(\"oops\", file=sys.stderr); sys.exit(4)'"},
    )
    result = get_agent("command").run(request)
    assert not result.ok and result.exit_code == 4
    assert result.error == "agent exited with status 4: oops"
    assert result.model == "fallback-model"


def test_command_agent_without_command(make_request: Callable[..., AgentRequest]) -> None:
    result = get_agent("command").run(make_request())
    assert not result.ok and "settings 'command'" in (result.error or "")


def test_registry_knows_every_name() -> None:
    for name in AGENT_NAMES:
        assert get_agent(name).name == name
    assert get_agent(" Claude ").name == "claude"


def test_unknown_agent_lists_known_names() -> None:
    with pytest.raises(ValueError) as info:
        get_agent("gpt-engineer")
    assert isinstance(info.value, UnknownAgentError)
    assert all(name in str(info.value) for name in AGENT_NAMES)


def test_import_is_cheap() -> None:
    import subprocess

    code = "import sys, chant.agents; print(sorted(m for m in sys.modules if m.split('.')[0] in ('httpx2', 'httpx', 'json', 'chant')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "httpx2" not in out and "chant.agents.claude" not in out
