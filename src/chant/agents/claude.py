"""Claude Code CLI: ``claude -p --output-format stream-json --verbose``, prompt on stdin."""

from __future__ import annotations

import re
from typing import Any

from chant.agents.base import AgentRequest
from chant.agents.cli_agent import CliAgent, StreamParser, extra_args
from chant.agents.program import command_prefix
from chant.agents.text import as_float, as_int, auth_failure, clip, log_lines, summarize

FLAGS = ["-p", "--output-format", "stream-json", "--verbose", "--dangerously-skip-permissions"]
AUTH_STATUSES = frozenset({401, 403})
AUTH_HINT = "check ANTHROPIC_API_KEY or `claude auth`"
ROOT_REFUSAL = "cannot be used with root/sudo"
ROOT_FIX = (
    'inside a sandbox (container, CI) opt in with `agents: {claude: {env: {IS_SANDBOX: "1"}}}` in'
    " .chant/config.md, or run chant as a non-root user"
)
# Claude Code names the model with a context-window suffix ("claude-opus-4-8[1m]"); the API id has none.
_MODEL_SUFFIX = re.compile(r"\[[^\]]*\]$")


class ClaudeAgent(CliAgent):
    name = "claude"
    program = "claude"

    def build_argv(self, request: AgentRequest) -> list[str]:
        argv = command_prefix(request.settings, self.program) + FLAGS
        if request.model:
            argv += ["--model", request.model]
        return argv + extra_args(request)

    def parser(self, request: AgentRequest) -> StreamParser:
        return ClaudeStreamParser(request)


class ClaudeStreamParser(StreamParser):
    def __init__(self, request: AgentRequest) -> None:
        super().__init__(request)
        self._api_model: str | None = None  # from the API's own answers; wins over the init event's name
        self._usage: dict[str, tuple[int, int]] = {}  # message id -> (input, output) tokens

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
        subtype = event.get("subtype")
        if subtype == "init":
            model = event.get("model")
            if isinstance(model, str) and model and not self._api_model:
                self.state.model = _MODEL_SUFFIX.sub("", model)
            self.state.session_id = event.get("session_id") or self.state.session_id
            version = event.get("claude_code_version")
            self.log(f"[init] model={model} session={self.state.session_id} version={version}")
        elif subtype == "api_retry":
            self._retry(event)

    def _retry(self, event: dict[str, Any]) -> None:
        status = as_int(event.get("error_status"))
        attempt, limit = event.get("attempt"), event.get("max_retries")
        delay = as_float(event.get("retry_delay_ms"))
        error = str(event.get("error") or "error")
        described = f"attempt {attempt}/{limit}, HTTP {status if status is not None else '?'} {error}"
        self.state.last_retry = described
        wait = f", next in {delay / 1000:.1f}s" if delay is not None else ""
        self.log(f"[api retry] {described}{wait}")
        if status in AUTH_STATUSES:
            # Claude Code retries a rejected key ten times with backoff (minutes); it will not heal.
            self.abort(
                f"authentication failed (HTTP {status} {error}): the API rejected Claude Code's credentials"
                f" (retry {attempt}/{limit}); {AUTH_HINT}"
            )

    def _assistant(self, message: dict[str, Any]) -> None:
        usage = message.get("usage")
        if isinstance(usage, dict):
            # Every API call's usage, streamed as it happens (one message id may come in several events):
            # the run's budget can stop the agent before the final result event sums it up.
            key = str(message.get("id") or len(self._usage))
            self._usage[key] = (
                as_int(usage.get("input_tokens")) or 0,
                as_int(usage.get("output_tokens")) or 0,
            )
            self.state.input_tokens = sum(i for i, _ in self._usage.values())
            self.state.output_tokens = sum(o for _, o in self._usage.values())
        model = message.get("model")
        if isinstance(model, str) and model and model != "<synthetic>":
            self._api_model = self.state.model = model
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
            state.error = auth_failure(reason, AUTH_HINT) or (
                f"agent reported an error ({subtype or 'is_error'}): {clip(reason, 200)}"
            )
        self.log(
            f"[result] {subtype or 'done'} turns={event.get('num_turns')} cost={state.cost_usd}"
            f" tokens={state.input_tokens}/{state.output_tokens}"
        )

    def exit_reason(self) -> str | None:
        refusal = next((line for line in self.state.stderr_tail if ROOT_REFUSAL in line), None)
        return f"{refusal.rstrip('.')}; {ROOT_FIX}" if refusal else None


def _blocks(message: dict[str, Any]) -> list[dict[str, Any]]:
    content = message.get("content")
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [b for b in content or [] if isinstance(b, dict)]


def _result_text(content: Any) -> str:
    if isinstance(content, list):
        return " ".join(str(b.get("text", "")) for b in content if isinstance(b, dict))
    return "" if content is None else str(content)
