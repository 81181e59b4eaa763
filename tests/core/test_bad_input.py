"""One bad spec file cannot take the loader down (issue 9 item 1; reliability review items 1, 2, 11, 12, 18).

Every example from the review sits in one project next to good specs: each bad file is a per-file error
with its line (or a lint error naming the field), and every other spec still lists, shows and runs.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chant.errors import SpecParseError
from chant.project import Project
from chant.spec import document, yamlio
from chant.spec.model import MAX_FILE_BYTES, Spec, read_spec_file

from ._helpers import assert_clean_failure

GOOD = "2026-01-01-001-goo"
OTHER = "2026-01-01-002-oth"
BODY = "# {title}\n\n## Acceptance Criteria\n\n- [ ] done\n"


def _laughs(levels: int = 9, width: int = 8) -> str:
    lines = ["lol0: &l0 lol"]
    for n in range(1, levels + 1):
        lines.append(f"lol{n}: &l{n} [{', '.join([f'*l{n - 1}'] * width)}]")
    return "\n".join(lines) + f"\ndepends_on: *l{levels}\n"


# id -> (frontmatter, what `lint` says about it: (rule, line, words in the message))
PARSE_ERRORS: dict[str, tuple[str, int, str]] = {
    "2026-01-02-001-lol": (_laughs(), 7, "aliases expand to more than"),  # lol5: 8**5 values
    "2026-01-02-002-tint": ("status: pending\ncost_usd: !!int x\n", 3, "'x' is not an integer"),
    "2026-01-02-003-tflt": ("replay_count: !!float abc\n", 2, "'abc' is not a number"),
    "2026-01-02-004-big": (f"labels: {{a: [b]}}\ntokens: {'7' * 5000}\n", 3, "integer with 5,000 digits"),
    "2026-01-02-005-rec": ("depends_on: &d [*d]\n", 2, "recursive alias"),
    "2026-01-02-006-deep": ("context: " + "{a: " * 500 + "x" + "}" * 500 + "\n", 2, "nested more than 64"),
    "2026-01-02-007-dup": ("status: pending\ntype: code\nstatus: completed\n", 4, "duplicate key 'status'"),
    "2026-01-02-008-py": ("x: !!python/object/apply:os.system ['touch PWNED']\n", 2, "unsupported tag"),
}
LOADS_WITH_LINT_ERROR: dict[str, tuple[str, int, str]] = {
    "2026-01-03-001-long": (
        f"informed_by:\n  - {'x' * 10_000}\n",
        2,
        "informed_by: item 1: 10,000 characters",
    ),
    "2026-01-03-002-type": (
        "status: pending\ndepends_on: {a: 1}\n",
        3,
        "depends_on: expected a list of text",
    ),
    "2026-01-03-003-cnt": ("replay_count: many\n", 2, "replay_count: expected an integer, got 'many'"),
    "2026-01-03-004-appr": ("approval:\n  required: maybe\n", 2, "approval.required: expected true or false"),
    "2026-01-03-005-when": ("completed_at: yesterday\n", 2, "completed_at: 'yesterday' is not an ISO 8601"),
    "2026-01-03-006-tok": ("tokens: {input: x}\n", 2, "tokens.input: expected an integer, got 'x'"),
    # longer than the kernel takes as one argument: `show` asking git about the branch died with E2BIG
    "2026-01-03-007-brn": (f"branch: {'b' * 200_000}\n", 2, "branch: 200,000 characters long"),
}
LOADS_CLEANLY = {
    # a 5,000-digit prompt is text, too long for a name (lint says so); the fast reader and the write path
    # agree on it (reliability item 12: `work` died in the write path)
    "2026-01-04-001-prm": f"prompt: {'9' * 5000}\n",
    "2026-01-04-002-cst": f"cost_usd: {'9' * 400}\n",  # an int too large for a float: `show` died formatting it
}


def _write(root: Path, spec_id: str, text: str | bytes) -> Path:
    path = root / ".chant" / "specs" / f"{spec_id}.md"
    if isinstance(text, str):
        text = text.encode()
    path.write_bytes(text)
    return path


@pytest.fixture
def hostile_repo(chant_repo: Path) -> Path:
    _write(chant_repo, GOOD, "---\nstatus: pending\n---\n" + BODY.format(title="Good"))
    _write(
        chant_repo,
        OTHER,
        f"---\nstatus: pending\ndepends_on:\n- {GOOD}\n- 2026-01-02-001-lol\n---\n"
        + BODY.format(title="Other"),
    )
    for spec_id, (frontmatter, _line, _words) in {**PARSE_ERRORS, **LOADS_WITH_LINT_ERROR}.items():
        _write(chant_repo, spec_id, f"---\n{frontmatter}---\n" + BODY.format(title=spec_id))
    for spec_id, frontmatter in LOADS_CLEANLY.items():
        _write(chant_repo, spec_id, f"---\n{frontmatter}---\n" + BODY.format(title=spec_id))
    os.symlink("/etc/passwd", chant_repo / ".chant" / "specs" / "2026-01-05-001-lnk.md")
    _write(chant_repo, "2026-01-05-002-utf", b"---\nstatus: pending\nmodel: \xff\xfe\n---\n# T\n")
    return chant_repo


def _no_traceback(proc: subprocess.CompletedProcess[str]) -> str:
    output = proc.stdout + proc.stderr
    assert "Traceback" not in output, output
    return output


def test_lint_reports_each_bad_file_with_its_line(hostile_repo: Path, run_chant: Callable[..., Any]) -> None:
    started = time.monotonic()
    proc = run_chant("lint", "--format", "json", timeout=60)
    assert time.monotonic() - started < 30  # the billion laughs no longer runs for minutes
    _no_traceback(proc)
    found = {(d["spec_id"], d["rule"]): d for d in json.loads(proc.stdout)["diagnostics"]}
    for spec_id, (_fm, line, words) in PARSE_ERRORS.items():
        diagnostic = found[(spec_id, "parse")]
        assert diagnostic["line"] == line, diagnostic
        assert words in diagnostic["message"], diagnostic
        assert diagnostic["path"] == f".chant/specs/{spec_id}.md"
    for spec_id, (_fm, line, words) in LOADS_WITH_LINT_ERROR.items():
        diagnostic = found[(spec_id, "field-type")]
        assert (diagnostic["line"], diagnostic["severity"]) == (line, "error"), diagnostic
        assert words in diagnostic["message"], diagnostic
    assert "symbolic link" in found[("2026-01-05-001-lnk", "parse")]["message"]
    utf = found[("2026-01-05-002-utf", "parse")]
    assert "not valid UTF-8" in utf["message"] and utf["line"] == 3
    assert not [key for key in found if key[0] in (GOOD, "2026-01-04-002-cst")]
    assert "prompt: 5,000 characters long" in found[("2026-01-04-001-prm", "field-type")]["message"]
    text = run_chant("lint")
    assert_clean_failure(text, ".chant/specs/2026-01-02-002-tint.md:3: error[parse]")


def test_good_specs_still_list_show_and_graph(hostile_repo: Path, run_chant: Callable[..., Any]) -> None:
    listed = run_chant("list", "--json", timeout=60)
    _no_traceback(listed)
    payload = json.loads(listed.stdout)
    ids = [row["id"] for row in payload["specs"]]
    assert GOOD in ids and OTHER in ids and "2026-01-04-001-prm" in ids
    assert set(LOADS_WITH_LINT_ERROR) <= set(ids)
    assert "2026-01-02-005-rec" not in ids
    for args in (["list"], ["status"], ["status", "--json"], ["dag"], ["ready"], ["show", GOOD]):
        output = _no_traceback(run_chant(*args, timeout=60))
        assert GOOD in output or args[0] == "dag", (args, output)
    shown = json.loads(run_chant("show", "--json", "2026-01-04-001-prm", check=True).stdout)["spec"]
    assert shown["frontmatter"]["prompt"] == "9" * 5000


@pytest.mark.parametrize(
    "spec_id", [*PARSE_ERRORS, *LOADS_WITH_LINT_ERROR, *LOADS_CLEANLY, "2026-01-05-001-lnk"]
)
def test_show_a_bad_spec_never_crashes(
    hostile_repo: Path, run_chant: Callable[..., Any], spec_id: str
) -> None:
    for args in (["show", spec_id], ["show", "--json", spec_id], ["show", "--body", spec_id]):
        proc = run_chant(*args, timeout=60)
        output = _no_traceback(proc)
        if spec_id in LOADS_WITH_LINT_ERROR or spec_id in LOADS_CLEANLY:
            assert proc.returncode == 0, output
        else:
            assert proc.returncode != 0 and f".chant/specs/{spec_id}.md" in output, output
        assert "root:" not in output  # the symlink's target (/etc/passwd) is never read


def _install_agent(root: Path) -> None:
    """The lifecycle tests' `command` agent: ticks every box and commits."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from lifecycle.command_agent import TICK_AND_COMMIT, install

    install(root, TICK_AND_COMMIT, "hostile")
    config = root / ".chant" / "config.md"
    config.write_text(config.read_text().replace("{python}", sys.executable), encoding="utf-8")


def test_a_good_spec_runs_next_to_bad_files(
    hostile_repo: Path, run_chant: Callable[..., Any], git: Any
) -> None:
    _install_agent(hostile_repo)
    git("add", "-A")
    git("commit", "-qm", "hostile specs")
    proc = run_chant("work", GOOD, timeout=120)
    _no_traceback(proc)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "status: completed" in (hostile_repo / ".chant" / "specs" / f"{GOOD}.md").read_text()


# -- the loader's bounds, in-process ----------------------------------------------------------------------
def test_billion_laughs_is_refused_quickly_and_small() -> None:
    tracemalloc.start()
    started = time.monotonic()
    with pytest.raises(yamlio.LoadError, match="aliases expand"):
        yamlio.load(_laughs(10, 10))
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert time.monotonic() - started < 2
    assert peak < 20 << 20


def test_alias_budget_allows_ordinary_reuse() -> None:
    assert yamlio.load("base: &b [a, b]\nlabels: *b\n") == {"base": ["a", "b"], "labels": ["a", "b"]}
    assert yamlio.load(_laughs(3, 10)) is not None  # 1,110 values through aliases: within the budget
    with pytest.raises(yamlio.LoadError):
        yamlio.load(_laughs(5, 10))  # 111,110


def test_nesting_limit_is_exact() -> None:
    assert yamlio.load("a: " + "[" * 63 + "]" * 63) is not None
    with pytest.raises(yamlio.LoadError, match="nested more than 64"):
        yamlio.load("a: " + "[" * 64 + "]" * 64)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("a: !!bool maybe\n", "is not true or false"),
        ("a: !!binary aGk=\n", "unsupported tag !!binary"),
        ("a: !!set {x}\n", "unsupported tag !!set on a mapping"),
        ("a: !custom x\n", "unsupported tag !custom"),
        ("? [a]\n: b\n", "a key must be a plain name"),
        ("a:\n  b: 1\n  b: 2\n", "duplicate key 'b' (first on line 2)"),
        ('a: "\\0"\nb: \x00\n', "control characters are not allowed"),
    ],
)
def test_yaml_outside_the_bounds_is_a_load_error(text: str, words: str) -> None:
    with pytest.raises(yamlio.LoadError) as info:
        yamlio.load(text, unique_keys=True)
    assert words in str(info.value)
    assert info.value.line is not None


def test_timestamps_and_explicit_strings_stay_text() -> None:
    assert yamlio.load("a: !!timestamp 2026-01-01\nb: !!str 5\nc: 2026-01-01\n") == {
        "a": "2026-01-01",
        "b": "5",
        "c": "2026-01-01",
    }


def test_frontmatter_size_is_bounded() -> None:
    parts = document.split("---\nx: " + "y" * (document.MAX_FRONTMATTER_CHARS + 1) + "\n---\n# T\n")
    with pytest.raises(SpecParseError, match="at most 256 KiB is read") as info:
        document.parse_frontmatter(parts, "x.md")
    assert info.value.line == 2


def test_spec_files_that_are_not_regular_files_are_refused(tmp_path: Path) -> None:
    link = tmp_path / "link.md"
    link.symlink_to("/etc/passwd")
    with pytest.raises(SpecParseError, match="symbolic link"):
        read_spec_file(link)
    fifo = tmp_path / "fifo.md"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(SpecParseError, match="not a regular file"):
        read_spec_file(fifo)  # and no hang waiting for a writer
    assert time.monotonic() - started < 1
    big = tmp_path / "big.md"
    with open(big, "wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(SpecParseError, match="not read"):
        read_spec_file(big)


def test_the_listing_reports_symlinks_and_fifos(chant_repo: Path) -> None:
    specs = chant_repo / ".chant" / "specs"
    (specs / f"{GOOD}.md").write_text("---\nstatus: pending\n---\n# Good\n", encoding="utf-8")
    (specs / "2026-01-05-001-lnk.md").symlink_to("/etc/passwd")
    (specs / "2026-01-05-002-dgl.md").symlink_to("/nonexistent/spec.md")
    os.mkfifo(specs / "2026-01-05-003-ffo.md")
    loaded = Project(chant_repo).specs()
    assert list(loaded.active) == [GOOD]
    assert {
        key: "symbolic link" in e.detail or "regular file" in e.detail for key, e in loaded.invalid.items()
    } == {
        "2026-01-05-001-lnk": True,
        "2026-01-05-002-dgl": True,
        "2026-01-05-003-ffo": True,
    }


def test_big_bodies_are_not_kept_in_memory(chant_repo: Path) -> None:
    path = chant_repo / ".chant" / "specs" / f"{GOOD}.md"
    path.write_text("---\nstatus: pending\n---\n# Big\n\n" + "text\n" * 100_000 + BODY.format(title="x"))
    spec = Project(chant_repo).specs().active[GOOD]
    assert spec.body_text is None and spec.title == "Big"
    assert len(spec.criteria) == 1  # read again on demand


def test_memory_of_a_read_command_stays_small(hostile_repo: Path, chant_env: dict[str, str]) -> None:
    """``chant lint`` over every hostile file, in a process capped at 512 MB of address space."""

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (512 << 20, 512 << 20))

    proc = subprocess.run(
        [sys.executable, "-m", "chant", "lint"],
        cwd=hostile_repo,
        env=chant_env,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=cap,  # a resource limit, no threads in the test process
    )
    assert "Traceback" not in proc.stderr and "MemoryError" not in proc.stderr, proc.stderr
    assert "error[parse]" in proc.stdout


def test_spec_from_text_raises_only_spec_parse_errors() -> None:
    for text in ["---\na: [\n---\n", "---\n" + _laughs() + "---\n", "---\nx\n", "---\n- a\n---\n"]:
        with pytest.raises(SpecParseError):
            Spec.from_text("x", Path("x.md"), text)


def test_a_wrong_type_is_ignored_where_the_value_is_used(
    chant_repo: Path, run_chant: Callable[..., Any], git: Any
) -> None:
    """`replay_count: many` made `chant replay` die in int(); the typed view ignores it (lint reports it)."""
    _write(chant_repo, GOOD, "---\nstatus: completed\nreplay_count: many\n---\n" + BODY.format(title="Done"))
    _install_agent(chant_repo)
    git("add", "-A")
    git("commit", "-qm", "a completed spec")
    proc = run_chant("replay", GOOD, timeout=120)
    _no_traceback(proc)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "replay_count: 1\n" in (chant_repo / ".chant" / "specs" / f"{GOOD}.md").read_text()


@pytest.mark.parametrize(
    ("value", "expected"), [("3", 3), ("many", None), ("[1]", None), ("true", None), ("9" * 30, None)]
)
def test_int_value(value: str, expected: int | None) -> None:
    spec = Spec.from_text("x", Path("x.md"), f"---\nreplay_count: {value}\n---\n# T\n")
    assert spec.int_value("replay_count") == expected
