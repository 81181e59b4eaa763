"""add, show, edit, cancel."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import click

from chant.cli import common, render
from chant.errors import ChantError
from chant.shell import quote
from chant.spec.model import SPEC_TYPES
from chant.spec.status import Status
from chant.states import named

if TYPE_CHECKING:
    from chant.graph import Graph
    from chant.project import Project
    from chant.spec.model import Spec
    from chant.spec.quality import Assessment


@click.command()
@click.argument("description", required=False)
@click.option(
    "--type",
    "type_",
    type=click.Choice(SPEC_TYPES),
    default="code",
    show_default=True,
    help="What kind of work the spec is (picks its prompt).",
)
@click.option("--template", "template_name", metavar="NAME", help="Start from .chant/templates/NAME.md.")
@click.option("--var", "variables", multiple=True, metavar="K=V", help="A template variable (repeatable).")
@click.option("--group", metavar="DRIVER", help="Create the next member <driver>.N of this driver.")
@click.option("--depends-on", "depends_on", multiple=True, metavar="ID", help="Dependency (repeatable).")
@click.option("--label", "labels", multiple=True, help="Label (repeatable).")
@click.option("--prompt", help="Prompt name from .chant/prompts/.")
@click.option("--target-file", "target_files", multiple=True, help="File the spec must produce (repeatable).")
@click.option("--informed-by", "informed_by", multiple=True, help="Input file or glob (repeatable).")
@click.option("--tracks", multiple=True, help="Tracked file or glob, for drift (repeatable).")
@click.option("--origin", multiple=True, help="Origin data file or glob (repeatable).")
@click.option("--needs-approval", is_flag=True, help="Require `chant approve` before it can run.")
@click.option(
    "--criterion",
    "criteria",
    multiple=True,
    metavar="TEXT",
    help="An acceptance criterion (repeatable; default: the title, to edit).",
)
@click.option(
    "--body-file",
    type=click.File("r", encoding="utf-8"),
    metavar="FILE",
    help="Markdown for the spec's body, after the title ('-' reads stdin).",
)
@click.option("--no-commit", is_flag=True, help="Write the file but do not commit it.")
@common.json_option()
def add(
    description: str | None,
    type_: str,
    template_name: str | None,
    variables: tuple[str, ...],
    group: str | None,
    depends_on: tuple[str, ...],
    labels: tuple[str, ...],
    prompt: str | None,
    target_files: tuple[str, ...],
    informed_by: tuple[str, ...],
    tracks: tuple[str, ...],
    origin: tuple[str, ...],
    needs_approval: bool,
    criteria: tuple[str, ...],
    body_file: Any,
    no_commit: bool,
    as_json: bool,
) -> None:
    """Create a spec from DESCRIPTION (first line = title, the rest its body) and commit it.

    \b
    chant add "Fix login" --criterion "Tests pass" --criterion "No 500 on bad input"
    chant add "Write the guide" --body-file notes.md
    chant add "Login fails on empty password" --template bugfix --var component=auth
    """
    from chant.ops.create import NewSpec, create_spec

    proj = common.project()
    if variables and not template_name:
        raise click.UsageError("--var needs --template")
    if description is None and not template_name:
        raise click.UsageError("give a DESCRIPTION (its first line becomes the title), or --template NAME")
    new = NewSpec(
        description or "",
        type_,
        group,
        [proj.resolve(d).id for d in depends_on],
        list(labels),
        prompt,
        list(target_files),
        list(informed_by),
        list(tracks),
        list(origin),
        needs_approval,
        list(criteria),
        body_file.read() if body_file is not None else None,
    )
    if template_name:
        from chant.ops import templates

        template = templates.load(proj, template_name)
        values = templates.values_of(list(variables), description, template)
        spec = templates.create(proj, template, values, new, commit=not no_commit)
    else:
        spec = create_spec(proj, new, commit=not no_commit)
    if as_json:
        render.emit_json({"id": spec.id, "path": proj.rel(spec.path)})
        return
    click.echo(f"Created {spec.id}")
    click.echo(f"Edit: {proj.rel(spec.path)}")


def _count_files(root: Any, pattern: str) -> int:
    from chant.globs import expand

    return len(expand(root, [pattern]))


@click.command()
@common.spec_id_argument()
@click.option("--body", is_flag=True, help="Also print the markdown body.")
@common.json_option()
def show(spec_id: str, body: bool, as_json: bool) -> None:
    """Show one spec: fields, dependencies, members, inputs and acceptance criteria."""
    from chant.ops.reports import spec_detail

    proj = common.project()
    spec = proj.resolve(spec_id, archived=True)
    graph = common.graph_of(proj)
    if as_json:
        render.emit_json({"spec": spec_detail(proj, spec, graph, body=body)})
        return
    click.echo("\n".join(_show_lines(proj, graph, spec, body=body)))


def _show_lines(proj: Project, graph: Graph, spec: Spec, *, body: bool) -> list[str]:
    """``chant show``'s text: the heading fields, then one section per kind of field."""
    in_graph = spec.id in graph.specs
    state = graph.display_status(spec.id) if in_graph else spec.status.value
    out = [
        f"Spec: {spec.id}{'  [archived]' if spec.archived else ''}",
        f"Title: {spec.display_title}",
        f"Type: {spec.type}",
        f"Status: {spec.status.value}" + (f" ({state})" if state != spec.status.value else ""),
    ]
    if in_graph and spec.status == Status.PENDING:
        blockers = graph.blockers(spec.id)
        if blockers:
            out.append("Blocked by: " + ", ".join(map(str, blockers)))
    out.append(f"File: {proj.rel(spec.path)}")
    if spec.depends_on:
        out.append("\nDepends on:")
        for dep in spec.depends_on:
            reason = graph.dependency_state(dep) if in_graph else None
            out.append(f"  - {dep} ({reason or 'satisfied'})")
    out += _input_lines(proj, spec)
    out += _member_lines(graph, spec) if in_graph else []
    if spec.target_files:
        out.append("\nTarget files:")
        out += [f"  - {target}" for target in spec.target_files]
    out += _other_field_lines(proj, spec)
    if spec.criteria:
        out.append("\nAcceptance Criteria:")
        out += [f"  [{'x' if item.checked else ' '}] {item.text}" for item in spec.criteria]
    if in_graph:
        assessment = _assessment(proj, graph, spec.id)
        out.append(f"\nQuality: {assessment.grade}")
        out += [f"  {f.level}: {f.message}\n    fix: {f.fix}" for f in assessment.findings]
    if body:
        out += ["\n--- Body ---", spec.body.rstrip("\n")]
    return out


# The fields show gives a section of their own; the rest are listed after them.
_INPUTS = (("informed_by", "Informed by"), ("tracks", "Tracks"), ("origin", "Origin"), ("context", "Context"))
_SHOWN = {"type", "status", "depends_on", "members", "target_files", *(key for key, _label in _INPUTS)}


def _input_lines(proj: Project, spec: Spec) -> list[str]:
    out = []
    for key, label in _INPUTS:
        patterns = spec.values(key)
        if patterns:
            out.append(f"\n{label}:")
            for pattern in patterns:
                n = _count_files(proj.root, pattern)
                out.append(f"  - {pattern} ({n} file{'s' if n != 1 else ''})")
    return out


def _member_lines(graph: Graph, spec: Spec) -> list[str]:
    members = graph.members(spec.id)
    if not members:
        return []
    out = ["\nMembers:"]
    for member in members:
        m = graph.specs[member]
        mark = "x" if m.status == Status.COMPLETED else " "
        out.append(f"  [{mark}] {named(member, m.title)} - {graph.display_status(member)}")
    return out


def _other_field_lines(proj: Project, spec: Spec) -> list[str]:
    extra = [(k, v) for k, v in spec.frontmatter.items() if k not in _SHOWN]
    if not extra:
        return []
    out = [""]
    for key, value in extra:
        lines = field_lines(key, value)
        if key == "branch" and isinstance(value, str) and not _branch_exists(proj.root, value):
            lines[0] += "  (deleted)"  # e.g. a failed run whose empty branch chant removed
        out += lines
    return out


def _assessment(proj: Project, graph: Graph, spec_id: str) -> Assessment:
    from chant.ops.reports import assessment

    return assessment(proj, graph, spec_id)


def _branch_exists(root: Any, branch: str) -> bool:
    from chant import git

    return git.branch_exists(root, branch)


def field_lines(key: str, value: Any) -> list[str]:
    """One frontmatter field for people: YAML for lists and mappings (never a Python repr)."""
    # Only well-typed values get the friendly form; anything else (lint's field-type rule says what is
    # wrong) is shown as written: `tokens: {input: x}` or a 5,000-digit cost_usd made `show` die.
    if key == "tokens" and isinstance(value, dict) and set(value) <= {"input", "output"}:
        if all(type(v) is int for v in value.values()):
            return [f"Tokens: {value.get('input', 0):,} in, {value.get('output', 0):,} out"]
    if key == "cost_usd" and type(value) in (int, float) and -1e15 < value < 1e15:
        return [f"Cost: ${value:.4f}" if 0 < value < 0.01 else f"Cost: ${value:.2f}"]
    from chant.spec import yamlio

    label = key.replace("_", " ").capitalize()
    if isinstance(value, dict | list):
        if not value:
            return [f"{label}: {'[]' if isinstance(value, list) else '{}'}"]
        block = yamlio.dump_block(value).rstrip("\n").splitlines()
        return [f"{label}:", *(f"  {line}" for line in block)]
    if value is None or isinstance(value, bool | int | float):
        return [f"{label}: {yamlio.emit_scalar(value)}"]
    return [f"{label}: {value}"]


@click.command()
@common.spec_id_argument()
def edit(spec_id: str) -> None:
    """Open a spec in $VISUAL/$EDITOR (default vi) and check it afterwards."""
    import shlex

    from chant.lint import lint, relative_paths

    proj = common.project()
    # Broken files resolve too: editing is how their owner fixes them.
    found = proj.resolve_id(spec_id)
    path = proj.file_of(found)
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    code = subprocess.call(f"{editor} {shlex.quote(str(path))}", shell=True)
    if code != 0:
        raise ChantError(f"editor exited with status {code}")
    specs = proj.specs(refresh=True)
    if found not in specs.active and found not in specs.invalid:  # archived: only its own syntax matters
        proj.load_archived(found)
        click.echo(f"Saved {found}")
        return
    graph = common.graph_of(proj)
    problems = lint(
        graph, specs.invalid, relative_paths(specs.active, specs.invalid, proj.root), only={found}
    )
    for diagnostic in problems:
        click.echo(diagnostic.render(), err=True)
    if any(d.severity == "error" for d in problems):
        raise ChantError(f"{found} has errors; fix them with `chant edit {quote(found)}`")
    click.echo(f"Saved {found}")


@click.command()
@common.spec_id_argument()
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--delete", is_flag=True, help="Delete the spec file, its log, worktree and branch (committed)."
)
@click.option("--cascade", is_flag=True, help="With --delete: also delete a driver's members.")
@click.option("--force", is_flag=True, help="With --delete: even if other specs depend on it.")
def cancel(spec_id: str, yes: bool, delete: bool, cascade: bool, force: bool) -> None:
    """Cancel a spec: sets status: cancelled (the file stays; dependents treat it as satisfied).
    With --delete the spec is removed instead (refused while others depend on it, unless --force)."""
    from chant.ops import cancel as cancel_ops

    proj = common.project()
    if (cascade or force) and not delete:
        raise click.UsageError("--cascade and --force only apply with --delete")
    spec = proj.resolve(spec_id, action="cancel")
    if delete:
        doomed = cancel_ops.plan_delete(proj, spec, cascade=cascade, force=force)
        if not yes:
            # Deleting cannot be undone by chant: without a terminal to ask on, require an explicit --yes
            # (as gh does) instead of going ahead.
            if not sys.stdin.isatty():
                raise ChantError(
                    f"--delete would remove {', '.join(doomed)}; pass --yes to confirm",
                    hint="stdin is not a terminal, so chant cannot ask",
                )
            _confirm(f"Delete {', '.join(doomed)} (files, logs, worktrees, branches)?", "Nothing deleted.")
        cancel_ops.delete(proj, doomed)
        for gone in doomed:
            click.echo(f"Deleted {gone}")
        return
    dependents = cancel_ops.dependents_of(proj, spec.id)
    if dependents:
        click.echo(f"Note: {len(dependents)} spec(s) depend on {spec.id}: {', '.join(dependents)}", err=True)
    if not yes and sys.stdin.isatty():
        _confirm(f"Cancel {named(spec.id, spec.title)}?", "Not cancelled.")
    cancel_ops.cancel(proj, spec)
    click.echo(f"Cancelled {spec.id}")


def _confirm(question: str, declined: str) -> None:
    """Ask on the terminal; "no" exits 1 (130 is for Ctrl-C)."""
    if not click.confirm(question):
        click.echo(declined, err=True)
        raise SystemExit(1)
