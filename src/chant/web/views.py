"""What each page shows, computed from the project (the spec files via the index cache, the graph, the run
journals). Shared by the live server and the static site; no web framework in here.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from chant import layout, states
from chant.errors import ChantError
from chant.graph import APPROVAL_REASONS, CycleError, Graph
from chant.ops import query
from chant.project import Project
from chant.run import journal
from chant.spec import ids
from chant.spec.model import Spec
from chant.spec.status import Status
from chant.web import svg

# Board columns, left to right; `pending` never shows (it is computed into ready / blocked).
COLUMNS = ("ready", "blocked", "in_progress", "paused", "needs_attention", "failed", "completed", "cancelled")
LABELS = {
    "ready": "Ready",
    "blocked": "Blocked",
    "in_progress": "Running",
    "paused": "Paused",
    "needs_attention": "Needs attention",
    "failed": "Failed",
    "completed": "Completed",
    "cancelled": "Cancelled",
    "pending": "Pending",
}


def state_label(state: str) -> str:
    return LABELS.get(state, state.replace("_", " ").capitalize())


@dataclass
class Filters:
    """The board's filters (the list filters of `chant list`, plus a driver and a text search)."""

    type: str | None = None
    label: str | None = None
    driver: str | None = None
    q: str | None = None
    all: bool = False  # include cancelled

    @classmethod
    def of(cls, params: dict[str, str]) -> Filters:
        def get(key: str) -> str | None:
            value = (params.get(key) or "").strip()
            return value or None

        return cls(get("type"), get("label"), get("driver"), get("q"), bool(get("all")))

    @property
    def active(self) -> bool:
        return any((self.type, self.label, self.driver, self.q, self.all))


@dataclass
class Card:
    id: str
    title: str
    state: str
    type: str
    labels: list[str]
    driver: str | None
    blocked_by: list[str]
    cost: float | None
    members: int


@dataclass
class Column:
    state: str
    label: str
    cards: list[Card]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.cards)


@dataclass
class Snapshot:
    """One consistent read of the project for one page (or one whole static site)."""

    project: Project
    drift_limit: int | None = 300
    graph: Graph = field(init=False)
    now: float = field(default_factory=time.time)
    drift_skipped: int = 0

    def __post_init__(self) -> None:
        self.graph = Graph.of(self.project.specs())

    @cached_property
    def history(self) -> list[journal.Run]:
        return journal.runs(self.project)

    @cached_property
    def states(self) -> dict[str, str]:
        return {spec_id: self.graph.display_status(spec_id) for spec_id in self.graph.specs}

    @cached_property
    def ordered(self) -> list[str]:
        return ids.sorted_ids(self.graph.specs)

    def spec(self, spec_id: str) -> Spec:
        spec = self.graph.specs.get(spec_id)
        if spec is None:
            raise ChantError(f"no spec {spec_id}")
        return spec

    @cached_property
    def dependents(self) -> dict[str, list[str]]:
        """Who waits for each spec (``Graph.dependents`` for all specs at once)."""
        found: dict[str, list[str]] = defaultdict(list)
        for spec_id in self.ordered:
            for dep in self.graph.dependencies(spec_id):
                found[dep].append(spec_id)
        return found

    @cached_property
    def titles(self) -> dict[str, str]:
        return {spec_id: spec.display_title for spec_id, spec in self.graph.specs.items()}

    def title(self, spec_id: str) -> str:
        spec = self.graph.specs.get(spec_id)
        return spec.display_title if spec is not None else spec_id

    @cached_property
    def drivers(self) -> list[str]:
        return [s for s in self.ordered if self.graph.members(s)]

    @cached_property
    def labels(self) -> list[str]:
        return sorted({label for spec in self.graph.specs.values() for label in spec.labels})

    @cached_property
    def types(self) -> list[str]:
        return sorted({spec.type for spec in self.graph.specs.values()})

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = defaultdict(int)
        for state in self.states.values():
            found[state] += 1
        return dict(found)

    @cached_property
    def awaiting_approval(self) -> list[str]:
        return [
            s
            for s in self.ordered
            if self.states[s] == "blocked"
            and any(b.reason in APPROVAL_REASONS for b in self.graph.blockers(s))
        ]

    @cached_property
    def stranded(self) -> list[str]:
        """``in_progress`` with no live run lock (its own, or a member's for a driver): recovery.stranded's
        rule, with each lock probed once (the board of a big project has hundreds of in_progress specs)."""

        working = [s for s in self.ordered if self.graph.specs[s].status == Status.IN_PROGRESS]
        held = {s for s in working if layout.is_running(self.project, s)}
        return [s for s in working if s not in held and not any(h.startswith(f"{s}.") for h in held)]

    @cached_property
    def drift(self) -> Any:
        """``drift.check_all`` once per snapshot. Skipped (None) when no completed spec has inputs (nothing can
        drift), or when more than ``drift_limit`` specs are completed: it costs git calls per completed spec,
        and a page view must stay quick (``chant drift --all`` and the static site check them all)."""
        from chant import drift

        completed = [s for s in self.graph.specs.values() if s.status == Status.COMPLETED]
        if not any(spec.get(key) for spec in completed for key in drift.INPUT_FIELDS):
            return None
        if self.drift_limit is not None and len(completed) > self.drift_limit:
            self.drift_skipped = len(completed)
            return None
        try:
            return drift.check_all(self.project)
        except ChantError:
            return None

    def attention_count(self) -> int:
        """Failed, conflicted, stranded and awaiting approval (drift is counted on the attention page only)."""
        failing = sum(1 for s in self.states.values() if s in ("failed", "needs_attention"))
        return failing + len(self.stranded) + len(self.awaiting_approval)


# -- board --------------------------------------------------------------------------------------------
def card(snap: Snapshot, spec: Spec) -> Card:
    cost = spec.get("cost_usd")
    state = snap.states[spec.id]
    return Card(
        spec.id,
        spec.display_title,
        state,
        spec.type,
        spec.labels,
        snap.graph.driver_of(spec.id),
        [_short_blocker(b) for b in snap.graph.blockers(spec.id)] if state == "blocked" else [],
        float(cost) if isinstance(cost, int | float) else None,
        len(snap.graph.members(spec.id)),
    )


def _short_blocker(blocker: Any) -> str:
    """``ext.1 (pending)``: a card has room for the ID's tail only."""
    if not blocker.id:
        return str(blocker.reason)
    return f"{blocker.id.rsplit('-', 1)[-1]} ({blocker.reason})"


def select(snap: Snapshot, filters: Filters) -> list[Spec]:
    chosen = query.select(
        snap.graph,
        type_=filters.type,
        labels=(filters.label,) if filters.label else (),
        include_cancelled=filters.all,
    )
    if filters.driver:
        chosen = [s for s in chosen if s.id == filters.driver or snap.graph.driver_of(s.id) == filters.driver]
    if filters.q:
        found = {s.id for s in query.search(snap.graph, filters.q)}
        chosen = [s for s in chosen if s.id in found]
    return chosen


def board(snap: Snapshot, filters: Filters, limit: int) -> list[Column]:
    """Cards by state, at most ``limit`` per column (the rest is one click away on the state's page)."""
    by_state: dict[str, list[Spec]] = defaultdict(list)
    for spec in select(snap, filters):
        by_state[snap.states[spec.id]].append(spec)
    shown = [c for c in COLUMNS if c != "cancelled" or filters.all or by_state.get(c)]
    return [
        Column(
            state, state_label(state), [card(snap, s) for s in by_state[state][:limit]], len(by_state[state])
        )
        for state in shown
    ]


def state_list(snap: Snapshot, state: str) -> list[Card]:
    return [card(snap, snap.graph.specs[s]) for s in snap.ordered if snap.states[s] == state]


# -- a spec, a driver ---------------------------------------------------------------------------------
@dataclass
class Dependency:
    id: str
    title: str
    state: str  # the dependency's display state, or missing / invalid / archived
    satisfied: bool


def dependencies(snap: Snapshot, spec: Spec) -> list[Dependency]:
    found = []
    for dep in snap.graph.dependencies(spec.id):
        blocking = snap.graph.dependency_state(dep)
        if dep in snap.graph.specs:
            state = snap.states[dep]
        else:
            state = "archived" if dep in snap.graph.archived else (blocking or "missing")
        found.append(Dependency(dep, snap.title(dep), state, blocking is None))
    return found


def inputs(snap: Snapshot, spec: Spec) -> list[tuple[str, list[tuple[str, int]]]]:
    """Each input field with its patterns and how many files they match now."""
    from chant.globs import expand

    found = []
    for key, label in (
        ("informed_by", "Informed by"),
        ("tracks", "Tracks"),
        ("origin", "Origin"),
        ("context", "Context"),
    ):
        patterns = spec.values(key)
        if patterns:
            found.append((label, [(p, len(expand(snap.project.root, [p]))) for p in patterns]))
    return found


def facts(spec: Spec) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = [("Type", spec.type), ("Status", spec.status.value)]
    for key, label in (
        ("completed_at", "Completed"),
        ("model", "Model"),
        ("agent", "Agent"),
        ("prompt", "Prompt"),
        ("branch", "Branch"),
        ("schedule", "Schedule"),
        ("replay_count", "Replays"),
        ("failure_reason", "Failure"),
    ):
        value = spec.get(key)
        if value not in (None, "", []):
            rows.append((label, str(value)))
    cost = spec.get("cost_usd")
    if isinstance(cost, int | float):
        rows.append(("Cost", f"${float(cost):,.4f}"))
    tokens = spec.get("tokens")
    if isinstance(tokens, dict):
        rows.append(("Tokens", f"{tokens.get('input', 0):,} in / {tokens.get('output', 0):,} out"))
    approval = spec.approval
    if approval:
        parts = [str(approval.get("status") or "required")]
        if approval.get("by"):
            parts.append(f"by {approval['by']}")
        if approval.get("reason"):
            parts.append(f"({approval['reason']})")
        rows.append(("Approval", " ".join(parts)))
    return rows


@dataclass
class PhaseView:
    number: int
    label: str
    members: list[Card]


@dataclass
class DriverView:
    phases: list[PhaseView]
    timeline: str
    graph: str
    error: str | None = None
    done: int = 0
    total: int = 0


def driver(snap: Snapshot, spec_id: str, href: Any) -> DriverView | None:
    """Phases, the timeline of the last journalled run of each member, and the member graph."""
    members = snap.graph.members(spec_id)
    if not members:
        return None
    done = sum(1 for m in members if snap.states[m] == "completed")
    try:
        phases = snap.graph.phases(spec_id)
    except CycleError as exc:
        return DriverView([], "", "", error=exc.message, done=done, total=len(members))
    bars = journal.last_bars(snap.project, members, snap.history)
    rows = []
    for phase in phases:
        for member in phase.members:
            bar = bars.get(member)
            rows.append(
                svg.Row(
                    member,
                    f"{member.rsplit('-', 1)[-1]} {snap.title(member)}",
                    phase.number,
                    bar.start if bar else None,
                    bar.end if bar else None,
                    bar.state if bar else "none",
                    href(member),
                )
            )
    title = snap.title(spec_id)
    layers = [
        [svg.Node(m, snap.title(m), snap.states[m], href(m)) for m in phase.members] for phase in phases
    ]
    return DriverView(
        [PhaseView(p.number, p.label, [card(snap, snap.graph.specs[m]) for m in p.members]) for p in phases],
        svg.timeline(rows, title=f"Timeline of the last run of each member of {title}", now=snap.now),
        svg.dag(
            layers, snap.graph.member_edges(spec_id), title=f"Dependency graph of the members of {title}"
        ),
        done=done,
        total=len(members),
    )


def attempts(snap: Snapshot, spec_id: str) -> list[dict[str, Any]]:
    return [
        {
            "run": bar.run,
            "started": bar.start,
            "took": (bar.end if bar.end is not None else snap.now) - bar.start,
            "state": bar.state,
            "reason": bar.reason,
            "running": bar.end is None,
        }
        for bar in journal.attempts(snap.project, spec_id, snap.history)
    ]


def log_tail(project: Project, spec_id: str, lines: int = 40) -> list[str]:
    from chant.run.logs import latest_run

    path = layout.log_path(project, spec_id)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return latest_run(text).splitlines()[-lines:]


def drift_of(project: Project, spec: Spec) -> Any:
    """The spec's own drift report (completed specs with inputs), or None."""
    from chant import drift

    if spec.status != Status.COMPLETED or not any(spec.get(key) for key in drift.INPUT_FIELDS):
        return None

    try:
        return drift.check_spec(project, spec)
    except ChantError:
        return None


# -- attention ----------------------------------------------------------------------------------------
@dataclass
class Attention:
    id: str
    title: str
    kind: str  # conflict | failed | stranded | approval | drift | paused
    state: str
    why: str
    fix: str | None
    actions: list[str]


KIND_ORDER = ("conflict", "failed", "stranded", "approval", "drift", "paused")
KIND_LABELS = {
    "conflict": "Merge conflicts",
    "failed": "Failed",
    "stranded": "Stranded (no chant is running them)",
    "approval": "Waiting for approval",
    "drift": "Inputs changed since completion (drift)",
    "paused": "Paused",
}


# Each kind lists this many with `chant diagnose`'s explanation (a few git calls each); the rest are counted.
PER_KIND = 20
ACTIONS = {
    "conflict": ["reset"],
    "failed": ["work", "reset"],
    "stranded": ["work", "reset"],
    "approval": ["approve", "reject"],
    "paused": ["work", "reset"],
}


@dataclass
class AttentionGroup:
    kind: str
    label: str
    items: list[Attention]
    total: int
    state: str | None  # the board state whose page lists all of them

    @property
    def more(self) -> int:
        return self.total - len(self.items)


def attention(snap: Snapshot, *, with_drift: bool = True) -> list[AttentionGroup]:
    """What needs a human, most urgent first, each with the command (``chant diagnose``'s) and buttons."""
    from chant.ops.diagnose import diagnose

    found: dict[str, list[str]] = defaultdict(list)
    stranded = set(snap.stranded)
    approval = set(snap.awaiting_approval)
    for spec_id in snap.ordered:
        kind = {"needs_attention": "conflict", "failed": "failed", "paused": "paused"}.get(
            snap.states[spec_id]
        )
        if spec_id in stranded:
            kind = "stranded"
        elif spec_id in approval:
            kind = "approval"
        if kind is not None:
            found[kind].append(spec_id)
    items: dict[str, list[Attention]] = defaultdict(list)
    for kind, spec_ids in found.items():
        for spec_id in spec_ids[:PER_KIND]:
            spec = snap.graph.specs[spec_id]
            told = diagnose(snap.project, spec, tail=0)
            items[kind].append(
                Attention(
                    spec_id,
                    spec.display_title,
                    kind,
                    snap.states[spec_id],
                    told.diagnosis,
                    told.fix,
                    ACTIONS[kind],
                )
            )
    drifted = [r for r in snap.drift.ordered() if r.stale] if with_drift and snap.drift is not None else []
    found["drift"] = [r.spec_id for r in drifted]
    for report in drifted[:PER_KIND]:
        changed = ", ".join(c.path for c in report.changes[:5]) or ", ".join(
            report.upstream or report.members
        )
        why = f"{report.state}: {changed}" if changed else report.state
        why += f" (review the report; `chant replay {report.spec_id}` redoes the spec)"
        items["drift"].append(
            Attention(
                report.spec_id, report.title, "drift", "completed", why, f"chant drift {report.spec_id}", []
            )
        )
    states = {
        "conflict": "needs_attention",
        "failed": "failed",
        "paused": "paused",
        "stranded": "in_progress",
    }
    return [
        AttentionGroup(kind, KIND_LABELS[kind], items[kind], len(found[kind]), states.get(kind))
        for kind in KIND_ORDER
        if found.get(kind)
    ]


# -- cost ---------------------------------------------------------------------------------------------
@dataclass
class CostView:
    total: float
    specs: int
    tokens_in: int
    tokens_out: int
    by_day: list[tuple[str, float]]
    by_spec: list[tuple[str, str, float]]
    day_chart: str
    spec_chart: str


def _day(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d")
    text = str(value or "")
    return text[:10] if len(text) >= 10 else None


def cost(snap: Snapshot, href: Any, top: int = 25) -> CostView:
    """Spend from each spec's recorded ``cost_usd``, by the day it completed and by spec."""
    days: dict[str, float] = defaultdict(float)
    per_spec: list[tuple[str, str, float]] = []
    tokens_in = tokens_out = 0
    for spec_id in snap.ordered:
        spec = snap.graph.specs[spec_id]
        value = spec.get("cost_usd")
        tokens = spec.get("tokens")
        if isinstance(tokens, dict):
            tokens_in += int(tokens.get("input") or 0)
            tokens_out += int(tokens.get("output") or 0)
        if not isinstance(value, int | float) or isinstance(value, bool):
            continue
        amount = float(value)
        per_spec.append((spec_id, spec.display_title, amount))
        day = _day(spec.get("completed_at")) or _day(spec_id) or "unknown"
        days[day] += amount
    by_day = sorted(days.items())
    by_spec = sorted(per_spec, key=lambda item: (-item[2], ids.sort_key(item[0])))
    return CostView(
        sum(a for _i, _t, a in per_spec),
        len(per_spec),
        tokens_in,
        tokens_out,
        by_day,
        by_spec,
        svg.bars_by_day(by_day, title="Agent spend per day (USD)") if by_day else "",
        svg.bars_by_item(
            [(i, f"{i.rsplit('-', 1)[-1]} {t}", a, href(i)) for i, t, a in by_spec[:top]],
            title=f"Agent spend by spec, top {min(top, len(by_spec))} (USD)",
        )
        if by_spec
        else "",
    )


# The terminal's pause sign is missing from common web fonts.
WEB_ICONS = {**states.ICONS, "paused": "‖", "skipped": "–", "died": "✗", "running": "◐"}


def icon(state: str) -> str:
    return WEB_ICONS.get(state, "·")
