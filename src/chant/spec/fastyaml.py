"""A fast reader for the plain frontmatter spec files use, with the same result as ``yamlio.load``.

It understands the layouts that tools write -- chant's own, PyYAML's ``safe_dump`` and the Rust tool's
serde_yaml: top-level ``key: value``; ``key: [a, 'b', "c"]`` flow lists; ``key:`` followed by block-list
items, indented (``  - x``) or not (``- x``), or by one level of ``  sub: value`` lines; plain,
``'single'`` (with ``''``) and ``"double"`` quoted scalars (with YAML's escapes); ``#`` comments after
values and on their own lines; CRLF line ends. It returns ``None`` for anything else (deeper nesting,
anchors and aliases, tags, block scalars, continuation lines, duplicate keys, tabs, a lone CR, characters
libyaml treats as line breaks or refuses ...), and the caller falls back to libyaml. Plain scalars are typed
with the same implicit resolvers as :mod:`chant.spec.yamlio` (which takes them from here), so ``yes`` stays
a string and ``0812345`` is the integer 812345 either way -- except under ``text_keys``, where a plain
scalar other than null is the text as written (a commit ``5e58057`` is not ``inf``), as yamlio reads them.

Why: parsing 5,000 frontmatters with PyYAML's ``CSafeLoader`` is most of a cold ``chant list`` (it builds
nodes and resolves every scalar in Python); this reader is several times faster and needs no ``import
yaml`` (docs/design.md, "Hot read path"). ``tests/core/test_fastyaml.py`` checks it against ``yamlio.load`` on every shape here.
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
_NULLS = frozenset(("~", "null", "Null", "NULL"))

# Non-ASCII characters libyaml does not take as ordinary text: C1 controls, NEL / LS / PS (line breaks to
# it), a BOM, surrogates, U+FFFE/U+FFFF. Every other non-ASCII character is text, which the classes below
# admit by excluding ASCII characters only (small negated classes: a class spelling out the Unicode ranges
# costs ~30 ms to compile, on every cold start).
_BAD_CHARS = "[\x80-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff]"  # compiled on first use (~5 ms)
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")

# A top-level key (letters, digits, _ and -), then ":" at the end of the line or followed by a space.
_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?: +(.*))?$")
_ITEM = re.compile(r"( *)- +(.*)$")
_SUB_KEY = re.compile(r"( +)([A-Za-z_][A-Za-z0-9_-]*):(?: +(.*))?$")
# Plain scalars in block context: no indicator first (``-`` only before a non-space), then anything but
# control characters; ": " and a trailing ":" are excluded by the caller, " #" was cut as a comment.
# First: letters, digits, _.+~(/$=<;^ and non-ASCII; after "-": letters, digits, _.+~(/ and non-ASCII.
_PLAIN_FIRST = r"[^\x00-\x20\x7f!\"#%&')*,\-:>?@\[\\\]`{|}]"
_DASH_NEXT = r"[^\x00-\x20\x7f!\"#$%&')*,\-:;<=>?@\[\\\]^`{|}]"
_PLAIN = re.compile(rf"(?:{_PLAIN_FIRST}|-{_DASH_NEXT})[^\x00-\x1f\x7f]*$")
# In a flow list: no ",[]{}" (they end or nest the item) and no "#" (comments), nor !%&*?`|\; ": " and a
# trailing ":" (a mapping) are excluded by the caller.
_FLOW_PLAIN = re.compile(rf"(?:{_PLAIN_FIRST}|-{_DASH_NEXT})[^\x00-\x1f\x7f!#%&*,?\[\\\]`{{|}}]*$")
# The common lines, matched in one go: `key: value` and `- value` with a plain value of "safe" characters
# only (no spaces, colons or quotes), optionally followed by a comment.
_SIMPLE = r"[A-Za-z0-9_.+~(/$=<;^][A-Za-z0-9_.+~()/$=<>;^@-]*"
_SIMPLE_KEY_VALUE = re.compile(rf"([A-Za-z_][A-Za-z0-9_-]*): +({_SIMPLE})(?: +#.*)? *$")
_SIMPLE_ITEM = re.compile(rf"( *)- +({_SIMPLE})(?: +#.*)? *$")
# Quoted scalars on one line; what may follow them (spaces, then a comment after at least one space).
_SINGLE = re.compile(r"'((?:[^']|'')*)'")
_DOUBLE = re.compile(r'"((?:[^"\\]|\\.)*)"')
_FLOW_ITEM = re.compile(r"[^,\]]*")
_AFTER = re.compile(r"(?: +#.*)? *$")
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)")
_ESCAPES = {
    "0": "\0",
    "a": "\a",
    "b": "\b",
    "t": "\t",
    "n": "\n",
    "v": "\v",
    "f": "\f",
    "r": "\r",
    "e": "\x1b",
    " ": " ",
    '"': '"',
    "/": "/",
    "\\": "\\",
    "N": "\x85",
    "_": "\xa0",
    "L": "\u2028",
    "P": "\u2029",
}

_MISS: Any = object()


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
                return _MISS  # yamlio decides (it refuses more digits than int() accepts)
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


def _plain(text: str, as_text: bool) -> Any:
    """A plain scalar known to be inside the subset: typed, or its text under a text key."""
    if as_text:
        return None if text in _NULLS else text
    return _typed(text)


def _unescape(match: re.Match[str]) -> str:
    code = match.group(1)
    if len(code) == 1:
        replacement = _ESCAPES.get(code)
        if replacement is None:
            raise ValueError(code)
        return replacement
    value = int(code[1:], 16)
    if 0xD800 <= value <= 0xDFFF or value > 0x10FFFF:
        raise ValueError(code)
    return chr(value)


def _quoted(text: str, pos: int) -> tuple[Any, int]:
    """The quoted scalar at ``text[pos]`` and the index after it; ``(_MISS, 0)`` when unsure."""
    if text[pos] == "'":
        match = _SINGLE.match(text, pos)
        if match is None:
            return _MISS, 0
        return match.group(1).replace("''", "'"), match.end()
    match = _DOUBLE.match(text, pos)
    if match is None:
        return _MISS, 0
    inner = match.group(1)
    if "\\" in inner:
        try:
            inner = _ESCAPE.sub(_unescape, inner)
        except ValueError:
            return _MISS, 0
    return inner, match.end()


def _scalar(text: str, as_text: bool) -> Any:
    """A whole value in block context (after ``key: `` or ``- ``), comment included; ``_MISS`` if unsure."""
    if not text:
        return _MISS
    first = text[0]
    if first == "'" or first == '"':
        value, end = _quoted(text, 0)
        if value is _MISS or _AFTER.match(text, end) is None:
            return _MISS
        return value
    cut = text.find(" #")
    if cut >= 0:
        text = text[:cut]
    text = text.rstrip(" ")
    if not text or _PLAIN.match(text) is None or text[-1] == ":" or ": " in text:
        return _MISS
    return _plain(text, as_text)


def _flow_list(text: str, as_text: bool) -> Any:
    """``[a, 'b', "c"]`` plus an optional comment; ``_MISS`` when outside the subset."""
    items: list[Any] = []
    pos = 1
    length = len(text)
    while True:
        while pos < length and text[pos] == " ":
            pos += 1
        if pos >= length:
            return _MISS
        char = text[pos]
        if char == "]" and not items:
            pos += 1
            break
        if char == "'" or char == '"':
            value, pos = _quoted(text, pos)
            if value is _MISS:
                return _MISS
        else:
            item_end = _FLOW_ITEM.match(text, pos)
            stop = item_end.end() if item_end is not None else pos
            part = text[pos:stop].rstrip(" ")
            if not part or _FLOW_PLAIN.match(part) is None or part[-1] == ":" or ": " in part:
                return _MISS
            value = _plain(part, as_text)
            if value is _MISS:
                return _MISS
            pos = stop
        items.append(value)
        while pos < length and text[pos] == " ":
            pos += 1
        if pos >= length:
            return _MISS
        if text[pos] == "]":
            pos += 1
            break
        if text[pos] != ",":
            return _MISS
        pos += 1
    if _AFTER.match(text, pos) is None or (pos < length and text[pos] != " "):
        return _MISS
    return items


def _value(text: str, as_text: bool) -> Any:
    """The text after ``key: `` (non-empty, comment included); ``_MISS`` when outside the subset."""
    if text[0] == "[":
        return _flow_list(text, as_text)
    return _scalar(text, as_text)


def load(  # noqa: C901, PLR0915 - the hot-path parser: one loop, no calls per line (docs/design.md)
    text: str, text_keys: frozenset[str] = frozenset()
) -> dict[str, Any] | None:
    """The frontmatter mapping, or ``None`` when ``text`` is outside the subset (use PyYAML then)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        if "\r" in text:
            return None  # a lone CR is a line break to YAML
    if not text.isascii() and re.search(_BAD_CHARS, text) is not None:
        return None
    if _CONTROL.search(text) is not None:
        return None  # tabs and other control characters: PyYAML decides
    data: dict[str, Any] = {}
    open_key: str | None = None  # a `key:` with no value yet: block-list items or a mapping may follow
    as_text = False  # open_key is one of text_keys
    items: list[Any] | None = None
    submap: dict[str, Any] | None = None  # a one-level mapping (`approval:` / `  required: true`)
    indent = ""
    simple_key_value = _SIMPLE_KEY_VALUE.match
    simple_item = _SIMPLE_ITEM.match
    for line in text.split("\n"):
        if not line:
            continue
        first = line[0]
        if first == " " or first == "-":
            if open_key is None or submap is not None:
                pass
            else:
                match = simple_item(line)
                if match is not None:
                    if items is None:
                        indent = match.group(1)
                        items = data[open_key] = []
                    elif match.group(1) != indent:
                        return None
                    item = _plain(match.group(2), as_text)
                    if item is _MISS:
                        return None
                    items.append(item)
                    continue
        elif first == "#":
            continue
        else:
            match = simple_key_value(line)
            if match is not None:
                key = match.group(1)
                if key in data or _typed(key) is not key:
                    return None
                value = _plain(match.group(2), key in text_keys)
                if value is _MISS:
                    return None
                open_key, items, submap = None, None, None
                data[key] = value
                continue
            open_key = None
        # everything else: comments, blank lines, quoted and flow values, values with spaces or colons
        stripped = line.lstrip(" ")
        if not stripped or stripped[0] == "#":
            continue
        if first == " " or first == "-":
            if open_key is None:
                return None  # an indented line continuing a value, or an item with no key
            if stripped[0] == "-":
                match = _ITEM.match(line)
                if submap is not None or match is None or (items is not None and match.group(1) != indent):
                    return None
                item = _scalar(match.group(2), as_text)
                if item is _MISS:
                    return None
                if items is None:
                    indent = match.group(1)
                    items = data[open_key] = []
                items.append(item)
                continue
            sub = _SUB_KEY.match(line)
            if sub is None or items is not None:
                return None
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
            value = _value(rest, False)
            if value is _MISS:
                return None
            submap[sub_key] = value
            continue
        match = _KEY.match(line)
        if match is None:
            return None
        key, rest = match.group(1), match.group(2)
        if key in data or _typed(key) is not key:
            return None  # a duplicate, or a key YAML would read as a bool, number or null
        items, submap = None, None
        if not rest or rest[0] == "#":
            open_key = key
            as_text = key in text_keys
            data[key] = None
            continue
        value = _value(rest, key in text_keys)
        if value is _MISS:
            return None
        data[key] = value
    return data
