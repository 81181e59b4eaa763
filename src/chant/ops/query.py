"""Read-only queries behind list / ready / status / search."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chant import states
from chant.graph import Graph
from chant.spec import ids
from chant.spec.model import Spec

STATES = states.STATES


def summary(graph: Graph, spec: Spec) -> dict[str, Any]:
    return {
        "id": spec.id,
        "title": spec.title,
        "type": spec.type,
        "status": spec.status.value,
        "state": graph.display_status(spec.id),
        "depends_on": spec.depends_on,
        "blocked_by": [str(b) for b in graph.blockers(spec.id)] if spec.status.value == "pending" else [],
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
                if spec.status.value != "pending":
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


def search(graph: Graph, query: str, *, title_only: bool = False, case_sensitive: bool = False) -> list[Spec]:
    needle = query if case_sensitive else query.lower()
    found: list[Spec] = []
    for spec_id in ids.sorted_ids(graph.specs):
        spec = graph.specs[spec_id]
        haystack = spec.title or "" if title_only else f"{spec.title or ''}\n{spec.body}"
        if not case_sensitive:
            haystack = haystack.lower()
        if needle in haystack:
            found.append(spec)
    return found
