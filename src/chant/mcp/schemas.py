"""The ``outputSchema`` of every tool: docs/json.md's documents, plus the paging keys of ``paging.py``.

Schemas name the keys a client may rely on and their types; like the ``--json`` documents they allow keys to
be added within schema 1 (``additionalProperties`` stays open).
"""

from __future__ import annotations

from typing import Any

STR = {"type": "string"}
INT = {"type": "integer"}
NUM = {"type": "number"}
BOOL = {"type": "boolean"}
ANY: dict[str, Any] = {}


def opt(schema: dict[str, Any]) -> dict[str, Any]:
    # A type list, not anyOf, where it can: clients validate every result, and anyOf costs them a
    # sub-validator per value (a third of a 50-row page's round trip with the SDK's client).
    if set(schema) == {"type"} and isinstance(schema["type"], str):
        return {"type": [schema["type"], "null"]}
    if set(schema) <= {"type", "items"} and schema.get("type") == "array":
        return {**schema, "type": ["array", "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


def arr(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def obj(required: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {**required, **(optional or {})},
        "required": list(required),
    }


def doc(required: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    """A top-level document: ``schema`` first, then its keys (the ``type`` is added by the server)."""
    whole = obj({"schema": {"const": 1}, **required}, optional)
    whole.pop("type")
    return whole


PAGE = {
    "total": INT,
    "offset": INT,
    "returned": INT,
    "next_cursor": opt(STR),
    "limit_bytes": INT,
}
PAGE_OPTIONAL = {"truncated": arr(STR)}
WINDOW = {
    "text": STR,
    "offset": INT,
    "next_offset": opt(INT),
    "size_bytes": INT,
    "limit_bytes": INT,
}

SUMMARY = obj(
    {
        "id": STR,
        "title": opt(STR),
        "type": STR,
        "status": STR,
        "state": STR,
        "depends_on": arr(STR),
        "blocked_by": arr(STR),
        "labels": arr(STR),
        "driver": opt(STR),
    },
    {"archived": BOOL},
)
QUALITY = obj({"id": STR, "grade": STR, "findings": arr(ANY)})
ENTRY = obj({"id": STR, "title": opt(STR)}, {"status": STR, "reason": ANY})

SPEC_LIST = doc({"specs": arr(SUMMARY), "invalid": arr(STR), **PAGE}, PAGE_OPTIONAL)
READY = doc({"specs": arr(SUMMARY), **PAGE}, PAGE_OPTIONAL)
SEARCH = doc({"query": STR, "specs": arr(SUMMARY), "warnings": arr(STR), **PAGE}, PAGE_OPTIONAL)
SPEC_GET = doc(
    {
        "spec": obj(
            {
                "id": STR,
                "title": opt(STR),
                "type": STR,
                "status": STR,
                "path": STR,
                "archived": BOOL,
                "depends_on": arr(STR),
                "labels": arr(STR),
                "target_files": arr(STR),
                "frontmatter": {"type": "object"},
                "criteria": arr(obj({"text": STR, "checked": BOOL, "line": INT})),
            },
            {
                "state": STR,
                "blocked_by": arr(STR),
                "members": arr(STR),
                "phases": opt(arr(arr(STR))),
                "quality": QUALITY,
                "body": obj(WINDOW),
            },
        )
    }
)
STATUS = doc(
    {
        "total": INT,
        "counts": {"type": "object", "additionalProperties": INT},
        "attention": arr(ENTRY),
        "in_progress": arr(ENTRY),
        "ready": arr(ENTRY),
        "invalid": arr(STR),
        "truncated": {"type": "object", "additionalProperties": INT},
    }
)
DAG = doc(
    {
        "nodes": arr(obj({"id": STR, "title": opt(STR), "state": STR})),
        "edges": arr(obj({"from": STR, "to": STR})),
        **PAGE,
    },
    PAGE_OPTIONAL,
)
GROUP = doc(
    {
        "driver": obj({"id": STR, "title": opt(STR), "state": STR, "archived": BOOL}),
        "phases": arr(obj({"number": INT, "label": STR, "members": arr(STR)})),
        "members": arr(obj({"id": STR, "title": opt(STR), "state": STR, "phase": INT, "depends_on": ANY})),
    }
)
LINT = doc(
    {
        "diagnostics": arr(
            obj(
                {
                    "spec_id": opt(STR),
                    "path": opt(STR),
                    "line": opt(INT),
                    "severity": STR,
                    "rule": STR,
                    "message": STR,
                }
            )
        ),
        "errors": INT,
        "warnings": INT,
        "checked": INT,
        "quality": arr(QUALITY),
        "section": {"enum": ["diagnostics", "quality"]},
        **PAGE,
    },
    PAGE_OPTIONAL,
)
DIAGNOSE = doc(
    {
        "diagnosis": obj(
            {"id": STR, "state": STR, "diagnosis": STR, "local_changes": arr(STR)}, {"fix": opt(STR)}
        )
    }
)
DRIFT = doc(
    {"specs": arr(obj({"id": STR, "drifted": BOOL, "stale": BOOL, "changes": arr(ANY)})), **PAGE},
    {"stale": arr(STR), "recommendations": obj({"rerun": arr(STR), "review": arr(STR)}), **PAGE_OPTIONAL},
)
LOG = doc({"id": STR, "path": STR, **WINDOW})

CREATED = doc({"id": STR, "path": STR, "commit": opt(STR)})
SET = doc(
    {
        "id": STR,
        "path": STR,
        "changes": arr(obj({"key": STR, "old": ANY, "new": ANY})),
        "warnings": arr(STR),
        "commit": opt(STR),
        "quality": QUALITY,
    }
)
CHANGED = doc({"id": STR, "status": STR, "message": STR}, {"ids": arr(STR)})
ARCHIVE = doc(
    {
        "dry_run": BOOL,
        "moves": arr(obj({"id": STR, "from": STR, "to": STR})),
        "skipped": arr(obj({"id": STR, "reason": STR})),
        "commit": opt(STR),
    }
)
OUTCOME = doc({"id": STR, "ok": BOOL, "state": STR, "reason": opt(STR), "commits": arr(STR)})
VERIFY = doc(
    {
        "specs": arr(
            obj(
                {
                    "id": STR,
                    "title": opt(STR),
                    "status": STR,
                    "results": arr(obj({"criterion": STR, "status": STR, "method": STR, "detail": ANY})),
                },
                {"verified_at": opt(STR)},
            )
        ),
        "commands_run": BOOL,
    },
    {"not_verified": arr(STR)},
)

RUN = obj(
    {
        "id": STR,
        "state": STR,
        "kind": opt(STR),
        "specs": arr(STR),
        "started_at": opt(NUM),
        "finished_at": opt(NUM),
        "error": opt(STR),
        "events": INT,
    },
    {"pid": opt(INT)},
)
MEMBER = obj(
    {
        "id": STR,
        "title": opt(STR),
        "phase": opt(INT),
        "state": STR,
        "elapsed_s": opt(NUM),
    },
    {"started_at": opt(NUM), "ended_at": opt(NUM), "reason": opt(STR)},
)
_STATUS: tuple[dict[str, Any], dict[str, Any]] = (
    {"run": RUN, "done": BOOL, "members": arr(MEMBER)},
    {"error": opt(STR), "members_total": INT},
)
WORK_STATUS = doc(*_STATUS)
WORK_START = doc(
    {"run": opt(STR), "kind": STR, "specs": arr(STR), "state": STR},
    {"status": obj(*_STATUS), "error": opt(STR)},
)
WORK_LIST = doc({"runs": arr(RUN), **PAGE}, PAGE_OPTIONAL)
PAUSED = doc({"id": STR, "status": STR, "message": STR})
TAKEOVER = doc({"id": STR, "status": STR, "worktree": STR, "branch": STR, "log_tail": arr(STR)})
PROPOSAL = doc(
    {
        "dry_run": BOOL,
        "driver": opt(STR),
        "members": arr(STR),
        "proposal": obj({"members": arr({"type": "object"})}),
        "commit": opt(STR),
    }
)
