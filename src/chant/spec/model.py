"""The spec model: a parsed file plus typed, normalised views of its frontmatter."""

from __future__ import annotations

import errno
import math
import os
import stat
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from chant.errors import SpecParseError
from chant.spec import document, fields, ids
from chant.spec.status import Status, parse_status
from chant.states import SPEC_TYPES as SPEC_TYPES  # re-exported; one definition, shared with the fast path

DRIVER_TYPES = ("driver", "group")
# Every field chant understands (and its type: chant.spec.fields); anything else is kept verbatim and ignored.
LIST_FIELDS = fields.LIST_FIELDS
KNOWN_FIELDS = fields.KNOWN_FIELDS

MAX_FILE_BYTES = 2 << 20  # a spec file larger than this is refused, not read (specs are ~2-20 KB)
# Bodies of files larger than this are not kept in memory after loading (re-read when asked for).
KEEP_BODY_BYTES = 64 * 1024


def as_list(value: Any) -> list[str]:
    """``depends_on: x`` and ``depends_on: [x]`` mean the same; ``None`` means empty.

    Only scalar items count: a mapping or list where a string belongs is a lint error (``type`` rule),
    never a string like "{'a': 1}" that other commands would trip over.
    """
    if value is None or value == "":
        return []
    if type(value) is list:
        for item in value:
            if type(item) is not str:
                break
        else:
            return list(value)  # the usual case: every item is already text
    if isinstance(value, list | tuple):
        return [
            _text(item) for item in value if item is not None and not isinstance(item, dict | list | tuple)
        ]
    if isinstance(value, dict):
        return []
    return [_text(value)]


def as_text(value: Any) -> str | None:
    """A scalar field's text (``None`` for null, empty, a list or a mapping)."""
    if value is None or value == "" or isinstance(value, dict | list | tuple):
        return None
    return _text(value)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def read_spec_file(path: Path) -> str:
    """A spec file's text. Never follows a symlink (a link to /etc/passwd is not a spec), never blocks on
    a FIFO, refuses files over :data:`MAX_FILE_BYTES`; every such problem is a :class:`SpecParseError`."""
    flags = (
        os.O_RDONLY
        | getattr(os, "O_NOFOLLOW", 0)
        | getattr(os, "O_NONBLOCK", 0)
        | getattr(os, "O_CLOEXEC", 0)
    )
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP or path.is_symlink():
            raise SpecParseError(
                str(path), "is a symbolic link; spec files must be regular files (not read)"
            ) from None
        raise SpecParseError(str(path), f"cannot read the file ({exc.strerror or exc})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise SpecParseError(str(path), "is not a regular file (not read)")
        if info.st_size > MAX_FILE_BYTES:
            raise SpecParseError(
                str(path),
                f"file is {info.st_size / (1 << 20):.1f} MiB; spec files over {MAX_FILE_BYTES >> 20} MiB are not read",
            )
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            if sum(map(len, chunks)) > MAX_FILE_BYTES:  # grew while being read
                raise SpecParseError(str(path), f"file is larger than {MAX_FILE_BYTES >> 20} MiB (not read)")
    except OSError as exc:
        raise SpecParseError(str(path), f"cannot read the file ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SpecParseError(
            str(path), f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})", line
        ) from None


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
            parts = document.split(read_spec_file(self.path), str(self.path))
            self.body_text = parts.body
            self.body_line_offset = parts.body_line_offset
        return self.body_text

    @classmethod
    def from_text(cls, spec_id: str, path: Path, text: str, *, archived: bool = False) -> Spec:
        parts = document.split(text, str(path))
        frontmatter = document.parse_frontmatter(parts, str(path), fields.TEXT_KEYS, unique_keys=True)
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

    def int_value(self, key: str) -> int | None:
        """An integer field (``replay_count``); ``None`` when absent or not a 64-bit integer (lint says why)."""
        value = self.frontmatter.get(key)
        if type(value) is int and -(2**63) <= value < 2**63:
            return value
        return None

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
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # JSON has no inf/nan
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
