"""``chant add``: create a spec file with a fresh ID (or the next member number of a driver)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from chant import clock
from chant.errors import ChantError
from chant.locks import locked
from chant.project import Project
from chant.spec import edit, ids
from chant.spec.model import SPEC_TYPES, Spec


@dataclass
class NewSpec:
    description: str
    type: str = "code"
    group: str | None = None
    depends_on: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    prompt: str | None = None
    target_files: list[str] = field(default_factory=list)
    informed_by: list[str] = field(default_factory=list)
    tracks: list[str] = field(default_factory=list)
    origin: list[str] = field(default_factory=list)
    needs_approval: bool = False


def split_description(description: str) -> tuple[str, str]:
    """The first line is the title; the rest (if any) becomes the body."""
    text = description.strip()
    if not text:
        raise ChantError("A spec needs a description (its first line becomes the title)")
    head, _, rest = text.partition("\n")
    return head.strip().lstrip("# ").strip(), rest.strip()


def render(new: NewSpec, parent: str | None) -> str:
    title, rest = split_description(new.description)
    fields: list[tuple[str, object]] = [("type", new.type), ("status", "pending")]
    if parent:
        fields.append(("parent", parent))
    for key in ("depends_on", "labels"):
        if getattr(new, key):
            fields.append((key, getattr(new, key)))
    if new.prompt:
        fields.append(("prompt", new.prompt))
    for key in ("target_files", "informed_by", "tracks", "origin"):
        if getattr(new, key):
            fields.append((key, getattr(new, key)))
    if new.needs_approval:
        fields.append(("approval", {"required": True, "status": "pending"}))
    frontmatter = "".join(edit.emit_block(k, v, indent=2, flow=False, nl="\n") for k, v in fields)
    body = f"# {title}\n\n"
    if rest:
        body += rest + "\n\n"
    body += "## Acceptance Criteria\n\n- [ ] " + title + "\n"
    return f"---\n{frontmatter}---\n\n{body}"


def create_spec(project: Project, new: NewSpec, *, commit: bool = True) -> Spec:
    if new.type not in SPEC_TYPES:
        raise ChantError(f"Unknown type '{new.type}' (expected one of {', '.join(SPEC_TYPES)})")
    project.specs_dir.mkdir(parents=True, exist_ok=True)
    driver: Spec | None = None
    if new.group:
        driver = project.resolve(new.group)
    for dep in new.depends_on:
        project.resolve(dep)  # unknown dependencies are an error now, not a lint finding later
    with locked(project.lock_path("add"), timeout=60):
        specs = project.specs(refresh=True)
        if driver is not None:
            taken = [
                ids.member_number(i) or 0
                for i in [*specs.active, *specs.archived]
                if ids.parent_id(i) == driver.id
            ]
            spec_id = f"{driver.id}.{max(taken, default=0) + 1}"
        else:
            date = clock.now().strftime("%Y-%m-%d")
            spec_id = ids.make_id(date, ids.next_sequence(date, [*specs.active, *specs.archived]))
        path = project.specs_dir / f"{spec_id}.md"
        _create_exclusive(path, render(new, driver.id if driver else None))
    paths = [path]
    if driver is not None and "members" in driver.frontmatter:
        project.update_spec(driver.id, {"members": [*driver.members_field, spec_id]})
        paths.append(driver.path)
    spec = project.reload(spec_id)
    if commit:
        project.commit(paths, f"chant: Add spec {spec_id}")
    return spec


def _create_exclusive(path: Path, text: str) -> None:
    """O_EXCL: two processes can never both believe they created the same spec."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
