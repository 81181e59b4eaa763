"""The gemini provider against a fake ``gemini`` that behaves like Gemini CLI 0.61 headless."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from chant.agents import get_agent
from chant.agents.base import AgentRequest

from .conftest import logged, write_script

# Like the real CLI: an untrusted folder downgrades --yolo and exits 55 with a red (ANSI) message; with no
# --model the init event says "auto" and the models really used are only in result.stats.models.
FAKE_GEMINI = """
import json, os, sys
args = sys.argv[1:]
prompt = sys.stdin.read()
open("seen.json", "w").write(json.dumps({"args": args, "prompt": prompt,
     "trust": os.environ.get("GEMINI_CLI_TRUST_WORKSPACE"), "extra": os.environ.get("FAKE_EXTRA")}))
mode = os.environ.get("FAKE_MODE", "ok")
print("YOLO mode is enabled. All tool calls will be automatically approved.", file=sys.stderr, flush=True)
if os.environ.get("GEMINI_CLI_TRUST_WORKSPACE") != "true":
    print('Approval mode overridden to "default" because the current folder is not trusted.', file=sys.stderr)
    print("\\x1b[31mGemini CLI is not running in a trusted directory. To proceed, either use `--skip-trust`,"
          " set the `GEMINI_CLI_TRUST_WORKSPACE=true` environment variable, or trust this directory in"
          " interactive mode.\\x1b[0m", file=sys.stderr)
    sys.exit(55)
model = args[args.index("--model") + 1] if "--model" in args else "auto"
def emit(obj):
    print(json.dumps(obj), flush=True)
emit({"type": "init", "timestamp": "2026-02-01T10:00:00.000Z", "session_id": "g-1", "model": model})
emit({"type": "message", "role": "user", "content": prompt})
if mode == "401":
    error = '[API Error: {"error":{"code":401,"message":"API key not valid.","status":"UNAUTHENTICATED"}}]'
    zero = {"total_tokens": 0, "input_tokens": 0, "output_tokens": 0}
    emit({"type": "result", "status": "error", "error": {"type": "unknown", "message": error},
          "stats": {"total_tokens": 0, "input_tokens": 0, "output_tokens": 0,
                    "models": {"gemini-3.5-flash-lite": zero, "gemini-3.1-pro-preview": zero}}})
    sys.exit(1)
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
used = {"gemini-3.5-flash-lite": {"total_tokens": 12, "input_tokens": 10, "output_tokens": 2},
        "gemini-3.8-flash": {"total_tokens": 238, "input_tokens": 190, "output_tokens": 48}}
emit({"type": "result", "status": "success",
      "stats": {"total_tokens": 250, "input_tokens": 200, "output_tokens": 50, "duration_ms": 3000,
                "tool_calls": 1, "models": used if model == "auto" else {model: used["gemini-3.8-flash"]}}})
"""


@pytest.fixture
def gemini(bin_dir: Path) -> None:
    write_script(bin_dir, "gemini", FAKE_GEMINI)


def test_gemini_parses_stream_json(gemini: None, make_request: Callable[..., AgentRequest]) -> None:
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


def test_gemini_trusts_the_worktree_through_the_environment(
    gemini: None, make_request: Callable[..., AgentRequest]
) -> None:
    request = make_request()
    request.env.pop("GEMINI_CLI_TRUST_WORKSPACE", None)
    assert get_agent("gemini").run(request).ok
    assert json.loads((request.worktree / "seen.json").read_text())["trust"] == "true"
    assert "GEMINI_CLI_TRUST_WORKSPACE" not in request.env  # chant's own environment is left alone


def test_gemini_records_the_model_that_did_the_work_not_auto(
    gemini: None, make_request: Callable[..., AgentRequest]
) -> None:
    result = get_agent("gemini").run(make_request())
    assert result.ok, result.error
    assert result.model == "gemini-3.8-flash"  # the router (gemini-3.5-flash-lite) used fewer tokens


def test_gemini_untrusted_failure_has_no_escape_codes(
    gemini: None, make_request: Callable[..., AgentRequest]
) -> None:
    request = make_request(settings={"env": {"GEMINI_CLI_TRUST_WORKSPACE": "false"}})
    result = get_agent("gemini").run(request)
    assert not result.ok and result.exit_code == 55
    assert result.error is not None and "\x1b" not in result.error
    assert result.error.startswith(
        "agent exited with status 55: Gemini CLI is not running in a trusted directory. To proceed"
    )


def test_gemini_error_result(gemini: None, make_request: Callable[..., AgentRequest]) -> None:
    request = make_request()
    request.env["FAKE_MODE"] = "fail"
    result = get_agent("gemini").run(request)
    assert not result.ok
    assert result.error == "gemini reported an error: quota exhausted"


def test_gemini_rejected_key_is_named(gemini: None, make_request: Callable[..., AgentRequest]) -> None:
    request = make_request()
    request.env["FAKE_MODE"] = "401"
    result = get_agent("gemini").run(request)
    assert not result.ok
    assert result.error == (
        "authentication failed (HTTP 401): API key not valid. (UNAUTHENTICATED); check GEMINI_API_KEY"
        " (or the CLI's login)"
    )
    assert result.model is None  # no model did any work
