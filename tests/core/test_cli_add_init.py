"""chant add (incl. --group and 20 concurrent processes) and chant init (idempotent, agent sections)."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from chant.spec import ids

from ._helpers import SEED_DRIVER, SEED_MEMBERS, assert_clean_failure, changed_lines

Run = Callable[..., Any]
Git = Callable[..., str]


def _created(proc: Any) -> str:
    match = re.search(r"^Created (\S+)$", proc.stdout, re.M)
    assert match, proc.stdout + proc.stderr
    return match.group(1)


def test_add_writes_and_commits_a_spec(chant_repo: Path, run_chant: Run, git: Git) -> None:
    proc = run_chant(
        "add",
        "Extract reporting service POC",
        "--type",
        "driver",
        "--label",
        "poc",
        "--label",
        "yes",
        "--prompt",
        "driver",
        "--target-file",
        "services/reporting/README.md",
        "--informed-by",
        "analysis/**/*.md",
        "--tracks",
        "src/reporting/**/*.py",
        "--origin",
        "data/metrics.csv",
        check=True,
    )
    spec_id = _created(proc)
    assert spec_id.startswith("2026-02-01-001-")  # CHANT_NOW's date, first sequence of the day
    assert ids.DATE_ID.match(spec_id)
    path = chant_repo / ".chant/specs" / f"{spec_id}.md"
    text = path.read_text()
    assert text.startswith("---\ntype: driver\nstatus: pending\n")
    assert "\n# Extract reporting service POC\n" in text
    shown = json.loads(run_chant("show", spec_id, "--json", check=True).stdout)["spec"]
    fm = shown["frontmatter"]
    assert fm["labels"] == ["poc", "yes"]
    assert fm["prompt"] == "driver"
    assert fm["target_files"] == ["services/reporting/README.md"]
    assert fm["informed_by"] == ["analysis/**/*.md"]
    assert fm["tracks"] == ["src/reporting/**/*.py"]
    assert fm["origin"] == ["data/metrics.csv"]
    assert git("log", "-1", "--format=%s").strip() == f"chant: Add spec {spec_id}"
    assert git("show", "--name-only", "--format=", "HEAD").split() == [f".chant/specs/{spec_id}.md"]
    assert git("status", "--porcelain") == ""
    second = _created(run_chant("add", "Second", check=True))
    assert second.startswith("2026-02-01-002-")


def test_add_depends_on(seed_repo: Path, run_chant: Run) -> None:
    spec_id = _created(
        run_chant("add", "Follow-up", "--depends-on", "ext.4", "--depends-on", "cpl", check=True)
    )
    fm = json.loads(run_chant("show", spec_id, "--json", check=True).stdout)["spec"]["frontmatter"]
    assert fm["depends_on"] == [SEED_MEMBERS[3], "2026-01-27-001-cpl"]  # resolved to full IDs
    assert spec_id.startswith("2026-02-01-002-")  # the seed driver holds sequence 001 of the day


def test_add_unknown_dependency_is_an_error(seed_repo: Path, run_chant: Run, git: Git) -> None:
    head = git("rev-parse", "HEAD")
    before = sorted(p.name for p in (seed_repo / ".chant/specs").iterdir())
    assert_clean_failure(run_chant("add", "Orphan", "--depends-on", "no-such-spec"), "no-such-spec")
    assert_clean_failure(run_chant("add", "Orphan", "--depends-on", "ext."), "Ambiguous")
    assert sorted(p.name for p in (seed_repo / ".chant/specs").iterdir()) == before
    assert git("rev-parse", "HEAD") == head
    assert git("status", "--porcelain") == ""


def test_add_group_creates_next_member_with_parent(seed_repo: Path, run_chant: Run, git: Git) -> None:
    driver_path = seed_repo / ".chant/specs" / f"{SEED_DRIVER}.md"
    before = driver_path.read_text()
    spec_id = _created(run_chant("add", "Rollback plan", "--group", "001-ext", check=True))
    assert spec_id == f"{SEED_DRIVER}.5"
    text = (seed_repo / ".chant/specs" / f"{spec_id}.md").read_text()
    assert f"\nparent: {SEED_DRIVER}\n" in text
    # the driver lists its members: the new one is appended, the others keep their comments
    assert changed_lines(before, driver_path.read_text()) == [("insert", [], [f"  - {spec_id}\n"])]
    assert sorted(git("show", "--name-only", "--format=", "HEAD").split()) == sorted(
        [f".chant/specs/{spec_id}.md", f".chant/specs/{SEED_DRIVER}.md"]
    )
    assert git("status", "--porcelain") == ""
    lint = json.loads(run_chant("lint", "--format", "json").stdout)
    assert [d for d in lint["diagnostics"] if d["severity"] == "error"] == []
    grouped = json.loads(run_chant("group", SEED_DRIVER, "--json", check=True).stdout)
    assert spec_id in grouped["phases"][0]["members"]  # no depends_on: it runs in the first phase


def test_add_group_numbers_members_numerically(chant_repo: Path, run_chant: Run) -> None:
    driver = _created(run_chant("add", "Driver", "--type", "driver", check=True))
    made = [_created(run_chant("add", f"Member {n}", "--group", driver, check=True)) for n in range(1, 4)]
    assert made == [f"{driver}.1", f"{driver}.2", f"{driver}.3"]
    # a gap from an archived/removed member never reuses a number below the highest
    (chant_repo / ".chant/specs" / f"{driver}.10.md").write_text(
        f"---\nstatus: pending\nparent: {driver}\n---\n# Ten\n"
    )
    assert _created(run_chant("add", "Eleven", "--group", driver, check=True)) == f"{driver}.11"
    nested = _created(run_chant("add", "Nested", "--group", f"{driver}.2", check=True))
    assert nested == f"{driver}.2.1"


def test_twenty_concurrent_adds(chant_repo: Path, chant_env: dict[str, str], git: Git) -> None:
    from conftest import CHANT_CMD

    procs = [
        subprocess.Popen(
            [*CHANT_CMD, "add", f"Concurrent spec {n}"],
            cwd=chant_repo,
            env=chant_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        for n in range(20)
    ]
    results = [(proc.wait(timeout=120), *proc.communicate()) for proc in procs]
    for code, out, err in results:
        assert code == 0, out + err
        assert "Traceback" not in err
    created = [re.search(r"^Created (\S+)$", out, re.M).group(1) for _code, out, _err in results]  # type: ignore[union-attr]
    assert len(set(created)) == 20
    files = sorted(p.name[:-3] for p in (chant_repo / ".chant/specs").glob("*.md"))
    assert files == sorted(created)
    sequences = {ids.DATE_ID.match(spec_id).group(2) for spec_id in created}  # type: ignore[union-attr]
    assert sequences == {ids.to_base36(n) for n in range(1, 21)}
    subjects = git("log", "--format=%s").splitlines()
    assert sorted(s for s in subjects if s.startswith("chant: Add spec ")) == sorted(
        f"chant: Add spec {spec_id}" for spec_id in created
    )
    assert git("status", "--porcelain") == ""
    titles = sorted(
        p.read_text().split("\n# ", 1)[1].split("\n", 1)[0]
        for p in (chant_repo / ".chant/specs").glob("*.md")
    )
    assert titles == sorted(f"Concurrent spec {n}" for n in range(20))


def test_add_outside_git_still_writes(tmp_path: Path, run_chant: Run) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    run_chant("init", cwd=plain, check=True)
    spec_id = _created(run_chant("add", "No git here", cwd=plain, check=True))
    assert (plain / ".chant/specs" / f"{spec_id}.md").is_file()


def test_add_rejects_empty_description(chant_repo: Path, run_chant: Run) -> None:
    assert_clean_failure(run_chant("add", "   "), "description")


# -- init --------------------------------------------------------------------------------------------------
def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
        and ".git/" not in f"{p.relative_to(root)}/"
        and "/run/" not in f"/{p.relative_to(root)}"
    }


def test_init_creates_layout_and_is_idempotent(git_repo: Path, run_chant: Run, git: Git) -> None:
    first = run_chant("init", check=True).stdout
    assert "created  .chant/config.md" in first
    for rel in (
        ".chant/config.md",
        ".chant/.gitignore",
        ".chant/prompts/standard.md",
        ".chant/prompts/driver.md",
    ):
        assert (git_repo / rel).is_file(), rel
    assert (git_repo / ".chant/specs").is_dir()
    ignore = (git_repo / ".chant/.gitignore").read_text()
    assert "run/" in ignore and "logs/" in ignore
    snapshot = _snapshot(git_repo)
    second = run_chant("init", check=True).stdout
    assert "already initialized" in second
    assert _snapshot(git_repo) == snapshot
    # runtime state is git-ignored
    run_chant("list", check=True)
    git("add", "-A")
    assert not [p for p in git("diff", "--cached", "--name-only").split() if p.startswith(".chant/run")]


def test_init_keeps_user_prompts_and_updates_config_in_place(chant_repo: Path, run_chant: Run) -> None:
    prompt = chant_repo / ".chant/prompts/standard.md"
    prompt.write_text("my own prompt\n")
    config = chant_repo / ".chant/config.md"
    before = config.read_text()
    run_chant("init", "--model", "claude-opus-4", "--name", "techcorp", check=True)
    assert prompt.read_text() == "my own prompt\n"
    after = config.read_text()
    assert "model: claude-opus-4" in after and "name: techcorp" in after
    assert after.split("---", 2)[2] == before.split("---", 2)[2]  # the config's body is untouched


def test_init_rejects_unknown_provider(git_repo: Path, run_chant: Run) -> None:
    assert_clean_failure(run_chant("init", "--provider", "nonesuch"), "nonesuch")


def test_init_agent_section_is_marked_and_idempotent(chant_repo: Path, run_chant: Run) -> None:
    claude = chant_repo / "CLAUDE.md"
    claude.write_text("# My project rules\n\nAlways run the tests.\n")
    run_chant("init", "--agent", "claude", check=True)
    text = claude.read_text()
    assert text.startswith("# My project rules\n\nAlways run the tests.\n")
    assert text.count("<!-- chant:begin -->") == 1 and text.count("<!-- chant:end -->") == 1
    assert "chant" in text.split("<!-- chant:begin -->", 1)[1]
    # user text after the section survives re-runs too
    claude.write_text(text + "\n## Later notes\n\nKeep me.\n")
    expected = claude.read_text()
    for _ in range(2):
        run_chant("init", "--agent", "claude", check=True)
        assert claude.read_text() == expected
    # a stale section is refreshed in place, not duplicated
    start, end = expected.index("<!-- chant:begin -->"), expected.index("<!-- chant:end -->")
    claude.write_text(expected[:start] + "<!-- chant:begin -->\nold text\n" + expected[end:])
    run_chant("init", "--agent", "claude", check=True)
    assert claude.read_text() == expected
    run_chant("init", "--agent", "generic", "--agent", "cursor", check=True)
    assert (chant_repo / "AGENTS.md").read_text().count("<!-- chant:begin -->") == 1
    assert (chant_repo / ".cursorrules").is_file()
