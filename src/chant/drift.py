"""Drift: have the inputs of a completed spec changed since it completed? Content-based, read-only.

The baseline is the commit recorded at finalize (``input_baseline``); the inputs are the files matched by
the spec's ``tracks``, ``origin``, ``informed_by`` and ``context`` patterns there and in the working tree.
A file counts when its content changed, appeared or vanished, so a fresh clone (new mtimes) never drifts.

Statuses: ``UP TO DATE``; ``DRIFT DETECTED`` (own inputs changed); ``DRIFT DETECTED (via member)`` (a driver
whose member drifted); ``CASCADE DRIFT (upstream stale)`` (a dependency, or the driver of a member, is stale).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from chant import clock, git
from chant import schedule as schedule_mod
from chant.globs import directory_glob, expand, glob_regex, safe_is_dir
from chant.graph import Graph
from chant.project import Project
from chant.spec import ids
from chant.spec.model import DRIVER_TYPES, Spec
from chant.spec.status import Status

INPUT_FIELDS = ("tracks", "informed_by", "origin", "context")
FIELD_LABELS = {"tracks": "Tracked", "informed_by": "Informed-by", "origin": "Origin", "context": "Context"}
UP_TO_DATE = "UP TO DATE"
DRIFT = "DRIFT DETECTED"
VIA_MEMBER = "DRIFT DETECTED (via member)"
CASCADE = "CASCADE DRIFT (upstream stale)"
# Only these are re-run by the recommendations; code, task and driver specs downstream are listed for review.
RERUN_TYPES = ("research", "documentation")
# Directory names too common to say which module a path belongs to.
_GENERIC_DIRS = {"src", "lib", "app", "apps", "services", "service", "packages", "pkg", "internal", "tests"}


ChangeKind = Literal["modified", "added", "deleted"]


@dataclass
class FileChange:
    path: str
    source: str  # the frontmatter field that matched it
    kind: ChangeKind
    date: str | None = None
    added: int = 0
    removed: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class TargetHint:
    path: str
    sections: list[str] = field(default_factory=list)


@dataclass
class SpecDrift:
    spec_id: str
    title: str
    type: str
    completed_at: str | None
    baseline: str | None
    changes: list[FileChange] = field(default_factory=list)
    input_count: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # inputs per field, now
    upstream: list[str] = field(default_factory=list)  # stale specs this one depends on directly (cascade)
    members: list[str] = field(default_factory=list)  # drifted members (drivers)
    targets: list[TargetHint] = field(default_factory=list)
    next_check: str | None = None
    schedule: str | None = None

    @property
    def drifted(self) -> bool:
        """Own drift: its inputs changed, or (a driver) a member's did."""
        return bool(self.changes or self.members)

    @property
    def stale(self) -> bool:
        return self.drifted or bool(self.upstream)

    @property
    def state(self) -> str:
        if self.changes:
            return DRIFT
        if self.members:
            return VIA_MEMBER
        if self.upstream:
            return CASCADE
        return UP_TO_DATE

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.spec_id,
            "title": self.title,
            "type": self.type,
            "state": self.state,
            "drifted": self.drifted,
            "stale": self.stale,
            "completed_at": self.completed_at,
            "baseline": self.baseline,
            "inputs": self.input_count,
            "upstream": self.upstream,
            "members": self.members,
            "next_check": self.next_check,
            "schedule": self.schedule,
            "changes": [c.__dict__ for c in self.changes],
            "targets": [t.__dict__ for t in self.targets],
        }


@dataclass
class DriftResult:
    """Every completed spec's report, plus the graph for cascade trees and recommendations."""

    reports: dict[str, SpecDrift]
    graph: Graph

    def ordered(self, only: list[str] | None = None) -> list[SpecDrift]:
        chosen = [r for r in self.reports.values() if only is None or r.spec_id in only]
        return sorted(chosen, key=lambda r: ids.sort_key(r.spec_id))

    def children(self, spec_id: str) -> list[str]:
        """Stale specs that are stale because of ``spec_id`` (its dependents and members), collapsed so
        a member whose driver is listed too shows under the driver only."""
        found = [r.spec_id for r in self.reports.values() if spec_id in r.upstream]
        shown = set(found)
        found = [s for s in found if self.graph.driver_of(s) not in shown]
        return ids.sorted_ids(found)

    def ancestors(self, spec_id: str) -> set[str]:
        """Every stale spec upstream of ``spec_id`` (transitively), not itself."""
        seen: set[str] = set()
        todo = list(self.reports[spec_id].upstream) if spec_id in self.reports else []
        while todo:
            current = todo.pop()
            if current in seen or current not in self.reports:
                continue
            seen.add(current)
            todo.extend(self.reports[current].upstream)
        seen.discard(spec_id)
        return seen

    def roots(self, spec_id: str) -> list[str]:
        """The specs with own drift that make ``spec_id`` stale (itself included when it drifted)."""
        found: set[str] = set()
        todo = [spec_id]
        seen: set[str] = set()
        while todo:
            current = todo.pop()
            if current in seen or current not in self.reports:
                continue
            seen.add(current)
            report = self.reports[current]
            if report.drifted:
                found.add(current)
            todo.extend(report.upstream)
        return ids.sorted_ids(found)

    def topo_stale(self) -> list[str]:
        """Stale specs, upstream first (ID order among equals)."""
        stale = {s for s, r in self.reports.items() if r.stale}
        order: list[str] = []
        placed: set[str] = set()
        while len(placed) < len(stale):
            layer = [
                s
                for s in ids.sorted_ids(stale - placed)
                if all(u in placed for u in self.reports[s].upstream)
            ]
            if not layer:  # a cycle: place the rest in ID order
                layer = ids.sorted_ids(stale - placed)
            order.extend(layer)
            placed.update(layer)
        return order

    def recommendations(self) -> tuple[list[str], list[str]]:
        """(specs to reset and re-run, upstream first; specs to review).

        Research and documentation specs are re-run; so is a driver whose research/documentation member
        drifted (a driver reset resets its members). Code, task and other specs are listed for review.
        Members of a stale driver are covered by their driver."""
        rerun: list[str] = []
        review: list[str] = []
        for spec_id in self.topo_stale():
            driver = self.graph.driver_of(spec_id)
            if driver is not None and driver in self.reports and self.reports[driver].stale:
                continue
            report = self.reports[spec_id]
            via = any(self.reports[m].type in RERUN_TYPES for m in report.members)
            (rerun if report.type in RERUN_TYPES or via else review).append(spec_id)
        return rerun, review


# -- glob and baseline ---------------------------------------------------------------------------------
def _baseline(project: Project, spec: Spec) -> str | None:
    recorded = spec.get("input_baseline")
    if recorded and git.head(project.root, str(recorded)):
        return str(recorded)
    completed = spec.get("completed_at")
    if not completed:
        return None
    # Specs completed by other tools: the last commit at completion time, else (history rewritten, dates
    # pinned) the commit that added the spec file, else HEAD.
    found = git.run(["rev-list", "-1", f"--before={completed}", "HEAD"], project.root, check=False).stdout
    if not found.strip():
        added = git.run(
            ["log", "--diff-filter=A", "--format=%H", "--", project.rel(spec.path)], project.root, check=False
        ).stdout.split()
        found = added[-1] if added else (git.head(project.root) or "")
    return found.strip() or None


def _not_ignored(root: Path, paths: list[str]) -> list[str]:
    """Drop git-ignored files (build output, chant's run folder): they are not part of any baseline."""
    if not paths:
        return paths
    result = git.run(["check-ignore", "--stdin", "-z"], root, check=False, input="\0".join(paths) + "\0")
    ignored = set(result.stdout.split("\0"))
    return [p for p in paths if p not in ignored]


def _hash_files(root: Path, paths: list[str]) -> dict[str, str]:
    if not paths:
        return {}
    output = git.run(["hash-object", "--stdin-paths"], root, input="\n".join(paths) + "\n").stdout
    return dict(zip(paths, output.split(), strict=True))


# -- one spec ------------------------------------------------------------------------------------------
def check_spec(project: Project, spec: Spec, *, trees: dict[str, dict[str, str]] | None = None) -> SpecDrift:
    report = SpecDrift(
        spec.id, spec.display_title, spec.type, _text(spec.get("completed_at")), _baseline(project, spec)
    )
    report.schedule = str(spec.get("schedule")) if spec.get("schedule") else None
    report.next_check = next_check(project, spec)
    root = project.root
    own = {project.rel(spec.path), *spec.target_files}
    then_tree: dict[str, str] = {}
    if report.baseline:
        cache = trees if trees is not None else {}
        if report.baseline not in cache:
            cache[report.baseline] = git.ls_tree(root, report.baseline)
        then_tree = cache[report.baseline]
    seen: set[str] = set()

    def is_dir(pattern: str) -> bool:  # now, or at the baseline (a directory that has since vanished)
        prefix = pattern.rstrip("/") + "/"
        return safe_is_dir(root / pattern) or any(path.startswith(prefix) for path in then_tree)

    for field_name in INPUT_FIELDS:
        patterns = [directory_glob(p, is_dir) for p in spec.values(field_name)]
        if not patterns:
            continue
        regexes = [glob_regex(p) for p in patterns]
        before = {p: b for p, b in then_tree.items() if p not in own and any(r.match(p) for r in regexes)}
        now_paths = _not_ignored(root, [p for p in expand(root, patterns) if p not in own])
        now = _hash_files(root, now_paths)
        for path in sorted(set(before) | set(now)):
            if path in seen:
                continue
            seen.add(path)
            if before.get(path) == now.get(path):
                continue
            kind: ChangeKind = "added" if path not in before else "deleted" if path not in now else "modified"
            report.changes.append(_describe(project, report.baseline, path, field_name, kind))
        report.counts[field_name] = len(now)
        report.input_count += len(now)
    if report.changes:
        report.targets = target_hints(project, spec, [c.path for c in report.changes])
    return report


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return clock.iso(value)
    return str(value)


def completed_time(spec: Spec) -> datetime | None:
    value = spec.get("completed_at")
    if not value:
        return None
    try:
        return value if isinstance(value, datetime) else clock.parse_time(str(value))
    except ValueError:
        return None


def next_check(project: Project, spec: Spec) -> str | None:
    """The spec's next scheduled run if it has ``schedule:``, else completion + ``drift.interval`` steps,
    the first one not before today."""
    completed = completed_time(spec)
    if completed is None:
        return None
    schedule = spec.get("schedule")
    try:
        if schedule:
            upcoming = schedule_mod.next_run(str(schedule), completed)
            return upcoming.strftime("%Y-%m-%d") if upcoming else None
        interval = schedule_mod.parse_interval(project.config.get("drift.interval"))
    except schedule_mod.ScheduleError:
        return None
    today = clock.now().replace(hour=0, minute=0, second=0, microsecond=0)
    moment = completed + interval
    if interval >= timedelta(minutes=1):
        while moment < today:
            moment += interval
    return moment.strftime("%Y-%m-%d")


def _describe(
    project: Project, baseline: str | None, path: str, field_name: str, kind: ChangeKind
) -> FileChange:
    root = project.root
    change = FileChange(path, field_name, kind)
    log = git.run(
        ["log", "-1", "--format=%cs", *([f"{baseline}..HEAD"] if baseline else []), "--", path],
        root,
        check=False,
    ).stdout.strip()
    dirty = git.run(["status", "--porcelain", "--", path], root, check=False).stdout.strip()
    change.date = "uncommitted" if dirty and not log else (log or None)
    old = (git.show_file(root, baseline, path) or "") if baseline and kind != "added" else ""
    try:
        new = (root / path).read_text(encoding="utf-8", errors="replace") if kind != "deleted" else ""
    except OSError:
        new = ""
    numstat = (
        git.run(["diff", "--numstat", baseline, "--", path], root, check=False).stdout.split()
        if baseline
        else []
    )
    if len(numstat) >= 2 and numstat[0].isdigit():
        change.added, change.removed = int(numstat[0]), int(numstat[1])
    elif kind == "added" and not numstat:  # untracked: git diff does not see it
        change.added = len(new.splitlines())
    change.notes = semantic_notes(path, old, new)
    return change


def semantic_notes(path: str, old: str, new: str) -> list[str]:
    lower = path.lower()
    if lower.endswith(".py"):
        return python_notes(old, new)
    if lower.endswith((".md", ".markdown")):
        return markdown_notes(old, new)
    if lower.endswith((".csv", ".tsv")):
        rows = len([x for x in new.splitlines() if x.strip()]) - len(
            [x for x in old.splitlines() if x.strip()]
        )
        if rows > 0:
            return [f"Rows added: {rows}"]
        if rows < 0:
            return [f"Rows removed: {-rows}"]
    return []


_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)


def markdown_notes(old: str, new: str) -> list[str]:
    before = set(_HEADING.findall(old))
    return [f"Content: {h} added" for h in _HEADING.findall(new) if h not in before]


_ROUTE = re.compile(r"^(?:get|post|put|patch|delete|head|options|route|api_route|websocket)$")


def _router_prefixes(tree: ast.AST) -> dict[str, str]:
    """``router = APIRouter(prefix="/reports")`` -> ``{"router": "/reports"}``, so endpoints read as served."""
    prefixes: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and len(node.targets) == 1:
            target = node.targets[0]
            for keyword in node.value.keywords:
                if (
                    isinstance(target, ast.Name)
                    and keyword.arg == "prefix"
                    and isinstance(keyword.value, ast.Constant)
                    and isinstance(keyword.value.value, str)
                ):
                    prefixes[target.id] = keyword.value.value
    return prefixes


def _symbols(source: str) -> tuple[set[str], set[str]]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set(), set()
    prefixes = _router_prefixes(tree)
    functions: set[str] = set()
    routes: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            functions.add(node.name)
            for decorator in node.decorator_list:
                if (
                    isinstance(decorator, ast.Call)
                    and isinstance(decorator.func, ast.Attribute)
                    and _ROUTE.match(decorator.func.attr)
                    and decorator.args
                    and isinstance(decorator.args[0], ast.Constant)
                    and isinstance(decorator.args[0].value, str)
                ):
                    owner = decorator.func.value
                    prefix = prefixes.get(owner.id, "") if isinstance(owner, ast.Name) else ""
                    routes.add(prefix.rstrip("/") + decorator.args[0].value)
    return functions, routes


def python_notes(old: str, new: str) -> list[str]:
    """New/removed functions and route decorators between two versions of a Python file."""
    old_f, old_r = _symbols(old)
    new_f, new_r = _symbols(new)
    notes = [f"New endpoint: {r}" for r in sorted(new_r - old_r)]
    notes += [f"Removed endpoint: {r}" for r in sorted(old_r - new_r)]
    notes += [f"New function: {f}" for f in sorted(new_f - old_f)]
    notes += [f"Removed function: {f}" for f in sorted(old_f - new_f)]
    return notes


# -- which outputs (and which sections of them) a change affects ----------------------------------------
def _sections(text: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    current: str | None = None
    lines: list[str] = []
    for line in text.splitlines():
        match = re.match(r"^##\s+(.+?)\s*#*\s*$", line)
        if match and not line.startswith("###"):
            if current is not None:
                found.append((current, "\n".join(lines)))
            current, lines = match.group(1), []
        elif current is not None:
            lines.append(line)
    if current is not None:
        found.append((current, "\n".join(lines)))
    return found


def _module_dirs(path: str) -> list[str]:
    parts = path.split("/")[:-1]
    return [p for p in parts if p and p.lower() not in _GENERIC_DIRS and not p.startswith(".")]


def section_matches(heading: str, body: str, path: str) -> bool:
    """A ``##`` section cites a changed file: its path, its directory, or (in the heading) its module name."""
    text = f"{heading}\n{body}"
    if path in text:
        return True
    parent = path.rsplit("/", 1)[0] if "/" in path else ""
    if parent and _module_dirs(path) and f"{parent}/" in text:
        return True
    words = {w.lower() for w in re.findall(r"[A-Za-z0-9_]+", heading)}
    return any(d.lower() in words for d in _module_dirs(path))


def target_hints(project: Project, spec: Spec, changed: list[str]) -> list[TargetHint]:
    hints: list[TargetHint] = []
    for target in spec.target_files:
        hint = TargetHint(target)
        if target.lower().endswith(".md"):
            try:
                text = (project.root / target).read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
            for heading, body in _sections(text):
                if any(section_matches(heading, body, path) for path in changed):
                    hint.sections.append(heading)
        hints.append(hint)
    return hints


# -- the whole project ---------------------------------------------------------------------------------
def check_all(project: Project, around: str | None = None) -> DriftResult:
    """Every completed spec, plus the cascade: dependents and members of stale specs, drivers of drifted
    members. Read-only. With ``around``, only the specs that can make that one stale are checked (its
    dependencies, drivers and members, transitively)."""
    graph = Graph.of(project.specs())
    return _check_graph(project, graph, _closure(graph, around) if around is not None else None)


def check_archived(project: Project, spec: Spec) -> DriftResult:
    """An archived spec (a driver with its archived members): the same report, from the archive."""
    from chant.ops.query import archived_members

    return _check_graph(project, Graph([spec, *archived_members(project, spec.id)]), None)


def _check_graph(project: Project, graph: Graph, scope: set[str] | None) -> DriftResult:
    reports: dict[str, SpecDrift] = {}
    trees: dict[str, dict[str, str]] = {}
    for spec_id in ids.sorted_ids(graph.specs):
        spec = graph.specs[spec_id]
        if scope is not None and spec_id not in scope:
            continue
        if spec.status == Status.COMPLETED:
            reports[spec_id] = check_spec(project, spec, trees=trees)
    # Drivers aggregate their members (recursively: a member that is itself a driver counts when it drifted).
    for spec_id in sorted(reports, key=lambda s: -s.count(".")):
        if graph.is_driver(spec_id) or graph.specs[spec_id].type in DRIVER_TYPES:
            reports[spec_id].members = [
                m for m in graph.members(spec_id) if m in reports and reports[m].drifted
            ]
    changed = True
    while changed:  # a fixpoint: dependencies need not come before their dependents in ID order
        changed = False
        for spec_id, report in reports.items():
            upstream = {d for d in graph.dependencies(spec_id) if d in reports and reports[d].stale}
            driver = graph.driver_of(spec_id)
            if driver in reports and reports[driver].changes:
                upstream.add(driver)
            found = ids.sorted_ids(upstream)
            if found != report.upstream:
                report.upstream = found
                changed = True
    return DriftResult(reports, graph)


def _closure(graph: Graph, start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        current = todo.pop()
        if current in seen or current not in graph.specs:
            continue
        seen.add(current)
        todo += graph.dependencies(current) + graph.members(current)
        driver = graph.driver_of(current)
        if driver is not None:
            todo.append(driver)
    return seen


def short_id(spec_id: str, known: list[str] | None = None) -> str:
    """``001-doc`` for ``2026-01-28-001-doc`` (the full ID when the short one would be ambiguous)."""
    match = ids.DATE_ID.match(ids.root_id(spec_id))
    if not match:
        return spec_id
    short = spec_id[11:]
    if known is not None and sum(1 for k in known if k.endswith(short)) > 1:
        return spec_id
    return short
