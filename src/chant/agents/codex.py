"""OpenAI Codex CLI: ``codex exec --json --dangerously-bypass-approvals-and-sandbox -`` (prompt on stdin).

``exec`` never asks for approval; what remains is Codex's sandbox. Its ``workspace-write`` mode keeps the git
directory read-only, and a chant worktree's git directory (``<repo>/.git/worktrees/<name>``) is outside the
worktree anyway, so an agent under it can never commit. chant therefore bypasses the sandbox by default,
like ``--dangerously-skip-permissions`` for Claude and ``--yolo`` for Gemini; ``agents.codex.sandbox``
selects one of Codex's sandbox modes instead.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from chant.agents.base import AgentRequest, AgentResult
from chant.agents.cli_agent import CliAgent, SettingError, StreamParser, extra_args
from chant.agents.program import command_prefix
from chant.agents.text import add_opt, as_int, auth_failure, clip, log_lines, summarize

SANDBOX_MODES = ("read-only", "workspace-write", "danger-full-access")
BYPASS = "--dangerously-bypass-approvals-and-sandbox"
AUTH_HINT = (
    "check the API key variable of Codex's model provider (OPENAI_API_KEY, or `env_key` in config.toml)"
)


class CodexAgent(CliAgent):
    name = "codex"
    program = "codex"

    def build_argv(self, request: AgentRequest) -> list[str]:
        argv = command_prefix(request.settings, self.program) + ["exec", "--json"]
        sandbox = request.settings.get("sandbox")
        if sandbox in (None, ""):
            argv.append(BYPASS)
        elif sandbox in SANDBOX_MODES:
            argv += ["--sandbox", str(sandbox)]
        else:
            raise SettingError(
                f"agents.codex.sandbox in .chant/config.md must be one of {', '.join(SANDBOX_MODES)}"
                f" (got {sandbox!r})"
            )
        if request.model:
            argv += ["--model", request.model]
        return argv + extra_args(request) + ["-"]

    def parser(self, request: AgentRequest) -> StreamParser:
        return CodexStreamParser(request)

    def completed(self, request: AgentRequest, env: dict[str, str], result: AgentResult) -> AgentResult:
        if not request.model and result.session_id:
            # Under --json Codex names its model nowhere on stdout or stderr; its session file has it.
            result.model = session_model(env, result.session_id) or result.model
        return result


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
            self._error(_message(event) or "error")
        elif kind in ("item.started", "item.completed"):
            self._item(kind, event.get("item") or {})

    def _error(self, message: str) -> None:
        self._pending_error = message
        self.log(f"[error] {message}")
        if message.startswith("Reconnecting"):
            self.state.last_retry = message
            # Codex reconnects five times on a rejected key before it gives up; it will not heal.
            failure = auth_failure(message.partition("(")[2].rstrip(")") or message, AUTH_HINT)
            if failure:
                self.abort(failure)

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
            self.state.error = (
                auth_failure(failure, AUTH_HINT) or f"codex reported an error: {clip(failure, 200)}"
            )


def codex_home(env: dict[str, str]) -> Path:
    configured = env.get("CODEX_HOME")
    if configured:
        return Path(configured)
    home = env.get("HOME") or os.path.expanduser("~")
    return Path(home) / ".codex"


def session_model(env: dict[str, str], thread_id: str) -> str | None:
    """The model of Codex thread ``thread_id``: its rollout file's last ``turn_context``, else the
    ``model`` of ``$CODEX_HOME/config.toml``."""
    home = codex_home(env)
    rollout = _rollout_file(home / "sessions", thread_id)
    model = _rollout_model(rollout) if rollout else None
    return model or _config_model(home / "config.toml")


def _rollout_file(sessions: Path, thread_id: str) -> Path | None:
    """``sessions/YYYY/MM/DD/rollout-<time>-<thread_id>.jsonl``, newest day first."""
    if not sessions.is_dir() or "/" in thread_id:
        return None
    pattern = f"rollout-*-{thread_id}.jsonl"
    days = sorted((d for d in sessions.glob("*/*/*") if d.is_dir()), reverse=True)
    for day in days:
        found = next(day.glob(pattern), None)
        if found:
            return found
    return next(sessions.rglob(pattern), None)


def _rollout_model(path: Path) -> str | None:
    model = None
    try:
        with path.open(encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if '"turn_context"' not in line:
                    continue
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                payload = event.get("payload") if isinstance(event, dict) else None
                if event.get("type") == "turn_context" and isinstance(payload, dict):
                    model = payload.get("model") if isinstance(payload.get("model"), str) else model
    except OSError:
        return None
    return model or None


def _config_model(path: Path) -> str | None:
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    model = data.get("model")
    return model if isinstance(model, str) and model else None


def _message(value: Any) -> str | None:
    if isinstance(value, dict):
        msg = value.get("message")
        return str(msg) if msg else None
    return str(value) if value else None
