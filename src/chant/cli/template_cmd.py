"""template list | show."""

from __future__ import annotations

import click

from chant.cli import common, render


@click.group("template")
def template() -> None:
    """Spec templates in .chant/templates/ (use one with `chant add --template NAME --var K=V`)."""


@template.command("list")
@common.json_option()
def list_templates(as_json: bool) -> None:
    """List the project's templates."""
    from chant.ops import templates

    proj = common.project()
    found = templates.available(proj)
    if as_json:
        render.emit_json({"templates": [t.to_dict() | {"path": proj.rel(t.path)} for t in found.values()]})
        return
    if not found:
        click.echo(
            f"No templates in {proj.rel(templates.templates_dir(proj))}/ (`chant init` installs four)."
        )
        return
    width = max(len(name) for name in found)
    for name, item in found.items():
        required = ", ".join(item.required)
        click.echo(f"{name:<{width}}  {item.description}" + (f"  (needs: {required})" if required else ""))


@template.command("show")
@click.argument("name")
@common.json_option()
def show_template(name: str, as_json: bool) -> None:
    """Show a template: its variables (required, defaults) and its text."""
    from chant.ops import templates

    proj = common.project()
    item = templates.load(proj, name)
    if as_json:
        render.emit_json({"template": item.to_dict() | {"path": proj.rel(item.path), "text": item.text}})
        return
    click.echo(f"Template: {item.name}  ({proj.rel(item.path)})")
    if item.description:
        click.echo(f"Description: {item.description}")
    if item.members:
        click.echo(f"Creates: a driver and {len(item.members)} member(s)")
    click.echo("Variables:")
    for var in item.variables.values():
        how = (
            "required"
            if var.required
            else f"default: {var.default}"
            if var.default is not None
            else "optional"
        )
        click.echo(f"  {var.name} ({how})" + (f" - {var.description}" if var.description else ""))
    usage = ['"TITLE"'] if "title" in item.required else []
    usage += [f"--template {item.name}", *(f"--var {v}=..." for v in item.required if v != "title")]
    click.echo(f"\nUse: chant add {' '.join(usage)}")
    click.echo("\n--- Template ---")
    click.echo(item.text.rstrip("\n"))
