"""YAML reading and scalar emission shared by the fast reader and the round-trip editor.

Reads use libyaml (``CSafeLoader``) for speed, with YAML-1.2-style implicit typing so that ``yes``/``on``
stay strings, ``0755`` is not octal and timestamps stay the strings they were written as.
"""

from __future__ import annotations

from typing import Any

import yaml

from chant.spec.fastyaml import RESOLVERS

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BaseDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class SpecLoader(_BaseLoader):
    """libyaml loader with YAML 1.2 core-schema scalars."""


SpecLoader.yaml_implicit_resolvers = {}
for _tag, _regexp, _first in RESOLVERS:  # shared with the fast reader (chant.spec.fastyaml)
    SpecLoader.add_implicit_resolver(
        _tag, _regexp, list(_first) if _first != "~nN\0" else ["~", "n", "N", ""]
    )


def _construct_int(loader: Any, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


SpecLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def load(text: str) -> Any:
    return yaml.load(text, Loader=SpecLoader)  # noqa: S506 - SpecLoader is a safe loader


def compose(text: str) -> Any:
    return yaml.compose(text, Loader=SpecLoader)


class _ScalarDumper(_BaseDumper):
    """Safe dumper that leaves timestamp-looking strings unquoted (we read them back as strings).

    It quotes a string when *either* YAML 1.1 (PyYAML's default, what other tools read with) or our
    1.2-style reader would resolve it to a non-string. With the 1.1 rules alone, strings such as ``08``,
    ``1e5``, ``-.5`` or ``0o17`` were written bare and read back by chant as numbers -- e.g. a short commit
    SHA like ``0812345`` in ``commits:`` came back as the integer 812345.
    """


_ScalarDumper.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in entries if tag != "tag:yaml.org,2002:timestamp"]
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
    if isinstance(value, int | float):
        return repr(value)
    text = yaml.dump(
        str(value), Dumper=_ScalarDumper, default_flow_style=True, width=1 << 30, allow_unicode=True
    )
    if text.endswith("\n...\n"):
        text = text[: -len("\n...\n")]
    return text.rstrip("\n")
