"""The acceptance bar of the pre-flight: a spec that lint accepts never ends stranded.

Each bad case is a lint error AND ``chant work`` refuses it before its first write: the spec file is byte
for byte what it was, no commit, no branch, no worktree (issue 9 item 4, reliability.md items 8, 13-15,
newcomer.md defects 2, 4, 5, 9, 11, 13).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import IDENTITY, SEED_DRIVER, SEED_MEMBERS, run_chant_raw
from tests.run.conftest import Work, add_specs, spec_file

A = "2026-02-01-001-aaa"


def snapshot(w: Work) -> dict[str, Any]:
    """Everything a refused run must leave alone."""
    specs = w.repo / ".chant" / "specs"
    return {
        "head": w.git("rev-parse", "HEAD"),
        "specs": {p.name: p.read_bytes() for p in sorted(specs.glob("*.md"))},
        "branches": w.branches("*"),
        "worktrees": w.worktrees(),
        "status": w.git("status", "--porcelain", "--untracked-files=all"),
    }


def set_config(w: Work, old: str, new: str) -> None:
    config = w.repo / ".chant" / "config.md"
    text = config.read_text()
    assert old in text
    config.write_text(text.replace(old, new))
    w.git("commit", "-qam", "config")


@dataclass
class Case:
    name: str
    expect: str  # in work's error
    lint: str | None  # in lint's output (None: lint has nothing to say, the case is about the environment)
    spec: dict[str, Any] = field(default_factory=dict)  # spec_file() keywords
    spec_id: str = A
    args: tuple[str, ...] = ()
    config: tuple[str, str] | None = None  # replace in config.md
    config_extra: str = ""


CASES = [
    Case("unknown agent in the spec", "unknown agent 'bogus'", "error[agent]", {"extra": "agent: bogus"}),
    Case(
        "agent typo in config",
        "must be one of claude",
        "'defaults.agent' must be one of",
        config=("agent: claude", "agent: cluade"),
    ),
    Case("unknown --agent", "unknown agent 'bogus'", None, args=("--agent", "bogus")),
    Case(
        "agent executable missing",
        "`no-such-claude-xyz` is not an executable on PATH",
        None,
        config_extra="agents:\n  claude:\n    command: [no-such-claude-xyz]\n",
    ),
    Case(
        "unknown prompt", "prompt 'nosuch' (prompt:) not found", "error[prompt]", {"extra": "prompt: nosuch"}
    ),
    Case(
        "prompt leaving .chant/prompts",
        "leaves .chant/prompts/",
        "error[prompt]",
        {"extra": "prompt: ../../x"},
    ),
    Case(
        "absolute prompt",
        "is a path outside .chant/prompts/",
        "error[prompt]",
        {"extra": "prompt: /tmp/evil"},
    ),
    Case("unknown --prompt", "prompt 'nosuch' (--prompt) not found", None, args=("--prompt", "nosuch")),
    Case("target outside the repo", "leaves the repository", "error[target]", {"targets": ["../../x"]}),
    Case("absolute target", "is an absolute path", "error[target]", {"targets": ["/etc/passwd"]}),
    Case("target inside .git", "is inside .git/", "error[target]", {"targets": [".git/hooks/pre-commit"]}),
    Case("status typo", "unknown status 'complete'", "error[status]", {"extra": "status: complete"}),
    Case(
        "no acceptance criteria", "no '## Acceptance Criteria' checkboxes", "error[criteria]", {"criteria": 0}
    ),
    Case(
        "ID that is no branch name",
        "is not a valid git branch name",
        "error[branch]",
        spec_id="a b;c$(touch PWN)",
    ),
    Case("ID git refuses", "is not a valid git branch name", "error[branch]", spec_id="x..y"),
    Case(
        "config value of the wrong type",
        "'defaults.timeout' must be a number > 0",
        "error[config]",
        config=("timeout: 60", "timeout: one hour"),
    ),
]


def _spec_text(case: Case) -> str:
    options = dict(case.spec)
    extra = options.pop("extra", "")
    text = spec_file(case.spec_id, "Bad case", extra=extra, **options)
    if "status: complete" in extra:  # replaces the template's own status line
        text = text.replace("status: pending\n", "", 1)
    return text


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_lint_rejects_and_work_refuses_without_writing(
    case: Case, work_factory: Callable[..., Work], chant_repo: Path
) -> None:
    w = work_factory(chant_repo, case.config_extra)
    add_specs(w, {case.spec_id: _spec_text(case)})
    if case.config:
        set_config(w, *case.config)

    lint = w.chant("lint")
    if case.lint is None:
        assert lint.returncode == 0, lint.stdout
    else:
        assert lint.returncode == 1, lint.stdout + lint.stderr
        assert case.lint in lint.stdout, lint.stdout

    before = snapshot(w)
    proc = w.chant("work", *case.args, "--", case.spec_id)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert case.expect in proc.stderr, proc.stderr
    assert "hint:" in proc.stderr or "fix:" in proc.stderr, "every refusal names its fix"
    assert "Traceback" not in proc.stderr
    assert snapshot(w) == before
    assert not (w.repo / "PWN").exists()
    assert w.records() == {}, "no agent ran"


def test_a_lint_clean_spec_runs(work_factory: Callable[..., Work], chant_repo: Path) -> None:
    """The same fixture with nothing wrong: lint is clean and the run completes (the matrix can fail)."""
    w = work_factory(chant_repo)
    add_specs(w, {A: spec_file(A, "Good", targets=["good.txt"])})
    assert w.chant("lint").returncode == 0
    proc = w.chant("work", A)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert w.status(A) == "completed"


def test_all_problems_are_listed_with_their_fixes(
    work_factory: Callable[..., Work], chant_repo: Path
) -> None:
    w = work_factory(chant_repo)
    add_specs(w, {A: spec_file(A, "Two problems", targets=["/abs"], extra="prompt: nosuch")})
    proc = w.chant("work", A)
    assert proc.returncode == 1
    assert "2 problems stop this run:" in proc.stderr, proc.stderr
    assert proc.stderr.count("    fix: ") == 2, proc.stderr


def test_status_typo_is_not_ready(work_factory: Callable[..., Work], chant_repo: Path) -> None:
    """`status: complete` is not pending: list shows it blocked (both paths), ready and --parallel skip it."""
    w = work_factory(chant_repo)
    add_specs(w, {A: spec_file(A, "Typo").replace("status: pending", "status: complete")})
    for _ in range(2):  # cold (click path builds the view), then warm (fast path reads it)
        listing = w.chant("list").stdout
        assert "blocked" in listing and "unknown status 'complete'" in listing, listing
        assert A not in w.chant("ready").stdout
    rows = json.loads(w.chant("list", "--json").stdout)["specs"]
    assert rows[0]["state"] == "blocked"
    before = snapshot(w)
    proc = w.chant("work", "--parallel")
    assert proc.returncode == 1 and "No ready specs" in proc.stderr, proc.stdout + proc.stderr
    assert snapshot(w) == before


def test_a_driver_with_a_bad_member_is_refused_before_start(seed_work: Work) -> None:
    w = seed_work
    member = w.repo / ".chant" / "specs" / f"{SEED_MEMBERS[1]}.md"
    member.write_text(member.read_text().replace("---\n", "---\nprompt: nosuch\n", 1))
    w.git("commit", "-qam", "a member names a prompt that does not exist")
    before = snapshot(w)
    proc = w.chant("work", SEED_DRIVER)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f".chant/specs/{SEED_MEMBERS[1]}.md" in proc.stderr and "prompt 'nosuch'" in proc.stderr
    assert snapshot(w) == before, "no 'start driver' commit, no member started"
    assert w.records() == {}


def test_a_failing_spec_in_a_queue_is_not_started_and_the_others_run(
    work_factory: Callable[..., Work], chant_repo: Path
) -> None:
    w = work_factory(chant_repo)
    good, bad = A, "2026-02-01-002-bbb"
    add_specs(w, {good: spec_file(good, "Good"), bad: spec_file(bad, "Bad", extra="prompt: nosuch")})
    bad_text = (w.repo / ".chant" / "specs" / f"{bad}.md").read_bytes()
    proc = w.chant("work", "--parallel")
    assert proc.returncode == 1
    assert f"[✗] {bad} (Bad) - 0m 0s - failed: not started: " in proc.stdout, proc.stdout
    assert "fix: use one of:" in proc.stdout
    assert w.status(good) == "completed"
    assert (w.repo / ".chant" / "specs" / f"{bad}.md").read_bytes() == bad_text
    assert f"chant/{bad}" not in w.branches()


# -- the environment ------------------------------------------------------------------------------------
def _no_identity(env: dict[str, str], home: Path) -> dict[str, str]:
    env = {k: v for k, v in env.items() if k not in IDENTITY and k not in ("EMAIL",)}
    env["HOME"] = str(home)
    env["GIT_CONFIG_GLOBAL"] = str(home / ".gitconfig")
    return env


def test_missing_identity_is_caught_before_any_write(
    work_factory: Callable[..., Work], chant_repo: Path, tmp_path: Path
) -> None:
    w = work_factory(chant_repo)
    add_specs(w, {A: spec_file(A, "Needs a committer")})
    w.git("config", "user.useConfigOnly", "true")  # no guessing from the host name either
    w.env = _no_identity(w.env, tmp_path / "bare-home")
    before = snapshot(w)

    proc = w.chant("work", A)
    assert proc.returncode == 1
    assert "git has no identity to commit with" in proc.stderr, proc.stderr
    assert "git config user.email" in proc.stderr
    assert snapshot(w) == before

    proc = w.chant("add", "Another spec")
    assert proc.returncode == 1
    assert "git has no identity to commit with" in proc.stderr, proc.stderr
    assert snapshot(w) == before, "add leaves no file, staged or not"


def test_detached_head_is_refused_untouched(work_factory: Callable[..., Work], chant_repo: Path) -> None:
    w = work_factory(chant_repo)
    add_specs(w, {A: spec_file(A, "Detached")})
    w.git("checkout", "-q", "--detach")
    before = snapshot(w)
    proc = w.chant("work", A)
    assert proc.returncode == 1 and "detached" in proc.stderr, proc.stderr
    assert snapshot(w) == before


def test_outside_a_git_repository_says_so(tmp_path: Path, chant_env: dict[str, str]) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    run_chant_raw("init", cwd=plain, env=chant_env, check=True)
    run_chant_raw("add", "foo", cwd=plain, env=chant_env, check=True)
    spec = next((plain / ".chant" / "specs").glob("*.md"))
    text = spec.read_bytes()
    proc = run_chant_raw("work", spec.stem, cwd=plain, env=chant_env, check=False)
    assert "is not a git repository" in proc.stderr, proc.stderr
    assert "detached" not in proc.stderr
    assert spec.read_bytes() == text
    doctor = run_chant_raw("doctor", cwd=plain, env=chant_env, check=False)
    assert doctor.returncode == 1
    assert "is not a git repository" in doctor.stdout and "git init" in doctor.stdout, doctor.stdout


def test_a_stale_git_lock_is_named(work_factory: Callable[..., Work], chant_repo: Path) -> None:
    w = work_factory(chant_repo)
    add_specs(w, {A: spec_file(A, "Locked out")})
    lock = w.repo / ".git" / "index.lock"
    lock.write_text("")
    before = snapshot(w)
    proc = w.chant("work", A)
    assert proc.returncode == 1
    assert "git lock file .git/index.lock is in the way" in proc.stderr, proc.stderr
    assert f"rm {lock}" in proc.stderr
    assert snapshot(w) == before
    doctor = json.loads(w.chant("doctor", "--json").stdout)
    locks = next(c for c in doctor["checks"] if c["check"] == "locks")
    assert locks["status"] == "error" and ".git/index.lock" in locks["problems"][0]["message"]
    os.unlink(lock)
    assert w.chant("work", A).returncode == 0


def test_dry_run_shows_the_agent_and_what_the_run_would_refuse(
    work_factory: Callable[..., Work], chant_repo: Path
) -> None:
    w = work_factory(chant_repo)
    add_specs(w, {A: spec_file(A, "Dry", extra="prompt: nosuch")})
    before = snapshot(w)
    out = w.chant("work", "--dry-run", A).stdout
    assert "\nAgent: claude\nPre-flight: the run would stop on:\n" in out, out
    assert "prompt 'nosuch' (prompt:) not found" in out and "    fix: use one of:" in out
    assert snapshot(w) == before
    spec = w.repo / ".chant" / "specs" / f"{A}.md"
    spec.write_text(spec.read_text().replace("prompt: nosuch\n", ""))
    assert "\nAgent: codex\nPre-flight: " in w.chant("work", "--dry-run", "--agent", "codex", A).stdout
    assert w.chant("work", "--dry-run", A).stdout.endswith("Agent: claude\nPre-flight: ok\n")
