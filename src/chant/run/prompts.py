"""Prompt templates: ``.chant/prompts/<name>.md`` rendered with the spec's variables (one pass, so text in
a spec body that looks like ``{{...}}`` is never substituted)."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from chant.errors import ChantError
from chant.globs import expand
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


def name_problem(name: str) -> str | None:
    """What stops ``name`` from naming a prompt inside ``.chant/prompts/`` (``None``: nothing).

    A spec must not pick the agent's instructions (which are also sent to the model provider) from an
    arbitrary ``.md`` file on the machine: no absolute paths, no ``~``, no ``..``.
    """
    if not name.strip() or "\0" in name:
        return "is not a prompt name"
    if PurePosixPath(name).is_absolute() or name.startswith("~") or "\\" in name:
        return "is a path outside .chant/prompts/ (name a prompt there, e.g. standard)"
    if ".." in PurePosixPath(name).parts:
        return "leaves .chant/prompts/ ('..')"
    return None


def prompt_path(project: Project, name: str) -> Path:
    """``.chant/prompts/<name>.md``, refused when the name (or a symlink) leads out of that folder."""
    problem = name_problem(name)
    path = project.prompts_dir / f"{name}.md"
    if problem is None:
        try:
            if path.exists() and not path.resolve().is_relative_to(project.prompts_dir.resolve()):
                problem = "is a symlink out of .chant/prompts/"
        except (OSError, ValueError):  # e.g. a name longer than the file system allows
            problem = "is not a prompt name"
    if problem is not None:
        raise ChantError(
            f"prompt {name!r} {problem}", hint="prompts live in .chant/prompts/<name>.md; use that name"
        )
    return path


def available(project: Project) -> list[str]:
    return sorted(p.stem for p in project.prompts_dir.glob("*.md"))


def load_template(project: Project, name: str) -> str:
    path = prompt_path(project, name)
    if not path.is_file():
        known = available(project)
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
        "spec.output_schema": _output_schema(spec),
        "worktree.path": str(worktree),
        "worktree.branch": branch,
    }


def _output_schema(spec: Spec) -> str:
    """What ``output_schema:`` asks of the JSON/YAML target files, for the prompt ("" without one)."""
    value = spec.get("output_schema")
    if value in (None, ""):
        return ""
    import json

    shown = (
        json.dumps(value, indent=2, default=str) if isinstance(value, dict) else f"the schema in `{value}`"
    )
    return (
        "Your JSON/YAML target files must match this JSON Schema (chant checks before completing the spec):\n\n"
        + (f"```json\n{shown}\n```" if isinstance(value, dict) else shown)
    )


def render(template: str, values: dict[str, str]) -> str:
    return _VAR.sub(lambda m: values.get(m.group(1), m.group(0)), template)
