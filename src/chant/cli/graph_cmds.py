"""dag, group, lint."""

from __future__ import annotations

import click

from chant.cli import common, render
from chant.graph import Graph
from chant.spec import ids, quality
from chant.spec.status import Status
from chant.states import named


def _tree_lines(graph: Graph) -> list[str]:
    """Roots are specs with no dependencies; children are the specs that depend on them.

    Members hang under their driver. A spec reached twice is printed once and then referenced.
    """
    children: dict[str, list[str]] = {spec_id: [] for spec_id in graph.specs}
    for spec_id, spec in graph.specs.items():
        for dep in spec.depends_on:
            if dep in children and graph.driver_of(spec_id) != dep:
                children[dep].append(spec_id)
        driver = graph.driver_of(spec_id)
        if driver is not None and not (set(spec.depends_on) & set(graph.members(driver))):
            children[driver].append(spec_id)
    parents = {c for kids in children.values() for c in kids}
    roots = [s for s in ids.sorted_ids(graph.specs) if s not in parents]
    lines: list[str] = []
    printed: set[str] = set()

    def label(spec_id: str) -> str:
        spec = graph.specs[spec_id]
        state = graph.display_status(spec_id)
        return f"{render.icon(state)} {named(spec_id, spec.title)} [{state}]"

    def walk(spec_id: str, prefix: str, last: bool, top: bool) -> None:
        connector = "" if top else ("└── " if last else "├── ")
        if spec_id in printed:
            lines.append(f"{prefix}{connector}{spec_id} (see above)")
            return
        printed.add(spec_id)
        lines.append(f"{prefix}{connector}{label(spec_id)}")
        kids = ids.sorted_ids(set(children[spec_id]))
        child_prefix = prefix if top else prefix + ("    " if last else "│   ")
        for index, kid in enumerate(kids):
            walk(kid, child_prefix, index == len(kids) - 1, False)

    for root in roots:
        walk(root, "", True, True)
    for spec_id in ids.sorted_ids(graph.specs):  # anything only reachable through a cycle
        if spec_id not in printed:
            walk(spec_id, "", True, True)
    return lines


def _mermaid(graph: Graph) -> list[str]:
    node = {spec_id: f"n{i}" for i, spec_id in enumerate(ids.sorted_ids(graph.specs))}
    lines = ["graph TD"]
    for spec_id, name in node.items():
        title = graph.specs[spec_id].display_title.replace('"', "'")
        lines.append(f'  {name}["{spec_id}<br/>{title}<br/>{graph.display_status(spec_id)}"]')
    for spec_id in node:
        for dep in graph.specs[spec_id].depends_on:
            if dep in node:
                lines.append(f"  {node[dep]} --> {node[spec_id]}")
        driver = graph.driver_of(spec_id)
        if driver is not None:
            lines.append(f"  {node[driver]} -.-> {node[spec_id]}")
    return lines


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "mermaid", "json"]),
    default="text",
    show_default=True,
    help="A tree for people, a Mermaid graph, or JSON.",
)
def dag(fmt: str) -> None:
    """Print the dependency graph: a tree (dependencies above dependents, members under drivers)."""
    proj = common.project()
    graph = common.graph_of(proj)
    common.warn_invalid(proj)
    if fmt == "json":
        from chant.ops.reports import dag_report

        render.emit_json(dag_report(graph))
        return
    for line in _tree_lines(graph) if fmt == "text" else _mermaid(graph):
        click.echo(line)
    if fmt == "text":
        roots = sum(1 for s in graph.specs if not graph.dependencies(s))
        click.echo(
            f"\nSummary: {len(graph.specs)} specs, {roots} without dependencies, "
            f"{len(graph.cycles())} cycle(s)"
        )


@click.command()
@common.spec_id_argument("driver_id")
@common.json_option()
def group(driver_id: str, as_json: bool) -> None:
    """Show a driver's members with their status and the phases `chant work` will run."""
    from chant.ops.reports import group_graph, group_report

    proj = common.project()
    driver = proj.resolve(driver_id, archived=True)
    report = group_report(proj, driver)  # archived: with its members (archive moves a group together)
    if as_json:
        render.emit_json(report)
        return
    graph = group_graph(proj, driver)
    members = graph.members(driver.id)
    phases = graph.phases(driver.id)
    archived = "  [archived]" if driver.archived else ""
    click.echo(f"Driver: {named(driver.id, driver.title)} [{graph.display_status(driver.id)}]{archived}")
    done = sum(1 for m in members if graph.specs[m].status == Status.COMPLETED)
    click.echo(f"Members: {done}/{len(members)} completed\n")
    for phase in phases:
        click.echo(f"Phase {phase.number}: {phase.label}")
        for member in phase.members:
            state = graph.display_status(member)
            click.echo(f"  {render.icon(state)} {named(member, graph.specs[member].title)} - {state}")
        click.echo("")


@click.command()
@common.spec_id_argument("spec_id", required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="One line per finding, or JSON.",
)
@common.json_option("Same as --format json.")
@click.option("--quality", "all_quality", is_flag=True, help="List every quality finding (amber ones too).")
def lint(spec_id: str | None, fmt: str, as_json: bool, all_quality: bool) -> None:
    """Check specs and .chant/config.md, including what `chant work` would refuse (unknown agent or
    prompt, target files outside the repository, IDs that are not branch names), then grade each spec's
    quality (docs/specs-quality.md). Exits 1 when any error is found (warnings and grades alone exit 0)."""
    from chant.lint import relative_paths
    from chant.ops.reports import lint_only, lint_report

    proj = common.project(read_config=False)
    specs = proj.specs()
    only = lint_only(proj, spec_id)  # a broken file is exactly what lint is for: no InvalidSpecError
    payload, diagnostics, grades = lint_report(proj, only)
    rel = relative_paths(specs.active, specs.invalid, proj.root)
    errors, warnings, checked = payload["errors"], payload["warnings"], payload["checked"]
    if as_json or fmt == "json":
        render.emit_json(payload)
    else:
        for diagnostic in diagnostics:
            click.echo(diagnostic.render())
        for line in quality.render(grades, rel, only_red=not all_quality):
            click.echo(line)
        click.echo(f"{checked} spec(s) checked: {errors} error(s), {warnings} warning(s)")
        click.echo(_grade_summary(grades, all_quality))
    if errors:
        raise SystemExit(1)


def _grade_summary(grades: dict[str, quality.Assessment], all_quality: bool) -> str:
    counts = {grade: 0 for grade in (quality.GREEN, quality.AMBER, quality.RED)}
    for assessment in grades.values():
        counts[assessment.grade] += 1
    line = "Quality: " + ", ".join(f"{n} {grade}" for grade, n in counts.items())
    reds = [a.spec_id for a in grades.values() if a.grade == quality.RED]
    notes = (
        [f"red: {', '.join(reds)}; `chant work` needs --force for them without a terminal"] if reds else []
    )
    if counts[quality.AMBER] and not all_quality:
        notes.append("`chant lint --quality` lists every finding")
    return line + (f" ({'; '.join(notes)})" if notes else "")
