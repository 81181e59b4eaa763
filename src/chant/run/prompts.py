"""Prompt templates: ``.chant/prompts/<name>.md`` rendered with the spec's variables (one pass, so text in
a spec body that looks like ``{{...}}`` is never substituted)."""

from __future__ import annotations

import re
from pathlib import Path

from chant.errors import ChantError
from chant.paths import expand
from chant.project import Project
from chant.spec import document
from chant.spec.model import Spec

_VAR = re.compile(r"\{\{\s*([a-z_.]+)\s*\}\}")
TYPE_PROMPTS = {
    "documentation": "documentation",
    "research": "research",
    "driver": "driver",
    "group": "driver",
}


def choose(project: Project, spec: Spec, override: str | None) -> str:
    """--prompt > the spec's ``prompt:`` > a prompt named for its type (if present) > config default."""
    if override:
        return override
    if spec.get("prompt"):
        return str(spec.get("prompt"))
    by_type = TYPE_PROMPTS.get(spec.type)
    if by_type and (project.prompts_dir / f"{by_type}.md").exists():
        return by_type
    return str(project.config.get("defaults.prompt", "standard"))


def load_template(project: Project, name: str) -> str:
    path = project.prompts_dir / f"{name}.md"
    if not path.exists():
        known = sorted(p.stem for p in project.prompts_dir.glob("*.md"))
        raise ChantError(
            f"Prompt not found: {name} ({project.rel(path)})",
            hint=f"available prompts: {', '.join(known) or 'none'}; `chant init` writes the bundled ones",
        )
    parts = document.split(path.read_text(encoding="utf-8"), str(path))
    return parts.body.lstrip("\n")


def _bullets(items: list[str]) -> str:
    return "\n".join(f"- {item}" for item in items) if items else "- (none)"


def variables(project: Project, spec: Spec, worktree: Path, branch: str, spec_path: Path) -> dict[str, str]:
    inputs: list[str] = []
    for key in ("informed_by", "tracks", "origin"):
        for pattern in spec.values(key):
            matched = expand(worktree, [pattern])
            shown = ", ".join(matched[:20]) + (f" (+{len(matched) - 20} more)" if len(matched) > 20 else "")
            inputs.append(f"{pattern} ({key}): {shown or 'no files yet'}")
    context_parts: list[str] = []
    for rel in expand(worktree, spec.values("context")):
        try:
            content = (worktree / rel).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        context_parts.append(f"--- {rel} ---\n{content.rstrip()}\n")
    return {
        "project.name": project.name,
        "spec.id": spec.id,
        "spec.title": spec.display_title,
        "spec.body": spec.body.strip(),
        "spec.description": spec.body.strip(),
        "spec.path": str(spec_path),
        "spec.type": spec.type,
        "spec.target_files": _bullets(spec.target_files),
        "spec.informed_by": _bullets(spec.values("informed_by")),
        "spec.tracks": _bullets(spec.values("tracks")),
        "spec.origin": _bullets(spec.values("origin")),
        "spec.inputs": _bullets(inputs),
        "spec.context": ("## Context\n\n" + "\n".join(context_parts)) if context_parts else "",
        "worktree.path": str(worktree),
        "worktree.branch": branch,
    }


def render(template: str, values: dict[str, str]) -> str:
    return _VAR.sub(lambda m: values.get(m.group(1), m.group(0)), template)
