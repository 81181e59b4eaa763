"""Drift: have the inputs of a completed spec changed since it completed? Content-based, read-only.

The baseline is the commit recorded at finalize (``input_baseline``); the inputs are the files matched by
the spec's ``tracks``, ``origin``, ``informed_by`` and ``context`` patterns there and in the working tree.
A file counts when its content changed, appeared or vanished, so a fresh clone (new mtimes) never drifts.
"""

from __future__ import annotations

import ast
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chant import git
from chant.graph import Graph
from chant.paths import expand
from chant.project import Project
from chant.spec import ids
from chant.spec.model import Spec
from chant.spec.status import Status

INPUT_FIELDS = ("tracks", "informed_by", "origin", "context")
FIELD_LABELS = {"tracks": "Tracked", "informed_by": "Informed-by", "origin": "Origin", "context": "Context"}


@dataclass
class FileChange:
    path: str
    source: str  # the frontmatter field that matched it
    kind: str  # modified | added | deleted
    date: str | None = None
    added: int = 0
    removed: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class SpecDrift:
    spec_id: str
    title: str
    type: str
    completed_at: str | None
    baseline: str | None
    changes: list[FileChange] = field(default_factory=list)
    input_count: int = 0
    upstream: list[str] = field(default_factory=list)  # drifted specs this one depends on (cascade)

    @property
    def drifted(self) -> bool:
        return bool(self.changes)

    @property
    def state(self) -> str:
        if self.changes:
            return "DRIFT DETECTED"
        if self.upstream:
            return "CASCADE DRIFT (upstream stale)"
        return "UP TO DATE"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.spec_id,
            "title": self.title,
            "type": self.type,
            "state": self.state,
            "completed_at": self.completed_at,
            "baseline": self.baseline,
            "inputs": self.input_count,
            "upstream": self.upstream,
            "changes": [c.__dict__ for c in self.changes],
        }


def glob_regex(pattern: str) -> re.Pattern[str]:
    """``**`` spans directories (zero or more), ``*`` and ``?`` stay within one."""
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            out += ".*"
            i += 2
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            out += "[^/]"
            i += 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return re.compile(out + r"\Z")


def _baseline(project: Project, spec: Spec) -> str | None:
    recorded = spec.get("input_baseline")
    if recorded and git.head(project.root, str(recorded)):
        return str(recorded)
    completed = spec.get("completed_at")
    if completed:  # specs completed by other tools: the last commit at completion time
        result = git.run(["rev-list", "-1", f"--before={completed}", "HEAD"], project.root, check=False)
        return result.stdout.strip() or None
    return None


def _hash_files(root: Path, paths: list[str]) -> dict[str, str]:
    if not paths:
        return {}
    proc = subprocess.run(
        ["git", "hash-object", "--stdin-paths"],
        cwd=root,
        input="\n".join(paths) + "\n",
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(zip(paths, proc.stdout.split(), strict=True))


def check_spec(project: Project, spec: Spec) -> SpecDrift:
    report = SpecDrift(
        spec.id, spec.display_title, spec.type, spec.get("completed_at"), _baseline(project, spec)
    )
    root = project.root
    own = {project.rel(spec.path), *spec.target_files}
    then_tree = git.ls_tree(root, report.baseline) if report.baseline else {}
    seen: set[str] = set()
    for field_name in INPUT_FIELDS:
        patterns = spec.values(field_name)
        if not patterns:
            continue
        regexes = [glob_regex(p) for p in patterns]
        before = {p: b for p, b in then_tree.items() if any(r.match(p) for r in regexes)}
        now_paths = [p for p in expand(root, patterns) if p not in own]
        before = {p: b for p, b in before.items() if p not in own}
        now = _hash_files(root, now_paths)
        for path in sorted(set(before) | set(now)):
            if path in seen:
                continue
            seen.add(path)
            if before.get(path) == now.get(path):
                continue
            kind = "added" if path not in before else "deleted" if path not in now else "modified"
            report.changes.append(_describe(project, report.baseline, path, field_name, kind))
        report.input_count += len(now)
    return report


def _describe(project: Project, baseline: str | None, path: str, field_name: str, kind: str) -> FileChange:
    root = project.root
    change = FileChange(path, field_name, kind)
    log = git.run(
        ["log", "-1", "--format=%cs", *([f"{baseline}..HEAD"] if baseline else []), "--", path],
        root,
        check=False,
    ).stdout.strip()
    dirty = git.run(["status", "--porcelain", "--", path], root, check=False).stdout.strip()
    change.date = "uncommitted" if dirty and not log else (log or None)
    if baseline:
        numstat = git.run(["diff", "--numstat", baseline, "--", path], root, check=False).stdout.split()
        if len(numstat) >= 2 and numstat[0].isdigit():
            change.added, change.removed = int(numstat[0]), int(numstat[1])
    if path.endswith(".py"):
        old = git.show_file(root, baseline, path) if baseline and kind != "added" else ""
        new = (root / path).read_text(encoding="utf-8", errors="replace") if kind != "deleted" else ""
        change.notes = python_notes(old or "", new)
    elif path.endswith(".md"):
        old = git.show_file(root, baseline, path) if baseline and kind != "added" else ""
        new = (root / path).read_text(encoding="utf-8", errors="replace") if kind != "deleted" else ""
        heads_old = set(re.findall(r"^#+ (.+)$", old or "", re.M))
        change.notes = [
            f"Content: {h} added" for h in re.findall(r"^#+ (.+)$", new, re.M) if h not in heads_old
        ]
    return change


_ROUTE = re.compile(r"^(?:get|post|put|patch|delete|route|api_route|websocket)$")


def _symbols(source: str) -> tuple[set[str], set[str]]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set(), set()
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
                    routes.add(decorator.args[0].value)
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


def check_all(project: Project, only: list[str] | None = None) -> list[SpecDrift]:
    """Every completed spec with inputs, plus cascade: dependents (and members) of drifted specs."""
    graph = Graph.of(project.specs())
    reports: dict[str, SpecDrift] = {}
    for spec_id in ids.sorted_ids(graph.specs):
        spec = graph.specs[spec_id]
        if spec.status == Status.COMPLETED:
            reports[spec_id] = check_spec(project, spec)
    drifted = {s for s, r in reports.items() if r.drifted}
    for spec_id in ids.sorted_ids(reports):
        upstream = [
            d for d in graph.dependencies(spec_id) if d in drifted or (d in reports and reports[d].upstream)
        ]
        driver = graph.driver_of(spec_id)
        members = [m for m in graph.members(spec_id) if m in drifted]
        reports[spec_id].upstream = ids.sorted_ids(
            set(upstream + members + ([driver] if driver in drifted else []))
        )
    chosen = [r for r in reports.values() if only is None or r.spec_id in only]
    return sorted(chosen, key=lambda r: ids.sort_key(r.spec_id))


def short_id(spec_id: str) -> str:
    match = ids.DATE_ID.match(ids.root_id(spec_id))
    return spec_id[11:] if match else spec_id
