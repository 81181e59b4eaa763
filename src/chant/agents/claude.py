"""Claude Code CLI: ``claude -p --output-format stream-json --verbose``, prompt on stdin."""

from __future__ import annotations

from typing import Any

from chant.agents.base import AgentRequest, AgentResult
from chant.agents.cli import StreamParser, command_prefix, extra_args, run_cli
from chant.agents.text import as_float, as_int, clip, log_lines, summarize

FLAGS = ["-p", "--output-format", "stream-json", "--verbose", "--dangerously-skip-permissions"]


class ClaudeAgent:
    name = "claude"

    def build_argv(self, request: AgentRequest) -> list[str]:
        argv = command_prefix(request, "claude") + FLAGS
        if request.model:
            argv += ["--model", request.model]
        return argv + extra_args(request)

    def run(self, request: AgentRequest) -> AgentResult:
        return run_cli(request, self.build_argv(request), ClaudeStreamParser(request))


class ClaudeStreamParser(StreamParser):
    def on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "system":
            self._system(event)
        elif kind == "assistant":
            self._assistant(event.get("message") or {})
        elif kind == "user":
            self._user(event.get("message") or {})
        elif kind == "result":
            self._result(event)

    def _system(self, event: dict[str, Any]) -> None:
        if event.get("subtype") == "init":
            self.state.model = event.get("model") or self.state.model
            self.state.session_id = event.get("session_id") or self.state.session_id
            self.log(f"[init] model={self.state.model} session={self.state.session_id}")

    def _assistant(self, message: dict[str, Any]) -> None:
        if not self.state.model and message.get("model"):
            self.state.model = message["model"]
        for block in _blocks(message):
            if block.get("type") == "text":
                text = str(block.get("text") or "")
                log_lines(self.log, text)
                self.state.output.add_line(text)
            elif block.get("type") == "tool_use":
                self.log(f"[tool] {block.get('name')} {summarize(block.get('input', {}))}")

    def _user(self, message: dict[str, Any]) -> None:
        for block in _blocks(message):
            if block.get("type") == "tool_result":
                marker = "[tool error]" if block.get("is_error") else "[tool result]"
                self.log(f"{marker} {clip(_result_text(block.get('content')))}")

    def _result(self, event: dict[str, Any]) -> None:
        state = self.state
        state.session_id = event.get("session_id") or state.session_id
        state.cost_usd = as_float(event.get("total_cost_usd", event.get("cost_usd")))
        usage = event.get("usage") or {}
        state.input_tokens = as_int(usage.get("input_tokens"))
        state.output_tokens = as_int(usage.get("output_tokens"))
        text = event.get("result")
        state.final_text = text if isinstance(text, str) else None
        subtype = event.get("subtype") or ""
        state.is_error = bool(event.get("is_error")) or subtype.startswith("error")
        if state.is_error:
            reason = state.final_text or ", ".join(str(e) for e in event.get("errors") or []) or subtype
            state.error = f"agent reported an error ({subtype or 'is_error'}): {clip(reason, 200)}"
        self.log(
            f"[result] {subtype or 'done'} turns={event.get('num_turns')} cost={state.cost_usd}"
            f" tokens={state.input_tokens}/{state.output_tokens}"
        )


def _blocks(message: dict[str, Any]) -> list[dict[str, Any]]:
    content = message.get("content")
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [b for b in content or [] if isinstance(b, dict)]


def _result_text(content: Any) -> str:
    if isinstance(content, list):
        return " ".join(str(b.get("text", "")) for b in content if isinstance(b, dict))
    return "" if content is None else str(content)
