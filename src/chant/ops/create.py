"""``chant add``: create a spec file with a fresh ID (or the next member number of a driver)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from chant import clock
from chant.errors import ChantError
from chant.locks import locked
from chant.project import Project
from chant.spec import document, edit, ids
from chant.spec.model import DRIVER_TYPES, SPEC_TYPES, Spec
from chant.spec.status import Status

# What an author writes for the criteria section, whatever the level or case ("### acceptance criteria").
_AC_LIKE = re.compile(r"^#{2,6}\s+acceptance\s+criteria\s*:?\s*$", re.IGNORECASE)


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
    criteria: list[str] = field(default_factory=list)  # acceptance criteria ("- [ ] ..." items)
    body: str | None = None  # markdown appended after the description's own lines (--body-file)
    text: str | None = None  # the whole file, already rendered (from a template): used as is


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
    text = "\n\n".join(part for part in (rest, _without_title(new.body or "", title)) if part)
    return f"---\n{frontmatter}---\n\n# {title}\n\n" + with_criteria(text, new.criteria, title)


def _without_title(body: str, title: str) -> str:
    """A body file that repeats the title as its ``# `` line does not get a second title."""
    body = body.strip("\n")
    first, _, rest = body.partition("\n")
    if first.startswith("# ") and first[2:].strip() == title:
        return rest.strip("\n")
    return body.rstrip()


def with_criteria(body: str, criteria: list[str], title: str) -> str:
    """``body`` with exactly one acceptance criteria section holding ``criteria``.

    The author's own section (any heading level or case, outside code fences) is kept and becomes the
    ``## Acceptance Criteria`` chant reads; ``criteria`` are appended to it. Without one, a section is added
    with ``criteria`` (or, when there are none, the title as the one criterion to edit).
    """
    lines = body.split("\n") if body else []
    visible = document._outside_fences(body) if body else []
    heading = next((i for i, line in visible if _AC_LIKE.match(line)), None)
    items = [f"- [ ] {c.strip()}" for c in criteria if c.strip()]
    if heading is None:
        section = ["## Acceptance Criteria", "", *(items or [f"- [ ] {title}"])]
        return "\n".join([*lines, "", *section] if lines else section) + "\n"
    lines[heading] = document.AC_HEADING
    end = next((i for i, line in visible if i > heading and line.startswith(("# ", "## "))), len(lines))
    while end > heading + 1 and not lines[end - 1].strip():
        end -= 1
    if items:
        after = [""] if end < len(lines) and lines[end].strip() else []  # a blank line before what follows
        lines[end:end] = ["", *items, *after] if end == heading + 1 else [*items, *after]
    return "\n".join(lines).rstrip("\n") + "\n"


def create_spec(project: Project, new: NewSpec, *, commit: bool = True) -> Spec:
    if new.type not in SPEC_TYPES:
        raise ChantError(f"Unknown type '{new.type}' (expected one of {', '.join(SPEC_TYPES)})")
    _preflight(project, new, commit=commit)
    project.specs_dir.mkdir(parents=True, exist_ok=True)
    driver: Spec | None = None
    if new.group:
        driver = project.resolve(new.group, action="add --group")
        # A finished spec that is not a driver gets no members: its work is done, a member would never run
        # as part of it. (A pending spec may become a (nested) driver by getting members.)
        finished = driver.status in (Status.COMPLETED, Status.CANCELLED)
        if finished and driver.type not in DRIVER_TYPES and not _has_members(project, driver.id):
            raise ChantError(
                f"{driver.id} is a {driver.status.value} {driver.type} spec, not a driver",
                hint="--group adds members to a driver: give the driver's ID, or add a new spec",
            )
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
        parent = driver.id if driver else None
        text = render(new, parent) if new.text is None else _with_parent(new.text, parent)
        _create_exclusive(path, text)
    paths = [path]
    if driver is not None and "members" in driver.frontmatter:
        project.update_spec(driver.id, {"members": [*driver.members_field, spec_id]})
        paths.append(driver.path)
    spec = project.reload(spec_id)
    if commit:
        project.commit(paths, f"chant: Add spec {spec_id}")
    return spec


def _with_parent(text: str, parent: str | None) -> str:
    return edit.set_fields(text, {"parent": parent}) if parent else text


def _has_members(project: Project, spec_id: str) -> bool:
    return any(ids.is_member_of(other, spec_id) for other in project.all_ids())


def _preflight(project: Project, new: NewSpec, *, commit: bool) -> None:
    """What would make the new spec unrunnable, or leave it staged but uncommitted: refused before writing."""
    from chant import validate
    from chant.run import prompts

    for target in new.target_files:
        reason = validate.outside_problem(project.root, target)
        if reason is not None:
            raise ChantError(
                f"--target-file {target!r} {reason}",
                hint="target files are paths relative to the repository root",
            )
    if new.prompt:
        if not prompts.prompt_path(project, new.prompt).is_file():
            known = prompts.available(project)
            raise ChantError(
                f"Prompt not found: {new.prompt}", hint=f"available prompts: {', '.join(known) or 'none'}"
            )
    if commit and (project.root / ".git").exists():
        validate.raise_for(validate.identity_problems(project))


def _create_exclusive(path: Path, text: str) -> None:
    """O_EXCL: two processes can never both believe they created the same spec."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
