"""Project configuration: the YAML frontmatter of ``.chant/config.md`` (the body is free notes).

Reading is lenient: a value of the wrong type reads as chant's default. :mod:`chant.config_schema` says what
is wrong (``chant lint``, ``chant doctor`` and the pre-flight of ``chant work`` report it). Invalid YAML is
the one thing every command that reads the config fails on, always the same way: relative path and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chant.errors import ChantError, SpecParseError
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


class ConfigError(ChantError):
    """``.chant/config.md`` cannot be read at all (its YAML is invalid, or it is not UTF-8)."""


def load(path: Path, shown: str | None = None) -> Config:
    """The config at ``path``; ``shown`` is how errors name the file (the project-relative path)."""
    name = shown or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config({}, None)
    except UnicodeDecodeError:
        raise ConfigError(f"{name}: file is not valid UTF-8", hint=_HINT) from None
    except OSError as exc:
        raise ConfigError(f"{name}: cannot be read ({exc.strerror or exc})", hint=_HINT) from None
    try:
        parts = document.split(text, name)
        data = document.parse_frontmatter(parts, name)
    except SpecParseError as exc:
        raise ConfigError(exc.message, hint=_HINT) from None
    return Config(data, path)


_HINT = "fix it (`chant doctor` lists every problem of the config)"
