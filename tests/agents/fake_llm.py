"""A scripted chat server on 127.0.0.1 speaking just enough OpenAI / Ollama for the tool loop."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fakes.local_http import local_server


@dataclass
class Reply:
    payload: Any
    status: int = 200
    delay: float = 0.0
    headers: dict[str, str] | None = None


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


class FakeLLM:
    def __init__(self, script: list[Reply] | Callable[[Seen], Reply]) -> None:
        self.script = script
        self.seen: list[Seen] = []
        self.url = ""

    def next_reply(self, seen: Seen) -> Reply:
        self.seen.append(seen)
        if callable(self.script):
            return self.script(seen)
        if not self.script:
            return Reply({"error": {"message": "script exhausted"}}, status=400)
        return self.script.pop(0)


@contextmanager
def serve(fake: FakeLLM) -> Iterator[FakeLLM]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # http.server naming
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            reply = fake.next_reply(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            if reply.delay:
                time.sleep(reply.delay)
            data = json.dumps(reply.payload).encode()
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (reply.headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass  # the client gave up (cancel/timeout tests)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with local_server(Handler) as url:
        fake.url = url
        yield fake


def openai_reply(
    content: str | None = None, calls: list[tuple[str, Any]] | None = None, model: str = "gpt-fake-1"
) -> Reply:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if calls:
        message["tool_calls"] = [
            {
                "id": f"call_{i}",
                "type": "function",
                "function": {"name": name, "arguments": args if isinstance(args, str) else json.dumps(args)},
            }
            for i, (name, args) in enumerate(calls)
        ]
    return Reply(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if calls else "stop"}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110},
        }
    )


def ollama_reply(content: str = "", calls: list[tuple[str, dict[str, Any]]] | None = None) -> Reply:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if calls:
        message["tool_calls"] = [{"function": {"name": name, "arguments": args}} for name, args in calls]
    return Reply(
        {
            "model": "qwen3:fake",
            "created_at": "2025-01-01T00:00:00Z",
            "message": message,
            "done": True,
            "done_reason": "stop",
            "prompt_eval_count": 50,
            "eval_count": 5,
        }
    )
