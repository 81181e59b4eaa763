"""Reading a spec file: frontmatter split, YAML, title and acceptance criteria (pure functions)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

from chant.errors import SpecParseError
from chant.spec import fastyaml

# yaml (and chant.spec.yamlio) are imported by parse_frontmatter on first use: listing from the index cache
# never parses YAML, and importing PyYAML costs ~20 ms of `chant list` (docs/design.md, "Hot read path").

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_CHECKBOX = re.compile(r"^\s*[-*+] \[([ xX])\]\s?(.*)$")
AC_HEADING = "## Acceptance Criteria"
# Any heading level, any case, optional trailing colon: what authors write when they mean the section.
_AC_LIKE = re.compile(r"^\s{0,3}#{1,6}\s*acceptance\s+criteria\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Parts:
    """A spec file cut into pieces whose concatenation is the original text, byte for byte."""

    opening: str  # "---\n" (empty when the file has no frontmatter)
    frontmatter: str  # the YAML text between the delimiters
    closing: str  # "---\n"
    body: str

    @property
    def body_line_offset(self) -> int:
        """Number of file lines before the body's first line."""
        return (self.opening + self.frontmatter + self.closing).count("\n")


@dataclass(frozen=True, slots=True)
class Criterion:
    text: str
    checked: bool
    line: int  # 1-based line in the file


def split(text: str, path: str = "<spec>") -> Parts:
    """Split on delimiter *lines* (``---`` alone on a line), never on a substring."""
    if text.startswith("\ufeff"):
        text = text[1:]
    first_end = text.find("\n")
    first = text if first_end < 0 else text[:first_end]
    if first.rstrip() != "---":
        return Parts("", "", "", text)
    opening = text[: first_end + 1]
    pos = first_end + 1
    # Every closing line starts with "---" or "..." (only trailing space may follow): jump to candidates.
    while True:
        dash = text.find("\n---", pos - 1)
        dots = text.find("\n...", pos - 1)
        start = dash if dots < 0 or 0 <= dash < dots else dots
        if start < 0:
            break
        pos = start + 1
        end = text.find("\n", pos)
        line = text[pos:] if end < 0 else text[pos:end]
        if line.rstrip() in ("---", "..."):
            closing = text[pos:] if end < 0 else text[pos : end + 1]
            body = "" if end < 0 else text[end + 1 :]
            return Parts(opening, text[first_end + 1 : pos], closing, body)
        pos += 3
    raise SpecParseError(path, "frontmatter is not closed (no '---' line after the opening one)", 1)


# Bounds on what one file may make a reader do (see yamlio for aliases and nesting).
MAX_FRONTMATTER_CHARS = 256 * 1024


def parse_frontmatter(
    parts: Parts, path: str = "<spec>", text_keys: frozenset[str] = frozenset(), *, unique_keys: bool = False
) -> dict[str, Any]:
    """The frontmatter mapping; plain scalars under ``text_keys`` are kept as the text written.

    Every problem, whatever raised it, is a :class:`SpecParseError` naming ``path`` and the line.
    """
    if not parts.frontmatter.strip():
        return {}
    offset = parts.opening.count("\n")  # file lines before the YAML text
    if len(parts.frontmatter) > MAX_FRONTMATTER_CHARS:
        raise SpecParseError(
            path,
            f"frontmatter is {len(parts.frontmatter) // 1024:,} KiB; at most {MAX_FRONTMATTER_CHARS // 1024} KiB "
            "is read",
            offset + 1,
        )
    try:
        fast = fastyaml.load(parts.frontmatter, text_keys)
        if fast is not None:
            return fast
        from chant.spec import yamlio  # imports PyYAML: only for files outside the fast reader's subset

        try:
            data = yamlio.load(parts.frontmatter, text_keys, unique_keys=unique_keys)
        except yamlio.LoadError as exc:
            line = offset + exc.line if exc.line is not None else offset + 1
            raise SpecParseError(path, f"invalid YAML in frontmatter: {exc.problem}", line) from None
    except SpecParseError:
        raise
    except Exception as exc:  # one bad file must never take a command down
        detail = str(exc)[:200]
        raise SpecParseError(
            path, f"cannot read the frontmatter ({type(exc).__name__}: {detail})", offset + 1
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SpecParseError(path, "frontmatter must be a mapping of fields (key: value)", offset + 1)
    return data


def _fence_scan(body: str) -> tuple[list[tuple[int, str]], int | None]:
    """(index, line) pairs of the body's lines outside fenced code blocks (CommonMark's rule), and the
    0-based index of the fence line that is still open at the end of the body (``None`` when all close)."""
    visible: list[tuple[int, str]] = []
    fence: str | None = None
    opened = 0
    for index, line in enumerate(body.split("\n")):
        match = _FENCE.match(line)
        if fence is None:
            if match:
                fence = match.group(1)[0] * len(match.group(1))
                opened = index
                continue
            visible.append((index, line))
        elif match and match.group(1).startswith(fence) and not line[match.end() :].strip():
            # A closing fence carries no info string (CommonMark): "```python" inside a block is content.
            fence = None
    return visible, (opened if fence is not None else None)


def _outside_fences(body: str) -> list[tuple[int, str]]:
    return _fence_scan(body)[0]


def _toggle_visible(body: str) -> list[tuple[int, str]]:
    """The fallback when fences do not close: every fence line opens or closes a block (what authors of
    nested same-length fences mean), and a fence still open at the end hides nothing."""
    lines = body.split("\n")
    visible: list[tuple[int, str]] = []
    inside: list[tuple[int, str]] = []
    open_fence = False
    for index, line in enumerate(lines):
        if _FENCE.match(line):
            open_fence = not open_fence
            if not open_fence:
                inside = []
            continue
        (inside if open_fence else visible).append((index, line))
    if open_fence:
        visible = sorted(visible + inside)
    return visible


def unclosed_fence(body: str) -> int | None:
    """0-based body line of a code fence that is never closed (by CommonMark's rule), else ``None``."""
    if "```" not in body and "~~~" not in body:
        return None
    return _fence_scan(body)[1]


def title_of(body: str) -> str | None:
    # Fast path for the common layout: a "# " line with no code fence before it.
    pos = 0 if body.startswith("# ") else body.find("\n# ") + 1
    if pos > 0 or body.startswith("# "):
        before = body[:pos]
        if "```" not in before and "~~~" not in before:
            end = body.find("\n", pos)
            title = (body[pos + 2 :] if end < 0 else body[pos + 2 : end]).strip()
            return title or None
    for _index, line in _outside_fences(body):
        if line.startswith("# "):
            title = line[2:].strip()
            return title or None
    return None


def _criteria_lines(body: str) -> list[tuple[int, str]]:
    visible, unclosed = _fence_scan(body)
    return _toggle_visible(body) if unclosed is not None else visible


def criteria_of(body: str, line_offset: int = 0) -> list[Criterion]:
    """Checkbox items of the *last* ``## Acceptance Criteria`` section outside code fences.

    When a fence never closes (often nested fences of the same length), CommonMark would hide the rest of
    the body, criteria included; then every fence line toggles instead (lint warns: rule ``fence``).
    """
    visible = _criteria_lines(body)
    start = None
    for position, (_index, line) in enumerate(visible):
        if line.startswith(AC_HEADING):
            start = position
    if start is None:
        return []
    found: list[Criterion] = []
    for index, line in visible[start + 1 :]:
        if line.startswith("## ") or line.startswith("# "):
            break
        match = _CHECKBOX.match(line)
        if match:
            found.append(Criterion(match.group(2).strip(), match.group(1) != " ", line_offset + index + 1))
    return found


def misnamed_criteria_headings(body: str, line_offset: int = 0) -> list[tuple[int, str]]:
    """``(file line, heading)`` of headings that look like an acceptance-criteria section but are not read
    as one (``### Acceptance Criteria``, ``## acceptance criteria``, ``# Acceptance criteria:`` ...)."""
    if "cceptance" not in body and "CCEPTANCE" not in body:
        return []
    found = []
    for index, line in _criteria_lines(body):
        if _AC_LIKE.match(line) and not line.startswith(AC_HEADING):
            found.append((line_offset + index + 1, line.strip()))
    return found


class _HasBody(Protocol):
    @property
    def body(self) -> str: ...

    @property
    def body_line_offset(self) -> int: ...


def criteria_problems(spec: _HasBody) -> list[str]:
    """Why an agent run of ``spec`` could not be checked: empty when it has acceptance criteria.

    Pure (it reads only ``spec.body``); the pre-flight of ``chant work`` and ``lint`` report these. Drivers
    are not run by an agent, so callers skip them.
    """
    body, offset = spec.body, spec.body_line_offset
    if criteria_of(body, offset):
        return []
    problems = [
        "no acceptance criteria: nothing can check the agent's work "
        f"(add a '{AC_HEADING}' section with '- [ ] ...' items)"
    ]
    for line, heading in misnamed_criteria_headings(body, offset):
        problems.append(
            f"line {line}: '{heading}' is not read as criteria; the heading must be '{AC_HEADING}'"
        )
    return problems


def checkboxes_of_section(body: str, heading: str) -> list[Criterion]:
    """Checkbox items under the first ``## <heading>`` section (e.g. "Tasks"); called by the tests only, which
    pin that every section follows the criteria's fence rules."""
    visible = _outside_fences(body)
    items: list[Criterion] = []
    inside = False
    for index, line in visible:
        if line.startswith("## "):
            if inside:
                break
            inside = line[3:].strip().lower() == heading.lower()
            continue
        if inside:
            match = _CHECKBOX.match(line)
            if match:
                items.append(Criterion(match.group(2).strip(), match.group(1) != " ", index + 1))
    return items
