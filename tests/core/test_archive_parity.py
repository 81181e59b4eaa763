"""Archived specs and other layouts (a repository not set up by this chant) work in every command."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chant.globs import expand
from chant.project import Project
from chant.run import prompts

from ._helpers import SEED_DEPENDENCIES, assert_clean_failure

Run = Callable[..., Any]
Git = Callable[..., str]
CPL = SEED_DEPENDENCIES[0]  # completed research spec of the seed
DRIVER = "2026-01-20-001-old"


def _completed(title: str, extra: str = "") -> str:
    return (
        f"---\ntype: code\nstatus: completed\ncompleted_at: 2026-01-20T10:00:00Z\n{extra}---\n\n"
        f"# {title}\n\nSomething about the old pipeline.\n\n## Acceptance Criteria\n\n- [x] done\n"
    )


@pytest.fixture
def archived_repo(seed_repo: Path, run_chant: Run, write_spec: Callable[..., Path], git: Git) -> Path:
    """The seed with its completed research spec archived, and an archived driver with two members."""
    write_spec(DRIVER, _completed("Old pipeline", "type: driver\n").replace("type: code\n", "", 1))
    write_spec(f"{DRIVER}.1", _completed("Old extraction"))
    write_spec(f"{DRIVER}.2", _completed("Old migration"))
    git("add", "-A")
    git("commit", "-q", "-m", "old driver")
    run_chant("archive", CPL, check=True)
    run_chant("archive", DRIVER, check=True)
    assert not (seed_repo / ".chant/specs" / f"{CPL}.md").exists()
    return seed_repo


def test_archived_specs_resolve_for_show_group_log_and_drift(archived_repo: Path, run_chant: Run) -> None:
    assert run_chant("show", "cpl", check=True).stdout.startswith(f"Spec: {CPL}  [archived]\n")
    group = run_chant("group", "001-old", check=True).stdout
    assert group.startswith(f"Driver: {DRIVER} (Old pipeline) [completed]  [archived]\n")
    assert f"{DRIVER}.1 (Old extraction) - completed" in group
    assert f"{DRIVER}.2 (Old migration) - completed" in group
    data = json.loads(run_chant("group", "001-old", "--json", check=True).stdout)
    assert data["driver"]["archived"] is True and len(data["members"]) == 2
    drift = run_chant("drift", "cpl", check=True).stdout
    assert f"Spec: {CPL} (Coupling analysis)" in drift
    log = run_chant("log", "cpl")
    assert_clean_failure(log, f"No log for {CPL} yet")  # found, it just never ran here


@pytest.mark.parametrize(
    ("command", "action"),
    [
        (("reset", "cpl"), "`chant reset`"),
        (("cancel", "cpl", "--yes"), "`chant cancel`"),
        (("replay", "cpl"), "`chant replay`"),
        (("approve", "cpl", "--by", "me"), "`chant approve`"),
        (("lint", "cpl"), "`chant lint`"),
        (("work", "cpl"), "this command"),
        (("diagnose", "cpl"), "this command"),
    ],
)
def test_actions_that_do_not_apply_say_archived(
    archived_repo: Path, run_chant: Run, git: Git, command: tuple[str, ...], action: str
) -> None:
    head = git("rev-parse", "HEAD")
    proc = run_chant(*command)
    assert_clean_failure(proc, f"{CPL} is archived", action, "works on active specs only")
    assert "not found" not in proc.stderr
    assert git("rev-parse", "HEAD") == head
    assert git("status", "--porcelain") == ""


def test_search_covers_the_archive_unless_active_only(archived_repo: Path, run_chant: Run) -> None:
    out = run_chant("search", "old pipeline", check=True).stdout
    assert out.splitlines() == [
        f"{DRIVER}    ● completed       Old pipeline  [archived]",
        f"{DRIVER}.1  ● completed       Old extraction  [archived]",
        f"{DRIVER}.2  ● completed       Old migration  [archived]",
        'Found 3 specs matching "old pipeline"',
    ]
    rows = json.loads(run_chant("search", "cheapest to extract", "--json", check=True).stdout)["specs"]
    assert [(r["id"], r.get("archived", False)) for r in rows] == [(CPL, True)]
    assert run_chant("search", "cheapest to extract", "--active-only", check=True).stdout == (
        'Found 0 specs matching "cheapest to extract"\n'
    )
    filtered = run_chant("search", "old", "--title-only", "--status", "pending", check=True).stdout
    assert "[archived]" not in filtered  # the filters apply to archived specs too


def test_chant_dir_without_specs_is_an_empty_project(chant_repo: Path, run_chant: Run) -> None:
    shutil.rmtree(chant_repo / ".chant" / "specs")  # a clone: git keeps no empty directory
    assert run_chant("list", check=True).stdout == ""
    assert "0 specs" in run_chant("status", check=True).stdout
    assert run_chant("lint", check=True).stdout.startswith("0 spec(s) checked")
    run_chant("add", "First", check=True)
    assert len(list((chant_repo / ".chant" / "specs").glob("*.md"))) == 1


def test_run_dir_ignores_itself_in_a_repo_chant_did_not_set_up(
    git_repo: Path, run_chant: Run, git: Git
) -> None:
    """Another tool's .chant/ (no .gitignore listing run/): chant's runtime folder never shows as untracked."""
    spec = git_repo / ".chant" / "specs" / "2026-02-01-001-abc.md"
    spec.parent.mkdir(parents=True)
    spec.write_text("---\nstatus: pending\n---\n\n# Imported\n", encoding="utf-8")
    git("add", "-A")
    git("commit", "-q", "-m", "specs written by another tool")
    run_chant("list", check=True)
    run_chant("show", "abc", check=True)
    assert (git_repo / ".chant" / "run").is_dir()
    assert (git_repo / ".chant" / "run" / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    assert git("status", "--porcelain") == ""


def test_a_directory_input_means_everything_beneath_it(chant_repo: Path, hermetic_env: object) -> None:
    guides = chant_repo / "docs" / "guides"
    (guides / "deep").mkdir(parents=True)
    for rel in ("intro.md", "deep/more.md"):
        (guides / rel).write_text(f"# {rel}\n", encoding="utf-8")
    expected = ["docs/guides/deep/more.md", "docs/guides/intro.md"]
    assert expand(chant_repo, ["docs/guides/"]) == expected
    assert expand(chant_repo, ["docs/guides"]) == expected
    assert expand(chant_repo, ["docs/guides/intro.md"]) == ["docs/guides/intro.md"]
    spec_path = chant_repo / ".chant" / "specs" / "2026-02-01-001-gui.md"
    spec_path.write_text(
        "---\ntype: documentation\nstatus: pending\ninformed_by:\n  - docs/guides/\n---\n\n# Guides\n",
        encoding="utf-8",
    )
    project = Project(chant_repo)
    spec = project.resolve("gui")
    values = prompts.variables(project, spec, chant_repo, "chant/x", spec_path)
    assert (
        "docs/guides/ (informed_by): docs/guides/deep/more.md, docs/guides/intro.md" in values["spec.inputs"]
    )


def test_drift_sees_changes_under_a_directory_input(chant_repo: Path, run_chant: Run, git: Git) -> None:
    guides = chant_repo / "docs" / "guides"
    guides.mkdir(parents=True)
    (guides / "intro.md").write_text("# Intro\n", encoding="utf-8")
    spec = chant_repo / ".chant" / "specs" / "2026-02-01-001-gui.md"
    spec.write_text(
        "---\ntype: documentation\nstatus: completed\ncompleted_at: 2026-02-01T09:00:00Z\n"
        "tracks:\n  - docs/guides/\n---\n\n# Guides\n\n## Acceptance Criteria\n\n- [x] written\n",
        encoding="utf-8",
    )
    git("add", "-A")
    git("commit", "-q", "-m", "guides")
    assert "UP TO DATE" in run_chant("drift", "gui", check=True).stdout
    (guides / "intro.md").write_text("# Intro\n\nMore.\n", encoding="utf-8")
    (guides / "new.md").write_text("# New\n", encoding="utf-8")
    out = run_chant("drift", "gui", check=True).stdout
    assert "Status: DRIFT DETECTED" in out
    assert "- docs/guides/intro.md" in out and "- docs/guides/new.md" in out
    shutil.rmtree(guides)  # the whole directory vanished: still drift (judged from the baseline tree)
    assert "- docs/guides/intro.md" in run_chant("drift", "gui", check=True).stdout


def test_show_renders_unknown_keys_as_yaml_and_usage_for_people(
    chant_repo: Path, run_chant: Run, write_spec: Callable[..., Path]
) -> None:
    write_spec(
        "2026-02-01-001-shw",
        "---\nstatus: completed\ncost_usd: 0.0123\ntokens:\n  input: 1200\n  output: 340\n"
        "retry_state:\n  attempts: 2\n  last: [a, b]\nflag: true\n---\n\n# Shown\n",
    )
    out = run_chant("show", "shw", check=True).stdout
    assert "Cost: $0.01\n" in out
    assert "Tokens: 1,200 in, 340 out\n" in out
    assert "Retry state:\n  attempts: 2\n  last:\n  - a\n  - b\n" in out
    assert "Flag: true\n" in out
    assert "{'" not in out and "True" not in out
