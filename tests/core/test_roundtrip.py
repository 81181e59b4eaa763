"""Round-trip writes: changing one field leaves every other byte of the file identical."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from chant.spec import document, edit, yamlio

from ._helpers import changed_lines, seed_texts


def parse(text: str) -> dict[str, Any]:
    return document.parse_frontmatter(document.split(text))


FENCE = "```"
CORPUS: dict[str, str] = {
    **{f"seed:{spec_id}": text for spec_id, text in seed_texts().items()},
    "flow-lists": (
        "---\n"
        "type: code\n"
        "status: pending\n"
        'depends_on: [2026-01-27-001-cpl, "2026-01-28-001-doc"]  # flow, with a comment\n'
        "labels: [backend, 'needs review']\n"
        "target_files: []\n"
        "---\n\n# Flow style\n\n## Acceptance Criteria\n\n- [ ] flows\n"
    ),
    "unindented-lists": (
        "---\n"
        "type: code\n"
        "depends_on:\n"
        "- 2026-01-27-001-cpl\n"
        "- 2026-01-28-001-doc   # trailing comment\n"
        "status: pending\n"
        "target_files:\n"
        "- src/a.py\n"
        "# a comment between keys\n"
        "informed_by:\n"
        "- docs/**/*.md\n"
        "---\n\n# Unindented\n"
    ),
    "quoted-unknown-comments": (
        "---\n"
        "# leading comment line\n"
        "type: 'code'\n"
        'status: "pending"   # quoted, with a comment\n'
        "x-custom: {nested: [1, 2], flag: yes}\n"
        "notes: |\n"
        "  a literal block\n"
        "    keeps its indentation\n"
        "\n"
        "approval:\n"
        "  required: true\n"
        "  status: pending   # the approval's own status is not the spec's\n"
        "mode: 0755\n"
        "when: 2026-01-01\n"
        "empty_value:\n"
        "---\n\n# Quoted and unknown\n"
    ),
    "crlf": seed_texts()["2026-02-01-001-ext"].replace("\n", "\r\n"),
    "no-trailing-newline": "---\nstatus: pending\ntype: task\n---\n\n# No newline at end\n\n- [ ] x",
    "body-with-rules-and-fences": (
        "---\n"
        "status: pending\n"
        "model: old-model\n"
        "---\n"
        "# Rules\n"
        "\n"
        "---\n"
        "\n"
        f"{FENCE}yaml\n"
        "---\n"
        "status: completed\n"
        "---\n"
        f"{FENCE}\n"
        "\n"
        "~~~\n"
        "## Acceptance Criteria\n"
        "- [x] fenced, not real\n"
        "~~~\n"
        "\n"
        "## Acceptance Criteria\n"
        "\n"
        "- [ ] the real one\n"
        "---\n"
    ),
    "status-last-then-comment": "---\ntype: code\nstatus: failed  # why\n# trailing comment\n---\n# T\n",
    "status-empty": "---\nstatus:\ntype: code\n---\n# T\n",
    "no-status": "---\ntype: code\nlabels: [a]\n---\n# T\n",
    "single-string-depends": "---\nstatus: pending\ndepends_on: 2026-01-27-001-cpl\n---\n# T\n",
    "existing-commits": (
        "---\n"
        "status: completed\n"
        "commits:\n"
        "  - abc1234  # first\n"
        "  - def5678\n"
        "completed_at: 2026-01-30T09:00:00Z\n"
        "model: claude-old\n"
        "---\n# T\n"
    ),
    "document-end-marker": "---\nstatus: pending\ntype: code\n...\n# Closed with dots\n",
    "no-frontmatter": "# Just a body\n\nNo frontmatter at all.\n",
    "empty-frontmatter": "---\n---\n# T\n",
}


def _status_lines(text: str) -> list[str]:
    return [line for line in text.splitlines(keepends=True) if line.startswith("status:")]


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_set_status_changes_exactly_one_line(name: str) -> None:
    text = CORPUS[name]
    new = edit.set_fields(text, {"status": "in_progress"})
    diffs = changed_lines(text, new)
    assert len(diffs) == 1, diffs
    tag, old_lines, new_lines = diffs[0]
    nl = "\r\n" if "\r\n" in text else "\n"
    if _status_lines(text):
        assert tag == "replace"
        assert len(old_lines) == 1 and old_lines[0].startswith("status:")
        # the line's own ending and trailing comment survive
        comment = re.search(r"\s+#.*$", old_lines[0].rstrip("\r\n"))
        expected = "status: in_progress" + (comment.group(0) if comment else "") + nl
        assert new_lines == [expected]
    else:
        assert tag == "insert" or (tag == "replace" and name == "no-frontmatter")
        assert f"status: in_progress{nl}" in new_lines
    after = parse(new)
    before = parse(text)
    assert after.pop("status") == "in_progress"
    before.pop("status", None)
    assert after == before
    assert document.split(new).body == document.split(text).body


NEW_KEYS: list[tuple[str, Any]] = [
    ("x_brand_new", "value"),
    ("completed_at", "2026-02-01T10:00:00Z"),
    ("model", "claude-sonnet-4-5"),
    ("commits", ["0123456789abcdef0123456789abcdef01234567"]),
    ("approval", {"required": True, "status": "pending"}),
]


@pytest.mark.parametrize(
    ("name", "key", "value"),
    [
        (name, key, value)
        for name in sorted(CORPUS)
        for key, value in NEW_KEYS
        if key not in parse(CORPUS[name])
    ],
)
def test_set_then_remove_new_key_restores_bytes(name: str, key: str, value: Any) -> None:
    text = CORPUS[name]
    added = edit.set_fields(text, {key: value})
    assert parse(added)[key] == value
    if document.split(text).opening:
        assert added.count("\n") > text.count("\n")
        removed = edit.set_fields(added, {key: edit.REMOVE})
        assert removed.encode() == text.encode()


# SHAs that a YAML reader would turn into numbers if written bare: all digits with a leading zero,
# digits-e-digits (a float), and an ordinary one.
TRICKY_SHAS = ["0812345", "1234e56", "0o17", "08", "9e9", "-.5", "abc1234def5678abc1234def5678abc1234def56"]


@pytest.mark.parametrize("name", sorted(n for n in CORPUS if n != "no-frontmatter"))
def test_finalize_fields_keep_every_other_line(name: str) -> None:
    text = CORPUS[name]
    updates = {"commits": TRICKY_SHAS, "completed_at": "2026-02-01T10:00:00Z", "model": "claude-opus-4"}
    new = edit.set_fields(text, updates)
    before, after = parse(text), parse(new)
    for key, value in updates.items():
        assert after.pop(key) == value
        before.pop(key, None)
    assert after == before
    owned = ("commits:", "completed_at:", "model:")
    for _tag, old_lines, new_lines in changed_lines(text, new):
        for line in old_lines:
            assert line.startswith(owned) or re.match(r"^\s*- ", line), (old_lines, new_lines)
        for line in new_lines:
            assert line.startswith(owned) or re.match(r"^\s*- ", line), (old_lines, new_lines)
    assert document.split(new).body == document.split(text).body
    # setting the same fields again is a no-op, byte for byte
    assert edit.set_fields(new, updates) == new


def test_seed_driver_comments_survive_a_status_change() -> None:
    text = seed_texts()["2026-02-01-001-ext"]
    new = edit.set_fields(text, {"status": "completed", "completed_at": "2026-02-01T10:00:00Z"})
    assert "  - 2026-01-27-001-cpl  # Coupling analysis\n" in new
    assert "  - 2026-02-01-001-ext.4  # Integration testing\n" in new
    assert new.startswith("---\ntype: driver\nstatus: completed\nprompt: driver\n")


def test_remove_existing_list_removes_only_its_lines() -> None:
    text = seed_texts()["2026-02-01-001-ext"]
    new = edit.set_fields(text, {"informed_by": edit.REMOVE})
    assert changed_lines(text, new) == [
        (
            "delete",
            [
                "informed_by:\n",
                "  - analysis/coupling/extraction-candidates.md\n",
                "  - analysis/coupling/risk-assessment.md\n",
            ],
            [],
        )
    ]


def test_replace_existing_commits_list_keeps_neighbours() -> None:
    text = CORPUS["existing-commits"]
    new = edit.set_fields(text, {"commits": ["abc1234", "def5678", "0812345"]})
    assert parse(new)["commits"] == ["abc1234", "def5678", "0812345"]
    assert new.startswith("---\nstatus: completed\ncommits:\n")
    assert "completed_at: 2026-01-30T09:00:00Z\nmodel: claude-old\n---\n# T\n" in new


def test_flow_list_edit_keeps_trailing_comment() -> None:
    text = CORPUS["flow-lists"]
    new = edit.set_fields(text, {"depends_on": ["2026-01-27-001-cpl"]})
    diffs = changed_lines(text, new)
    assert diffs == [
        (
            "replace",
            ['depends_on: [2026-01-27-001-cpl, "2026-01-28-001-doc"]  # flow, with a comment\n'],
            ["depends_on: [2026-01-27-001-cpl]  # flow, with a comment\n"],
        )
    ]


def test_setting_same_status_is_a_no_op() -> None:
    text = seed_texts()["2026-02-01-001-ext.1"]
    assert edit.set_fields(text, {"status": "pending"}) == text


@pytest.mark.parametrize(
    "value",
    [
        "0o17",
        "08",
        "1e5",
        "-.5",
        "0x1F",
        ".inf",
        "yes",
        "no",
        "on",
        "null",
        "~",
        "",
        "a: b",
        "#x",
        "- x",
        "2026-02-01",
        "2026-02-01T10:00:00Z",
        "1_000",
        "+1",
        "True",
        "[a]",
        "{a: 1}",
        "'q'",
        '"dq"',
        " pad ",
        "multi\nline",
        "tab\there",
        "é",
        "\u2028",
        "\x85",
        "`tick`",
        "@at",
        "%pct",
        "!tag",
        "&anchor",
        "*alias",
    ],
)
def test_emit_scalar_reads_back_as_the_same_string(value: str) -> None:
    emitted = yamlio.emit_scalar(value)
    assert yamlio.load(f"k: {emitted}\n") == {"k": value}
    new = edit.set_fields("---\nstatus: pending\nother: 1\n---\n# T\n", {"status": value})
    assert parse(new) == {"status": value, "other": 1}


# -- property: set_fields(status) then parse == the same dict except status -----------------------------
SAFE_TEXT = st.text(
    alphabet=st.characters(
        codec="utf-8", categories=("L", "N", "P", "S", "Zs"), exclude_characters="\x85\u2028\u2029"
    ),
    max_size=20,
)
PLAIN = re.compile(r"^[a-z][a-z0-9_./-]*$")
KEYWORDS = {"true", "false", "null", "yes", "no", "on", "off", "y", "n"}
KEYS = st.sampled_from(
    [
        "type",
        "prompt",
        "depends_on",
        "labels",
        "target_files",
        "parent",
        "model",
        "x_custom",
        "informed_by",
        "commits",
        "completed_at",
        "members",
        "zzz",
    ]
)
SCALARS = st.one_of(SAFE_TEXT, st.integers(-(10**6), 10**6), st.booleans(), st.none())
VALUES = st.one_of(SCALARS, st.lists(SAFE_TEXT, max_size=4))


@st.composite
def render_scalar(draw: st.DrawFn, value: Any) -> str:
    if value is None:
        return draw(st.sampled_from(["null", "~", ""]))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    styles = ["double", "single"]
    if PLAIN.match(value) and value not in KEYWORDS:
        styles.append("plain")
    style = draw(st.sampled_from(styles))
    if style == "plain":
        return value
    if style == "single":
        return "'" + value.replace("'", "''") + "'"
    return json.dumps(value, ensure_ascii=False)


@st.composite
def frontmatters(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    data: dict[str, Any] = draw(st.dictionaries(KEYS, VALUES, max_size=7))
    keys = list(data)
    if draw(st.booleans()):
        keys.insert(draw(st.integers(0, len(keys))), "status")
        data["status"] = draw(st.sampled_from(["pending", "completed", "failed", "in_progress"]))
    indent = draw(st.sampled_from(["", "  ", "    "]))
    lines: list[str] = []
    for key in keys:
        if draw(st.booleans()):
            lines.append(draw(st.sampled_from(["# a comment", "", "   # indented comment"])))
        value = data[key]
        comment = draw(st.sampled_from(["", "  # note", " #x"]))
        if isinstance(value, list):
            style = draw(st.sampled_from(["block", "flow"])) if value else "flow"
            rendered = [draw(render_scalar(item)) for item in value]
            if style == "flow":
                lines.append(f"{key}: [{', '.join(rendered)}]{comment}")
            else:
                lines.append(f"{key}:{comment}")
                lines.extend(f"{indent}- {item}" for item in rendered)
        else:
            rendered_value = draw(render_scalar(value))
            if rendered_value == "" and value is None:
                comment = ""
            lines.append(
                f"{key}: {rendered_value}{comment}".rstrip()
                if rendered_value == ""
                else f"{key}: {rendered_value}{comment}"
            )
    nl = draw(st.sampled_from(["\n", "\r\n"]))
    body = draw(st.sampled_from(["# Title\n", "# T\n\n---\n\n```\n---\nstatus: x\n```\n", "# T"]))
    text = "---" + nl + "".join(line + nl for line in lines) + "---" + nl + body.replace("\n", nl)
    return text, data


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frontmatters(), st.one_of(st.sampled_from(["in_progress", "08", "1e5", "0o17", "yes", ""]), st.text()))
def test_property_set_status_preserves_other_fields(case: tuple[str, dict[str, Any]], status: str) -> None:
    text, data = case
    try:
        original = parse(text)
    except Exception:  # pragma: no cover - the generator only makes valid YAML
        assume(False)
        raise
    assert original == data
    new = edit.set_fields(text, {"status": status})
    after = parse(new)
    assert after.pop("status") == status
    original.pop("status", None)
    assert after == original
    assert document.split(new).body == document.split(text).body
    # the change is confined to one place: the status line (or the lines of a new status key)
    diffs = changed_lines(text, new)
    if data.get("status") == status:
        assert new == text
        return
    assert len(diffs) == 1
    if "status" in data:
        assert len(diffs[0][1]) == 1 and diffs[0][1][0].startswith("status:")


def test_appending_to_a_block_list_keeps_the_comments_of_existing_items() -> None:
    text = seed_texts()["2026-02-01-001-ext"]
    members = [f"2026-02-01-001-ext.{n}" for n in range(1, 6)]
    new = edit.set_fields(text, {"members": members})
    assert changed_lines(text, new) == [("insert", [], ["  - 2026-02-01-001-ext.5\n"])]
    assert parse(new)["members"] == members
    unindented = "---\nmembers:\n- a  # first\n- b\n# between\nz: 1\n---\n"
    assert edit.set_fields(unindented, {"members": ["a", "b", "08"]}) == (
        "---\nmembers:\n- a  # first\n- b\n- '08'\n# between\nz: 1\n---\n"
    )
    # anything but a pure append rewrites the list
    assert parse(edit.set_fields(text, {"members": members[::-1]}))["members"] == members[::-1]
