"""The frontmatter keys chant understands and the type each one holds (import-free: the fast path uses it).

The reader uses :data:`TEXT_KEYS` so that fields whose meaning is text keep their source text (a commit
``5e58057`` is not the float ``inf``, ``0123456`` keeps its zero); lint uses :data:`FIELDS` to report a
wrong type with its line instead of letting a later command trip over it.
"""

from __future__ import annotations

# Kinds of value. A "text list" also accepts a single string (``depends_on: x`` means ``[x]``).
TEXT = "text"
TEXT_LIST = "text list"
TIMESTAMP = "timestamp"  # text that must read as an ISO 8601 date or date-time
INT = "int"
NUMBER = "number"  # int or float
BOOL = "bool"
MAPPING = "mapping"
TEXT_OR_MAPPING = "text or mapping"  # output_schema: a path, or the schema inline

FIELDS: dict[str, str] = {
    "type": TEXT,
    "status": TEXT,
    "depends_on": TEXT_LIST,
    "labels": TEXT_LIST,
    "target_files": TEXT_LIST,
    "context": TEXT_LIST,
    "informed_by": TEXT_LIST,
    "tracks": TEXT_LIST,
    "origin": TEXT_LIST,
    "members": TEXT_LIST,
    "commits": TEXT_LIST,
    "verification_failures": TEXT_LIST,
    "conflicting_files": TEXT_LIST,
    "derived_fields": TEXT_LIST,
    "blocked_specs": TEXT_LIST,
    "writes": TEXT_LIST,  # globs the spec may write besides target_files (docs/parallel.md)
    "sparse": TEXT_LIST,  # the directories the spec's worktree checks out (docs/specs.md, chant/sparse.py)
    "gate": TEXT_LIST,  # the spec's own merge gate commands (run only with verify.run_commands)
    "prompt": TEXT,
    "branch": TEXT,
    "model": TEXT,
    "agent": TEXT,
    "schedule": TEXT,
    "parent": TEXT,
    "source_branch": TEXT,
    "target_branch": TEXT,
    "original_spec": TEXT,
    "failure_reason": TEXT,
    "output_schema": TEXT_OR_MAPPING,
    "priority": TEXT,
    "verification_status": TEXT,
    "input_baseline": TEXT,
    "completed_at": TIMESTAMP,
    "last_verified": TIMESTAMP,
    "replayed_at": TIMESTAMP,
    "original_completed_at": TIMESTAMP,
    "started_at": TIMESTAMP,
    "failed_at": TIMESTAMP,
    "replay_count": INT,
    "retries": INT,
    "cost_usd": NUMBER,
    "needs_approval": BOOL,
    "public": BOOL,
    "approval": MAPPING,
    "retry_state": MAPPING,
    "tokens": MAPPING,
    "budget": MAPPING,
}

# Keys of the mappings above whose values have a type too.
SUBFIELDS: dict[str, dict[str, str]] = {
    "approval": {"required": BOOL, "status": TEXT, "by": TEXT, "at": TIMESTAMP},
    "tokens": {"input": INT, "output": INT},
    "retry_state": {"attempts": INT, "last_retry_time": INT, "next_retry_time": INT},
}

LIST_FIELDS = tuple(key for key, kind in FIELDS.items() if kind == TEXT_LIST)
# Plain scalars under these keys (and in their lists) are read as the text they were written as.
TEXT_KEYS = frozenset(key for key, kind in FIELDS.items() if kind in (TEXT, TEXT_LIST, TIMESTAMP))
KNOWN_FIELDS = frozenset(FIELDS)

# Paths and IDs longer than this are not paths (file systems refuse names over 255 bytes, paths over 4096).
MAX_TEXT_ITEM = 4096
_PATHLIKE = frozenset(
    (
        "depends_on",
        "members",
        "target_files",
        "context",
        "informed_by",
        "tracks",
        "origin",
        "prompt",
        "sparse",
    )
    + ("branch", "parent", "agent", "output_schema", "source_branch", "target_branch", "original_spec")
)
_KIND_NAMES = {
    TEXT: "text",
    TEXT_LIST: "a list of text",
    TIMESTAMP: "an ISO 8601 timestamp",
    INT: "an integer",
}
_KIND_NAMES.update({NUMBER: "a number", BOOL: "true or false", MAPPING: "a mapping (key: value lines)"})
_KIND_NAMES[TEXT_OR_MAPPING] = "a path or a mapping"


def type_problems(frontmatter: dict[str, object]) -> list[tuple[str, str]]:
    """``(key, message)`` for every known field whose value has the wrong type (pure; lint reports them)."""
    problems: list[tuple[str, str]] = []
    for key, value in frontmatter.items():
        kind = FIELDS.get(key)
        if kind is None or value is None:
            continue
        message = _problem(key, kind, value)
        if message is None and kind == MAPPING and isinstance(value, dict):
            for sub, sub_kind in SUBFIELDS.get(key, {}).items():
                if value.get(sub) is not None:
                    sub_message = _problem(sub, sub_kind, value[sub])
                    if sub_message is not None:
                        problems.append((key, f"{key}.{sub}: {sub_message}"))
            continue
        if message is not None:
            problems.append((key, f"{key}: {message}"))
    return problems


def _problem(key: str, kind: str, value: object) -> str | None:
    expected = _KIND_NAMES[kind]
    if kind == TEXT_LIST:
        items = value if isinstance(value, list) else [value]
        for number, item in enumerate(items, start=1):
            where = f"item {number}: " if isinstance(value, list) else ""
            if isinstance(item, dict | list):
                return f"{where}expected {'text' if where else expected}, got {_describe(item)}"
            problem = _text_problem(key, item)
            if problem is not None:
                return where + problem
        return None
    if kind == TEXT_OR_MAPPING:
        return (
            _text_problem(key, value)
            if not isinstance(value, dict | list)
            else (None if isinstance(value, dict) else f"expected {expected}, got {_describe(value)}")
        )
    if kind in (TEXT, TIMESTAMP):
        if isinstance(value, dict | list):
            return f"expected {expected}, got {_describe(value)}"
        problem = _text_problem(key, value)
        if problem is None and kind == TIMESTAMP and not _is_timestamp(str(value)):
            problem = f"'{_clip(str(value))}' is not {expected} (e.g. 2026-01-30T10:00:00Z)"
        return problem
    if kind == INT:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind == NUMBER:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif kind == BOOL:
        ok = isinstance(value, bool)
    else:
        ok = isinstance(value, dict)
    return None if ok else f"expected {expected}, got {_describe(value)}"


def _text_problem(key: str, value: object) -> str | None:
    if value is None or not isinstance(value, str):
        return None  # null items are ignored; numbers cannot occur (text fields keep their source text)
    if key in _PATHLIKE and len(value) > MAX_TEXT_ITEM:
        return f"{len(value):,} characters long; a path or ID has at most {MAX_TEXT_ITEM:,}"
    if key in _PATHLIKE and any(ord(char) < 32 for char in value):
        return f"'{_clip(value)}' contains a control character (not a path or ID)"
    return None


def _is_timestamp(text: str) -> bool:
    from datetime import date, datetime

    for parse in (datetime.fromisoformat, date.fromisoformat):
        try:
            parse(text)
        except ValueError:
            continue
        return True
    return False


def _describe(value: object) -> str:
    if isinstance(value, bool):
        return f"the boolean {'true' if value else 'false'}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        return f"the number {_clip(repr(value))}"
    return f"'{_clip(str(value))}'"


def _clip(text: str, limit: int = 40) -> str:
    text = text.encode("unicode_escape").decode("ascii") if not text.isprintable() else text
    return text if len(text) <= limit else text[: limit - 3] + "..."
