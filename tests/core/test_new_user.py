"""What a new user hits in the first hour (review 2026-12, newcomer.md): each test is one wall, removed."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import CHANT_CMD

from ._helpers import SEED_DEPENDENCIES, assert_clean_failure

Run = Callable[..., Any]
Git = Callable[..., str]
BROKEN = "2026-02-01-001-brk"
CPL = SEED_DEPENDENCIES[0]


def _spec(title: str, status: str = "pending", extra: str = "", criteria: str = "- [ ] done") -> str:
    return f"---\ntype: code\nstatus: {status}\n{extra}---\n\n# {title}\n\n## Acceptance Criteria\n\n{criteria}\n"


# -- broken files are found, named and editable ----------------------------------------------------------
@pytest.fixture
def broken_repo(chant_repo: Path, write_spec: Callable[..., Path], git: Git) -> Path:
    write_spec(BROKEN, "---\ntype: code\nstatus: [pending\n---\n\n# Broken\n")
    git("add", "-A")
    git("commit", "-q", "-m", "a broken spec")
    return chant_repo


@pytest.mark.parametrize("command", [("show", "brk"), ("work", "brk"), ("show", BROKEN), ("reset", "brk")])
def test_a_broken_spec_is_named_with_file_and_line(
    broken_repo: Path, run_chant: Run, command: tuple[str, ...]
) -> None:
    proc = run_chant(*command)
    assert_clean_failure(proc, f"this spec's file is invalid: .chant/specs/{BROKEN}.md:", "chant edit")
    assert "not found" not in proc.stderr.lower()


def test_edit_opens_a_broken_file_so_it_can_be_fixed(
    broken_repo: Path, run_chant: Run, chant_env: dict[str, str], tmp_path: Path
) -> None:
    fixer = tmp_path / "fix.py"
    fixer.write_text(
        "import sys, pathlib\n"
        "p = pathlib.Path(sys.argv[1])\n"
        "p.write_text(p.read_text().replace('[pending', 'pending') + '\\n## Acceptance Criteria\\n\\n- [ ] ok\\n')\n",
        encoding="utf-8",
    )
    env = {**chant_env, "EDITOR": f"{sys.executable} {fixer}"}
    proc = run_chant("edit", "brk", env=env, check=True)
    assert f"Saved {BROKEN}" in proc.stdout
    assert "Status: pending (ready)" in run_chant("show", "brk", check=True).stdout


# -- a completed spec or driver: re-running is a no-op ---------------------------------------------------
def test_work_on_a_completed_spec_or_driver_changes_nothing(
    seed_repo: Path, run_chant: Run, git: Git, write_spec: Callable[..., Path]
) -> None:
    driver = "2026-01-30-001-drv"
    write_spec(
        driver,
        "---\ntype: driver\nstatus: completed\ncompleted_at: 2026-01-30T10:00:00Z\nmodel: fake-sonnet\n---\n\n"
        "# Done driver\n\n## Acceptance Criteria\n\n- [x] done\n",
    )
    write_spec(
        f"{driver}.1", _spec("Done member", "completed", "completed_at: 2026-01-30T09:00:00Z\n", "- [x] done")
    )
    git("add", "-A")
    git("commit", "-q", "-m", "completed driver")
    before = {p.name: p.read_bytes() for p in (seed_repo / ".chant/specs").iterdir()}
    head = git("rev-parse", "HEAD")
    for target in (driver, "cpl"):
        for _attempt in range(2):
            proc = run_chant("work", target, check=True)
            assert "is already completed (use `chant replay" in proc.stdout, proc.stdout
    assert git("rev-parse", "HEAD") == head
    assert {p.name: p.read_bytes() for p in (seed_repo / ".chant/specs").iterdir()} == before


# -- add: criteria and a body from the command line, never two criteria sections ----------------------------
def _body(repo: Path, spec_id: str) -> str:
    return (repo / ".chant" / "specs" / f"{spec_id}.md").read_text(encoding="utf-8").split("---\n", 2)[2]


def test_add_takes_criteria_and_a_body_file(chant_repo: Path, run_chant: Run, tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("Context from a file.\n\n```\n## Acceptance Criteria\n```\n", encoding="utf-8")
    out = run_chant(
        "add",
        "Fix login",
        "--criterion",
        "Tests pass",
        "--criterion",
        "No 500s",
        "--body-file",
        str(notes),
        "--json",
        check=True,
    ).stdout
    spec_id = json.loads(out)["id"]
    assert _body(chant_repo, spec_id) == (
        "\n# Fix login\n\nContext from a file.\n\n```\n## Acceptance Criteria\n```\n\n"
        "## Acceptance Criteria\n\n- [ ] Tests pass\n- [ ] No 500s\n"
    )
    from_stdin = json.loads(
        run_chant("add", "Piped", "--body-file", "-", "--json", input="Body on stdin.\n", check=True).stdout
    )["id"]
    assert (
        _body(chant_repo, from_stdin)
        == "\n# Piped\n\nBody on stdin.\n\n## Acceptance Criteria\n\n- [ ] Piped\n"
    )


@pytest.mark.parametrize("heading", ["## Acceptance Criteria", "### acceptance criteria"])
def test_add_keeps_the_authors_criteria_section(chant_repo: Path, run_chant: Run, heading: str) -> None:
    description = f"Ship it\n\nWhy.\n\n{heading}\n\n- [ ] mine\n\n## Notes\n\nlater"
    spec_id = json.loads(
        run_chant("add", description, "--criterion", "also this", "--json", check=True).stdout
    )["id"]
    body = _body(chant_repo, spec_id)
    assert body.count("Acceptance Criteria") == 1
    assert "## Acceptance Criteria\n\n- [ ] mine\n- [ ] also this\n\n## Notes\n\nlater\n" in body
    shown = run_chant("show", spec_id, check=True).stdout
    assert "  [ ] mine\n  [ ] also this\n" in shown


# -- cancel --delete asks, or needs --yes ----------------------------------------------------------------
def test_cancel_delete_needs_yes_without_a_terminal(seed_repo: Path, run_chant: Run, git: Git) -> None:
    head = git("rev-parse", "HEAD")
    proc = run_chant("cancel", "ext.4", "--delete")
    assert_clean_failure(proc, "pass --yes to confirm")
    assert (seed_repo / ".chant/specs/2026-02-01-001-ext.4.md").exists()
    assert git("rev-parse", "HEAD") == head
    run_chant("cancel", "ext.4", "--delete", "--yes", check=True)
    assert not (seed_repo / ".chant/specs/2026-02-01-001-ext.4.md").exists()


# -- log -f ends when the run has ended ------------------------------------------------------------------
def test_log_follow_exits_when_no_run_holds_the_spec(seed_repo: Path, run_chant: Run) -> None:
    log = seed_repo / ".chant" / "logs" / f"{CPL}.log"
    log.parent.mkdir(parents=True)
    log.write_text("# chant run: x\n# completed: 1 commit(s)\n", encoding="utf-8")
    proc = run_chant("log", "cpl", "-f", timeout=10, check=True)
    assert proc.stdout.endswith("# completed: 1 commit(s)\n")


# -- init: commit, or say exactly what to commit; outside git, say so ------------------------------------------
def test_init_commit_and_hint(git_repo: Path, run_chant: Run, git: Git, tmp_path: Path) -> None:
    proc = run_chant("init", check=True)
    assert "git add .chant/config.md .chant/.gitignore" in proc.stdout
    assert "git commit -m 'chant init'" in proc.stdout
    assert git("status", "--porcelain").strip()
    git("clean", "-fdq")
    run_chant("init", "--agent", "claude", "--commit", check=True)
    assert git("status", "--porcelain") == ""
    assert "CLAUDE.md" in git("show", "--name-only", "--format=%s", "HEAD")
    plain = tmp_path / "plain"
    plain.mkdir()
    outside = run_chant("init", cwd=plain, check=True)
    assert "not a git repository" in outside.stderr


# -- new files honour the umask ------------------------------------------------------------------------------
def test_new_files_honour_the_umask(git_repo: Path, chant_env: dict[str, str]) -> None:
    subprocess.run(
        [*CHANT_CMD, "init", "--agent", "claude"],
        cwd=git_repo,
        env=chant_env,
        check=True,
        capture_output=True,
        preexec_fn=lambda: os.umask(0o027),
    )
    for rel in (".chant/config.md", ".chant/.gitignore", ".chant/prompts/standard.md", "CLAUDE.md"):
        assert stat.S_IMODE((git_repo / rel).stat().st_mode) == 0o640, rel


# -- small output blemishes --------------------------------------------------------------------------------
def test_status_says_1_spec_and_untitled(
    chant_repo: Path, run_chant: Run, write_spec: Callable[..., Path]
) -> None:
    write_spec("2026-02-01-001-unt", "---\nstatus: failed\nfailure_reason: boom\n---\n\nno title here\n")
    for _ in range(2):  # the click path, then the fast path from its cache
        out = run_chant("status", check=True).stdout
        assert ": 1 spec\n" in out
        assert "2026-02-01-001-unt (untitled) failed - boom" in out
        assert "(None)" not in out


def test_mistyped_command_gets_did_you_mean(chant_repo: Path, run_chant: Run) -> None:
    proc = run_chant("stauts")
    assert proc.returncode == 2 and "Did you mean 'status'?" in proc.stderr


def test_json_errors_are_json(chant_repo: Path, run_chant: Run) -> None:
    proc = run_chant("show", "nope", "--json")
    assert proc.returncode == 1
    error = json.loads(proc.stdout)["error"]
    assert error["message"] == "Spec not found: nope" and error["kind"] == "error"
    usage = run_chant("list", "--status", "bogus", "--json")
    assert usage.returncode == 2 and json.loads(usage.stdout)["error"]["kind"] == "usage"
    assert "error:" in proc.stderr  # people still read the plain line


def test_lint_warns_about_malformed_dated_ids(
    chant_repo: Path, run_chant: Run, write_spec: Callable[..., Path]
) -> None:
    write_spec("2026-02-01-0crlf-win", _spec("Windows"))
    out = run_chant("lint", check=True).stdout
    assert "warning[id]: '2026-02-01-0crlf-win' has the sequence '0crlf'" in out
    spec_id = json.loads(run_chant("add", "Next", "--json", check=True).stdout)["id"]
    assert spec_id.startswith("2026-02-01-001-")  # not 2026-02-01-crlg-


# -- colour on a terminal only ---------------------------------------------------------------------------------
def _on_a_terminal(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen([*CHANT_CMD, *args], cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(master)
    return b"".join(chunks).decode("utf-8", errors="replace")


def test_colour_on_a_terminal_unless_no_color(
    seed_repo: Path, chant_env: dict[str, str], run_chant: Run
) -> None:
    env = {k: v for k, v in chant_env.items() if k != "NO_COLOR"}
    env["TERM"] = "xterm-256color"
    for _ in range(2):  # the click path, then the fast path
        out = _on_a_terminal(["list"], seed_repo, env)
        assert "\x1b[36m○ ready\x1b[0m" in out, out
        assert "\x1b[33m⊘ blocked\x1b[0m" in out
    assert "\x1b[" not in _on_a_terminal(["list"], seed_repo, {**env, "NO_COLOR": "1"})
    assert "\x1b[" not in run_chant("list", env=env, check=True).stdout  # a pipe


def test_usage_errors_read_like_every_other_error(chant_repo: Path, run_chant: Run) -> None:
    proc = run_chant("list", "--paralel")
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: No such option")
    assert "hint: `chant list --help` shows the usage" in proc.stderr
    assert "Usage:" not in proc.stderr


def test_group_refuses_a_finished_spec_that_is_not_a_driver(
    seed_repo: Path, run_chant: Run, git: Git
) -> None:
    head = git("rev-parse", "HEAD")
    assert_clean_failure(run_chant("add", "Late", "--group", "cpl"), "completed research spec, not a driver")
    assert git("rev-parse", "HEAD") == head
    assert git("status", "--porcelain") == ""


def test_show_says_when_the_recorded_branch_is_gone(
    chant_repo: Path, run_chant: Run, write_spec: Callable[..., Path]
) -> None:
    write_spec("2026-02-01-001-gon", "---\nstatus: failed\nbranch: chant/2026-02-01-001-gon\n---\n\n# Gone\n")
    assert "Branch: chant/2026-02-01-001-gon  (deleted)\n" in run_chant("show", "gon", check=True).stdout


def test_work_on_a_blocked_spec_says_why_and_how(seed_repo: Path, run_chant: Run, git: Git) -> None:
    head = git("rev-parse", "HEAD")
    proc = run_chant("work", "ext.4")
    assert_clean_failure(proc, "is blocked by 2026-02-01-001-ext.1 (pending)", "--skip-deps")
    assert "Working:" not in proc.stdout and "[✗]" not in proc.stdout
    assert git("rev-parse", "HEAD") == head
