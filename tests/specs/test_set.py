"""`chant set`: only the edited lines change (byte-level, on the seed's driver), values typed and validated
like lint, status through the transition table, all or nothing."""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import SEED_DIR, SEED_DRIVER, SEED_MEMBERS

DRIVER_FILE = f".chant/specs/{SEED_DRIVER}.md"


def changed_lines(before: bytes, after: bytes) -> list[str]:
    """The unified diff's -/+ lines: exactly what the edit touched."""
    diff = difflib.unified_diff(
        before.decode().splitlines(keepends=True), after.decode().splitlines(keepends=True), n=0
    )
    return [line for line in diff if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def test_set_on_the_seed_driver_changes_only_its_lines(
    seed_repo: Path, run_chant: Any, git: Callable[..., str]
) -> None:
    path = seed_repo / DRIVER_FILE
    before = path.read_bytes()
    assert before == (SEED_DIR / f"{SEED_DRIVER}.md").read_bytes()

    run_chant("set", "001-ext", "priority=high", "prompt=standard", check=True)
    after = path.read_bytes()
    assert changed_lines(before, after) == ["-prompt: driver\n", "+prompt: standard\n", "+priority: high\n"]
    # Appended after the last key; the commented lists, the body, everything else: byte-identical.
    assert after == before.replace(b"prompt: driver\n", b"prompt: standard\n").replace(
        b"  - services/reporting/README.md\n---\n", b"  - services/reporting/README.md\npriority: high\n---\n"
    )
    assert git("log", "-1", "--format=%s") == f"chant({SEED_DRIVER}): set priority, prompt\n"
    assert git("show", "--name-only", "--format=", "HEAD").split() == [DRIVER_FILE]

    # Growing a commented block list keeps every comment; removing an item touches one line.
    step = path.read_bytes()
    run_chant("set", SEED_DRIVER, "--add", "informed_by=analysis/coupling/notes.md", check=True)
    assert changed_lines(step, path.read_bytes()) == ["+  - analysis/coupling/notes.md\n"]
    step = path.read_bytes()
    run_chant("set", SEED_DRIVER, "--remove", "informed_by=analysis/coupling/notes.md", check=True)
    assert path.read_bytes() == before.replace(b"prompt: driver\n", b"prompt: standard\n").replace(
        b"  - services/reporting/README.md\n---\n", b"  - services/reporting/README.md\npriority: high\n---\n"
    )
    # --unset removes exactly the key's line; back to the seed's bytes but for prompt
    run_chant("set", SEED_DRIVER, "--unset", "priority", "prompt=driver", check=True)
    assert path.read_bytes() == before
    assert git("status", "--porcelain") == ""


def test_set_json_and_nothing_to_change(seed_repo: Path, run_chant: Any, git: Callable[..., str]) -> None:
    data = json.loads(
        run_chant("set", "ext.1", "labels=api,backend", "public=false", "--json", check=True).stdout
    )
    assert data["id"] == SEED_MEMBERS[0]
    assert data["changes"] == [
        {"key": "labels", "old": None, "new": ["api", "backend"]},
        {"key": "public", "old": None, "new": False},
    ]
    assert data["commit"] == git("rev-parse", "HEAD").strip()
    head = git("rev-parse", "HEAD")
    out = run_chant("set", "ext.1", "labels=api,backend", check=True).stdout
    assert "nothing changed" in out and git("rev-parse", "HEAD") == head


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("type=bogus",), "unknown type 'bogus'"),
        (("status=completed",), "cannot change status from pending to completed"),
        (("status=finished",), "unknown status 'finished'"),
        (("public=maybe",), "public is true or false, not 'maybe'"),
        (("replay_count=many",), "replay_count is an integer, not 'many'"),
        (("priority=someday",), "unknown priority 'someday'"),
        (("depends_on=2026-99",), "Spec not found: 2026-99"),
        (("--add", f"depends_on={SEED_MEMBERS[3]}"), "dependency cycle"),
        (("--remove", "labels=nope"), "labels has no item 'nope' to remove"),
        (("--add", "prompt=x"), "--add works on list fields; 'prompt' is not one"),
        (("noequals",), "expected KEY=VALUE, got 'noequals'"),
        (("schedule=whenever",), "schedule"),
        (("approval=yes",), "approval is a mapping"),
        (("model=",), "'model=' has no value"),
        (("--unset", "status"), "status cannot be unset"),
        (("priority=high", "type=bogus"), "unknown type 'bogus'"),  # all or nothing
    ],
)
def test_bad_values_are_refused_and_nothing_is_written(
    seed_repo: Path, run_chant: Any, git: Callable[..., str], args: tuple[str, ...], message: str
) -> None:
    path = seed_repo / f".chant/specs/{SEED_MEMBERS[3]}.md"
    before = path.read_bytes()
    head = git("rev-parse", "HEAD")
    target = SEED_MEMBERS[0] if "dependency cycle" in message else SEED_MEMBERS[3]
    target_path = seed_repo / f".chant/specs/{target}.md"
    target_before = target_path.read_bytes()
    proc = run_chant("set", target, *args, check=False)
    assert proc.returncode != 0
    assert message.lower() in proc.stderr.lower(), proc.stderr
    assert "Traceback" not in proc.stderr
    assert path.read_bytes() == before and target_path.read_bytes() == target_before
    assert git("rev-parse", "HEAD") == head


def test_status_follows_the_transition_table(seed_repo: Path, run_chant: Any) -> None:
    run_chant("set", "ext.3", "status=cancelled", check=True)
    assert "status: cancelled" in (seed_repo / f".chant/specs/{SEED_MEMBERS[2]}.md").read_text()
    run_chant("set", "ext.3", "status=pending", check=True)
    proc = run_chant("set", "ext.3", "status=paused", check=False)
    assert "allowed from pending: cancelled, in_progress" in proc.stderr


def test_mapping_subkeys_and_unknown_keys(seed_repo: Path, run_chant: Any) -> None:
    run_chant("set", "ext.2", "approval.required=true", "estimate=3", "owner=db-team", check=True)
    data = json.loads(run_chant("show", "ext.2", "--json", check=True).stdout)["spec"]["frontmatter"]
    assert data["approval"] == {"required": True}
    assert data["estimate"] == 3 and data["owner"] == "db-team"
    assert json.loads(run_chant("show", "ext.2", "--json", check=True).stdout)["spec"]["state"] == "blocked"


def test_set_no_commit_leaves_the_change_uncommitted(
    seed_repo: Path, run_chant: Any, git: Callable[..., str]
) -> None:
    run_chant("set", "ext.2", "labels=db", "--no-commit", check=True)
    assert git("status", "--porcelain").strip() == f"M .chant/specs/{SEED_MEMBERS[1]}.md"
