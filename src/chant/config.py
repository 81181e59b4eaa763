"""Project configuration: the YAML frontmatter of ``.chant/config.md`` (the body is free notes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chant.errors import ChantError
from chant.spec import document

DEFAULTS: dict[str, Any] = {
    "project": {"name": None},
    "defaults": {
        "prompt": "standard",
        "branch_prefix": "chant/",
        "main_branch": None,  # None: the branch checked out in the project root
        "agent": "claude",
        "model": None,
        "timeout": 3600,
    },
    "parallel": {"max": 4},
    "worktree": {"root": None},
    "agents": {},
}


@dataclass
class Config:
    data: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    def get(self, dotted: str, default: Any = None) -> Any:
        """``get("defaults.prompt")``: the project's value, else chant's default, else ``default``."""
        for source in (self.data, DEFAULTS):
            node: Any = source
            for part in dotted.split("."):
                if not isinstance(node, dict) or part not in node:
                    node = None
                    break
                node = node[part]
            if node is not None:
                return node
        return default

    def agent_settings(self, name: str) -> dict[str, Any]:
        """Settings of one agent provider: ``agents.<name>`` (``providers.<name>`` is accepted too)."""
        merged: dict[str, Any] = {}
        for section in ("providers", "agents"):
            value = self.data.get(section, {})
            if isinstance(value, dict) and isinstance(value.get(name), dict):
                merged.update(value[name])
        return merged


def load(path: Path) -> Config:
    if not path.exists():
        return Config({}, None)
    text = path.read_text(encoding="utf-8")
    parts = document.split(text, str(path))
    data = document.parse_frontmatter(parts, str(path))
    for section in ("project", "defaults", "parallel", "worktree", "agents", "providers"):
        if section in data and data[section] is not None and not isinstance(data[section], dict):
            raise ChantError(f"{path}: '{section}' must be a mapping")
    return Config(data, path)
