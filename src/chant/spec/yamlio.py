"""YAML reading and scalar emission shared by the fast reader and the round-trip editor.

Reads use libyaml (``CSafeLoader``) to build the node tree, with YAML-1.2-style implicit typing so that
``yes``/``on`` stay strings, ``0755`` is not octal and timestamps stay the strings they were written as.
The values are then built here rather than by PyYAML's constructor, because a spec file is untrusted input
and that constructor has no bounds: here aliases may not be recursive nor add more than
:data:`MAX_ALIAS_VALUES` values (a 600-byte "billion laughs" file used to take gigabytes), nesting stops
at :data:`MAX_DEPTH`, a bad explicit tag (``!!int x``) or a 5,000-digit integer is a :class:`LoadError`
with its line, and keys are unique. Plain scalars under ``text_keys`` keep their source text, so a commit
``5e58057`` is not the float ``inf`` (:mod:`chant.spec.fastyaml` does the same).
"""

from __future__ import annotations

import math
from typing import Any

import yaml

from chant.spec.fastyaml import RESOLVERS

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BaseDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

MAX_DEPTH = 64  # nested collections; real frontmatter needs 3
MAX_ALIAS_VALUES = 10_000  # values that aliases may add to a document
MAX_ALIAS_CHARS = 1 << 20  # characters of scalars that aliases may add
MAX_INT_DIGITS = 4300  # Python's own limit for int(str)

STR_TAG = "tag:yaml.org,2002:str"
INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
BOOL_TAG = "tag:yaml.org,2002:bool"
NULL_TAG = "tag:yaml.org,2002:null"
MAP_TAG = "tag:yaml.org,2002:map"
SEQ_TAG = "tag:yaml.org,2002:seq"
TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_TYPED_TAGS = (INT_TAG, FLOAT_TAG, BOOL_TAG)


class LoadError(ValueError):
    """YAML that cannot be read, with the 1-based line (of the YAML text) where the problem is."""

    def __init__(self, problem: str, line: int | None) -> None:
        super().__init__(f"{problem} (line {line})" if line else problem)
        self.problem = problem
        self.line = line


class SpecLoader(_BaseLoader):
    """libyaml loader with YAML 1.2 core-schema scalars."""


SpecLoader.yaml_implicit_resolvers = {}
for _tag, _regexp, _first in RESOLVERS:  # shared with the fast reader (chant.spec.fastyaml)
    SpecLoader.add_implicit_resolver(
        _tag, _regexp, list(_first) if _first != "~nN\0" else ["~", "n", "N", ""]
    )


def compose(text: str) -> Any:
    return yaml.compose(text, Loader=SpecLoader)


def load(text: str, text_keys: frozenset[str] = frozenset(), *, unique_keys: bool = False) -> Any:
    """The document's value; :class:`LoadError` for invalid YAML or a document outside the bounds.

    ``unique_keys``: a repeated key is an error (spec files: the writer edits the first, readers take the
    last); otherwise the last one wins, as in PyYAML (config.md, whose lint reports duplicates itself).
    """
    try:
        root = compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        raise LoadError(problem, mark.line + 1 if mark is not None else None) from None
    except yaml.YAMLError as exc:  # ReaderError (NUL, non-printable characters) and the like
        line = _reader_line(text, exc)
        raise LoadError(str(getattr(exc, "reason", None) or exc).split("\n")[0], line) from None
    if root is None:
        return None
    return _Builder(text_keys, unique_keys).build(root)


def _reader_line(text: str, exc: yaml.YAMLError) -> int | None:
    position = getattr(exc, "position", None)
    return text.count("\n", 0, position) + 1 if isinstance(position, int) else None


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


class _Builder:
    """Values from a composed node tree, within the bounds above (one instance per document)."""

    def __init__(self, text_keys: frozenset[str], unique_keys: bool) -> None:
        self.text_keys = text_keys
        self.unique_keys = unique_keys
        self.seen: set[int] = set()  # nodes built once already: meeting one again means an alias
        self.on_path: set[int] = set()  # collections being built: meeting one again means recursion
        self.alias_values = 0
        self.alias_chars = 0
        self.line = 1

    def build(self, root: yaml.Node) -> Any:
        return self.value(root, 0, via_alias=False, text=False, top=True)

    def value(self, node: yaml.Node, depth: int, *, via_alias: bool, text: bool, top: bool = False) -> Any:
        ident = id(node)
        if ident in self.on_path:
            raise LoadError("recursive alias (a value that contains itself)", _line(node))
        if ident in self.seen:
            via_alias = True
        else:
            self.seen.add(ident)
        if not via_alias:
            self.line = _line(node)  # an alias has no position of its own: errors name the last real one
        else:
            self.alias_values += 1
            if isinstance(node, yaml.ScalarNode):
                self.alias_chars += len(node.value)
            if self.alias_values > MAX_ALIAS_VALUES or self.alias_chars > MAX_ALIAS_CHARS:
                raise LoadError(
                    f"aliases expand to more than {MAX_ALIAS_VALUES:,} values or {MAX_ALIAS_CHARS:,} "
                    "characters (refused, like a 'billion laughs' document)",
                    self.line,
                )
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, text)
        if depth >= MAX_DEPTH:
            raise LoadError(f"values nested more than {MAX_DEPTH} levels deep", _line(node))
        self.on_path.add(ident)
        try:
            if isinstance(node, yaml.SequenceNode):
                if node.tag != SEQ_TAG:
                    raise LoadError(f"unsupported tag {_short(node.tag)} on a list", _line(node))
                return [self.value(item, depth + 1, via_alias=via_alias, text=text) for item in node.value]
            if not isinstance(node, yaml.MappingNode) or node.tag != MAP_TAG:
                raise LoadError(f"unsupported tag {_short(node.tag)} on a mapping", _line(node))
            return self.mapping(node, depth, via_alias, top)
        finally:
            self.on_path.discard(ident)

    def mapping(self, node: yaml.MappingNode, depth: int, via_alias: bool, top: bool) -> dict[str, Any]:
        data: dict[str, Any] = {}
        lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise LoadError("a key must be a plain name, not a list or mapping", _line(key_node))
            key = key_node.value  # the key as written (`true: x` has the key "true", not True)
            if key in data and self.unique_keys:
                raise LoadError(f"duplicate key '{_clip(key)}' (first on line {lines[key]})", _line(key_node))
            lines[key] = _line(key_node)
            text = top and key in self.text_keys
            data[key] = self.value(value_node, depth + 1, via_alias=via_alias, text=text)
        return data

    def scalar(self, node: yaml.ScalarNode, text: bool) -> Any:
        tag, value = node.tag, node.value
        if tag == STR_TAG:
            return value
        if text and tag in _TYPED_TAGS and node.style in (None, ""):
            return value  # a plain `5e58057` or `0123456` in a text field is that text
        if tag == NULL_TAG:
            return None
        if tag == BOOL_TAG:
            if value.lower() not in ("true", "false"):
                raise LoadError(f"!!bool value '{_clip(value)}' is not true or false", _line(node))
            return value.lower() == "true"
        if tag == INT_TAG:
            return _int(value, node)
        if tag == FLOAT_TAG:
            return _float(value, node)
        if tag == TIMESTAMP_TAG:
            return value  # timestamps are read as the text they were written as, tagged or not
        raise LoadError(f"unsupported tag {_short(tag)}", _line(node))


def _int(value: str, node: yaml.ScalarNode) -> int:
    text = value.replace("_", "")
    sign = -1 if text[:1] == "-" else 1
    digits = text[1:] if text[:1] in "+-" else text
    base = 10
    if digits[:2] in ("0o", "0x"):
        base = 8 if digits[1] == "o" else 16
        digits = digits[2:]
    if len(digits) > MAX_INT_DIGITS:
        raise LoadError(f"integer with {len(digits):,} digits (at most {MAX_INT_DIGITS:,})", _line(node))
    try:
        return sign * int(digits, base)
    except ValueError:
        raise LoadError(f"'{_clip(value)}' is not an integer", _line(node)) from None


def _float(value: str, node: yaml.ScalarNode) -> float:
    text = value.replace("_", "").lower()
    sign = -1.0 if text[:1] == "-" else 1.0
    body = text[1:] if text[:1] in "+-" else text
    if body == ".inf":
        return sign * float("inf")
    if body == ".nan":
        return float("nan")
    try:
        return sign * float(body)
    except ValueError:
        raise LoadError(f"'{_clip(value)}' is not a number", _line(node)) from None


def _short(tag: str) -> str:
    return "!!" + tag[len("tag:yaml.org,2002:") :] if tag.startswith("tag:yaml.org,2002:") else _clip(tag)


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _ScalarDumper(_BaseDumper):
    """Safe dumper that leaves timestamp-looking strings unquoted (we read them back as strings).

    It quotes a string when *either* YAML 1.1 (PyYAML's default, what other tools read with) or our
    1.2-style reader would resolve it to a non-string. With the 1.1 rules alone, strings such as ``08``,
    ``1e5``, ``-.5`` or ``0o17`` were written bare and read back by chant as numbers -- e.g. a short commit
    SHA like ``0812345`` in ``commits:`` came back as the integer 812345.
    """


_ScalarDumper.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in entries if tag != TIMESTAMP_TAG]
    for first, entries in yaml.SafeDumper.yaml_implicit_resolvers.items()
}
for _first_chars, _entries in SpecLoader.yaml_implicit_resolvers.items():
    _ScalarDumper.yaml_implicit_resolvers.setdefault(_first_chars, [])
    _ScalarDumper.yaml_implicit_resolvers[_first_chars] = [
        *_ScalarDumper.yaml_implicit_resolvers[_first_chars],
        *[entry for entry in _entries if entry not in _ScalarDumper.yaml_implicit_resolvers[_first_chars]],
    ]


def dump_block(value: Any) -> str:
    """A mapping or list in block style, with the same quoting rules as :func:`emit_scalar`."""
    text: str = yaml.dump(
        value,
        Dumper=_ScalarDumper,
        default_flow_style=False,
        sort_keys=False,
        width=1 << 30,
        allow_unicode=True,
    )
    return text


def dump_flow(value: Any) -> str:
    """A mapping or list on one line (flow style), with the same quoting rules as :func:`emit_scalar`."""
    text: str = yaml.dump(
        value, Dumper=_ScalarDumper, default_flow_style=True, width=1 << 30, allow_unicode=True
    )
    return text.strip()


def emit_scalar(value: Any) -> str:
    """One scalar as it would appear after ``key: `` (quoted only when a YAML reader would misread it)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else ("-.inf" if value < 0 else ".inf")
    if isinstance(value, int | float):
        return repr(value)
    text = yaml.dump(
        str(value), Dumper=_ScalarDumper, default_flow_style=True, width=1 << 30, allow_unicode=True
    )
    if text.endswith("\n...\n"):
        text = text[: -len("\n...\n")]
    return text.rstrip("\n")
