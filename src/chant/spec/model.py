"""The spec model: a parsed file plus typed, normalised views of its frontmatter."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from chant.spec import document, ids
from chant.spec.status import Status, parse_status
from chant.states import SPEC_TYPES as SPEC_TYPES  # re-exported; one definition, shared with the fast path

DRIVER_TYPES = ("driver", "group")
LIST_FIELDS = (
    "depends_on",
    "labels",
    "target_files",
    "context",
    "informed_by",
    "tracks",
    "origin",
    "members",
    "commits",
    "verification_failures",
    "conflicting_files",
    "derived_fields",
)
# Every field chant understands; anything else is kept verbatim and ignored.
KNOWN_FIELDS = frozenset(
    LIST_FIELDS
    + (
        "type",
        "status",
        "prompt",
        "branch",
        "completed_at",
        "model",
        "agent",
        "schedule",
        "priority",
        "parent",
        "approval",
        "needs_approval",
        "output_schema",
        "public",
        "retry_state",
        "last_verified",
        "verification_status",
        "replayed_at",
        "replay_count",
        "original_completed_at",
        "source_branch",
        "target_branch",
        "blocked_specs",
        "original_spec",
        "failure_reason",
        "cost_usd",
        "tokens",
        "input_baseline",
        "started_at",
        "failed_at",
    )
)


def as_list(value: Any) -> list[str]:
    """``depends_on: x`` and ``depends_on: [x]`` mean the same; ``None`` means empty."""
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return [str(item) for item in value if item is not None]
    return [str(value)]


@dataclass(eq=False)
class Spec:
    id: str
    path: Path
    frontmatter: dict[str, Any]
    body_text: str | None  # None until needed: list/status work from cached frontmatter alone
    body_line_offset: int = 0
    archived: bool = False
    title: str | None = field(default=None)

    @property
    def body(self) -> str:
        if self.body_text is None:
            parts = document.split(self.path.read_text(encoding="utf-8"), str(self.path))
            self.body_text = parts.body
            self.body_line_offset = parts.body_line_offset
        return self.body_text

    @classmethod
    def from_text(cls, spec_id: str, path: Path, text: str, *, archived: bool = False) -> Spec:
        parts = document.split(text, str(path))
        frontmatter = document.parse_frontmatter(parts, str(path))
        return cls(
            id=spec_id,
            path=path,
            frontmatter=frontmatter,
            body_text=parts.body,
            body_line_offset=parts.body_line_offset,
            archived=archived,
            title=document.title_of(parts.body),
        )

    # -- typed views -------------------------------------------------------------------------
    def get(self, key: str, default: Any = None) -> Any:
        return self.frontmatter.get(key, default)

    def values(self, key: str) -> list[str]:
        return as_list(self.frontmatter.get(key))

    @property
    def type(self) -> str:
        value = self.frontmatter.get("type")
        return str(value) if value not in (None, "") else "code"

    @property
    def status(self) -> Status:
        return parse_status(self.frontmatter.get("status"))

    @property
    def raw_status(self) -> str:
        value = self.frontmatter.get("status")
        return "pending" if value in (None, "") else str(value)

    @property
    def depends_on(self) -> list[str]:
        return self.values("depends_on")

    @property
    def declares_depends_on(self) -> bool:
        return "depends_on" in self.frontmatter

    @property
    def labels(self) -> list[str]:
        return self.values("labels")

    @property
    def target_files(self) -> list[str]:
        return self.values("target_files")

    @property
    def members_field(self) -> list[str]:
        return self.values("members")

    @property
    def parent_field(self) -> str | None:
        value = self.frontmatter.get("parent")
        return str(value) if value else None

    @property
    def driver_id(self) -> str | None:
        """The driver this spec is a member of, from its file name."""
        return ids.parent_id(self.id)

    @property
    def display_title(self) -> str:
        return self.title or "(untitled)"

    @property
    def approval(self) -> dict[str, Any]:
        value = self.frontmatter.get("approval")
        return value if isinstance(value, dict) else {}

    @property
    def needs_approval(self) -> bool:
        """Approval required and not yet given."""
        approval = self.approval
        required = bool(approval.get("required")) or bool(self.frontmatter.get("needs_approval"))
        return required and approval.get("status") != "approved"

    @property
    def rejected(self) -> bool:
        return self.approval.get("status") == "rejected"

    @cached_property
    def criteria(self) -> list[document.Criterion]:
        return document.criteria_of(self.body, self.body_line_offset)

    @property
    def unchecked(self) -> list[document.Criterion]:
        return [item for item in self.criteria if not item.checked]

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of a spec (documented in docs/json.md)."""
        return {
            "id": self.id,
            "title": self.title,
            "type": self.type,
            "status": self.status.value,
            "path": str(self.path),
            "archived": self.archived,
            "depends_on": self.depends_on,
            "labels": self.labels,
            "target_files": self.target_files,
            "frontmatter": _jsonable(self.frontmatter),
            "criteria": [{"text": c.text, "checked": c.checked, "line": c.line} for c in self.criteria],
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
