"""Round-trip frontmatter edits: change one field, keep every other byte of the file.

Each edit touches only the lines of the key being changed. Where the key sits in the file comes from the
YAML parser's node positions, so comments, key order, quoting, unknown keys and the body are untouched.
A single-line scalar is edited in place, keeping any trailing ``# comment`` on its line.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from chant.errors import SpecParseError
from chant.spec import document, fields, yamlio


class _Remove:
    def __repr__(self) -> str:
        return "REMOVE"


REMOVE: Any = _Remove()


def _newline_of(text: str) -> str:
    return "\r\n" if "\r\n" in text[:200] else "\n"


def _seq_indent(root: yaml.MappingNode | None) -> int:
    """How far block lists are indented under their key in this file (``  - x`` -> 2, ``- x`` -> 0)."""
    if root is None:
        return 2
    for key_node, value_node in root.value:
        if isinstance(value_node, yaml.SequenceNode) and not value_node.flow_style and value_node.value:
            return max(0, value_node.start_mark.column - key_node.start_mark.column)
    return 2


def emit_block(key: str, value: Any, *, indent: int, flow: bool, nl: str) -> str:
    if isinstance(value, list | tuple):
        items = list(value)
        if not items:
            return f"{key}: []{nl}"
        if flow and all(not isinstance(i, dict | list) for i in items):
            return f"{key}: [{', '.join(yamlio.emit_scalar(i) for i in items)}]{nl}"
        pad = " " * indent
        lines = [f"{key}:"]
        for item in items:
            if isinstance(item, dict | list):
                dumped = yamlio.dump_flow(item)
                lines.append(f"{pad}- {dumped}")
            else:
                lines.append(f"{pad}- {yamlio.emit_scalar(item)}")
        return nl.join(lines) + nl
    if isinstance(value, dict):
        if not value:
            return f"{key}: {{}}{nl}"
        dumped = yamlio.dump_block(value)
        body = nl.join("  " + line for line in dumped.rstrip("\n").split("\n"))
        return f"{key}:{nl}{body}{nl}"
    return f"{key}: {yamlio.emit_scalar(value)}{nl}"


def _is_blank_or_comment(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def set_fields(text: str, updates: dict[str, Any], path: str = "<spec>") -> str:
    """Return ``text`` with each key in ``updates`` set (or removed when the value is ``REMOVE``)."""
    parts = document.split(text, path)
    nl = _newline_of(text)
    if not parts.opening:
        parts = document.Parts("---" + nl, "", "---" + nl, parts.body)
    fm = parts.frontmatter
    current = _current_values(fm)
    for key, value in updates.items():
        # Setting a field to the value it already has is a no-op: re-emitting it would drop its
        # quoting (``status: "pending"``) or the comments inside a list (the seed's ``depends_on``).
        if value is not REMOVE and key in current and _same(current[key], value):
            continue
        fm = _set_one(fm, key, value, nl, path)
    return parts.opening + fm + parts.closing + parts.body


def _current_values(fm: str) -> dict[Any, Any]:
    try:
        data = yamlio.load(fm, fields.TEXT_KEYS) if fm.strip() else None
    except yamlio.LoadError:
        return {}  # _set_one reports the error with the file's name
    return data if isinstance(data, dict) else {}


def _same(old: Any, new: Any) -> bool:
    if type(old) is not type(new):
        return False
    if isinstance(old, list):
        return len(old) == len(new) and all(_same(a, b) for a, b in zip(old, new, strict=True))
    if isinstance(old, dict):
        return old.keys() == new.keys() and all(_same(old[k], new[k]) for k in old)
    return bool(old == new)


def _set_one(fm: str, key: str, value: Any, nl: str, path: str) -> str:
    try:
        root = yamlio.compose(fm) if fm.strip() else None
    except yaml.YAMLError as exc:
        raise SpecParseError(path, f"cannot edit: invalid YAML in frontmatter ({exc})") from None
    if root is not None and not isinstance(root, yaml.MappingNode):
        raise SpecParseError(path, "cannot edit: frontmatter is not a mapping")
    lines = fm.splitlines(keepends=True)
    entries = root.value if root is not None else []
    matching = [i for i, (k, _v) in enumerate(entries) if k.value == key]
    if len(matching) > 1:
        line = entries[matching[1]][0].start_mark.line + 2
        raise SpecParseError(path, f"cannot edit: duplicate key '{key}'", line)
    index = matching[0] if matching else None

    if index is None:
        if value is REMOVE:
            return fm
        block = emit_block(key, value, indent=_seq_indent(root), flow=False, nl=nl)
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += nl
        return "".join(lines) + block

    key_node, value_node = entries[index]
    key_line = key_node.start_mark.line
    end = value_node.end_mark
    end_line = end.line if end.column == 0 else end.line + 1
    if index + 1 < len(entries):
        end_line = min(end_line, entries[index + 1][0].start_mark.line)
    end_line = min(max(end_line, key_line + 1), len(lines))
    # Comments and blank lines after the value belong to what follows, so they stay.
    while end_line - 1 > key_line and _is_blank_or_comment(lines[end_line - 1]):
        end_line -= 1

    if value is REMOVE:
        return "".join(lines[:key_line] + lines[end_line:])

    single_line = (
        isinstance(value_node, yaml.ScalarNode)
        and value_node.start_mark.line == key_line
        and value_node.end_mark.line == key_line
        # libyaml's composer reports a plain scalar's style as "" (PyYAML's as None): both are plain.
        # Missing "" here sent every plain value through the block rewrite, dropping its "# comment".
        and value_node.style in (None, "", "'", '"')
        and not isinstance(value, list | tuple | dict)
    )
    if single_line:
        line = lines[key_line]
        if value_node.start_mark.column == value_node.end_mark.column:  # empty value: "key:"
            head = line[: key_node.end_mark.column + 1].rstrip()
            rest = line[len(line.rstrip("\r\n")) :]
            lines[key_line] = f"{head} {yamlio.emit_scalar(value)}{rest}"
        else:
            lines[key_line] = (
                line[: value_node.start_mark.column]
                + yamlio.emit_scalar(value)
                + line[value_node.end_mark.column :]
            )
        return "".join(lines)

    appended = _append_to_block_list(lines, value_node, value, end_line, nl, key in fields.TEXT_KEYS)
    if appended is not None:
        return appended

    flow = bool(getattr(value_node, "flow_style", False))
    if (
        flow
        and value_node.start_mark.line == key_line == value_node.end_mark.line
        and isinstance(value, list)
    ):
        # A one-line flow list keeps its trailing comment, like a scalar does.
        line = lines[key_line]
        new = emit_block(key, value, indent=0, flow=True, nl="").split(": ", 1)[1]
        lines[key_line] = line[: value_node.start_mark.column] + new + line[value_node.end_mark.column :]
        return "".join(lines)
    block = emit_block(key, value, indent=_seq_indent(root), flow=flow, nl=nl)
    return "".join(lines[:key_line]) + block + "".join(lines[end_line:])


def _plain_text(node: yaml.ScalarNode) -> bool:
    """A plain scalar that a text field reads as its source text (``5e58057``), i.e. anything but null."""
    return node.style in (None, "") and node.tag != yamlio.NULL_TAG


def _append_to_block_list(
    lines: list[str], value_node: yaml.Node, value: Any, end_line: int, nl: str, text_field: bool
) -> str | None:
    """Growing a block list (``chant add --group`` appending to ``members:``) inserts the new items after
    the last one, so the existing items keep their comments (the seed's ``# API extraction``).

    ``None`` when this is not a pure append of one-line string items to a block list.
    """
    if not (
        isinstance(value_node, yaml.SequenceNode)
        and not value_node.flow_style
        and value_node.value
        and isinstance(value, list | tuple)
        and len(value) > len(value_node.value)
        and all(isinstance(item, str) for item in value)
    ):
        return None
    old = value_node.value
    for node, item in zip(old, value, strict=False):
        if not (
            isinstance(node, yaml.ScalarNode)
            and (node.tag == yamlio.STR_TAG or (text_field and _plain_text(node)))
            and node.value == item
            and node.start_mark.line == node.end_mark.line
        ):
            return None
    first = lines[old[0].start_mark.line]
    dash = first.index("-")
    prefix = first[: dash + 1] + " "
    if old[-1].start_mark.line >= end_line or end_line > len(lines):
        return None
    new = [f"{prefix}{yamlio.emit_scalar(item)}{nl}" for item in value[len(old) :]]
    if end_line > 0 and not lines[end_line - 1].endswith("\n"):
        lines[end_line - 1] += nl
    return "".join(lines[:end_line] + new + lines[end_line:])


_TICKED = re.compile(r"^(\s*[-*+] )\[[xX]\]")


def untick_criteria(text: str, path: str = "<spec>") -> str:
    """Every ticked acceptance criterion back to ``[ ]``; nothing else changes (line endings included)."""
    parts = document.split(text, path)
    ticked = {c.line for c in document.criteria_of(parts.body, parts.body_line_offset) if c.checked}
    if not ticked:
        return text
    lines = text.splitlines(keepends=True)
    for number in ticked:
        lines[number - 1] = _TICKED.sub(r"\1[ ]", lines[number - 1], count=1)
    return "".join(lines)
