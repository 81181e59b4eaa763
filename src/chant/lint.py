"""Lint rules over a loaded project (pure: takes specs, returns diagnostics)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from chant import priority
from chant.errors import ChantError, SpecParseError
from chant.graph import Graph
from chant.spec import document, fields, ids
from chant.spec.model import SPEC_TYPES, Spec
from chant.spec.status import COMPUTED_STATUSES, STORED_STATUSES, Status, is_known_status

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Diagnostic:
    spec_id: str
    path: str
    line: int | None
    severity: Severity
    rule: str
    message: str

    def render(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity}[{self.rule}]: {self.message}"

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _line_of(spec: Spec, needle: str, *, key: bool = False, within: str | None = None) -> int | None:
    """1-based file line of a frontmatter key (``key=True``) or of the first line mentioning ``needle``.

    ``within`` restricts the search to that key's lines: a member's ``parent:`` line also mentions its
    driver, so without it "depends on its own driver" pointed at the wrong line.
    """
    try:
        lines = spec.path.read_text(encoding="utf-8").split("\n")
    except OSError:
        return None
    inside = within is None
    for number, line in enumerate(lines[1:], start=2):
        if line.rstrip() == "---":
            break
        if within is not None and line[:1] not in ("", " ", "\t", "-", "#"):
            inside = line.startswith(f"{within}:")
        if not inside:
            continue
        if (key and line.startswith(f"{needle}:")) or (not key and needle in line):
            return number
    return None


# add(spec_id, severity, rule, message, line=None): report one finding.
Add = Callable[..., None]


def lint(
    graph: Graph,
    invalid: dict[str, SpecParseError],
    rel: dict[str, str],
    only: set[str] | None = None,
    *,
    cycles: bool = True,
) -> list[Diagnostic]:
    """Every rule of :data:`RULES` on each spec (``only``: these IDs), in natural ID order, after the parse
    errors. ``cycles=False`` skips the one whole-graph rule (the pre-flight, run per spec, leaves cycles
    to the scheduler, which reports them as blockers)."""
    out: list[Diagnostic] = []

    def add(spec_id: str, severity: Severity, rule: str, message: str, line: int | None = None) -> None:
        if only is None or spec_id in only:
            out.append(Diagnostic(spec_id, rel.get(spec_id, spec_id), line, severity, rule, message))

    for spec_id, exc in invalid.items():
        add(spec_id, "error", "parse", exc.detail, exc.line)
    for spec_id in ids.sorted_ids(graph.specs):
        if only is None or spec_id in only:
            for rule in RULES:
                rule(graph.specs[spec_id], graph, add)
    for cycle in graph.cycles() if cycles else []:
        for spec_id in dict.fromkeys(cycle[:-1]):
            add(spec_id, "error", "cycle", "dependency cycle: " + " -> ".join(cycle))
    return out


# -- the rules, one finding family each: (spec, graph, add) -> None ------------------------------------------
def _id(spec: Spec, graph: Graph, add: Add) -> None:
    if (id_problem := ids.id_problem(spec.id)) is not None:
        add(spec.id, "warning", "id", id_problem)


def _title(spec: Spec, graph: Graph, add: Add) -> None:
    if not spec.title:
        add(spec.id, "error", "title", "missing title (the body needs a '# Title' line)")


def _field_types(spec: Spec, graph: Graph, add: Add) -> None:
    """A known field with a wrong type (a mapping for ``depends_on``, ``replay_count: abc``...)."""
    for key, message in fields.type_problems(spec.frontmatter):
        add(spec.id, "error", "field-type", message, _line_of(spec, key, key=True))


def _criteria_sections(spec: Spec, graph: Graph, add: Add) -> None:
    """Criteria the author wrote but chant would not read: misnamed headings, fences that never close."""
    try:
        body, offset = spec.body, spec.body_line_offset
    except ChantError:
        return  # the file changed under us; the next run reports it
    fence = document.unclosed_fence(body)
    if fence is not None:
        add(
            spec.id,
            "warning",
            "fence",
            "this code fence is never closed (nested fences of the same length?); acceptance criteria are "
            "read as if every fence line opened or closed a block",
            offset + fence + 1,
        )
    for line, heading in document.misnamed_criteria_headings(body, offset):
        add(
            spec.id,
            "warning",
            "criteria",
            f"'{heading}' is not read as acceptance criteria; the heading must be '{document.AC_HEADING}'",
            line,
        )


def _type(spec: Spec, graph: Graph, add: Add) -> None:
    if spec.type not in SPEC_TYPES:
        add(
            spec.id,
            "error",
            "type",
            f"unknown type '{spec.type}' (expected one of {', '.join(SPEC_TYPES)})",
            _line_of(spec, "type", key=True),
        )


def _status(spec: Spec, graph: Graph, add: Add) -> None:
    raw = spec.frontmatter.get("status")
    # The computed statuses must be checked first: is_known_status() rejects them, which turned the
    # documented warning ("read as pending") into an error for files written by the Rust tool.
    if str(raw).strip().lower() in COMPUTED_STATUSES:
        add(
            spec.id,
            "warning",
            "status",
            f"'{raw}' is computed, not stored; it is read as pending",
            _line_of(spec, "status", key=True),
        )
    elif not is_known_status(raw):
        add(spec.id, "error", "status", _unknown_status(raw), _line_of(spec, "status", key=True))


def _dependencies(spec: Spec, graph: Graph, add: Add) -> None:
    for dep in spec.depends_on:
        line = _line_of(spec, dep, within="depends_on")
        if dep == spec.id:
            add(spec.id, "error", "dependency", "depends on itself", line)
        elif dep not in graph.specs and dep not in graph.archived:
            reason = "unparsable" if dep in graph.invalid else "unknown"
            add(spec.id, "error", "dependency", f"depends on {reason} spec '{dep}'", line)


def _membership(spec: Spec, graph: Graph, add: Add) -> None:
    """A member (by its file name) and its driver: the driver exists, is not a dependency, lists it."""
    spec_id, specs = spec.id, graph.specs
    driver = ids.parent_id(spec_id)
    if driver is None:
        return
    if driver not in specs and driver not in graph.archived:
        add(spec_id, "error", "orphan", f"member of '{driver}', which does not exist")
    elif driver in spec.depends_on:
        add(
            spec_id,
            "error",
            "dependency",
            f"depends on its own driver '{driver}' (deadlock: the driver completes after its members)",
            _line_of(spec, driver, within="depends_on"),
        )
    # Not an elif of the rule above: a member that depends on its own driver can also be missing from the
    # driver's members: list, and both deserve a report.
    if driver in specs and specs[driver].members_field and spec_id not in specs[driver].members_field:
        add(
            driver,
            "warning",
            "members",
            f"member '{spec_id}' is not listed in members:",
            _line_of(specs[driver], "members", key=True),
        )
    parent = spec.parent_field
    if parent is not None and parent != driver:
        add(
            spec_id,
            "warning",
            "parent",
            f"parent: '{parent}' but the file name makes it a member of '{driver}'",
            _line_of(spec, "parent", key=True),
        )


def _priority(spec: Spec, graph: Graph, add: Add) -> None:
    if (priority_problem := priority.problem(spec.get("priority"))) is not None:
        add(spec.id, "warning", "priority", priority_problem, _line_of(spec, "priority", key=True))


def _schedule(spec: Spec, graph: Graph, add: Add) -> None:
    schedule = spec.get("schedule")
    if schedule in (None, ""):
        return
    from chant.schedule import ScheduleError, validate

    try:
        validate(str(schedule))
    except ScheduleError as exc:
        add(spec.id, "error", "schedule", exc.message, _line_of(spec, "schedule", key=True))


def _members_field(spec: Spec, graph: Graph, add: Add) -> None:
    for member in spec.members_field:
        if member not in graph.specs and member not in graph.archived:
            add(
                spec.id,
                "error",
                "members",
                f"members: lists '{member}', which does not exist",
                _line_of(spec, member, within="members"),
            )


def _driver_shape(spec: Spec, graph: Graph, add: Add) -> None:
    """A driver has members (whose parallel phases do not share target files); any other spec has criteria."""
    if graph.is_driver(spec.id):
        if not graph.members(spec.id):
            add(spec.id, "warning", "members", "driver has no member specs")
        else:
            _lint_phases(graph, spec.id, add)
    elif not spec.criteria:
        # An error for a spec that will run (`chant work` refuses it: nothing could check the agent's
        # work), a warning for one at rest.
        done = spec.status in (Status.COMPLETED, Status.CANCELLED)
        add(
            spec.id,
            "warning" if done else "error",
            "criteria",
            "no '## Acceptance Criteria' checkboxes: nothing can verify the work "
            "(add that heading, exactly, with '- [ ] ...' items under it)",
        )


def _sparse(spec: Spec, graph: Graph, add: Add) -> None:
    """``sparse:`` lists directories inside the repository; what the spec must write or read lies in them."""
    from chant import sparse

    raw = spec.get("sparse")
    if raw is None:
        return
    if isinstance(raw, dict):
        return  # the field-type rule reports it
    items = raw if isinstance(raw, list) else [raw]
    for item in items:
        reason = sparse.problem(item)
        if reason is not None:
            line = _line_of(spec, str(item), within="sparse") if isinstance(item, str) and item else None
            add(spec.id, "error", "sparse", f"sparse: {reason}", line or _line_of(spec, "sparse", key=True))
    dirs = sparse.cone(items)
    if dirs is None:
        return
    shown = ", ".join(d + "/" for d in dirs)
    for key in ("target_files", "context"):
        for path in sparse.outside(dirs, spec.values(key)):
            add(
                spec.id,
                "warning",
                "sparse",
                f"{key} entry '{path}' lies outside the sparse checkout ({shown}): the agent will not "
                f"find it on disk",
                _line_of(spec, path, within=key),
            )


# In this order: each spec's findings are listed as they always were.
RULES: tuple[Callable[[Spec, Graph, Add], None], ...] = (
    _id,
    _title,
    _field_types,
    _criteria_sections,
    _type,
    _status,
    _dependencies,
    _membership,
    _priority,
    _schedule,
    _members_field,
    _driver_shape,
    _sparse,
)


def _unknown_status(raw: object) -> str:
    import difflib

    close = difflib.get_close_matches(str(raw).strip().lower(), STORED_STATUSES, n=1, cutoff=0.6)
    guess = f"did you mean '{close[0]}'?" if close else f"expected one of {', '.join(STORED_STATUSES)}"
    return f"unknown status '{raw}' ({guess}); chant does not run the spec until it is fixed"


def _lint_phases(graph: Graph, driver: str, report: Add) -> None:
    try:
        phases = graph.phases(driver)
    except ChantError:
        return  # the cycle rule reports it
    for phase in phases:
        if not phase.parallel:
            continue
        owners: dict[str, str] = {}
        for member in phase.members:
            for target in graph.specs[member].target_files:
                if target in owners:
                    report(
                        member,
                        "warning",
                        "overlap",
                        f"target file '{target}' is also a target of '{owners[target]}' in the same parallel "
                        f"phase {phase.number}; their merges may conflict",
                    )
                else:
                    owners[target] = member


def relative_paths(specs: dict[str, Spec], invalid: dict[str, SpecParseError], root: Path) -> dict[str, str]:
    rel: dict[str, str] = {}
    for spec_id, spec in specs.items():
        try:
            rel[spec_id] = str(spec.path.relative_to(root))
        except ValueError:
            rel[spec_id] = str(spec.path)
    for spec_id, exc in invalid.items():
        rel[spec_id] = exc.path
    return rel
