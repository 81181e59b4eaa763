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
    "output_schema": TEXT,
    "verification_status": TEXT,
    "input_baseline": TEXT,
    "completed_at": TIMESTAMP,
    "last_verified": TIMESTAMP,
    "replayed_at": TIMESTAMP,
    "original_completed_at": TIMESTAMP,
    "started_at": TIMESTAMP,
    "failed_at": TIMESTAMP,
    "replay_count": INT,
    "cost_usd": NUMBER,
    "needs_approval": BOOL,
    "public": BOOL,
    "approval": MAPPING,
    "retry_state": MAPPING,
    "tokens": MAPPING,
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
