"""The scripted model server on its own (no CLI needed): each wire's plan steps, side calls and 401s."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from tests.fakes.model_server import FINAL_TEXT, ModelServer, hello_plan, serve

PLAN = hello_plan("2026-02-01-001-hlo", ".chant/specs/2026-02-01-001-hlo.md")


def post(url: str, body: dict[str, Any]) -> tuple[int, str, str]:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read().decode()


def events(stream: str) -> list[dict[str, Any]]:
    return [json.loads(line[6:]) for line in stream.splitlines() if line.startswith("data: ")]


def test_anthropic_steps_follow_the_tool_results_and_side_calls_get_text() -> None:
    with serve(ModelServer(PLAN)) as server:
        tools = [{"name": "Bash"}, {"name": "Write"}]
        first = events(post(f"{server.url}/v1/messages", {"model": "m", "stream": True, "tools": tools})[2])
        history = [{"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t"}]}] * len(PLAN)
        last = events(
            post(
                f"{server.url}/v1/messages",
                {"model": "m", "stream": True, "tools": tools, "messages": history},
            )[2]
        )
        side = json.loads(post(f"{server.url}/v1/messages", {"model": "m", "messages": []})[2])
    assert [e["type"] for e in first][:2] == ["message_start", "content_block_start"]
    assert first[1]["content_block"]["name"] == "Write"
    assert json.loads(first[2]["delta"]["partial_json"]) == {"file_path": "hello.txt", "content": "hi\n"}
    assert last[2]["delta"] == {"type": "text_delta", "text": FINAL_TEXT}
    assert side["content"] == [{"type": "text", "text": "ok"}]


def test_responses_and_gemini_wires() -> None:
    with serve(ModelServer(PLAN)) as server:
        codex = events(post(f"{server.url}/v1/responses", {"model": "gpt-x", "input": []})[2])
        route = json.loads(
            post(
                f"{server.url}/v1beta/models/lite:generateContent",
                {
                    "contents": [],
                    "generationConfig": {
                        "responseMimeType": "application/json",
                        "responseJsonSchema": {
                            "properties": {"reasoning": {"type": "string"}, "score": {"type": "integer"}}
                        },
                    },
                },
            )[2]
        )
        work = events(
            post(
                f"{server.url}/v1beta/models/flash:streamGenerateContent?alt=sse",
                {"contents": [], "tools": [{}]},
            )[2]
        )
    assert codex[-1]["type"] == "response.completed" and codex[-1]["response"]["usage"]["output_tokens"] == 20
    assert codex[-2]["item"]["name"] == "exec_command"
    assert json.loads(route["candidates"][0]["content"]["parts"][0]["text"]) == {
        "reasoning": "simple task",
        "score": 10,
    }
    assert work[0]["candidates"][0]["content"]["parts"][0]["functionCall"]["name"] == "write_file"


@pytest.mark.parametrize(
    ("path", "needle"),
    [
        ("/v1/messages", "authentication_error"),
        ("/v1/responses", "invalid_api_key"),
        ("/v1beta/models/m:generateContent", "UNAUTHENTICATED"),
    ],
)
def test_401_mode(path: str, needle: str) -> None:
    with serve(ModelServer(PLAN, mode="401")) as server:
        status, kind, body = post(server.url + path, {"model": "m"})
    assert (status, kind) == (401, "application/json") and needle in body
