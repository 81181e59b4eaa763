"""Spec templates: ``.chant/templates/<name>.md``, rendered by plain text substitution (nothing is evaluated).

A template is a spec file whose frontmatter has a ``template:`` mapping, removed when rendering:

- ``description``: one line for ``chant template list``;
- ``variables``: ``name: {description, required, default}`` for each variable (optional: a variable used
  as ``{{name}}`` is one too);
- ``members``: for a driver template, its members, as ``chant split`` writes them (``title``,
  ``criteria``, ``depends_on`` by 1-based number, ``target_files``, ``body``): one ``chant add`` creates
  the driver and every member.

``{{name}}`` is replaced by the ``--var name=VALUE`` given, ``{{name|default}}`` falls back to ``default``.
A variable is required when it is declared ``required: true``, or used with no default anywhere and not
declared with one. ``chant add "TEXT" --template NAME`` sets ``{{title}}`` to TEXT.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from chant.errors import ChantError
from chant.project import Project
from chant.spec import document, edit

_VAR = re.compile(r"\{\{\s*([A-Za-z_][\w-]*)\s*(?:\|([^{}\n]*))?\}\}")
NAME = re.compile(r"^[A-Za-z0-9][\w-]*$")


class TemplateError(ChantError):
    pass


@dataclass(frozen=True)
class Variable:
    name: str
    description: str = ""
    required: bool = False
    default: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "required": self.required,
            "default": self.default,
        }


@dataclass
class Template:
    name: str
    path: Path
    text: str
    description: str = ""
    variables: dict[str, Variable] = field(default_factory=dict)
    members: list[Any] = field(default_factory=list)  # raw member mappings (validated when rendered)
    bundled: bool = False

    @property
    def required(self) -> list[str]:
        return [v.name for v in self.variables.values() if v.required]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": str(self.path),
            "description": self.description,
            "variables": [v.to_dict() for v in self.variables.values()],
            "members": len(self.members),
        }


def templates_dir(project: Project) -> Path:
    return project.chant_dir / "templates"


def bundled() -> dict[str, str]:
    """The templates ``chant init`` installs: name -> text."""
    folder = resources.files("chant") / "templates"
    return {
        item.name[:-3]: item.read_text(encoding="utf-8")
        for item in folder.iterdir()
        if item.name.endswith(".md")
    }


def available(project: Project) -> dict[str, Template]:
    """The project's templates by name (a file that does not parse is an error naming it)."""
    folder = templates_dir(project)
    found: dict[str, Template] = {}
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        found[path.stem] = parse(path.stem, path, path.read_text(encoding="utf-8"), project.rel(path))
    return found


def load(project: Project, name: str) -> Template:
    found = available(project)
    if name not in found:
        known = ", ".join(found) or "none"
        raise TemplateError(
            f"no template '{name}' in {project.rel(templates_dir(project))}/ (available: {known})",
            hint="`chant template list` shows them; `chant init` installs the bundled ones",
        )
    return found[name]


def parse(name: str, path: Path, text: str, shown: str) -> Template:
    parts = document.split(text, shown)
    meta = document.parse_frontmatter(parts, shown).get("template")
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise TemplateError(f"{shown}: 'template:' must be a mapping (description, variables, members)")
    declared = meta.get("variables") or {}
    if not isinstance(declared, dict):
        raise TemplateError(f"{shown}: template.variables must map each name to its settings")
    variables: dict[str, Variable] = {}
    for var_name, settings in declared.items():
        settings = settings if isinstance(settings, dict) else {"description": str(settings or "")}
        default = settings.get("default")
        variables[str(var_name)] = Variable(
            str(var_name),
            str(settings.get("description") or ""),
            bool(settings.get("required")),
            None if default is None else str(default),
        )
    used: dict[str, bool] = {}  # name -> some use has an inline default
    for match in _VAR.finditer(text):
        used[match.group(1)] = used.get(match.group(1), False) or match.group(2) is not None
    for var_name, has_default in used.items():
        if var_name not in variables:
            variables[var_name] = Variable(var_name, required=not has_default)
        elif not variables[var_name].required and variables[var_name].default is None and not has_default:
            current = variables[var_name]
            variables[var_name] = Variable(var_name, current.description, True, None)
    members = meta.get("members") or []
    if not isinstance(members, list):
        raise TemplateError(f"{shown}: template.members must be a list")
    return Template(name, path, text, str(meta.get("description") or ""), variables, members)


@dataclass(frozen=True)
class Rendered:
    text: str  # the spec file (``template:`` removed, ``status: pending``)
    members: list[Any]  # a driver template's members, variables substituted


def render(template: Template, values: dict[str, str]) -> Rendered:
    """The template with every variable replaced (pure text substitution), ``template:`` removed."""
    unknown = [k for k in values if k not in template.variables]
    if unknown:
        known = ", ".join(template.variables) or "none"
        raise TemplateError(f"template '{template.name}' has no variable '{unknown[0]}' (it has: {known})")
    missing = [v for v in template.variables.values() if v.name not in values and v.required]
    if missing:
        wanted = ", ".join(
            ('a DESCRIPTION ("TEXT" before --template)' if v.name == "title" else f"--var {v.name}=...")
            + (f" ({v.description})" if v.description else "")
            for v in missing
        )
        raise TemplateError(f"template '{template.name}' needs {wanted}")
    parts = document.split(template.text, template.name)
    frontmatter_end = len(parts.opening + parts.frontmatter)

    def substitute(match: re.Match[str]) -> str:
        var = template.variables[match.group(1)]
        value = values.get(var.name)
        if value is None:
            value = match.group(2) if match.group(2) is not None else (var.default or "")
        if match.start() < frontmatter_end and ("\n" in value or "\r" in value):
            raise TemplateError(f"--var {var.name}: a value used in the frontmatter must be one line")
        return value

    text = _VAR.sub(substitute, template.text)
    try:
        meta = document.parse_frontmatter(document.split(text, template.name), template.name).get("template")
        members = list(meta.get("members") or []) if isinstance(meta, dict) else []
        return Rendered(
            edit.set_fields(text, {"template": edit.REMOVE, "status": "pending"}, template.name), members
        )
    except ChantError as exc:
        raise TemplateError(
            f"template '{template.name}' does not render to a valid spec: {exc.message}",
            hint="a value with ':' or '#' in the frontmatter needs quotes around its {{...}} in the template",
        ) from None


# -- creating specs from a template ---------------------------------------------------------------------
def values_of(assignments: list[str], title: str | None, template: Template) -> dict[str, str]:
    values: dict[str, str] = {}
    for text in assignments:
        key, sep, value = text.partition("=")
        if not sep or not key.strip():
            raise TemplateError(f"--var takes NAME=VALUE, got '{text}'")
        values[key.strip()] = value
    if title is not None and title.strip():
        if "title" not in template.variables:
            raise TemplateError(
                f"template '{template.name}' has no {{{{title}}}}: give its variables with --var",
                hint=f"`chant template show {template.name}` lists them",
            )
        values.setdefault("title", title.strip())
    return values


def create(
    project: Project, template: Template, values: dict[str, str], extras: Any, *, commit: bool = True
) -> Any:
    """``chant add --template``: one spec (through :func:`chant.ops.create.create_spec`, with ``extras``'
    labels, dependencies, targets, criteria and group on top), or a driver and all its members."""
    from chant.ops.create import create_spec

    rendered = render(template, values)
    if rendered.members:
        return _create_driver(project, template, rendered, extras, commit=commit)
    extras.text = with_extras(rendered.text, extras, template.name)
    return create_spec(project, extras, commit=commit)


def with_extras(text: str, extras: Any, name: str) -> str:
    """``add``'s own options over a rendered template: lists grow, criteria join its criteria section."""
    from chant.ops.create import with_criteria

    parts = document.split(text, name)
    current = document.parse_frontmatter(parts, name)
    updates: dict[str, Any] = {}
    for key in ("labels", "depends_on", "target_files", "informed_by", "tracks", "origin"):
        more = list(getattr(extras, key))
        if more:
            have = current.get(key) or []
            have = have if isinstance(have, list) else [have]
            updates[key] = [*have, *(m for m in more if m not in have)]
    if extras.type != "code":
        updates["type"] = extras.type
    if extras.prompt:
        updates["prompt"] = extras.prompt
    if extras.needs_approval:
        updates["approval"] = {"required": True, "status": "pending"}
    text = edit.set_fields(text, updates, name) if updates else text
    if extras.criteria or extras.body:
        parts = document.split(text, name)
        title = document.title_of(parts.body) or name
        body = parts.body.rstrip("\n") + (f"\n\n{extras.body.strip()}\n" if extras.body else "\n")
        text = (
            parts.opening
            + parts.frontmatter
            + parts.closing
            + with_criteria(body, list(extras.criteria), title)
        )
    return text


def _create_driver(
    project: Project, template: Template, rendered: Rendered, extras: Any, *, commit: bool
) -> Any:
    from chant.ops import proposal as proposals
    from chant.ops.plan import write_new_driver

    if extras.group:
        raise TemplateError(
            f"template '{template.name}' makes a driver with members; it cannot be a member itself"
        )
    try:
        plan = proposals.validate({"members": rendered.members}, need_title=False)
    except proposals.ProposalError as exc:
        raise TemplateError(f"{project.rel(template.path)}: template.members: {exc.message}") from None
    text = with_extras(rendered.text, extras, template.name)

    def driver(driver_id: str, members: list[str]) -> str:
        return edit.set_fields(text, {"members": members}, template.name)

    written = write_new_driver(
        project,
        driver,
        plan,
        message=f"Add spec from template {template.name} ({len(plan.members)} members)",
        commit=commit,
    )
    return project.reload(written.driver)
