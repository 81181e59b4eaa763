"""``chant set``: change frontmatter fields from the command line, through the one writer.

``KEY=VALUE`` sets a field, ``--add KEY=VALUE`` / ``--remove KEY=VALUE`` grow or shrink a list, ``--unset
KEY`` removes a field. Values are typed by the field (a list field takes ``a,b``; ``public=false`` is a
boolean; ``approval.required=true`` sets one key of a mapping), IDs in ``depends_on`` / ``members`` are
resolved like on every command, and the result must pass the same lint rules as before: an edit that
would add a lint error (an unknown type, a dependency cycle, a missing spec) is refused and nothing is
written. ``status`` follows the transition table. Only the edited lines of the file change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chant import layout, priority
from chant.errors import ChantError
from chant.graph import Graph
from chant.project import Project
from chant.spec import edit, yamlio
from chant.spec.edit import REMOVE
from chant.spec.model import LIST_FIELDS, Spec
from chant.spec.status import STORED_STATUSES, Status, check_transition

BOOL_FIELDS = frozenset({"public", "needs_approval"})
INT_FIELDS = frozenset({"replay_count"})
NUMBER_FIELDS = frozenset({"cost_usd"})
MAPPING_FIELDS = frozenset({"approval", "retry_state", "tokens"})
ID_FIELDS = frozenset({"depends_on", "members"})
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


class SetError(ChantError):
    pass


@dataclass
class Change:
    key: str
    old: Any
    new: Any  # REMOVE when the field goes away

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "old": self.old, "new": None if self.new is REMOVE else self.new}


@dataclass
class SetResult:
    spec: Spec
    changes: list[Change] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    commit: str | None = None


def split_assignment(text: str, option: str = "") -> tuple[str, str]:
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise SetError(f"expected KEY=VALUE{f' after {option}' if option else ''}, got '{text}'")
    return key, value


def set_fields(
    project: Project,
    spec: Spec,
    *,
    assign: list[str] = (),  # type: ignore[assignment]
    add: list[str] = (),  # type: ignore[assignment]
    remove: list[str] = (),  # type: ignore[assignment]
    unset: list[str] = (),  # type: ignore[assignment]
    commit: bool = True,
) -> SetResult:
    """Apply the edits to ``spec`` (all or nothing) and return what changed."""
    current = dict(spec.frontmatter)
    values: dict[str, Any] = {}

    def now(key: str) -> Any:
        return values[key] if key in values else current.get(key)

    for text in assign:
        key, raw = split_assignment(text)
        head, dot, sub = key.partition(".")
        if dot:
            values[head] = _set_subkey(head, sub, raw, now(head))
        else:
            values[key] = _value(project, key, raw)
    for option, texts in (("--add", add), ("--remove", remove)):
        for text in texts:
            key, raw = split_assignment(text, option)
            if key not in LIST_FIELDS and not isinstance(now(key), list):
                raise SetError(f"{option} works on list fields; '{key}' is not one")
            items = [str(i) for i in _as_list(now(key))]
            for item in _items(project, key, raw):
                if option == "--add" and item not in items:
                    items.append(item)
                elif option == "--remove":
                    if item not in items:
                        raise SetError(
                            f"{key} has no item '{item}' to remove (it has: {', '.join(items) or 'none'})"
                        )
                    items.remove(item)
            values[key] = items
    for key in unset:
        if key == "status":
            raise SetError(
                "status cannot be unset", hint="`chant set ID status=pending` (or `chant reset ID`)"
            )
        values[key] = REMOVE

    changes = [
        Change(k, current.get(k), v) for k, v in values.items() if not _same(current.get(k), v, k in current)
    ]
    if not changes:
        return SetResult(spec)
    status = _status_change(project, spec, values)
    updates = {c.key: c.new for c in changes if c.key != "status"}
    warnings = _validate(project, spec, {c.key: c.new for c in changes})
    message = f"chant({spec.id}): set {', '.join(c.key for c in changes)}"
    if not updates and status is None:
        return SetResult(spec)
    written = project.update_spec(spec.id, updates, status=status)
    sha = project.commit([written.path], message) if commit else None
    return SetResult(written, changes, warnings, sha)


def _same(old: Any, new: Any, present: bool) -> bool:
    if new is REMOVE:
        return not present
    return present and type(old) is type(new) and old == new


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, list) else [value]


def _items(project: Project, key: str, raw: str) -> list[str]:
    """``a,b`` -> ``["a", "b"]``; IDs resolved for depends_on / members."""
    items = [part.strip() for part in raw.split(",") if part.strip()]
    if key in ID_FIELDS:
        return [project.resolve_id(item) for item in items]
    return items


def _value(project: Project, key: str, raw: str) -> Any:
    """The typed value of ``KEY=raw`` for a top-level key."""
    text = raw.strip()
    if key == "status":
        normal = text.lower().replace("-", "_")
        if normal not in STORED_STATUSES:
            raise SetError(f"unknown status '{raw}' (expected one of {', '.join(STORED_STATUSES)})")
        return normal
    if key in LIST_FIELDS:
        return _items(project, key, raw)
    if key in BOOL_FIELDS:
        return _bool(key, text)
    if key in INT_FIELDS or key in NUMBER_FIELDS:
        return _number(key, text, integer=key in INT_FIELDS)
    if key in MAPPING_FIELDS:
        parsed = _yaml(text)
        if not isinstance(parsed, dict):
            raise SetError(
                f"{key} is a mapping: set one key with {key}.NAME=VALUE (e.g. approval.required=true)"
            )
        return parsed
    if key == "priority":
        if (problem := priority.problem(text)) is not None:
            raise SetError(problem)
        return text
    if not text:
        raise SetError(f"'{key}=' has no value", hint=f"`--unset {key}` removes the field")
    if key in _known_text_fields():
        return text
    return _yaml(text)  # a key chant does not know: typed as YAML would type it (3 -> 3, [a, b] -> list)


def _set_subkey(head: str, sub: str, raw: str, mapping: Any) -> dict[str, Any]:
    if mapping is not None and not isinstance(mapping, dict):
        raise SetError(f"{head} is not a mapping, so {head}.{sub} cannot be set")
    result = dict(mapping or {})
    text = raw.strip()
    if head == "approval" and sub == "required":
        result[sub] = _bool(f"{head}.{sub}", text)
    elif head in ("tokens", "retry_state"):
        result[sub] = _number(f"{head}.{sub}", text, integer=True)
    else:
        result[sub] = _yaml(text) if text else ""
    return result


def _bool(key: str, text: str) -> bool:
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise SetError(f"{key} is true or false, not '{text}'")


def _number(key: str, text: str, *, integer: bool) -> int | float:
    try:
        return int(text) if integer else float(text)
    except ValueError:
        raise SetError(f"{key} is {'an integer' if integer else 'a number'}, not '{text}'") from None


def _yaml(text: str) -> Any:
    import yaml

    try:
        return yamlio.load(text) if text else ""
    except yaml.YAMLError:
        return text


def _known_text_fields() -> frozenset[str]:
    from chant.spec.model import KNOWN_FIELDS

    return KNOWN_FIELDS - frozenset(LIST_FIELDS) - BOOL_FIELDS - INT_FIELDS - NUMBER_FIELDS - MAPPING_FIELDS


def _status_change(project: Project, spec: Spec, values: dict[str, Any]) -> Status | None:
    if "status" not in values or values["status"] is REMOVE:
        return None
    target = Status(values["status"])
    if target == spec.status:
        return None
    if layout.is_running(project, spec.id):
        raise SetError(
            f"{spec.id} is being worked by a running chant; its status is that run's to write",
            hint=f"stop the run first (Ctrl-C, or `chant pause {spec.id}`)",
        )
    check_transition(spec.id, spec.status, target)
    return target


def _validate(project: Project, spec: Spec, updates: dict[str, Any]) -> list[str]:
    """Lint the spec as it would be after the edit; a new lint error refuses it. Returns new warnings."""
    text = spec.path.read_text(encoding="utf-8")
    edited = Spec.from_text(spec.id, spec.path, edit.set_fields(text, updates, project.rel(spec.path)))
    specs = project.specs()
    before = _lint_one(Graph.of(specs), specs, spec.id, project)
    after_graph = Graph(
        [edited if s.id == spec.id else s for s in specs.active.values()], specs.archived, specs.invalid
    )
    after = _lint_one(after_graph, specs, spec.id, project)
    old = {(d.severity, d.rule, d.message) for d in before}
    new = [d for d in after if (d.severity, d.rule, d.message) not in old]
    errors = [d for d in new if d.severity == "error"]
    if errors:
        first = errors[0]
        more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
        raise SetError(
            f"{spec.id}: the edit would make lint fail: {first.rule}: {first.message}{more}; nothing written"
        )
    return [f"{d.rule}: {d.message}" for d in new]


def _lint_one(graph: Graph, specs: Any, spec_id: str, project: Project) -> list[Any]:
    """Lint findings about ``spec_id`` (and those a change to it causes elsewhere, e.g. a cycle)."""
    from chant.lint import lint, relative_paths

    rel = relative_paths(specs.active, specs.invalid, project.root)
    return [d for d in lint(graph, {}, rel) if d.spec_id == spec_id or spec_id in d.message]
