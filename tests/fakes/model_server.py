"""A scripted model server on 127.0.0.1 that drives the real agent CLIs through their own tools.

It speaks the three wire formats the CLIs use, with streaming, as the real programs send and accept them:

- Anthropic Messages, ``POST /v1/messages`` with SSE (Claude Code);
- OpenAI Responses, ``POST /v1/responses`` with SSE (Codex CLI);
- Gemini ``POST /v1beta/models/<model>:generateContent`` and ``:streamGenerateContent?alt=sse``
  (Gemini CLI), including the routing call that asks for a JSON answer when no model is configured.

The "model" follows a fixed plan of steps (``write``, ``read``, ``tick``, ``shell``) and then says a final
text. Each step becomes one call of the CLI's own tool (Claude's Write/Read/Edit/Bash, Codex's
``exec_command``, Gemini's ``write_file``/``read_file``/``run_shell_command``). Which step comes next is
read from the conversation the CLI sends back (the number of tool results in it), so side calls a CLI makes
(titles, routing, quota probes) never move the plan along. ``mode="401"`` answers every model call with
HTTP 401 in the wire's own error shape.

Every request is recorded in ``server.seen`` (and, with ``record=PATH``, appended to a JSON-lines file), so a
failing test can show what the CLI sent. Run it by hand with ``python -m tests.fakes.model_server`` (from
the repository root); it prints its URL.
"""

from __future__ import annotations

import json
import re
import shlex
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.fakes.local_http import local_server

# Token counts the server reports per model call; the routing call reports few, so "the model with the
# most tokens" is the one that did the work.
USAGE_IN, USAGE_OUT = 100, 20
ROUTER_IN, ROUTER_OUT = 10, 2


@dataclass
class Step:
    kind: str  # write | read | tick | shell | call (Claude only: any tool by name, e.g. an MCP server's)
    path: str = ""
    content: str = ""
    command: str = ""
    name: str = ""
    args: dict[str, Any] = field(default_factory=dict)


def hello_plan(spec_id: str, spec_rel: str) -> list[Step]:
    """The contract tests' task: write hello.txt, tick every criterion of the spec, commit."""
    return [
        Step("write", path="hello.txt", content="hi\n"),
        Step("read", path=spec_rel),
        Step("tick", path=spec_rel),
        Step("shell", command=f"git add -A && git commit -q -m 'chant({spec_id}): add hello.txt'"),
    ]


FINAL_TEXT = "Done: wrote hello.txt, ticked the criteria and committed."


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class ModelServer:
    plan: list[Step]
    mode: str = "ok"  # ok | 401
    record: Path | None = None
    seen: list[Seen] = field(default_factory=list)
    outbound: list[str] = field(default_factory=list)
    url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, seen: Seen) -> None:
        with self._lock:
            self.seen.append(seen)
            if self.record:
                with self.record.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(seen.__dict__) + "\n")

    def model_calls(self, marker: str) -> list[Seen]:
        return [s for s in self.seen if s.method == "POST" and marker in s.path]

    def dump(self) -> str:
        """What the CLI sent, for an assertion message."""
        lines = []
        for s in self.seen:
            body = json.dumps(s.body)[:600] if s.body is not None else ""
            lines.append(f"{s.method} {s.path} {body}")
        return "\n".join(lines)


# -- plan steps as each CLI's tools -------------------------------------------------------------------
def _tick_command(path: str) -> str:
    return f"sed -i 's/- \\[ \\]/- [x]/' {shlex.quote(path)}"


def claude_call(step: Step) -> tuple[str, dict[str, Any]]:
    if step.kind == "call":
        return step.name, dict(step.args)
    if step.kind == "write":
        return "Write", {"file_path": step.path, "content": step.content}
    if step.kind == "read":
        return "Read", {"file_path": step.path}
    if step.kind == "tick":
        return "Edit", {
            "file_path": step.path,
            "old_string": "- [ ]",
            "new_string": "- [x]",
            "replace_all": True,
        }
    return "Bash", {"command": step.command, "description": "run a command"}


def codex_call(step: Step) -> tuple[str, dict[str, Any]]:
    if step.kind == "write":
        return "exec_command", {"cmd": f"printf %s {shlex.quote(step.content)} > {shlex.quote(step.path)}"}
    if step.kind == "read":
        return "exec_command", {"cmd": f"cat {shlex.quote(step.path)}"}
    if step.kind == "tick":
        return "exec_command", {"cmd": _tick_command(step.path)}
    return "exec_command", {"cmd": step.command}


def gemini_call(step: Step) -> tuple[str, dict[str, Any]]:
    if step.kind == "write":
        return "write_file", {"file_path": step.path, "content": step.content}
    if step.kind == "read":
        return "read_file", {"file_path": step.path}
    if step.kind == "tick":
        return "run_shell_command", {"command": _tick_command(step.path), "description": "tick the criteria"}
    return "run_shell_command", {"command": step.command, "description": "commit"}


# -- SSE framing ----------------------------------------------------------------------------------------
def sse(events: list[tuple[str | None, dict[str, Any]]]) -> bytes:
    out = []
    for name, data in events:
        head = f"event: {name}\n" if name else ""
        out.append(f"{head}data: {json.dumps(data)}\n\n")
    return "".join(out).encode()


# -- Anthropic Messages -------------------------------------------------------------------------------
def anthropic_reply(server: ModelServer, body: dict[str, Any]) -> tuple[int, str, bytes]:
    if server.mode == "401":
        error = {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}
        return 401, "application/json", json.dumps(error).encode()
    model = str(body.get("model") or "claude-unknown")
    tools = {t.get("name") for t in body.get("tools") or [] if isinstance(t, dict)}
    blocks: list[dict[str, Any]]
    if "Bash" not in tools:  # a side call (title, summary, quota probe): a short text
        blocks, stop = [{"type": "text", "text": "ok"}], "end_turn"
    else:
        done = sum(
            1
            for m in body.get("messages") or []
            for b in (m.get("content") if isinstance(m.get("content"), list) else [])
            if isinstance(b, dict) and b.get("type") == "tool_result"
        )
        if done < len(server.plan):
            name, args = claude_call(server.plan[done])
            blocks, stop = (
                [{"type": "tool_use", "id": f"toolu_{done:02d}", "name": name, "input": args}],
                "tool_use",
            )
        else:
            blocks, stop = [{"type": "text", "text": FINAL_TEXT}], "end_turn"
    usage = {"input_tokens": USAGE_IN, "output_tokens": USAGE_OUT}
    message = {
        "id": f"msg_{len(server.seen):04d}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": blocks,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": usage,
    }
    if not body.get("stream"):
        return 200, "application/json", json.dumps(message).encode()
    events: list[tuple[str | None, dict[str, Any]]] = [
        (
            "message_start",
            {
                "type": "message_start",
                "message": {
                    **message,
                    "content": [],
                    "stop_reason": None,
                    "usage": {**usage, "output_tokens": 1},
                },
            },
        )
    ]
    for index, block in enumerate(blocks):
        if block["type"] == "text":
            start = {"type": "text", "text": ""}
            delta = {"type": "text_delta", "text": block["text"]}
        else:
            start = {**block, "input": {}}
            delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
        events += [
            ("content_block_start", {"type": "content_block_start", "index": index, "content_block": start}),
            ("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}),
            ("content_block_stop", {"type": "content_block_stop", "index": index}),
        ]
    events += [
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": USAGE_OUT},
            },
        ),
        ("message_stop", {"type": "message_stop"}),
    ]
    return 200, "text/event-stream", sse(events)


# -- OpenAI Responses ---------------------------------------------------------------------------------
def responses_reply(server: ModelServer, body: dict[str, Any]) -> tuple[int, str, bytes]:
    if server.mode == "401":
        error = {
            "error": {
                "message": "Incorrect API key provided",
                "type": "invalid_request_error",
                "code": "invalid_api_key",
            }
        }
        return 401, "application/json", json.dumps(error).encode()
    model = str(body.get("model") or "gpt-unknown")
    items = [i for i in body.get("input") or [] if isinstance(i, dict)]
    done = sum(1 for i in items if i.get("type") in ("function_call_output", "custom_tool_call_output"))
    response_id = f"resp_{len(server.seen):04d}"
    output: dict[str, Any]
    if done < len(server.plan):
        name, args = codex_call(server.plan[done])
        output = {
            "type": "function_call",
            "id": f"fc_{done:02d}",
            "call_id": f"call_{done:02d}",
            "name": name,
            "arguments": json.dumps(args),
            "status": "completed",
        }
    else:
        output = {
            "type": "message",
            "id": f"msg_{done:02d}",
            "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": FINAL_TEXT, "annotations": []}],
        }
    usage = {
        "input_tokens": USAGE_IN,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": USAGE_OUT,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": USAGE_IN + USAGE_OUT,
    }
    base = {"id": response_id, "object": "response", "model": model}
    events: list[tuple[str | None, dict[str, Any]]] = [
        (
            "response.created",
            {"type": "response.created", "response": {**base, "status": "in_progress", "output": []}},
        ),
        (
            "response.output_item.added",
            {"type": "response.output_item.added", "output_index": 0, "item": output},
        ),
    ]
    if output["type"] == "message":
        events.append(
            (
                "response.output_text.delta",
                {
                    "type": "response.output_text.delta",
                    "item_id": output["id"],
                    "output_index": 0,
                    "content_index": 0,
                    "delta": FINAL_TEXT,
                },
            )
        )
    events += [
        (
            "response.output_item.done",
            {"type": "response.output_item.done", "output_index": 0, "item": output},
        ),
        (
            "response.completed",
            {
                "type": "response.completed",
                "response": {**base, "status": "completed", "output": [output], "usage": usage},
            },
        ),
    ]
    return 200, "text/event-stream", sse(events)


# -- Gemini -------------------------------------------------------------------------------------------
_GEMINI_PATH = re.compile(r"/models/([^/:]+):(generateContent|streamGenerateContent|countTokens)")


def gemini_reply(server: ModelServer, path: str, body: dict[str, Any]) -> tuple[int, str, bytes]:
    match = _GEMINI_PATH.search(path)
    model, method = (match.group(1), match.group(2)) if match else ("gemini-unknown", "generateContent")
    if server.mode == "401":
        error = {"error": {"code": 401, "message": "API key not valid.", "status": "UNAUTHENTICATED"}}
        return 401, "application/json", json.dumps(error).encode()
    if method == "countTokens":
        return 200, "application/json", json.dumps({"totalTokens": USAGE_IN}).encode()
    config = body.get("generationConfig") or body.get("config") or {}
    tokens_in, tokens_out = USAGE_IN, USAGE_OUT
    if config.get("responseMimeType") == "application/json" or not body.get("tools"):
        # The router (or another side call) wants a structured answer, not a tool call.
        parts: list[dict[str, Any]] = [{"text": json.dumps(_gemini_json_answer(config))}]
        tokens_in, tokens_out = ROUTER_IN, ROUTER_OUT
    else:
        done = sum(
            1
            for c in body.get("contents") or []
            for p in c.get("parts") or []
            if isinstance(p, dict) and "functionResponse" in p
        )
        if done < len(server.plan):
            name, args = gemini_call(server.plan[done])
            parts = [{"functionCall": {"name": name, "args": args}}]
        else:
            parts = [{"text": FINAL_TEXT}]
    chunk = {
        "candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0}],
        "usageMetadata": {
            "promptTokenCount": tokens_in,
            "candidatesTokenCount": tokens_out,
            "totalTokenCount": tokens_in + tokens_out,
        },
        "modelVersion": model,
    }
    if method == "streamGenerateContent":
        return 200, "text/event-stream", sse([(None, chunk)])
    return 200, "application/json", json.dumps(chunk).encode()


def _gemini_json_answer(config: dict[str, Any]) -> dict[str, Any]:
    """An object filling the requested schema's properties (the router asks for a reasoning and a score)."""
    schema = config.get("responseJsonSchema") or config.get("responseSchema") or {}
    answer: dict[str, Any] = {}
    for name, prop in (schema.get("properties") or {}).items():
        kind = str(prop.get("type", "string")).lower() if isinstance(prop, dict) else "string"
        if kind in ("integer", "number"):
            answer[name] = 10
        elif kind == "boolean":
            answer[name] = False
        elif kind == "array":
            answer[name] = []
        elif kind == "object":
            answer[name] = {}
        elif isinstance(prop, dict) and prop.get("enum"):
            answer[name] = prop["enum"][0]
        else:
            answer[name] = "simple task"
    return answer


# -- HTTP plumbing ------------------------------------------------------------------------------------
def _handler(server: ModelServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _reply(self, status: int, content_type: str, data: bytes) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                if content_type == "text/event-stream":
                    self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
            except OSError:
                pass  # the CLI gave up on this request (it was killed, or retried elsewhere)

        def _body(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                return json.loads(raw) if raw else None
            except ValueError:
                return {"_raw": raw[:2000].decode("utf-8", "replace")}

        def _proxied(self) -> bool:
            """Also the CLIs' HTTP(S) proxy: anything they try to reach besides the model is recorded
            in ``server.outbound`` and refused, so no test traffic leaves the machine."""
            if self.command != "CONNECT" and not self.path.startswith(("http://", "https://")):
                return False
            server.outbound.append(f"{self.command} {self.path}")
            self._reply(403, "text/plain", b"chant test: no traffic leaves this machine")
            self.close_connection = True
            return True

        def do_CONNECT(self) -> None:
            self._proxied()

        def do_POST(self) -> None:  # http.server naming
            if self._proxied():
                return
            body = self._body()
            server.note(Seen("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            path = urlsplit(self.path).path
            payload = body if isinstance(body, dict) else {}
            if path.endswith("/messages/count_tokens"):
                self._reply(200, "application/json", json.dumps({"input_tokens": USAGE_IN}).encode())
            elif path.endswith("/messages"):
                self._reply(*anthropic_reply(server, payload))
            elif path.endswith("/responses"):
                self._reply(*responses_reply(server, payload))
            elif "/models/" in path:
                self._reply(*gemini_reply(server, self.path, payload))
            else:
                self._reply(404, "application/json", b'{"error": {"message": "not found"}}')

        def do_GET(self) -> None:
            if self._proxied():
                return
            server.note(Seen("GET", self.path, {k.lower(): v for k, v in self.headers.items()}, None))
            if urlsplit(self.path).path.endswith("/models"):
                self._reply(200, "application/json", b'{"object": "list", "data": [], "models": []}')
            else:
                self._reply(404, "application/json", b'{"error": {"message": "not found"}}')

        def do_HEAD(self) -> None:
            if self._proxied():
                return
            server.note(Seen("HEAD", self.path, {}, None))
            self._reply(200, "text/plain", b"")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def serve(server: ModelServer) -> Iterator[ModelServer]:
    with local_server(_handler(server)) as url:
        server.url = url
        yield server


if __name__ == "__main__":  # a manual run: print the URL, record requests, stop on Ctrl-C or after --for
    import argparse
    import time

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec-id", default="2026-02-01-001-abc")
    parser.add_argument("--mode", default="ok", choices=["ok", "401"])
    parser.add_argument("--record", type=Path)
    parser.add_argument("--for", dest="duration", type=float, default=300.0, help="seconds before it stops")
    args = parser.parse_args()
    plan = hello_plan(args.spec_id, f".chant/specs/{args.spec_id}.md")
    with serve(ModelServer(plan, mode=args.mode, record=args.record)) as running:
        print(running.url, flush=True)
        time.sleep(args.duration)
