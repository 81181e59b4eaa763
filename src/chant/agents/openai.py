"""OpenAI-compatible chat completions (OpenAI, vLLM, llama.cpp, LM Studio...) with chant's own tools."""

from __future__ import annotations

from typing import Any

from chant.agents.base import AgentRequest, AgentResult
from chant.agents.loop import ToolCall, Turn, parse_arguments, run_http_agent
from chant.agents.text import as_int

DEFAULT_BASE_URL = "https://api.openai.com/v1"


class OpenAIAgent:
    name = "openai"

    def run(self, request: AgentRequest) -> AgentResult:
        return run_http_agent(request, OpenAIWire, self.name)


class OpenAIWire:
    def __init__(self, request: AgentRequest) -> None:
        self.base_url = str(request.settings.get("base_url") or DEFAULT_BASE_URL).rstrip("/")
        key_var = str(request.settings.get("api_key_env") or "OPENAI_API_KEY")
        # Local servers need no key, so a missing one is not an error here; the server will say 401.
        self.api_key = request.env.get(key_var)
        self.extra_body = dict(request.settings.get("extra_body") or {})
        if self.extra_body.get("stream"):
            request.log("[chant] extra_body.stream is ignored: chant reads whole (non-streamed) responses")

    def url(self) -> str:
        return f"{self.base_url}/chat/completions"

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}

    def body(self, model: str, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> dict[str, Any]:
        # "stream" comes last so that extra_body cannot turn streaming on: the loop reads one JSON answer.
        return {"model": model, "messages": messages, "tools": tools, **self.extra_body, "stream": False}

    def parse(self, data: dict[str, Any]) -> Turn:
        message = data["choices"][0]["message"]
        raw_calls = [c for c in message.get("tool_calls") or [] if isinstance(c, dict)]
        calls = []
        for index, raw in enumerate(raw_calls):
            raw.setdefault("id", f"call_{index}")  # some local servers omit ids; the reply must carry one
            raw.setdefault("type", "function")
            function = raw.get("function") or {}
            calls.append(
                ToolCall(str(function.get("name")), parse_arguments(function.get("arguments")), raw["id"])
            )
        text = _text(message.get("content"))
        history: dict[str, Any] = {"role": "assistant", "content": message.get("content")}
        if raw_calls:
            history["tool_calls"] = raw_calls
        usage = data.get("usage") or {}
        return Turn(
            text=text,
            tool_calls=calls,
            message=history,
            model=data.get("model"),
            input_tokens=as_int(usage.get("prompt_tokens")),
            output_tokens=as_int(usage.get("completion_tokens")),
        )

    def tool_message(self, call: ToolCall, content: str) -> dict[str, Any]:
        return {"role": "tool", "tool_call_id": call.id, "content": content}

    def unreachable(self, detail: str) -> str:
        return f"cannot reach {self.base_url}: {detail}"


def _text(content: Any) -> str:
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return content if isinstance(content, str) else ""
