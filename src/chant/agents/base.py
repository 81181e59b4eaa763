"""The provider contract: one request in, one result out, whatever runs the agent."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from chant.errors import ChantError

AGENT_NAMES: tuple[str, ...] = ("claude", "codex", "gemini", "openai", "ollama", "command")

# Provider modules are imported on first use so `import chant.agents` stays cheap.
_PROVIDERS: dict[str, tuple[str, str]] = {
    "claude": ("chant.agents.claude", "ClaudeAgent"),
    "codex": ("chant.agents.codex", "CodexAgent"),
    "gemini": ("chant.agents.gemini", "GeminiAgent"),
    "openai": ("chant.agents.openai", "OpenAIAgent"),
    "ollama": ("chant.agents.ollama", "OllamaAgent"),
    "command": ("chant.agents.command", "CommandAgent"),
}


@dataclass
class AgentRequest:
    spec_id: str
    prompt: str
    prompt_file: Path
    worktree: Path
    env: dict[str, str]
    model: str | None
    timeout: float | None
    settings: dict[str, Any]
    log: Callable[[str], None]
    cancel: threading.Event = field(default_factory=threading.Event)
    # Called whenever the provider learns new usage (cost in USD, input and output tokens so far); a
    # returned reason (a budget cap crossed) stops the agent at once with that reason.
    on_usage: Callable[[float | None, int | None, int | None], str | None] | None = None


@dataclass
class AgentResult:
    ok: bool
    exit_code: int | None
    error: str | None
    model: str | None
    cost_usd: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    session_id: str | None = None
    timed_out: bool = False
    cancelled: bool = False
    output: str = ""
    rate_limited: bool = False  # the provider refused with a rate/usage limit (HTTP 429...)
    # What the agent did outside its branch where the executor ran it (another machine's repository),
    # as the pipeline reports for its own repository.
    trespass: list[str] = field(default_factory=list)


class Agent(Protocol):
    name: str

    def run(self, request: AgentRequest) -> AgentResult: ...


class UnknownAgentError(ChantError, ValueError):
    """An ``agent:`` no provider answers to: printed as ``error:``/``hint:`` like any ChantError (chant.errors
    imports nothing, so agents/ may use it); still a ValueError for callers that turn it into a result."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"unknown agent {name!r}; known agents: {', '.join(AGENT_NAMES)}",
            hint="set `agent:` in .chant/config.md to one of the known names",
        )


def get_agent(name: str) -> Agent:
    key = (name or "").strip().lower()
    if key not in _PROVIDERS:
        raise UnknownAgentError(name)
    module_name, class_name = _PROVIDERS[key]
    cls = getattr(importlib.import_module(module_name), class_name)
    agent: Agent = cls()
    return agent
