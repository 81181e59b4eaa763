"""Gemini CLI headless mode: ``gemini --output-format stream-json --yolo``, prompt on stdin.

Gemini CLI refuses to run headless in a folder the user never trusted (exit 55, and ``--yolo`` is
downgraded), which every fresh chant worktree is. chant trusts the worktree for this one run through the
environment (``GEMINI_CLI_TRUST_WORKSPACE=true``, unless the user set that variable) and never touches the
user's trusted-folders settings.
"""

from __future__ import annotations

from typing import Any

from chant.agents.base import AgentRequest
from chant.agents.cli_agent import CliAgent, StreamParser, extra_args
from chant.agents.program import command_prefix
from chant.agents.text import add_opt, as_int, auth_failure, clip, summarize

TRUST_VARIABLE = "GEMINI_CLI_TRUST_WORKSPACE"
ROUTER_ALIASES = frozenset({"auto", ""})  # init.model when Gemini picks the model per request
AUTH_HINT = "check GEMINI_API_KEY (or the CLI's login)"


class GeminiAgent(CliAgent):
    name = "gemini"
    program = "gemini"

    def build_argv(self, request: AgentRequest) -> list[str]:
        argv = command_prefix(request.settings, self.program) + ["--output-format", "stream-json", "--yolo"]
        if request.model:
            argv += ["--model", request.model]
        return argv + extra_args(request)

    def env_defaults(self, request: AgentRequest) -> dict[str, str]:
        return {TRUST_VARIABLE: "true"}

    def parser(self, request: AgentRequest) -> StreamParser:
        return GeminiStreamParser(request)


class GeminiStreamParser(StreamParser):
    def __init__(self, request: AgentRequest) -> None:
        super().__init__(request)
        # Assistant text arrives in `delta` chunks that split lines anywhere; log only whole lines.
        self._partial = ""

    def on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "message":
            if event.get("role") == "assistant":
                self._text(str(event.get("content") or ""), bool(event.get("delta")))
            return
        self._flush()
        if kind == "init":
            model = event.get("model")
            if isinstance(model, str) and model not in ROUTER_ALIASES:
                self.state.model = model
            self.state.session_id = event.get("session_id") or self.state.session_id
            self.log(f"[init] model={model} session={self.state.session_id}")
        elif kind == "tool_use":
            self.log(f"[tool] {event.get('tool_name')} {summarize(event.get('parameters', {}))}")
        elif kind == "tool_result":
            body = event.get("output") if event.get("status") != "error" else _message(event.get("error"))
            self.log(f"[tool result] {event.get('status', '')} {clip(str(body or ''))}".rstrip())
        elif kind == "error":
            self.log(f"[error] {event.get('severity', '')} {clip(str(event.get('message') or ''))}")
        elif kind == "result":
            self._result(event)

    def _text(self, text: str, delta: bool) -> None:
        self.state.output.add(text if delta else text + "\n")
        self._partial += text if delta else text + "\n"
        *complete, self._partial = self._partial.split("\n")
        for line in complete:
            self.log(line)

    def _flush(self) -> None:
        if self._partial:
            self.log(self._partial)
            self.state.output.add("\n")
            self._partial = ""

    def _result(self, event: dict[str, Any]) -> None:
        stats = event.get("stats") or {}
        inp, out = as_int(stats.get("input_tokens")), as_int(stats.get("output_tokens"))
        if inp is None and out is None:
            inp, out = _per_model_tokens(stats.get("models"))
        self.state.input_tokens, self.state.output_tokens = inp, out
        if not self.state.model:
            self.state.model = busiest_model(stats.get("models"))
        if event.get("status") not in (None, "success"):
            self.state.is_error = True
            reason = _message(event.get("error")) or str(event.get("status"))
            self.state.error = (
                auth_failure(reason, AUTH_HINT) or f"gemini reported an error: {clip(reason, 200)}"
            )
        self.log(f"[result] {event.get('status', 'done')} model={self.state.model} tokens={inp}/{out}")

    def finish(self) -> None:
        self._flush()


def busiest_model(models: Any) -> str | None:
    """The entry of ``stats.models`` that used the most tokens: the model that did the work, not the
    router that picked it. None when no model used any."""
    best, most = None, 0
    if isinstance(models, dict):
        for name, entry in models.items():
            used = _model_tokens(entry)
            if used > most:
                best, most = str(name), used
    return best


def _model_tokens(entry: Any) -> int:
    if not isinstance(entry, dict):
        return 0
    total = as_int(entry.get("total_tokens"))
    if total is None:  # older releases: models.<name>.tokens.{total,prompt,candidates}
        tokens = entry.get("tokens")
        tokens = tokens if isinstance(tokens, dict) else {}
        total = as_int(tokens.get("total"))
        if total is None:
            total = (as_int(tokens.get("prompt")) or 0) + (as_int(tokens.get("candidates")) or 0)
    return total or 0


def _per_model_tokens(models: Any) -> tuple[int | None, int | None]:
    """Older releases only report ``stats.models.<name>.tokens.{prompt,candidates}``."""
    inp: int | None = None
    out: int | None = None
    if isinstance(models, dict):
        for entry in models.values():
            tokens = entry.get("tokens") if isinstance(entry, dict) else None
            if isinstance(tokens, dict):
                inp = add_opt(inp, as_int(tokens.get("prompt")))
                out = add_opt(out, as_int(tokens.get("candidates")))
    return inp, out


def _message(value: Any) -> str | None:
    if isinstance(value, dict):
        msg = value.get("message")
        return str(msg) if msg else None
    return str(value) if value else None
