"""chant.spec.fastyaml reads its subset exactly as yamlio.load (libyaml) does, and declines the rest."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from chant.spec import fastyaml, yamlio

SCALARS = [
    "code",
    "pending",
    "in_progress",
    "2026-01-02-001-abc",
    "2026-01-02-001-abc.2",
    "src/a/b.py",
    "0812345",
    "4664e77",
    "1e5",
    "-5",
    "+7",
    "0o17",
    "0x1F",
    "0o9",
    "1_000",
    ".5",
    "-.5",
    "1.",
    ".inf",
    "-.inf",
    ".nan",
    ".NaN",
    "~",
    "null",
    "Null",
    "NULL",
    "nul",
    "true",
    "True",
    "TRUE",
    "tRue",
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "2026-02-01T10:30:00Z",
    "10:30",
    "a:b",
    "http://x.y/z",
    "a b  c",
    "claude-sonnet-4",
    "x=y",
    "a;b",
    "(paren)",
    "$var",
    "^caret",
    "<less",
    "a>b",
    "a@b",
    "-x",
    "- x",
    "--x",
    "a#b",
    "a #b",
    "a  # c",
    ":a",
    "a:",
    "a: b",
    "'single'",
    "'it''s'",
    "'a' b",
    "'a' # c",
    '"double"',
    '"a: b"',
    '"a\\nb"',
    '"a"b',
    "'#x'",
    "[a]",
    "[a, b]",
    "[a,b]",
    "[]",
    "[ ]",
    "[a, 'b']",
    "[a, [b]]",
    "[a, b] # c",
    "[a, b]#c",
    "[a, b] x",
    "[a:b]",
    "[a, , b]",
    "[a, b,]",
    "[1, 2.5, null, true]",
    "{a: 1}",
    "&anchor x",
    "*alias",
    "!tag x",
    "|",
    ">",
    "%x",
    "@x",
    "`x`",
    "?x",
    "a, b",
    "?",
    "...",
    "---",
    "0",
    "00",
    "-0",
    "+",
    "-",
    ".",
    "a\tb",
    "é",
    "",
    # real-world values: quoted by serde_yaml / PyYAML, escapes, commas, quotes inside, non-ASCII
    "'2026-01-30T10:00:00Z'",
    "'1234567'",
    "'yes'",
    "''",
    "'a''b'",
    "'a'' # b'",
    "'#'",
    "'it''s: x'",
    "'a'#c",
    "'a'  ",
    '"a\\"b"',
    '"a\\\\b"',
    '"caf\\xE9 \\u2713 \\U0001F600"',
    '"\\/x"',
    '"\\ud800"',
    '"\\q"',
    '"\\N\\_\\L\\P"',
    '"tab\\there"',
    '"a # b"',
    '"a" # c',
    '""',
    '"\'"',
    "agent exited 1, retrying",
    "it's",
    'say "hi"',
    "a [b] {c}",
    "a&b*c!d|e>f",
    "x?y",
    "100%",
    "a\\b",
    "café",
    "criterion — note",
    "naïve ✓",
    "\xa0x",
    "x\u2028y",
    "x\x85y",
    "x\ufeffy",
    "😀 emoji",
    "5e58057",
    "9392e79",
    "0123456",
    "1e10",
    "1234567",
    "[a, 'b']",
    "['a', \"b c\"]",
    "['a,b', x]",
    "['a' , b]",
    "['a'b]",
    "['a']x",
    "[a] # c",
    "[ 'a' ]",
    "[café]",
    "[a b, c]",
    "[12:30]",
    "[a:b, c]",
    "[a: b]",
    "[a:]",
    "[a:,b]",
    "[-.5, -x, -]",
    "[it's, a\"b]",
    "[a #b]",
    "[a#b]",
    "[:a]",
    "[http://x.y/z]",
]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


TEXT_KEYS = frozenset({"commits", "depends_on", "model", "labels", "k"})


def _check(text: str, text_keys: frozenset[str] = frozenset()) -> bool:
    """True when the fast reader answered (and then it must agree with libyaml)."""
    fast = fastyaml.load(text, text_keys)
    if fast is None:
        return False
    try:
        ref = yamlio.load(text, text_keys)
    except Exception as exc:  # libyaml rejects it: the fast reader must not accept it
        raise AssertionError(f"fast reader accepted what libyaml rejects ({exc}):\n{text}") from None
    if ref is None:
        ref = {}  # a document of comments only: the frontmatter reader treats both as "no fields"
    assert _same(fast, ref), f"{text!r}: fast {fast!r} != yaml {ref!r}"
    return True


# Every layout the fast reader accepts, with a slot for one value: the differential tests below put
# every value of SCALARS into every shape, with and without text keys (plain scalars kept as text).
SHAPES = {
    "scalar": "k: {v}\n",
    "scalar after others": "type: code\nstatus: pending\nk: {v}\nmodel: x\n",
    "scalar with comment": "k: {v}  # note\n",
    "indented list": "k:\n  - {v}\n  - x\n",
    "deeper indented list": "k:\n    - x\n    - {v}\n",
    "unindented list": "k:\n- {v}\n- x\nafter: 1\n",
    "unindented list, comments": "k:  # deps\n- x  # first\n# between\n- {v}\n",
    "list item with comment": "k:\n- {v}  # title\n",
    "flow list": "k: [{v}]\n",
    "flow list, two": "k: [x, {v}]  # c\n",
    "mapping": "k:\n  sub: {v}\n  other: 1\n",
    "mapping, deeper indent": "k:\n    a: x\n    sub: {v}\n",
    "key": "{v}: 1\n",
    "crlf": "k: {v}\r\nother:\r\n- {v}\r\n",
}


@pytest.mark.parametrize("value", SCALARS)
def test_one_value(value: str) -> None:
    for shape in SHAPES.values():
        text = shape.replace("{v}", value)
        _check(text)
        _check(text, TEXT_KEYS)


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_shape_is_answered_and_compared(shape: str) -> None:
    """The fast reader really takes each shape (so the comparisons above are not vacuous)."""
    answered = {value for value in SCALARS if _check(SHAPES[shape].replace("{v}", value), TEXT_KEYS)}
    assert len(answered) >= (5 if shape == "key" else 40), sorted(answered)
    if shape != "key":
        for value in ("x", "5e58057", "'quoted: yes'", '"caf\\xE9"'):
            assert _check(SHAPES[shape].replace("{v}", value), TEXT_KEYS), (shape, value)


def _random_document(rng: random.Random) -> str:
    lines = []
    keys = ["type", "status", "labels", "depends_on", "model", "commits", "k-1", "_x", "true", "null"]
    for number in range(rng.randint(1, 5)):
        key = rng.choice(keys) + rng.choice(["", str(number)])
        shape = rng.random()
        if shape < 0.4:
            lines.append(f"{key}: {rng.choice(SCALARS)}{rng.choice(['', '  # note', ' ', ' #x'])}")
        elif shape < 0.55:
            items = ", ".join(rng.choice(SCALARS) for _ in range(rng.randint(0, 3)))
            lines.append(f"{key}: [{items}]{rng.choice(['', '  # c', ' '])}")
        elif shape < 0.7:
            lines.append(f"{key}:{rng.choice(['', ' # a mapping'])}")
            indent = rng.choice(["  ", "    "])
            for sub in range(rng.randint(0, 3)):
                sub_key = rng.choice(["name", "required", "true", "max", "x-y", "status", "name"])
                pad = rng.choice([indent, indent, " "])
                value = rng.choice([*SCALARS, "[a, b]", ""])
                lines.append(f"{pad}{sub_key}{rng.choice(['', str(sub)])}: {value}")
                if rng.random() < 0.1:
                    lines.append(f"{indent}- {rng.choice(SCALARS)}")
        else:
            lines.append(f"{key}:{rng.choice(['', ' # deps'])}")
            indent = rng.choice(["", "", "  ", "    ", " "])
            for _item in range(rng.randint(0, 3)):
                pad = indent if rng.random() < 0.95 else rng.choice(["", " ", "  "])
                lines.append(f"{pad}- {rng.choice(SCALARS)}{rng.choice(['', '  # title'])}")
                if rng.random() < 0.05:
                    lines.append(rng.choice(["  continued", "- ", "-", "  - nested"]))
        if rng.random() < 0.2:
            lines.append(rng.choice(["# comment", "", "  # indented comment", "   "]))
    return rng.choice(["\n", "\r\n"]).join(lines) + rng.choice(["\n", ""])


def test_random_documents_agree_with_libyaml() -> None:
    rng = random.Random(11)
    answered = 0
    for _ in range(4000):
        answered += _check(_random_document(rng), TEXT_KEYS if rng.random() < 0.5 else frozenset())
    assert answered > 700  # many of the tricky scalars above are declined, the plain ones answered


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\na: 2\n",
        "a:\n  b:\n    c: 1\n",
        "a:\n  b: 1\n   c: 2\n",
        "a:\n  b: 1\n  - x\n",
        "a:\n  - x\n  b: 1\n",
        "a:\n  b: 1\n  b: 2\n",
        "a: x\n  y\n",
        "a:\n  - x\n   - y\n",
        "a: |\n  x\n",
        "- x\n",
        " a: 1\n",
        "a: 'x\n",
        "a: b\rc: d\n",
        "a: x\x85y\n",
        "a: &x 1\nb: *x\n",
        "a: !!str 1\n",
        "a:\n- x\n  - y\n",
        "a:\n- x\n  y\n",
        "a:\n  - x\n- y\n",
        "a:\n-\n",
        "a:\n- \n",
        "a: x\n- y\n",
        "a: [a, b,]\n",
        "a: 'x'y\n",
        "a: >\n  folded\n",
        "a:\n  b:\n  - x\n",
        "a: 'café\tx'\n",
        "a : 1\n",
        "%YAML 1.2\na: 1\n",
        "a: " + "1" * 300 + "\n",
    ],
)
def test_outside_the_subset_is_declined(text: str) -> None:
    assert fastyaml.load(text) is None
    assert fastyaml.load(text, frozenset({"a"})) is None or "1" * 300 in text


def test_one_level_mappings_are_read() -> None:
    config = (
        "project:\n  name: bench-5000\ndefaults:\n  prompt: standard\n  agent: claude\n"
        "  branch_prefix: chant/\n  timeout: 3600\nparallel:\n  max: 4\n"
    )
    assert _check(config)
    assert _check("status: pending\napproval:\n  required: true\n  status: approved  # by ops\n")


def test_a_typical_spec_is_read_fast() -> None:
    text = (
        "type: code\nstatus: completed\ndepends_on:\n  - 2026-01-03-01r-hfz  # Parser: bucket\n"
        "labels: [backend, db]\n# Pinned\nmodel: claude-sonnet-4\ncompleted_at: '2026-02-24T10:39:00Z'\n"
        'commits:\n  - 4664e77\n  - 0812345\nfailure_reason: "agent exited 1: boom"\n'
    )
    assert _check(text)
