"""A fast reader for the plain frontmatter most spec files use, with the same result as ``yamlio.load``.

It understands only a conservative subset -- top-level ``key: scalar``, ``key: [a, b]`` flow lists,
``key:`` followed by ``  - item`` lines or by one level of ``  sub: value`` lines, with plain, 'single' or "double" quoted scalars without escapes,
and ``#`` comments -- and returns ``None`` for anything else (nesting, anchors, tags, block scalars,
continuation lines, escapes, tabs, CR, non-ASCII text ...), so the caller falls back to libyaml. Plain
scalars are typed with the same implicit resolvers as :mod:`chant.spec.yamlio` (which takes them from
here), so ``yes`` stays a string and ``0812345`` is the integer 812345 either way.

Why: parsing 5,000 frontmatters with PyYAML's ``CSafeLoader`` is most of a cold ``chant list`` (it builds
nodes and resolves every scalar in Python); this reader is several times faster and needs no ``import
yaml`` (DESIGN §4). ``tests/core/test_fastyaml.py`` checks it against ``yamlio.load``.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# (tag, regexp, first characters) -- YAML 1.2 core-schema-like scalars; shared with yamlio.SpecLoader.
BOOL_TAG = "tag:yaml.org,2002:bool"
INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
NULL_TAG = "tag:yaml.org,2002:null"
RESOLVERS: list[tuple[str, re.Pattern[str], str]] = [
    (BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), "tTfF"),
    (INT_TAG, re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), "-+0123456789"),
    (
        FLOAT_TAG,
        re.compile(
            r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
        ),
        "-+0123456789.",
    ),
    (NULL_TAG, re.compile(r"^(?:~|null|Null|NULL|)$"), "~nN\0"),
]

# A top-level key (letters, digits, _ and -), then ":" at the end of the line or followed by a space.
_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?: +(.*))?$")
_ITEM = re.compile(r"( +)- +(.*)$")
_SUB_KEY = re.compile(r"( +)([A-Za-z_][A-Za-z0-9_-]*):(?: +(.*))?$")
# Plain scalars: printable ASCII without YAML indicators that could change the meaning anywhere in them.
_PLAIN = re.compile(
    r"[A-Za-z0-9_.+~(/$=<;^][A-Za-z0-9_.+~()/$=<>;^@ :-]*$|-[A-Za-z0-9_.+~(/][A-Za-z0-9_.+~()/$=<>;^@ :-]*$"
)
# The common lines, matched in one go: `key: value` and `  - value` with a plain value of "safe" characters
# only (no spaces, colons or quotes), optionally followed by a comment.
_SIMPLE = r"[A-Za-z0-9_.+~(/$=<;^][A-Za-z0-9_.+~()/$=<>;^@-]*"
_SIMPLE_KEY_VALUE = re.compile(rf"([A-Za-z_][A-Za-z0-9_-]*): +({_SIMPLE})(?: +#.*)? *$")
_SIMPLE_ITEM = re.compile(rf"( +)- +({_SIMPLE})(?: +#.*)? *$")
_FLOW_PLAIN = re.compile(r"[A-Za-z0-9_.+~(/$=<;^][A-Za-z0-9_.+~()/$=<>;^@ -]*$")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
_QUOTED = re.compile(r"""'([ -&(-~]*)'|"([ !#-\[\]-~]*)\"""")

_MISS = object()


def _by_first() -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    table: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    for tag, regexp, first in RESOLVERS:
        for char in first if first != "~nN\0" else "~nN":
            table.setdefault(char, []).append((tag, regexp))
    return table


_BY_FIRST = _by_first()


def _typed(text: str) -> Any:
    """A plain scalar's value, as yamlio.SpecLoader would construct it; ``_MISS`` when unsure."""
    for tag, regexp in _BY_FIRST.get(text[0], ()):
        if not regexp.match(text):
            continue
        if tag == NULL_TAG:
            return None
        if tag == BOOL_TAG:
            return text.lower() == "true"
        if tag == INT_TAG:
            if len(text) > 200:
                return _MISS
            if text.startswith("0o"):
                return int(text[2:], 8)
            if text.startswith("0x"):
                return int(text[2:], 16)
            return int(text, 10)
        # PyYAML's construct_yaml_float for what the regexp admits (no "_", no sexagesimal ":")
        value = text.lower()
        sign = -1.0 if value[0] == "-" else 1.0
        if value[0] in "+-":
            value = value[1:]
        if value == ".inf":
            return sign * float("inf")
        if value == ".nan":
            return float("nan")
        return sign * float(value)
    return text


def _scalar(text: str, *, flow: bool = False) -> Any:
    """One scalar (comment already removed, stripped); ``_MISS`` when outside the subset."""
    if not text:
        return _MISS
    first = text[0]
    if first == "'" or first == '"':
        match = _QUOTED.fullmatch(text)
        if match is None:
            return _MISS
        value = match.group(1) if first == "'" else match.group(2)
        return _MISS if value is None else value
    if flow:
        if _FLOW_PLAIN.match(text) is None:
            return _MISS
    elif _PLAIN.match(text) is None or text.endswith(":") or ": " in text:
        return _MISS
    return _typed(text)


def _strip_comment(text: str) -> str:
    """``value  # comment`` -> ``value`` (a ``#`` starts a comment only after a space)."""
    cut = text.find(" #")
    return (text[:cut] if cut >= 0 else text).rstrip(" ")


def _value(text: str) -> Any:
    """The text after ``key: `` (non-empty, comment included); ``_MISS`` when outside the subset."""
    if text[0] == "[":
        end = text.find("]")
        if end < 0 or "[" in text[1:end] or "'" in text or '"' in text:
            return _MISS
        after = text[end + 1 :]
        if after.strip(" ") and not (after[0] == " " and after.lstrip(" ")[0] == "#"):
            return _MISS
        inner = text[1:end].strip(" ")
        if not inner:
            return []
        items = []
        for part in inner.split(","):
            item = _scalar(part.strip(" "), flow=True)
            if item is _MISS:
                return _MISS
            items.append(item)
        return items
    if text[0] in "'\"":
        end = text.find(text[0], 1)
        rest = text[end + 1 :].lstrip(" ") if end > 0 else ""
        if end < 0 or (rest and not (rest.startswith("#") and text[end + 1] == " ")):
            return _MISS
        return _scalar(text[: end + 1])
    return _scalar(_strip_comment(text))


def load(text: str) -> dict[str, Any] | None:
    """The frontmatter mapping, or ``None`` when ``text`` is outside the subset (use PyYAML then)."""
    if not text.isascii() or _CONTROL.search(text) is not None:
        return None  # tabs, CR and other control characters, non-ASCII text: PyYAML decides
    data: dict[str, Any] = {}
    open_key: str | None = None  # a `key:` with no value yet: block-sequence items may follow
    items: list[Any] | None = None
    submap: dict[str, Any] | None = None  # or a one-level mapping (`approval:` / `  required: true`)
    indent = ""
    key_match = _KEY.match
    item_match = _ITEM.match
    sub_key_match = _SUB_KEY.match
    simple_key_value = _SIMPLE_KEY_VALUE.match
    simple_item = _SIMPLE_ITEM.match
    for line in text.split("\n"):
        if not line:
            continue
        if line[0] == " ":
            if open_key is not None:
                match = simple_item(line)
                if match is not None:
                    if submap is not None:
                        return None  # an item inside a mapping
                    if items is None:
                        indent = match.group(1)
                        items = data[open_key] = []
                    elif match.group(1) != indent:
                        return None
                    items.append(_typed(match.group(2)))
                    continue
        elif line[0] != "#":
            match = simple_key_value(line)
            if match is not None:
                key = match.group(1)
                if key in data or _typed(key) is not key:
                    return None
                open_key, items, submap = None, None, None
                data[key] = _typed(match.group(2))
                continue
        # everything else: comments, blank lines, quoted and flow values, values with spaces or colons
        stripped = line.lstrip(" ")
        if not stripped or stripped[0] == "#":
            continue
        if open_key is not None and line[0] == " " and items is None:
            sub = sub_key_match(line)
            if sub is not None:
                if submap is None:
                    indent = sub.group(1)
                    submap = data[open_key] = {}
                elif sub.group(1) != indent:
                    return None
                sub_key, rest = sub.group(2), sub.group(3)
                if sub_key in submap or _typed(sub_key) is not sub_key:
                    return None
                if not rest or rest[0] == "#":
                    return None  # deeper nesting (or a null): PyYAML
                value = _value(rest)
                if value is _MISS:
                    return None
                submap[sub_key] = value
                continue
            if submap is not None:
                return None
        if open_key is not None and line[0] == " ":
            match = item_match(line)
            if match is None or (items is not None and match.group(1) != indent):
                return None
            raw = match.group(2)
            item = _value(raw) if raw and raw[0] != "#" else _MISS
            if item is _MISS or type(item) is list:
                return None
            if items is None:
                indent = match.group(1)
                items = data[open_key] = []
            items.append(item)
            continue
        match = key_match(line)
        if match is None:
            return None
        key, rest = match.group(1), match.group(2)
        if key in data or _typed(key) is not key:
            return None  # a duplicate, or a key YAML would read as a bool, number or null
        open_key, items, submap = None, None, None
        if not rest or rest[0] == "#":
            open_key = key
            data[key] = None
            continue
        value = _value(rest)
        if value is _MISS:
            return None
        data[key] = value
    return data
