"""The ``--json`` documents of the read commands (show, search, group, dag, lint, drift), built once.

The CLI prints them and the MCP server returns them (docs/json.md is their contract), so the two cannot
drift apart. Each returns the payload without ``"schema"`` (the caller's envelope adds it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chant.errors import ChantError
from chant.graph import CycleError, Graph
from chant.ops import query
from chant.shell import quote
from chant.spec import ids

if TYPE_CHECKING:
    from chant.project import Project
    from chant.spec import quality
    from chant.spec.model import Spec


def spec_detail(project: Project, spec: Spec, graph: Graph, *, body: bool = False) -> dict[str, Any]:
    """``chant show --json``'s ``spec``."""
    data = spec.to_dict()
    data["path"] = project.rel(spec.path)
    if spec.id in graph.specs:
        data["state"] = graph.display_status(spec.id)
        data["blocked_by"] = [str(b) for b in graph.blockers(spec.id)]
        data["members"] = graph.members(spec.id)
        if graph.is_driver(spec.id) and graph.members(spec.id):
            # A member cycle must not make the driver unshowable: report it instead of the phases.
            try:
                data["phases"] = [list(p.members) for p in graph.phases(spec.id)]
            except CycleError as exc:
                data["phases"] = None
                data["phase_error"] = exc.message
        data["quality"] = assessment(project, graph, spec.id).to_dict()
    if body:
        data["body"] = spec.body
    return data


def assessment(project: Project, graph: Graph, spec_id: str) -> quality.Assessment:
    from chant.spec import quality

    thresholds = quality.Thresholds.from_config(project.config.get)
    return quality.assess_all(graph, thresholds, [spec_id])[spec_id]


def search_rows(
    project: Project,
    graph: Graph,
    text: str,
    *,
    title_only: bool = False,
    case_sensitive: bool = False,
    status: str | None = None,
    type_: str | None = None,
    labels: tuple[str, ...] = (),
    active_only: bool = False,
) -> tuple[list[dict[str, Any]], list[str]]:
    """``chant search``'s rows (active specs, then archived ones unless ``active_only``) and the messages of
    archived files that do not parse."""
    allowed = {
        s.id for s in query.select(graph, status=status, type_=type_, labels=labels, include_cancelled=True)
    }
    archived: list[Spec] = []
    problems: list[str] = []
    if not active_only:
        archived, problems = query.archived_specs(project)
        archived = [s for s in archived if query.matches(s, status=status, type_=type_, labels=labels)]
        allowed.update(s.id for s in archived)
    found = [
        s
        for s in query.search(
            graph, text, title_only=title_only, case_sensitive=case_sensitive, archived=archived
        )
        if s.id in allowed
    ]
    rows = [query.archived_summary(s) if s.archived else query.summary(graph, s) for s in found]
    return rows, problems


def group_graph(project: Project, driver: Spec) -> Graph:
    """The graph a driver's members live in: the active one, or the archive's (archived as a group)."""
    if driver.archived:
        return Graph([driver, *query.archived_members(project, driver.id)])
    return Graph.of(project.specs())


def group_report(project: Project, driver: Spec) -> dict[str, Any]:
    """``chant group --json``; a driver without members is an error with the command that adds one."""
    graph = group_graph(project, driver)
    members = graph.members(driver.id)
    if not members:
        raise ChantError(
            f"{driver.id} has no member specs",
            hint=f'add one with `chant add "..." --group {quote(driver.id)}`',
        )
    phases = graph.phases(driver.id)
    phase_of = {m: p.number for p in phases for m in p.members}
    return {
        "driver": {
            "id": driver.id,
            "title": driver.title,
            "state": graph.display_status(driver.id),
            "archived": driver.archived,
        },
        "phases": [{"number": p.number, "label": p.label, "members": list(p.members)} for p in phases],
        "members": [
            {
                "id": m,
                "title": graph.specs[m].title,
                "state": graph.display_status(m),
                "phase": phase_of[m],
                "depends_on": graph.member_edges(driver.id)[m],
            }
            for m in members
        ],
    }


def dag_report(graph: Graph) -> dict[str, Any]:
    """``chant dag --format json``: every spec as a node, every dependency as an edge."""
    order = ids.sorted_ids(graph.specs)
    edges = [{"from": d, "to": s} for s in order for d in graph.dependencies(s)]
    nodes = [{"id": s, "title": graph.specs[s].title, "state": graph.display_status(s)} for s in order]
    return {"nodes": nodes, "edges": edges}


def lint_quality(project: Project, graph: Graph, only: set[str] | None) -> dict[str, quality.Assessment]:
    """The quality grade (docs/specs-quality.md) of the spec asked about, or of every spec that will still
    run (completed and cancelled ones are at rest); thresholds from ``quality.*``."""
    from chant.spec import quality
    from chant.spec.status import Status
    from chant.validate import config_or_default

    at_rest = (Status.COMPLETED, Status.CANCELLED)
    everything = [s for s, spec in graph.specs.items() if spec.status not in at_rest]
    wanted = ids.sorted_ids(only if only is not None else everything)
    return quality.assess_all(graph, quality.Thresholds.from_config(config_or_default(project).get), wanted)


def lint_only(project: Project, spec_id: str | None) -> set[str] | None:
    """The spec ``lint ID`` checks; a broken file resolves too (reporting it is what lint is for)."""
    if not spec_id:
        return None
    specs = project.specs()
    found = project.resolve_id(spec_id)
    if found not in specs.active and found not in specs.invalid:
        project.resolve(found, action="lint")  # archived: says so
    return {found}


def lint_report(project: Project, only: set[str] | None) -> tuple[dict[str, Any], list[Any], dict[str, Any]]:
    """``chant lint --format json``, plus the diagnostics and grades it was made of (the text form's)."""
    from chant.validate import lint_project

    specs = project.specs()
    diagnostics = lint_project(project, only)
    grades = lint_quality(project, Graph.of(specs), only)
    errors = sum(1 for d in diagnostics if d.severity == "error")
    payload = {
        "diagnostics": [d.to_dict() for d in diagnostics],
        "errors": errors,
        "warnings": len(diagnostics) - errors,
        "checked": len(only) if only else len(specs.active) + len(specs.invalid),
        "quality": [a.to_dict() for a in grades.values()],
    }
    return payload, diagnostics, grades


def drift_target(project: Project, spec_id: str | None) -> Spec | None:
    """The completed spec ``drift ID`` reports on (None: every completed spec)."""
    from chant.spec.status import Status

    if not spec_id:
        return None
    target = project.resolve(spec_id, archived=True)
    if target.status != Status.COMPLETED:
        raise ChantError(
            f"{target.id} is {target.status.value}; drift only checks completed specs",
            hint=f"`chant work {quote(target.id)}` first (or `chant drift --all` for every completed spec)",
        )
    return target


def drift_chosen(result: Any, target: Spec | None) -> list[Any]:
    """The reports ``drift`` shows: the target and its members, or every completed spec."""
    if target is None:
        return list(result.ordered())
    members = [m for m in _all_members(result.graph, target.id) if m in result.reports]
    return [result.reports[target.id], *(result.reports[m] for m in members)]


def drift_payload(chosen: list[Any], result: Any, whole: bool) -> dict[str, Any]:
    """``chant drift --json``; ``whole`` (no ID) adds the stale list and the recommendations."""
    payload: dict[str, Any] = {"specs": [r.to_dict() for r in chosen]}
    if whole:
        rerun, review = result.recommendations()
        payload["stale"] = [r.spec_id for r in chosen if r.stale]
        payload["recommendations"] = {"rerun": rerun, "review": review}
    return payload


def drift_report(project: Project, spec_id: str | None) -> dict[str, Any]:
    """``chant drift [ID] --json`` in one call."""
    from chant import drift as engine

    target = drift_target(project, spec_id)
    if target is not None and target.archived:
        result = engine.check_archived(project, target)
    else:
        result = engine.check_all(project, around=target.id if target is not None else None)
    return drift_payload(drift_chosen(result, target), result, target is None)


def _all_members(graph: Graph, driver: str) -> list[str]:
    found: list[str] = []
    for member in graph.members(driver):
        found += [member, *_all_members(graph, member)]
    return found
