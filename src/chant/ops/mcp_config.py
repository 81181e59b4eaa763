"""The MCP client configuration ``chant init --agent NAME`` writes into the project, for each client that
reads one there: ``.mcp.json`` (Claude Code), ``.cursor/mcp.json`` (Cursor), ``.gemini/settings.json``
(Gemini CLI), ``.codex/config.toml`` (Codex).

Merged, never clobbered: the user's other servers and settings stay as they are, and a ``chant`` entry the
user already has (perhaps with other arguments) is kept. A file that does not parse is an error naming it
and its line, and is left untouched.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chant.errors import ChantError
from chant.project import atomic_write

SERVER_NAME = "chant"
COMMAND = "chant"
ARGS = ["mcp"]
FILES = {
    "claude": ".mcp.json",
    "cursor": ".cursor/mcp.json",
    "gemini": ".gemini/settings.json",
    "codex": ".codex/config.toml",
}


def entry() -> dict[str, Any]:
    return {"command": COMMAND, "args": list(ARGS)}


def write(root: Path, agent: str) -> tuple[str, str] | None:
    """Add chant's server to ``agent``'s project config; returns (relative path, "created"/"updated") or
    None when nothing had to change (already there, or the agent has no MCP config file)."""
    rel = FILES.get(agent)
    if rel is None:
        return None
    path = root / rel
    old = path.read_text(encoding="utf-8") if path.exists() else None
    new = _toml(old, rel) if rel.endswith(".toml") else _json(old, rel, agent)
    if new is None:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, new)
    return rel, "created" if old is None else "updated"


def _json(old: str | None, rel: str, agent: str) -> str | None:
    data: Any = {}
    if old is not None and old.strip():
        try:
            data = json.loads(old)
        except json.JSONDecodeError as exc:
            raise ChantError(
                f"{rel}:{exc.lineno}: not valid JSON ({exc.msg}); left as it is",
                hint=f'fix it, or add {{"mcpServers": {{"chant": {json.dumps(entry())}}}}} yourself',
            ) from None
        if not isinstance(data, dict):
            raise ChantError(f"{rel}: expected a JSON object at the top; left as it is")
    servers = data.setdefault("mcpServers", {})
    if not isinstance(servers, dict):
        raise ChantError(f"{rel}: mcpServers is not an object; left as it is")
    if SERVER_NAME in servers:
        return None  # the user's own entry wins
    servers[SERVER_NAME] = entry() if agent != "claude" else {"type": "stdio", **entry()}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _toml(old: str | None, rel: str) -> str | None:
    import tomllib

    text = old or ""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ChantError(f"{rel}: not valid TOML ({exc}); left as it is") from None
    servers = data.get("mcp_servers")
    if isinstance(servers, dict) and SERVER_NAME in servers:
        return None
    # Appending a table keeps every byte the user wrote (comments, order); TOML allows it at the end.
    table = f'[mcp_servers.{SERVER_NAME}]\ncommand = "{COMMAND}"\nargs = {json.dumps(ARGS)}\n'
    prefix = text if not text or text.endswith("\n") else text + "\n"
    return prefix + ("\n" if prefix.strip() else "") + table
