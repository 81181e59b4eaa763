"""Strings stay strings (issue 9 item 2): fields whose meaning is text keep the text they were written as.

A commit ``5e58057`` written bare by another tool used to read as the float ``inf``, ``0123456`` as the
integer 123456 and ``9392e79`` as ``9.392e+82``. Both readers (the fast one and libyaml) must return the
source text, and every write must produce a file that reads back as the same string.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chant.spec import document, edit, fastyaml, fields
from chant.spec.model import Spec

# Values a YAML reader would type as a number, a bool or an octal/hex integer if written bare.
TRICKY = [
    "5e58057",
    "9392e79",
    "0123456",
    "1234567",
    "1e10",
    "no",
    "on",
    "yes",
    "off",
    "true",
    "False",
    "0x1F",
    "0o17",
    ".inf",
    "-.5",
    "+1",
    "-1",
    "1_000",
    "1.0",
    "2026-01-01",
    "12:30",
]
SCALAR_FIELDS = ["branch", "model", "prompt", "agent", "parent", "input_baseline", "failure_reason", "type"]
LIST_FIELDS = [
    "commits",
    "depends_on",
    "members",
    "labels",
    "target_files",
    "tracks",
    "origin",
    "informed_by",
    "context",
]
# An anchor the fast reader declines: the same document then goes through libyaml.
FORCE_LIBYAML = "x-anchor: &a 1\n"


def _read(frontmatter: str) -> dict[str, Any]:
    text = f"---\n{frontmatter}---\n# T\n"
    return Spec.from_text("2026-01-01-001-abc", Path("/nonexistent/x.md"), text).frontmatter


def _layouts(key: str, value: str) -> list[tuple[str, Any]]:
    if key in SCALAR_FIELDS:
        return [(f"{key}: {value}\n", value), (f"{key}: {value}  # note\n", value)]
    return [
        (f"{key}: [{value}]\n", [value]),
        (f"{key}: [x, {value}]\n", ["x", value]),
        (f"{key}:\n- {value}\n", [value]),  # serde_yaml, PyYAML safe_dump
        (f"{key}:\n  - {value}  # note\n", [value]),
        (f"{key}: {value}\n", value),  # a single ID / path
    ]


@pytest.mark.parametrize("key", SCALAR_FIELDS + LIST_FIELDS)
def test_bare_values_read_back_as_written_by_both_readers(key: str) -> None:
    assert key in fields.TEXT_KEYS
    for value in TRICKY:
        for frontmatter, expected in _layouts(key, value):
            assert fastyaml.load(frontmatter, fields.TEXT_KEYS) is not None, frontmatter  # the fast path
            assert _read(frontmatter)[key] == expected, frontmatter
            assert _read(FORCE_LIBYAML + frontmatter)[key] == expected, frontmatter  # the libyaml path


def test_typed_views_return_the_text() -> None:
    spec = Spec.from_text(
        "2026-01-01-001-abc",
        Path("/nonexistent/x.md"),
        "---\ndepends_on:\n- 0123456\nlabels: [no, on, 1e10]\ncommits:\n- 5e58057\n---\n# T\n",
    )
    assert spec.depends_on == ["0123456"]
    assert spec.labels == ["no", "on", "1e10"]
    assert spec.values("commits") == ["5e58057"]
    assert json.loads(json.dumps(spec.to_dict()))["frontmatter"]["commits"] == ["5e58057"]


def test_other_keys_keep_yaml_typing() -> None:
    assert _read("cost_usd: 1e10\nreplay_count: 0123\nx_custom: 5e5\n") == {
        "cost_usd": 1e10,
        "replay_count": 123,
        "x_custom": 5e5,
    }
    assert _read("model: null\nbranch: ~\nprompt:\n") == {"model": None, "branch": None, "prompt": None}


BASE = "---\ntype: code\nstatus: pending\n---\n# T\n"


@pytest.mark.parametrize("key", SCALAR_FIELDS + LIST_FIELDS)
def test_every_write_reads_back_as_the_same_string(key: str) -> None:
    for value in TRICKY:
        written = [value, "x"] if key in LIST_FIELDS else value
        new = edit.set_fields(BASE, {key: written})
        assert _read(document.split(new).frontmatter)[key] == written, new
        # and rewriting it with the same value changes nothing
        assert edit.set_fields(new, {key: written}) == new


def test_bare_values_survive_other_edits_byte_for_byte() -> None:
    lines = "".join(f"{key}: {value}\n" for key, value in zip(SCALAR_FIELDS, TRICKY, strict=False))
    lists = "".join(f"{key}:\n- {value}\n" for key, value in zip(LIST_FIELDS, reversed(TRICKY), strict=False))
    text = f"---\nstatus: pending\n{lines}{lists}---\n# T\n"
    new = edit.set_fields(text, {"status": "in_progress", "completed_at": "2026-02-01T10:00:00Z"})
    assert (
        new.replace("status: in_progress\n", "status: pending\n").replace(
            "completed_at: 2026-02-01T10:00:00Z\n", ""
        )
        == text
    )
    before, after = _read(document.split(text).frontmatter), _read(document.split(new).frontmatter)
    assert {k: v for k, v in after.items() if k not in ("status", "completed_at")} == {
        k: v for k, v in before.items() if k != "status"
    }


def test_appending_to_a_bare_list_keeps_its_lines() -> None:
    text = "---\nstatus: completed\ncommits:\n- 5e58057  # first run\n- 0123456\n---\n# T\n"
    new = edit.set_fields(text, {"commits": ["5e58057", "0123456", "9392e79"]})
    assert (
        new == "---\nstatus: completed\ncommits:\n- 5e58057  # first run\n- 0123456\n- '9392e79'\n---\n# T\n"
    )


def test_the_cli_shows_the_text(
    chant_repo: Path, write_spec: Callable[..., Path], run_chant: Callable[..., Any]
) -> None:
    write_spec(
        "2026-01-01-001-abc",
        "---\ntype: code\nstatus: completed\ncommits:\n- 5e58057\n- 9392e79\nbranch: 0123456\n"
        "labels: [no, on]\n---\n# Rust-written\n\n## Acceptance Criteria\n\n- [x] done\n",
    )
    shown = json.loads(run_chant("show", "001-abc", "--json", check=True).stdout)["spec"]
    assert shown["frontmatter"]["commits"] == ["5e58057", "9392e79"]
    assert shown["frontmatter"]["branch"] == "0123456"
    assert shown["labels"] == ["no", "on"]
    text = run_chant("show", "001-abc", check=True).stdout
    assert "5e58057" in text and "9392e79" in text and "inf" not in text and "e+82" not in text
    listed = json.loads(run_chant("list", "--json", "--all", check=True).stdout)
    assert listed["specs"][0]["labels"] == ["no", "on"]
