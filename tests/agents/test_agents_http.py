from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

from chant.agents import get_agent
from chant.agents.base import AgentRequest

from .conftest import logged
from .fake_llm import FakeLLM, Reply, ollama_reply, openai_reply, serve

FAST = {"retry_delay": 0.01, "max_retries": 3}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_openai_loop_writes_files_retries_and_refuses_escapes(
    make_request: Callable[..., AgentRequest], tmp_path: Path
) -> None:
    script = [
        Reply({"error": {"message": "rate limited"}}, status=429),
        openai_reply(
            "Writing the file.",
            [
                ("write_file", {"path": "hello.txt", "content": "hi\n"}),
                ("run_command", {"command": "cat hello.txt > copy.txt && echo copied"}),
            ],
        ),
        openai_reply(
            None,
            [
                ("write_file", {"path": "../outside.txt", "content": "escape"}),
                ("write_file", {"path": "/etc/passwd", "content": "root::0:0"}),
                ("read_file", "{not json"),
            ],
        ),
        openai_reply("All finished.", model="gpt-fake-2024-01-01"),
    ]
    with serve(FakeLLM(script)) as fake:
        request = make_request(
            prompt="make hello.txt",
            model="gpt-fake",
            settings={"base_url": fake.url + "/v1", "api_key_env": "FAKE_KEY", **FAST},
        )
        request.env["FAKE_KEY"] = "sk-test-123"
        result = get_agent("openai").run(request)

    assert result.ok, result.error
    assert result.model == "gpt-fake-2024-01-01"
    assert (result.input_tokens, result.output_tokens) == (300, 30)  # the 429 carried no usage
    assert result.output == "Writing the file.\nAll finished."
    assert (request.worktree / "hello.txt").read_text() == "hi\n"
    assert (request.worktree / "copy.txt").read_text() == "hi\n"
    assert not (tmp_path / "outside.txt").exists()
    assert "root::0:0" not in Path("/etc/passwd").read_text()

    assert len(fake.seen) == 4  # one 429, then three successful turns
    first = fake.seen[0]
    assert first.path == "/v1/chat/completions"
    assert first.headers["authorization"] == "Bearer sk-test-123"
    assert first.body["model"] == "gpt-fake"
    assert [t["function"]["name"] for t in first.body["tools"]][:2] == ["read_file", "write_file"]
    assert first.body["messages"][-1] == {"role": "user", "content": "make hello.txt"}
    assert fake.seen[1].body == first.body  # the retry resent the same request

    third = fake.seen[3].body["messages"]
    tool_msgs = [m for m in third if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in tool_msgs] == ["call_0", "call_1", "call_0", "call_1", "call_2"]
    assert "copied" in tool_msgs[1]["content"]
    assert "outside the worktree" in tool_msgs[2]["content"]
    assert "outside the worktree" in tool_msgs[3]["content"]
    assert tool_msgs[4]["content"].startswith(
        "error: the arguments for read_file are not valid JSON (Expecting"
    )
    assistant = [m for m in third if m["role"] == "assistant"]
    assert assistant[0]["tool_calls"][0]["function"]["name"] == "write_file"

    log = logged(request)
    assert any(line.startswith("[chant] HTTP 429") and "retry 1/3" in line for line in log)
    assert '[tool] write_file {"content": "hi\\n", "path": "hello.txt"}' in log
    assert any(line.startswith("[tool error] error: path '../outside.txt' is outside") for line in log)


def test_openai_never_streams_even_when_extra_body_asks(make_request: Callable[..., AgentRequest]) -> None:
    with serve(FakeLLM([openai_reply("done")])) as fake:
        settings = {"base_url": fake.url, "extra_body": {"stream": True, "temperature": 0}}
        request = make_request(model="m", settings=settings)
        result = get_agent("openai").run(request)
    assert result.ok, result.error
    assert fake.seen[0].body["stream"] is False and fake.seen[0].body["temperature"] == 0
    assert any("extra_body.stream is ignored" in line for line in logged(request))


def test_truncated_tool_arguments_go_back_to_the_model(make_request: Callable[..., AgentRequest]) -> None:
    script = [
        openai_reply(None, [("write_file", '{"path": "a.txt", "content": "unterminated')]),
        openai_reply(None, [("write_file", {"path": "a.txt", "content": "fixed"})]),
        openai_reply("done"),
    ]
    with serve(FakeLLM(script)) as fake:
        request = make_request(model="m", settings={"base_url": fake.url})
        result = get_agent("openai").run(request)
    assert result.ok, result.error
    assert (request.worktree / "a.txt").read_text() == "fixed"
    answer = [m for m in fake.seen[1].body["messages"] if m["role"] == "tool"][0]["content"]
    assert answer.startswith("error: the arguments for write_file are not valid JSON (Unterminated string")
    assert answer.endswith("call the tool again with one JSON object")


def test_openai_missing_key_sends_no_auth_header(make_request: Callable[..., AgentRequest]) -> None:
    with serve(FakeLLM([openai_reply("done")])) as fake:
        request = make_request(model="m", settings={"base_url": fake.url, "api_key_env": "NO_SUCH_KEY_VAR"})
        result = get_agent("openai").run(request)
    assert result.ok
    assert "authorization" not in fake.seen[0].headers


def test_iteration_limit(make_request: Callable[..., AgentRequest]) -> None:
    fake = FakeLLM(lambda seen: openai_reply(None, [("list_files", {})]))
    with serve(fake):
        request = make_request(model="m", settings={"base_url": fake.url, "max_iterations": 3})
        result = get_agent("openai").run(request)
    assert not result.ok
    assert result.error and result.error.startswith("iteration limit reached")
    assert len(fake.seen) == 3


def test_task_complete_stops_the_loop(make_request: Callable[..., AgentRequest]) -> None:
    script = [openai_reply(None, [("task_complete", {"summary": "did it"}), ("list_files", {})])]
    with serve(FakeLLM(script)) as fake:
        result = get_agent("openai").run(make_request(model="m", settings={"base_url": fake.url}))
    assert result.ok and result.output == "task complete: did it"
    assert len(fake.seen) == 1


def test_retries_exhausted(make_request: Callable[..., AgentRequest]) -> None:
    fake = FakeLLM(lambda seen: Reply({"error": {"message": "overloaded"}}, status=503))
    with serve(fake):
        settings = {"base_url": fake.url, "retry_delay": 0.01, "max_retries": 2}
        result = get_agent("openai").run(make_request(model="m", settings=settings))
    assert not result.ok and len(fake.seen) == 3
    assert result.error == f"HTTP 503 from {fake.url}/chat/completions: overloaded"


def test_auth_failure_is_not_retried(make_request: Callable[..., AgentRequest]) -> None:
    fake = FakeLLM(lambda seen: Reply({"error": {"message": "Incorrect API key"}}, status=401))
    with serve(fake):
        result = get_agent("openai").run(make_request(model="m", settings={"base_url": fake.url, **FAST}))
    assert len(fake.seen) == 1
    assert result.error and result.error.startswith("authentication failed (HTTP 401)")


def test_openai_needs_a_model(make_request: Callable[..., AgentRequest]) -> None:
    result = get_agent("openai").run(make_request(settings={"base_url": "http://127.0.0.1:1"}))
    assert not result.ok and "needs a model" in (result.error or "")


def test_cancel_mid_request(make_request: Callable[..., AgentRequest]) -> None:
    fake = FakeLLM(lambda seen: Reply({}, delay=10))
    with serve(fake):
        request = make_request(model="m", settings={"base_url": fake.url})
        threading.Timer(0.3, request.cancel.set).start()
        start = time.monotonic()
        result = get_agent("openai").run(request)
    assert result.cancelled and not result.ok
    assert time.monotonic() - start < 3


def test_overall_timeout(make_request: Callable[..., AgentRequest]) -> None:
    fake = FakeLLM(lambda seen: Reply({}, delay=10))
    with serve(fake):
        start = time.monotonic()
        result = get_agent("openai").run(
            make_request(model="m", timeout=0.5, settings={"base_url": fake.url})
        )
    assert result.timed_out and not result.ok
    assert time.monotonic() - start < 3


def test_ollama_native_api(make_request: Callable[..., AgentRequest]) -> None:
    script = [
        ollama_reply("I'll write it.", [("write_file", {"path": "src/app.py", "content": "print('hi')\n"})]),
        ollama_reply(
            "",
            [
                ("run_command", {"command": "python3 src/app.py"}),
                ("task_complete", {"summary": "app written"}),
            ],
        ),
    ]
    with serve(FakeLLM(script)) as fake:
        request = make_request(model="qwen3", settings={"base_url": fake.url + "/v1", **FAST})
        result = get_agent("ollama").run(request)
    assert result.ok, result.error
    assert result.model == "qwen3:fake"
    assert (result.input_tokens, result.output_tokens) == (100, 10)
    assert result.output == "I'll write it.\ntask complete: app written"
    assert (request.worktree / "src/app.py").read_text() == "print('hi')\n"
    assert len(fake.seen) == 2
    first, second = fake.seen[0], fake.seen[1]
    assert first.path == "/api/chat"
    assert first.body["stream"] is False and first.body["model"] == "qwen3"
    assert "run_command" in [t["function"]["name"] for t in first.body["tools"]]
    messages = second.body["messages"]
    assert messages[2]["tool_calls"][0]["function"]["arguments"]["path"] == "src/app.py"
    assert messages[3]["role"] == "tool" and messages[3]["tool_name"] == "write_file"
    assert messages[3]["content"].startswith("wrote")
    log = logged(request)
    assert any(line.startswith("[tool result] exit code 0 hi") for line in log)


def test_ollama_escape_refused(make_request: Callable[..., AgentRequest], tmp_path: Path) -> None:
    script = [
        ollama_reply("", [("write_file", {"path": "../outside.txt", "content": "x"})]),
        ollama_reply("ok, stopping"),
    ]
    with serve(FakeLLM(script)) as fake:
        result = get_agent("ollama").run(make_request(model="q", settings={"base_url": fake.url}))
    assert result.ok and not (tmp_path / "outside.txt").exists()
    assert "outside the worktree" in fake.seen[1].body["messages"][-1]["content"]


def test_ollama_not_running(make_request: Callable[..., AgentRequest]) -> None:
    port = _closed_port()
    request = make_request(model="q", settings={"base_url": f"http://127.0.0.1:{port}", **FAST})
    result = get_agent("ollama").run(request)
    assert not result.ok
    assert result.error and result.error.startswith(f"cannot reach Ollama at http://127.0.0.1:{port}")
    assert "ollama serve" in result.error
    assert sum("retry" in line for line in logged(request)) == 3
