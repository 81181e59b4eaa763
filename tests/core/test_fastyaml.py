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


def _check(text: str) -> bool:
    """True when the fast reader answered (and then it must agree with libyaml)."""
    fast = fastyaml.load(text)
    if fast is None:
        return False
    try:
        ref = yamlio.load(text)
    except Exception as exc:  # noqa: BLE001 - libyaml rejects it: the fast reader must not accept it
        raise AssertionError(f"fast reader accepted what libyaml rejects ({exc}):\n{text}") from None
    assert _same(fast, ref), f"{text!r}: fast {fast!r} != yaml {ref!r}"
    return True


@pytest.mark.parametrize("value", SCALARS)
def test_one_value(value: str) -> None:
    _check(f"key: {value}\n")
    _check(f"key:\n  - {value}\n  - x\n")
    _check(f"key: [{value}]\n")
    _check(f"{value}: 1\n")


def test_random_documents_agree_with_libyaml() -> None:
    rng = random.Random(11)
    answered = 0
    for _ in range(3000):
        lines = []
        for number in range(rng.randint(1, 5)):
            key = rng.choice(["type", "status", "labels", "depends_on", "model", "k-1", "_x", "true", "null"])
            shape = rng.random()
            if shape < 0.5:
                lines.append(
                    f"{key}{number}: {rng.choice(SCALARS)}{rng.choice(['', '  # note', ' ', ' #x'])}"
                )
            elif shape < 0.7:
                items = ", ".join(rng.choice(SCALARS) for _ in range(rng.randint(0, 3)))
                lines.append(f"{key}{number}: [{items}]")
            elif shape < 0.8:
                lines.append(f"{key}{number}:{rng.choice(['', ' # a mapping'])}")
                indent = rng.choice(["  ", "    "])
                for sub in range(rng.randint(0, 3)):
                    sub_key = rng.choice(["name", "required", "true", "max", "x-y", "status", "name"])
                    pad = rng.choice([indent, indent, " "])
                    value = rng.choice([*SCALARS, "[a, b]", ""])
                    lines.append(f"{pad}{sub_key}{rng.choice(['', str(sub)])}: {value}")
                    if rng.random() < 0.1:
                        lines.append(f"{indent}- {rng.choice(SCALARS)}")
            else:
                lines.append(f"{key}{number}:{rng.choice(['', ' # deps'])}")
                indent = rng.choice(["  ", "    ", " "])
                for _item in range(rng.randint(0, 3)):
                    lines.append(f"{indent}- {rng.choice(SCALARS)}{rng.choice(['', '  # title'])}")
            if rng.random() < 0.2:
                lines.append(rng.choice(["# comment", "", "  # indented comment", "   "]))
        answered += _check("\n".join(lines) + rng.choice(["\n", ""]))
    assert answered > 500  # many of the tricky scalars above are declined, the plain ones answered


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
        "a:\n- x\n",
        "a:\n  - x\n   - y\n",
        "a: |\n  x\n",
        "- x\n",
        " a: 1\n",
        "a: 'x\n",
        "a: b\r\n",
        "a: café\n",
        "a : 1\n",
        "%YAML 1.2\na: 1\n",
    ],
)
def test_outside_the_subset_is_declined(text: str) -> None:
    assert fastyaml.load(text) is None


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
