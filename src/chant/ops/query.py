"""Read-only queries behind list / ready / status / search."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chant import states
from chant.graph import Graph
from chant.spec import ids
from chant.spec.model import Spec
from chant.spec.status import Status

if TYPE_CHECKING:
    from chant.project import Project

STATES = states.STATES


def summary(graph: Graph, spec: Spec) -> dict[str, Any]:
    return {
        "id": spec.id,
        "title": spec.title,
        "type": spec.type,
        "status": spec.status.value,
        "state": graph.display_status(spec.id),
        "depends_on": spec.depends_on,
        "blocked_by": [str(b) for b in graph.blockers(spec.id)] if spec.status == Status.PENDING else [],
        "labels": spec.labels,
        "driver": graph.driver_of(spec.id),
    }


def select(
    graph: Graph,
    *,
    status: str | None = None,
    type_: str | None = None,
    labels: tuple[str, ...] = (),
    ready: bool = False,
    include_cancelled: bool = False,
) -> list[Spec]:
    chosen: list[Spec] = []
    for spec_id in ids.sorted_ids(graph.specs):
        spec = graph.specs[spec_id]
        state = graph.display_status(spec_id)
        if ready and state != "ready":
            continue
        if status is not None:
            if status == "pending":
                if spec.status != Status.PENDING:
                    continue
            elif state != status:
                continue
        elif state == "cancelled" and not include_cancelled:
            continue
        if type_ is not None and spec.type != type_:
            continue
        if labels and not set(labels) & set(spec.labels):
            continue
        chosen.append(spec)
    return chosen


@dataclass
class StatusReport:
    counts: dict[str, int] = field(default_factory=dict)
    attention: list[dict[str, Any]] = field(default_factory=list)
    in_progress: list[dict[str, Any]] = field(default_factory=list)
    ready: list[dict[str, Any]] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    total: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "counts": self.counts,
            "attention": self.attention,
            "in_progress": self.in_progress,
            "ready": self.ready,
            "invalid": self.invalid,
        }


def status_report(graph: Graph, invalid: list[str] | None = None) -> StatusReport:
    report = StatusReport(counts={state: 0 for state in STATES if state != "pending"})
    for spec_id in ids.sorted_ids(graph.specs):
        spec = graph.specs[spec_id]
        state = graph.display_status(spec_id)
        report.counts[state] = report.counts.get(state, 0) + 1
        report.total += 1
        entry = {"id": spec_id, "title": spec.title}
        if state in ("failed", "needs_attention"):
            reason = spec.get("failure_reason")
            report.attention.append({**entry, "status": state, "reason": reason})
        elif state in ("in_progress", "paused"):
            report.in_progress.append({**entry, "status": state})
        elif state == "ready":
            report.ready.append(entry)
    report.invalid = list(invalid or [])
    return report


def search(
    graph: Graph,
    query: str,
    *,
    title_only: bool = False,
    case_sensitive: bool = False,
    archived: Iterable[Spec] = (),
) -> list[Spec]:
    """Active specs in natural order, then the ``archived`` ones, whose title (or body) contains ``query``."""
    needle = query if case_sensitive else query.lower()
    found: list[Spec] = []
    for spec in [*(graph.specs[i] for i in ids.sorted_ids(graph.specs)), *archived]:
        haystack = spec.title or "" if title_only else f"{spec.title or ''}\n{spec.body}"
        if not case_sensitive:
            haystack = haystack.lower()
        if needle in haystack:
            found.append(spec)
    return found


def matches(spec: Spec, *, status: str | None, type_: str | None, labels: tuple[str, ...]) -> bool:
    """The filters of :func:`select` for a spec outside the graph (archived: its stored status only)."""
    if status is not None and spec.status.value != status:
        return False
    if type_ is not None and spec.type != type_:
        return False
    return not labels or bool(set(labels) & set(spec.labels))


def archived_summary(spec: Spec) -> dict[str, Any]:
    """:func:`summary` for an archived spec (not in the graph: nothing blocks it), marked ``archived``."""
    return {
        "id": spec.id,
        "title": spec.title,
        "type": spec.type,
        "status": spec.status.value,
        "state": spec.status.value,
        "depends_on": spec.depends_on,
        "blocked_by": [],
        "labels": spec.labels,
        "driver": ids.parent_id(spec.id),
        "archived": True,
    }


def archived_specs(project: Project, only: Iterable[str] | None = None) -> tuple[list[Spec], list[str]]:
    """The archive's specs in natural order (or just ``only``), and a message per file that does not parse."""
    from chant.errors import ChantError

    specs: list[Spec] = []
    problems: list[str] = []
    for spec_id in ids.sorted_ids(project.specs().archived if only is None else only):
        try:
            specs.append(project.load_archived(spec_id))
        except ChantError as exc:
            problems.append(exc.message)
    return specs, problems


def archived_members(project: Project, driver_id: str) -> list[Spec]:
    """The archived members (at any depth) of an archived driver: ``chant archive`` moves a group together."""
    found = [spec_id for spec_id in project.specs().archived if ids.is_member_of(spec_id, driver_id)]
    return archived_specs(project, found)[0]
