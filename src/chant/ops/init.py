"""``chant init``: create ``.chant/`` (config, specs, bundled prompts, runtime .gitignore); idempotent."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from chant.errors import ChantError
from chant.project import CHANT_DIR, atomic_write
from chant.spec import document, edit

GITIGNORE = "# chant runtime state (locks, worktrees, index cache) and agent logs\nrun/\nlogs/\n"
MARK_BEGIN = "<!-- chant:begin -->"
MARK_END = "<!-- chant:end -->"
AGENT_FILES = {
    "claude": "CLAUDE.md",
    "codex": "AGENTS.md",
    "cursor": ".cursorrules",
    "gemini": "GEMINI.md",
    "generic": "AGENTS.md",
}
PROVIDERS = ("claude", "codex", "gemini", "openai", "ollama", "command")
INSTRUCTIONS = """## chant

This project uses chant: work is described as specs in `.chant/specs/*.md` (YAML frontmatter and a markdown
body with `## Acceptance Criteria` checkboxes).

- `chant list`, `chant ready`, `chant show <id>` to see work; `chant add "<title>"` to create a spec.
- Through MCP (`chant mcp`, configured by `chant init --agent`), the same as tools: `chant_spec_list`,
  `chant_spec_get`, `chant_add`, `chant_work_start`, `chant_work_status`...
- When chant runs you on a spec you are in an isolated git worktree: edit freely, tick only the criteria
  you verified, and commit with `chant(<id>): <summary>`. chant merges your branch afterwards.
"""


@dataclass
class InitResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    already: bool = False


def bundled_prompts() -> dict[str, str]:
    folder = resources.files("chant") / "prompts"
    return {
        item.name[:-3]: item.read_text(encoding="utf-8")
        for item in folder.iterdir()
        if item.name.endswith(".md")
    }


def _config_text(name: str, provider: str | None, model: str | None) -> str:
    lines = [
        "---",
        "project:",
        f"  name: {name}",
        "defaults:",
        "  prompt: standard",
        f"  agent: {provider or 'claude'}",
    ]
    if model:
        lines.append(f"  model: {model}")
    lines += [
        "  branch_prefix: chant/",
        "  timeout: 3600",
        "parallel:",
        "  max: 4",
        "---",
        "",
        "# chant configuration",
        "",
        "The YAML above configures chant for this project (every key: docs/config.md in chant's repository).",
        "",
    ]
    return "\n".join(lines)


def init_project(
    root: Path,
    *,
    name: str | None = None,
    provider: str | None = None,
    model: str | None = None,
    agents: tuple[str, ...] = (),
) -> InitResult:
    if provider is not None and provider not in PROVIDERS:
        raise ChantError(f"Unknown provider '{provider}' (expected one of {', '.join(PROVIDERS)})")
    result = InitResult()
    chant = root / CHANT_DIR
    config = chant / "config.md"
    result.already = config.exists()
    for sub in ("specs", "prompts"):
        (chant / sub).mkdir(parents=True, exist_ok=True)
    if not config.exists():
        atomic_write(config, _config_text(name or root.name, provider, model))
        result.created.append(".chant/config.md")
    elif provider or model or name:
        _update_config(config, name, provider, model)
        result.updated.append(".chant/config.md")
    gitignore = chant / ".gitignore"
    if not gitignore.exists():
        atomic_write(gitignore, GITIGNORE)
        result.created.append(".chant/.gitignore")
    for prompt_name, text in bundled_prompts().items():
        target = chant / "prompts" / f"{prompt_name}.md"
        if not target.exists():  # never overwrite a prompt the user may have edited
            atomic_write(target, text)
            result.created.append(f".chant/prompts/{prompt_name}.md")
    from chant.ops.templates import bundled

    for template_name, text in bundled().items():
        target = chant / "templates" / f"{template_name}.md"
        if not target.exists():  # never overwrite a template the user may have edited
            target.parent.mkdir(exist_ok=True)
            atomic_write(target, text)
            result.created.append(f".chant/templates/{template_name}.md")
    for agent in agents:
        if agent not in AGENT_FILES:
            raise ChantError(f"Unknown --agent '{agent}' (expected one of {', '.join(AGENT_FILES)})")
        rel = AGENT_FILES[agent]
        changed = write_instruction_section(root / rel)
        if changed and rel not in result.updated:
            result.updated.append(rel)
        from chant.ops import mcp_config

        wrote = mcp_config.write(root, agent)  # the client's MCP config: `chant mcp` as a server
        if wrote is not None:
            (result.created if wrote[1] == "created" else result.updated).append(wrote[0])
    return result


def commit_init(root: Path, result: InitResult) -> str | None:
    """Commit what ``init`` wrote (only those files), so clones and worktrees get the config and prompts."""
    from chant.project import Project

    paths = [root / rel for rel in [*result.created, *result.updated]]
    return Project(root).commit(paths, "chant: init") if paths else None


def _update_config(path: Path, name: str | None, provider: str | None, model: str | None) -> None:
    text = path.read_text(encoding="utf-8")
    data = document.parse_frontmatter(document.split(text, str(path)), str(path))
    updates: dict[str, object] = {}
    if name:
        project = dict(data.get("project") or {})
        project["name"] = name
        updates["project"] = project
    if provider or model:
        defaults = dict(data.get("defaults") or {})
        if provider:
            defaults["agent"] = provider
        if model:
            defaults["model"] = model
        updates["defaults"] = defaults
    atomic_write(path, edit.set_fields(text, updates, str(path)))


def write_instruction_section(path: Path) -> bool:
    """Insert or refresh chant's section between markers, keeping the user's own content."""
    section = f"{MARK_BEGIN}\n{INSTRUCTIONS}{MARK_END}\n"
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if MARK_BEGIN in old and MARK_END in old:
        start = old.index(MARK_BEGIN)
        end = old.index(MARK_END) + len(MARK_END)
        if end < len(old) and old[end] == "\n":
            end += 1
        new = old[:start] + section + old[end:]
    else:
        new = (old.rstrip("\n") + "\n\n" if old.strip() else "") + section
    if new == old:
        return False
    atomic_write(path, new)
    return True
