"""OpenAI Codex CLI: ``codex exec --json --full-auto -`` (the ``-`` makes it read the prompt from stdin)."""

from __future__ import annotations

import re
from typing import Any

from chant.agents.base import AgentRequest, AgentResult
from chant.agents.cli import StreamParser, command_prefix, extra_args, run_cli
from chant.agents.text import add_opt, as_int, clip, log_lines, summarize

_MODEL_LINE = re.compile(r"^\s*model:\s*(\S+)")


class CodexAgent:
    name = "codex"

    def build_argv(self, request: AgentRequest) -> list[str]:
        argv = command_prefix(request, "codex") + ["exec", "--json", "--full-auto"]
        if request.model:
            argv += ["--model", request.model]
        return argv + extra_args(request) + ["-"]

    def run(self, request: AgentRequest) -> AgentResult:
        return run_cli(request, self.build_argv(request), CodexStreamParser(request))


class CodexStreamParser(StreamParser):
    """Parses the thread/turn/item JSONL events; tolerates both ``item.type`` and the older ``item_type``."""

    def __init__(self, request: AgentRequest) -> None:
        super().__init__(request)
        # An `error` event can be a transient notice; only one not followed by a completed turn is fatal.
        self._pending_error: str | None = None
        self._turn_failed: str | None = None

    def on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind in ("thread.started", "thread.resumed"):
            self.state.session_id = event.get("thread_id") or self.state.session_id
        elif kind == "turn.completed":
            usage = event.get("usage") or {}
            self.state.input_tokens = add_opt(self.state.input_tokens, as_int(usage.get("input_tokens")))
            self.state.output_tokens = add_opt(self.state.output_tokens, as_int(usage.get("output_tokens")))
            self._pending_error = None
        elif kind == "turn.failed":
            self._turn_failed = _message(event.get("error")) or "turn failed"
            self.log(f"[error] {self._turn_failed}")
        elif kind == "error":
            self._pending_error = _message(event) or "error"
            self.log(f"[error] {self._pending_error}")
        elif kind in ("item.started", "item.completed"):
            self._item(kind, event.get("item") or {})

    def on_stderr(self, line: str) -> None:
        # codex prints its configuration (including the model in use) as a header on stderr.
        match = _MODEL_LINE.match(line)
        if match and not self.state.model:
            self.state.model = match.group(1)
        super().on_stderr(line)

    def _item(self, kind: str, item: dict[str, Any]) -> None:
        item_type = item.get("type") or item.get("item_type")
        done = kind == "item.completed"
        if item_type in ("agent_message", "assistant_message") and done:
            text = str(item.get("text") or "")
            log_lines(self.log, text)
            self.state.output.add_line(text)
        elif item_type == "reasoning" and done:
            self.log(f"[reasoning] {clip(str(item.get('text') or ''))}")
        elif item_type == "command_execution":
            if not done:
                self.log(f"[tool] shell {clip(str(item.get('command') or ''))}")
            else:
                output = clip(str(item.get("aggregated_output") or ""))
                self.log(f"[tool result] exit={item.get('exit_code')} {output}")
        elif item_type == "file_change" and done:
            for change in item.get("changes") or []:
                if isinstance(change, dict):
                    self.log(f"[file] {change.get('kind')} {change.get('path')}")
        elif item_type == "mcp_tool_call" and not done:
            self.log(f"[tool] {item.get('server')}.{item.get('tool')} {summarize(item.get('arguments', ''))}")
        elif item_type == "web_search" and not done:
            self.log(f"[search] {clip(str(item.get('query') or ''))}")
        elif item_type == "error" and done:
            self.log(f"[error] {clip(str(item.get('message') or ''))}")

    def finish(self) -> None:
        failure = self._turn_failed or self._pending_error
        if failure:
            self.state.is_error = True
            self.state.error = f"codex reported an error: {clip(failure, 200)}"


def _message(value: Any) -> str | None:
    if isinstance(value, dict):
        msg = value.get("message")
        return str(msg) if msg else None
    return str(value) if value else None
