"""Quality rules: is a spec ready to hand to an agent unattended? (pure: specs and a graph in, findings out)

Each rule is one function over a spec (and, for drivers, the graph) with a documented threshold and fix
(docs/specs-quality.md). Findings have a level: ``amber`` (worth a look) or ``red`` (an unattended run is
likely wasted). A spec's grade is the worst level among its findings, ``green`` when there are none.
``chant work`` refuses a red spec when stdin is not a terminal, unless ``--force``.

Only what can be measured without doubt is red (size far beyond one agent run). Wording checks are
heuristics and stay amber: they point at a criterion a person should reword, they never block a run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from chant.spec.model import Spec

GREEN = "green"
AMBER = "amber"
RED = "red"
_RANK = {GREEN: 0, AMBER: 1, RED: 2}

DEFAULT_MAX_CRITERIA = 8
DEFAULT_MAX_TARGET_FILES = 5
RED_FACTOR = 2  # more than this many times a threshold is red
RESEARCH_TYPES = ("research",)


@dataclass(frozen=True)
class Thresholds:
    max_criteria: int = DEFAULT_MAX_CRITERIA
    max_target_files: int = DEFAULT_MAX_TARGET_FILES

    @classmethod
    def from_config(cls, get: Callable[[str], Any]) -> Thresholds:
        """From ``quality.max_criteria`` / ``quality.max_target_files`` (``get`` is ``Config.get``)."""
        return cls(
            _positive(get("quality.max_criteria"), DEFAULT_MAX_CRITERIA),
            _positive(get("quality.max_target_files"), DEFAULT_MAX_TARGET_FILES),
        )


def _positive(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default


@dataclass(frozen=True)
class Finding:
    rule: str
    level: str  # amber | red
    message: str
    fix: str
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "level": self.level,
            "message": self.message,
            "fix": self.fix,
            "line": self.line,
        }


@dataclass
class Assessment:
    spec_id: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def grade(self) -> str:
        return max((f.level for f in self.findings), key=_RANK.__getitem__, default=GREEN)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.spec_id, "grade": self.grade, "findings": [f.to_dict() for f in self.findings]}


# -- criteria wording ---------------------------------------------------------------------------------
# Verbs that acceptance criteria use, as base forms; inflections (-s, -es, -ed, -d, -ing, doubled
# consonants) are recognised by _is_verb. Not a dictionary of English: a criterion whose only verb is
# missing here reads as "no verb", which costs an amber finding, never a refused run.
_VERBS = frozenset(
    """
    accept add allow appear append apply archive ask assert avoid block boot break build cache call cancel
    change check clean clear close collect commit compile complete compute configure connect contain convert
    copy count cover crash create deduplicate define delete deliver deny deploy describe detect differ
    disable display document download drop echo emit enable end ensure equal error exceed exist exit expire
    explain export expose extract fail fall fetch fill filter find finish fire fix flag follow format
    generate get give handle hold ignore implement import include increase index install introduce keep
    label land last launch lint list load lock log look map mark match measure meet merge migrate mention
    move name notify open order output parse pass pause persist pin point populate post precede prevent
    print process produce provide publish pull push put query queue raise rank reach read receive record
    redirect reduce refactor refuse reject release reload remain remove rename render reorder replace reply
    report request require reset resolve respond restart restore resume retry return reuse revert rotate
    route run save scan schedule score send serve set ship show shrink skip sort split start stay stop
    store stream submit succeed support survive switch sync take terminate test throw tick time timeout
    track transform translate trigger truncate try turn type unblock undo update upgrade upload use
    validate verify view wait warn watch work wrap write yield
    """.split()
)
_IRREGULAR = frozenset(
    """
    is are was were be been being am has have had does do did can cannot can't must should shall will
    would may might built written wrote ran run made found kept left sent shown spent stood taken took
    thrown threw understood held brought bought caught gave given got gotten went gone lost met paid read
    said seen saw sold told thought won
    """.split()
)
# Words that promise a quality nobody can check without asking "how would I know?".
_VAGUE = frozenset(
    """
    properly correctly good better best nice nicely robust robustly appropriate appropriately reasonable
    reasonably efficient efficiently intuitive intuitively seamless seamlessly adequate adequately
    sufficient sufficiently optimal optimally optimized improved improve improves great fine smooth smoothly
    polished elegant elegantly user-friendly clean cleaner easy easily simple simpler fast faster quick
    quickly done finished ok okay etc
    """.split()
)
_VAGUE_PHRASES = ("as expected", "as needed", "as appropriate", "where necessary", "and so on", "if needed")
# Verbs that name something a check observes: with one of these, a vague adverb does not hide the outcome.
_OUTCOME_VERBS = frozenset(
    """
    return print output exit respond show display list contain include raise reject log write create
    fail pass match equal redirect render refuse report emit name warn stop exist
    """.split()
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_ANCHORS = (
    re.compile(r"`[^`]+`"),  # a command, path or value in backticks
    re.compile(r"\d"),  # a number: a status code, a count, a limit
    re.compile(r"\"[^\"]+\"|'[^'\s][^']*'"),  # a quoted literal
    re.compile(r"(?:^|\s)[\w.-]*/[\w./{}:-]*"),  # a path or route
    re.compile(r"\b[\w-]+\.(?:py|md|json|ya?ml|toml|txt|js|ts|go|rs|sh|html|css|sql|csv|cfg|ini)\b"),
    re.compile(r"\b(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\b"),
    re.compile(r"(?:^|\s)--?[a-z][\w-]*"),  # a command-line flag
)


def _stems(word: str) -> Iterable[str]:
    yield word
    for suffix in ("ing", "ed", "es", "s", "d"):
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            stem = word[: -len(suffix)]
            yield stem
            yield stem + "e"  # served -> serve, creating -> create
            if len(stem) > 2 and stem[-1] == stem[-2]:
                yield stem[:-1]  # running -> run, mapped -> map
            if suffix in ("es", "ed") and stem.endswith("i"):
                yield stem[:-1] + "y"  # applies -> apply, copied -> copy


def _is_verb(word: str) -> bool:
    return word in _IRREGULAR or _inflects(word, _VERBS)


def _inflects(word: str, verbs: frozenset[str]) -> bool:
    return any(stem in verbs for stem in _stems(word))


def criterion_problem(text: str) -> str | None:
    """Why a criterion cannot be checked, or ``None`` when it names something a check could observe.

    A criterion is checkable when it holds a concrete anchor (a backticked command or value, a number, a
    quoted literal, a path or route, an HTTP method, a flag), or else has a verb and no vague promise
    ("works properly") that is not tied to an observable verb ("returns", "prints", "exits"...).
    """
    plain = text.strip()
    if any(pattern.search(plain) for pattern in _ANCHORS):
        return None
    words = [w.lower().strip("'") for w in _WORD.findall(plain)]
    if not words:
        return "says nothing a check could observe"
    vague = [w for w in words if w in _VAGUE] + [p for p in _VAGUE_PHRASES if p in plain.lower()]
    if vague:
        if any(_inflects(w, _OUTCOME_VERBS) for w in words if w not in _VAGUE):
            return None
        return f"'{vague[0]}' is not observable"
    if not any(_is_verb(w) for w in words):
        return "has no verb (what happens?)"
    return None


# -- the rules ----------------------------------------------------------------------------------------
Rule = Callable[[Spec, "Context"], list[Finding]]


@dataclass(frozen=True)
class Context:
    """What rules may look at besides the spec itself."""

    thresholds: Thresholds
    members: dict[str, list[Spec]]  # driver ID -> its member specs, in ID order
    member_edges: dict[str, dict[str, list[str]]]  # driver ID -> member -> members it waits for


def vague_criteria(spec: Spec, context: Context) -> list[Finding]:
    """Each criterion with no verb or no observable outcome (amber)."""
    found: list[Finding] = []
    for item in spec.criteria:
        problem = criterion_problem(item.text)
        if problem is not None:
            found.append(
                Finding(
                    "vague-criterion",
                    AMBER,
                    f"criterion '{_clip(item.text)}' {problem}",
                    "name what a check would see: a command that passes (`make test` passes), an output, a "
                    "status code, a file that exists",
                    item.line,
                )
            )
    return found


def _oversized(rule: str, count: int, limit: int, what: str, fix: str) -> list[Finding]:
    """Amber above ``limit``, red above ``RED_FACTOR`` times it."""
    if count <= limit:
        return []
    level = RED if count > limit * RED_FACTOR else AMBER
    return [Finding(rule, level, f"{count} {what} (more than {limit}) is a lot for one agent run", fix)]


def too_many_criteria(spec: Spec, context: Context) -> list[Finding]:
    return _oversized(
        "too-many-criteria",
        len(spec.criteria),
        context.thresholds.max_criteria,
        "acceptance criteria",
        f"`chant split {spec.id}` proposes members that share them out",
    )


def too_many_target_files(spec: Spec, context: Context) -> list[Finding]:
    return _oversized(
        "too-many-files",
        len(spec.target_files),
        context.thresholds.max_target_files,
        "target files",
        f"`chant split {spec.id}` proposes members, each with a few of the files",
    )


def research_without_schema(spec: Spec, context: Context) -> list[Finding]:
    if spec.type not in RESEARCH_TYPES or spec.get("output_schema") not in (None, ""):
        return []
    return [
        Finding(
            "no-output-schema",
            AMBER,
            "research spec without output_schema: nothing checks the shape of its findings",
            "add a JSON (or YAML) target file for the findings and `output_schema:` (a schema inline or a "
            "path) so the run fails when the output does not match",
        )
    ]


def shared_files_without_order(spec: Spec, context: Context) -> list[Finding]:
    """Members of this driver that target the same file with no dependency path between them (amber)."""
    members = context.members.get(spec.id)
    if not members:
        return []
    edges = context.member_edges.get(spec.id, {})
    reach = _reachability(edges)
    owners: dict[str, list[str]] = {}
    for member in members:
        for target in member.target_files:
            owners.setdefault(target, []).append(member.id)
    found: list[Finding] = []
    for target, ids in owners.items():
        unordered = [
            (a, b)
            for i, a in enumerate(ids)
            for b in ids[i + 1 :]
            if b not in reach.get(a, set()) and a not in reach.get(b, set())
        ]
        if unordered:
            a, b = unordered[0]
            found.append(
                Finding(
                    "shared-files",
                    AMBER,
                    f"members {a} and {b} both target '{target}' and neither depends on the other: run "
                    "in parallel, their merges may conflict",
                    f"order them (`chant set {b} --add depends_on={a}`), or give the file to one member",
                )
            )
    return found


RULES: tuple[Rule, ...] = (
    vague_criteria,
    too_many_criteria,
    too_many_target_files,
    research_without_schema,
    shared_files_without_order,
)


def _reachability(edges: dict[str, list[str]]) -> dict[str, set[str]]:
    """member -> every member it (transitively) waits for."""
    memo: dict[str, set[str]] = {}

    def visit(node: str, trail: frozenset[str]) -> set[str]:
        if node in memo:
            return memo[node]
        found: set[str] = set()
        for dep in edges.get(node, []):
            if dep in trail:
                continue  # a cycle: the cycle rule reports it
            found.add(dep)
            found |= visit(dep, trail | {dep})
        memo[node] = found
        return found

    for node in edges:
        visit(node, frozenset({node}))
    return memo


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- entry points -------------------------------------------------------------------------------------
def assess(spec: Spec, context: Context, rules: Iterable[Rule] = RULES) -> Assessment:
    result = Assessment(spec.id)
    for rule in rules:
        result.findings.extend(rule(spec, context))
    return result


def context_of(graph: Any, thresholds: Thresholds, spec_ids: Iterable[str]) -> Context:
    """The context for assessing ``spec_ids`` in ``graph`` (a :class:`chant.graph.Graph`)."""
    from chant.errors import ChantError

    members: dict[str, list[Spec]] = {}
    edges: dict[str, dict[str, list[str]]] = {}
    for spec_id in spec_ids:
        if spec_id in graph.specs and graph.members(spec_id):
            members[spec_id] = [graph.specs[m] for m in graph.members(spec_id)]
            try:
                edges[spec_id] = graph.member_edges(spec_id)
            except ChantError:
                edges[spec_id] = {}
    return Context(thresholds, members, edges)


def assess_all(graph: Any, thresholds: Thresholds, spec_ids: Iterable[str]) -> dict[str, Assessment]:
    """Assessments of ``spec_ids`` (those in ``graph``), in the order given."""
    wanted = [s for s in spec_ids if s in graph.specs]
    context = context_of(graph, thresholds, wanted)
    return {spec_id: assess(graph.specs[spec_id], context) for spec_id in wanted}


def render(assessments: dict[str, Assessment], rel: dict[str, str], *, only_red: bool = False) -> list[str]:
    """One line per finding, lint style: ``path:line: amber[rule]: message; fix: ...``."""
    lines: list[str] = []
    for spec_id, assessment in assessments.items():
        path = rel.get(spec_id, spec_id)
        for finding in assessment.findings:
            if only_red and finding.level != RED:
                continue
            where = f"{path}:{finding.line}" if finding.line else path
            lines.append(f"{where}: {finding.level}[{finding.rule}]: {finding.message}; fix: {finding.fix}")
    return lines


def red(assessments: dict[str, Assessment]) -> list[Assessment]:
    return [a for a in assessments.values() if a.grade == RED]


def reds_in_run(graph: Any, thresholds: Thresholds, wanted: list[str]) -> list[Assessment]:
    """The red specs a run of ``wanted`` would start: those IDs (none: every pending spec) and their
    members, not yet completed. ``chant work`` and background runs refuse the same set."""
    from chant.spec.status import Status

    chosen = wanted or [s for s, spec in graph.specs.items() if spec.status == Status.PENDING]
    chosen += [m for s in list(chosen) for m in graph.members(s)]
    pending = [
        s for s in dict.fromkeys(chosen) if s in graph.specs and graph.specs[s].status != Status.COMPLETED
    ]
    return red(assess_all(graph, thresholds, pending))


def refusal_message(reds: list[Assessment]) -> tuple[str, str]:
    """``(message, hint)`` for refusing an unattended run of red specs."""
    lines = [f"{len(reds)} spec(s) graded red would likely waste an unattended agent run:"]
    for assessment in reds:
        for finding in assessment.findings:
            if finding.level == RED:
                lines.append(f"  {assessment.spec_id}: {finding.message}")
                lines.append(f"    fix: {finding.fix}")
    return "\n".join(lines), "pass --force to run anyway (`chant lint` lists every finding)"
