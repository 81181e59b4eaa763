from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from chant.agents import get_agent
from chant.agents.base import AgentRequest
from chant.agents.claude import ClaudeAgent

from .conftest import logged, write_script

# What Claude Code 2.x prints with -p --output-format stream-json --verbose: the init event names the model
# with a context suffix ("[1m]"), the assistant messages carry the API model id. As root it refuses
# --dangerously-skip-permissions unless IS_SANDBOX=1; on a rejected key it reports api_retry events.
FAKE_CLAUDE = """
import json, os, sys, time
prompt = sys.stdin.read()
args = sys.argv[1:]
open(os.path.join(os.getcwd(), "seen.json"), "w").write(json.dumps({"args": args, "prompt": prompt}))
mode = os.environ.get("FAKE_MODE", "ok")
if mode == "root" and os.environ.get("IS_SANDBOX") != "1":
    print("--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons",
          file=sys.stderr)
    sys.exit(1)
def emit(obj):
    print(json.dumps(obj), flush=True)
print("Warning: some non-JSON banner", flush=True)
emit({"type": "system", "subtype": "init", "session_id": "sess-42", "model": "claude-opus-4-8[1m]",
      "cwd": os.getcwd(), "tools": ["Bash", "Edit"], "claude_code_version": "2.1.332"})
if mode in ("401", "529"):
    status, error = (401, "authentication_failed") if mode == "401" else (529, "overloaded_error")
    for attempt in range(1, 11):
        emit({"type": "system", "subtype": "api_retry", "attempt": attempt, "max_retries": 10,
              "retry_delay_ms": 600 * 2 ** attempt, "error_status": status, "error": error,
              "session_id": "sess-42"})
        time.sleep(0.5 if attempt == 1 else 30)
    sys.exit(1)
emit({"type": "assistant", "message": {"model": "claude-opus-4-8", "content": [
    {"type": "text", "text": "I will create the file.\\nThen commit."},
    {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "echo hi > out.txt"}}]}})
emit({"type": "user", "message": {"role": "user", "content": [
    {"type": "tool_result", "tool_use_id": "toolu_1", "content": [{"type": "text", "text": "done " + "x" * 500}]}]}})
emit({"type": "assistant", "message": {"model": "claude-opus-4-8", "content": [{"type": "text", "text": "All done."}]}})
print("stderr noise", file=sys.stderr, flush=True)
is_error = mode == "is_error"
emit({"type": "result", "subtype": "error_during_execution" if is_error else "success", "is_error": is_error,
      "duration_ms": 1234, "num_turns": 3, "result": "Quota exceeded" if is_error else "All done.",
      "session_id": "sess-42", "total_cost_usd": 0.0123,
      "usage": {"input_tokens": 1500, "cache_read_input_tokens": 10, "output_tokens": 321}})
if mode == "exit3":
    print("fatal: boom", file=sys.stderr)
    sys.exit(3)
"""


def _setup(bin_dir: Path) -> None:
    write_script(bin_dir, "claude", FAKE_CLAUDE)


def test_parses_stream_json(make_request: Callable[..., AgentRequest], bin_dir: Path) -> None:
    _setup(bin_dir)
    request = make_request(prompt="Build the thing\nwith two lines", model="sonnet")
    result = get_agent("claude").run(request)
    assert result.ok, result.error
    assert result.exit_code == 0
    assert result.model == "claude-opus-4-8"  # the API model id, not the CLI's "claude-opus-4-8[1m]"
    assert result.session_id == "sess-42"
    assert result.cost_usd == 0.0123
    assert (result.input_tokens, result.output_tokens) == (1500, 321)
    assert result.output == "I will create the file.\nThen commit.\nAll done."
    seen = json.loads((request.worktree / "seen.json").read_text())
    assert seen["prompt"] == "Build the thing\nwith two lines"
    assert seen["args"] == [
        "-p",
        "--output-format",
        "stream-json",
        "--verbose",
        "--dangerously-skip-permissions",
        "--model",
        "sonnet",
    ]
    lines = logged(request)
    assert "[chant] claude --version: 9.9.9 (fake)" in lines
    assert "Warning: some non-JSON banner" in lines
    assert "I will create the file." in lines and "Then commit." in lines
    assert '[tool] Bash {"command": "echo hi > out.txt"}' in lines
    result_line = next(line for line in lines if line.startswith("[tool result]"))
    assert result_line.startswith("[tool result] done xxx") and len(result_line) < 230
    assert "[stderr] stderr noise" in lines
    assert any(line.startswith("[result] success turns=3") for line in lines)


def test_is_error_with_exit_zero_is_a_failure(
    make_request: Callable[..., AgentRequest], bin_dir: Path
) -> None:
    _setup(bin_dir)
    request = make_request()
    request.env["FAKE_MODE"] = "is_error"
    result = get_agent("claude").run(request)
    assert not result.ok
    assert result.exit_code == 0
    assert result.error and "Quota exceeded" in result.error and "\n" not in result.error
    assert result.cost_usd == 0.0123


def test_nonzero_exit_is_a_failure_with_stderr(
    make_request: Callable[..., AgentRequest], bin_dir: Path
) -> None:
    _setup(bin_dir)
    request = make_request()
    request.env["FAKE_MODE"] = "exit3"
    result = get_agent("claude").run(request)
    assert not result.ok and result.exit_code == 3
    assert result.error == "agent exited with status 3: fatal: boom"


def test_command_setting_and_no_model_flag(make_request: Callable[..., AgentRequest], tmp_path: Path) -> None:
    script = write_script(tmp_path, "my-claude-wrapper", FAKE_CLAUDE)
    request = make_request(settings={"command": [str(script)]})
    result = get_agent("claude").run(request)
    assert result.ok
    seen = json.loads((request.worktree / "seen.json").read_text())
    assert "--model" not in seen["args"]


def test_missing_claude_binary(make_request: Callable[..., AgentRequest]) -> None:
    request = make_request(settings={"command": ["no-such-claude-binary"]})
    result = get_agent("claude").run(request)
    assert not result.ok and result.exit_code is None
    assert result.error == "agent command not found: no-such-claude-binary"


def test_timeout_reports_timed_out(make_request: Callable[..., AgentRequest], bin_dir: Path) -> None:
    write_script(
        bin_dir, "claude", "import sys, time\nsys.stdin.read()\nprint('{}', flush=True)\ntime.sleep(100)\n"
    )
    result = get_agent("claude").run(make_request(timeout=0.5))
    assert result.timed_out and not result.ok
    assert result.error == "agent timed out after 0.5s"


def test_huge_output_is_capped_keeping_the_tail(
    make_request: Callable[..., AgentRequest], bin_dir: Path
) -> None:
    write_script(
        bin_dir,
        "claude",
        """
        import json, sys
        sys.stdin.read()
        for i in range(3000):
            text = f"line {i} " + "🎉" * 10
            print(json.dumps({"type": "assistant", "message": {"content": [{"type": "text", "text": text}]}}))
        print(json.dumps({"type": "result", "subtype": "success", "is_error": False}))
        """,
    )
    result = get_agent("claude").run(make_request())
    assert result.ok
    assert len(result.output.encode()) <= 20_000
    assert result.output.endswith("line 2999 " + "🎉" * 10)


def test_cancel_stops_the_agent(make_request: Callable[..., AgentRequest], bin_dir: Path) -> None:
    import threading
    import time

    write_script(bin_dir, "claude", "import sys, time\nsys.stdin.read()\ntime.sleep(100)\n")
    request = make_request(settings={"extra_args": ["--append-system-prompt", "be brief"]})
    threading.Timer(0.3, request.cancel.set).start()
    start = time.monotonic()
    result = get_agent("claude").run(request)
    assert result.cancelled and not result.ok and result.error == "agent cancelled"
    assert time.monotonic() - start < 3
    assert ClaudeAgent().build_argv(request)[-2:] == ["--append-system-prompt", "be brief"]


def test_model_suffix_is_stripped_when_only_the_init_event_names_it(
    make_request: Callable[..., AgentRequest], bin_dir: Path
) -> None:
    write_script(
        bin_dir,
        "claude",
        """
        import json, sys
        sys.stdin.read()
        print(json.dumps({"type": "system", "subtype": "init", "model": "claude-opus-4-8[1m]"}))
        print(json.dumps({"type": "result", "subtype": "success", "is_error": False, "result": "ok"}))
        """,
    )
    assert get_agent("claude").run(make_request()).model == "claude-opus-4-8"


def test_root_refusal_names_the_opt_in(make_request: Callable[..., AgentRequest], bin_dir: Path) -> None:
    _setup(bin_dir)
    request = make_request()
    request.env["FAKE_MODE"] = "root"
    request.env.pop("IS_SANDBOX", None)
    result = get_agent("claude").run(request)
    assert not result.ok and result.exit_code == 1
    assert result.error == (
        "agent exited with status 1: --dangerously-skip-permissions cannot be used with root/sudo privileges"
        " for security reasons; inside a sandbox (container, CI) opt in with `agents: {claude: {env:"
        ' {IS_SANDBOX: "1"}}}` in .chant/config.md, or run chant as a non-root user'
    )
    assert "IS_SANDBOX" not in request.env  # never set silently


def test_root_opt_in_through_the_env_setting(
    make_request: Callable[..., AgentRequest], bin_dir: Path
) -> None:
    _setup(bin_dir)
    request = make_request(settings={"env": {"IS_SANDBOX": "1"}})
    request.env["FAKE_MODE"] = "root"
    result = get_agent("claude").run(request)
    assert result.ok, result.error


def test_rejected_key_stops_claude_at_the_first_retry(
    make_request: Callable[..., AgentRequest], bin_dir: Path
) -> None:
    import time

    _setup(bin_dir)
    request = make_request(timeout=60.0)
    request.env["FAKE_MODE"] = "401"
    start = time.monotonic()
    result = get_agent("claude").run(request)
    assert time.monotonic() - start < 15  # unstopped, the fake would retry for minutes
    assert not result.ok and not result.cancelled and not result.timed_out
    assert result.error == (
        "authentication failed (HTTP 401 authentication_failed): the API rejected Claude Code's credentials"
        " (retry 1/10); check ANTHROPIC_API_KEY or `claude auth`"
    )
    assert "[api retry] attempt 1/10, HTTP 401 authentication_failed, next in 1.2s" in logged(request)


def test_timeout_names_the_last_api_retry(make_request: Callable[..., AgentRequest], bin_dir: Path) -> None:
    _setup(bin_dir)
    request = make_request(timeout=3.0)
    request.env["FAKE_MODE"] = "529"
    result = get_agent("claude").run(request)
    assert result.timed_out and not result.ok
    assert result.error == (
        "agent timed out after 3s; the last API retry: attempt 2/10, HTTP 529 overloaded_error"
    )


def test_an_invalid_key_result_is_named_as_an_authentication_failure(
    make_request: Callable[..., AgentRequest], bin_dir: Path
) -> None:
    # What Claude Code ends with once its retries are spent (when nothing stopped it earlier).
    write_script(
        bin_dir,
        "claude",
        """
        import json, sys
        sys.stdin.read()
        print(json.dumps({"type": "assistant", "message": {"model": "<synthetic>", "content": [
            {"type": "text", "text": "Invalid API key \u00b7 Fix external API key"}]}}))
        print(json.dumps({"type": "result", "subtype": "success", "is_error": True,
                          "result": "Invalid API key \u00b7 Fix external API key"}))
        sys.exit(1)
        """,
    )
    result = get_agent("claude").run(make_request())
    assert result.error == (
        "authentication failed: Invalid API key \u00b7 Fix external API key; check ANTHROPIC_API_KEY or `claude auth`"
    )
    assert result.model is None  # "<synthetic>" is not a model
