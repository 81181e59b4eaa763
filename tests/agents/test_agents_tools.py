from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from chant.agents.tools import TOOL_NAMES, TOOL_SCHEMAS, Toolbox
from chant.globs import glob_regex


@pytest.fixture
def box(tmp_path: Path) -> Toolbox:
    root = tmp_path / "wt"
    (root / "src" / "pkg").mkdir(parents=True)
    (root / "src" / "pkg" / "a.py").write_text("def alpha():\n    return 1\n")
    (root / "src" / "b.txt").write_text("beta\nALPHA upper\n")
    (root / "README.md").write_text("# readme\n")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    return Toolbox(root, dict(os.environ), threading.Event(), command_timeout=5.0)


def test_schemas_cover_every_tool() -> None:
    assert set(TOOL_NAMES) == {
        "read_file",
        "write_file",
        "edit_file",
        "list_files",
        "search",
        "run_command",
        "task_complete",
    }
    for schema in TOOL_SCHEMAS:
        params = schema["function"]["parameters"]
        assert schema["type"] == "function" and params["type"] == "object"
        assert set(params["required"]) <= set(params["properties"])


def test_read_write_edit(box: Toolbox) -> None:
    assert box.execute("write_file", {"path": "new/dir/f.txt", "content": "one two one"}).content.startswith(
        "wrote 11 bytes"
    )
    assert box.execute("read_file", {"path": "new/dir/f.txt"}).content == "one two one"
    dup = box.execute("edit_file", {"path": "new/dir/f.txt", "old": "one", "new": "1"})
    assert dup.is_error and "found 2 times" in dup.content
    missing = box.execute("edit_file", {"path": "new/dir/f.txt", "old": "zzz", "new": "1"})
    assert missing.is_error and "not found" in missing.content
    assert not box.execute("edit_file", {"path": "new/dir/f.txt", "old": "two", "new": "2"}).is_error
    assert (box.root / "new/dir/f.txt").read_text() == "one 2 one"


@pytest.mark.parametrize("path", ["../outside.txt", "/etc/passwd", "src/../../outside.txt", "/tmp/x.txt"])
def test_paths_outside_the_worktree_are_refused(box: Toolbox, path: str) -> None:
    for name, args in [
        ("write_file", {"path": path, "content": "pwned"}),
        ("read_file", {"path": path}),
        ("edit_file", {"path": path, "old": "root", "new": "x"}),
    ]:
        outcome = box.execute(name, args)
        assert outcome.is_error and "outside the worktree" in outcome.content
    assert not (box.root.parent / "outside.txt").exists()


def test_absolute_path_inside_the_worktree_is_fine(box: Toolbox) -> None:
    outcome = box.execute("read_file", {"path": str(box.root / "README.md")})
    assert outcome.content == "# readme\n"


def test_symlink_escape_is_refused(box: Toolbox, tmp_path: Path) -> None:
    outside = tmp_path / "secret"
    outside.mkdir()
    (outside / "key").write_text("s3cret")
    (box.root / "link").symlink_to(outside)
    (box.root / "filelink").symlink_to(outside / "key")
    assert box.execute("read_file", {"path": "link/key"}).is_error
    assert box.execute("read_file", {"path": "filelink"}).is_error
    assert box.execute("write_file", {"path": "link/new.txt", "content": "x"}).is_error
    assert box.execute("write_file", {"path": "filelink", "content": "x"}).is_error
    assert not (outside / "new.txt").exists() and (outside / "key").read_text() == "s3cret"


def test_writing_into_git_dir_is_refused(box: Toolbox) -> None:
    assert box.execute("write_file", {"path": ".git/HEAD", "content": "x"}).is_error
    assert box.execute("read_file", {"path": ".git/HEAD"}).content.startswith("ref:")


def test_list_files_globs(box: Toolbox) -> None:
    assert box.execute("list_files", {}).content.splitlines() == ["README.md", "src/b.txt", "src/pkg/a.py"]
    assert box.execute("list_files", {"pattern": "**/*.py"}).content == "src/pkg/a.py"
    assert box.execute("list_files", {"pattern": "*.md"}).content == "README.md"
    assert box.execute("list_files", {"pattern": "src/*"}).content == "src/b.txt"
    assert box.execute("list_files", {"pattern": "../**"}).is_error


def test_glob_regex_semantics() -> None:
    assert glob_regex("**/*.py").match("a.py") and glob_regex("**/*.py").match("x/y/a.py")
    assert not glob_regex("*.py").match("x/a.py")
    assert glob_regex("src/[ab].txt").match("src/b.txt")
    assert not glob_regex("src/[!ab].txt").match("src/b.txt")


def test_search(box: Toolbox) -> None:
    assert box.execute("search", {"pattern": "alpha"}).content == "src/pkg/a.py:1: def alpha():"
    both = box.execute("search", {"pattern": "(?i)alpha", "glob": "src/**"}).content.splitlines()
    assert both == ["src/b.txt:2: ALPHA upper", "src/pkg/a.py:1: def alpha():"]
    assert box.execute("search", {"pattern": "("}).is_error
    assert box.execute("search", {"pattern": "nothing-here"}).content == "(no matches)"


def test_run_command(box: Toolbox) -> None:
    outcome = box.execute("run_command", {"command": "pwd; echo err >&2; exit 2"})
    assert outcome.is_error
    assert outcome.content.splitlines()[0] == "exit code 2"
    assert str(box.root) in outcome.content and "err" in outcome.content


def test_run_command_output_is_capped(box: Toolbox) -> None:
    outcome = box.execute("run_command", {"command": "seq 1 200000"})
    assert len(outcome.content) < 20_000
    assert "lines omitted" in outcome.content and outcome.content.endswith("200000")


def test_run_command_timeout_and_cancel(box: Toolbox) -> None:
    box.command_timeout = 0.3
    outcome = box.execute("run_command", {"command": "sleep 100"})
    assert "timed out" in outcome.content
    box.command_timeout = 30
    threading.Timer(0.2, box.cancel.set).start()
    start = time.monotonic()
    assert box.execute("run_command", {"command": "sleep 100"}).content.startswith("cancelled")
    assert time.monotonic() - start < 3


def test_bad_calls_are_tool_errors(box: Toolbox) -> None:
    assert "unknown tool" in box.execute("rm_rf", {}).content
    assert box.execute("read_file", "not a dict").is_error
    assert box.execute("read_file", {"wrong": 1}).is_error
    assert box.execute("read_file", {"path": "nope.txt"}).is_error
    assert box.execute("read_file", {"path": ""}).is_error


def test_task_complete(box: Toolbox) -> None:
    outcome = box.execute("task_complete", {"summary": "all good"})
    assert outcome.done and outcome.content == "all good"
