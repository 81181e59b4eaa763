"""Ollama's native ``/api/chat`` with tool calling; same loop as the OpenAI provider, different wire."""

from __future__ import annotations

from typing import Any

from chant.agents.base import AgentRequest, AgentResult
from chant.agents.loop import ToolCall, Turn, parse_arguments, run_http_agent
from chant.agents.text import as_int

DEFAULT_BASE_URL = "http://localhost:11434"


class OllamaAgent:
    name = "ollama"

    def run(self, request: AgentRequest) -> AgentResult:
        return run_http_agent(request, OllamaWire, self.name)


class OllamaWire:
    def __init__(self, request: AgentRequest) -> None:
        base = str(request.settings.get("base_url") or DEFAULT_BASE_URL).rstrip("/")
        # People paste the OpenAI-compatible endpoint (…/v1); the native API lives at the root.
        for suffix in ("/v1", "/api"):
            if base.endswith(suffix):
                base = base[: -len(suffix)]
        self.base_url = base
        self.options = request.settings.get("options")

    def url(self) -> str:
        return f"{self.base_url}/api/chat"

    def headers(self) -> dict[str, str]:
        return {}

    def body(self, model: str, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> dict[str, Any]:
        body: dict[str, Any] = {"model": model, "messages": messages, "tools": tools, "stream": False}
        if self.options:
            body["options"] = self.options
        return body

    def parse(self, data: dict[str, Any]) -> Turn:
        message = data["message"]
        raw_calls = [c for c in message.get("tool_calls") or [] if isinstance(c, dict)]
        calls = []
        for raw in raw_calls:
            function = raw.get("function") or {}
            calls.append(
                ToolCall(str(function.get("name")), parse_arguments(function.get("arguments")), raw.get("id"))
            )
        content = message.get("content")
        text = content if isinstance(content, str) else ""
        history: dict[str, Any] = {"role": "assistant", "content": text}
        if raw_calls:
            history["tool_calls"] = raw_calls
        return Turn(
            text=text,
            tool_calls=calls,
            message=history,
            model=data.get("model"),
            input_tokens=as_int(data.get("prompt_eval_count")),
            output_tokens=as_int(data.get("eval_count")),
        )

    def tool_message(self, call: ToolCall, content: str) -> dict[str, Any]:
        return {"role": "tool", "content": content, "tool_name": call.name}

    def unreachable(self, detail: str) -> str:
        return f"cannot reach Ollama at {self.base_url} ({detail}); is it running? Try `ollama serve`"
