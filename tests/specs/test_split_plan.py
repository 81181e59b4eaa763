"""`chant split` and `chant plan` end to end with a `command` agent: a scripted JSON proposal, a malformed
one (retried once with the error, then a clear failure and no files), one that only the retry gets right."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

SPEC_ID = "2026-02-01-001-big"
SPEC = """---
type: code
status: pending
target_files:
  - src/api.py
  - tests/test_api.py
---

# Reporting API

Serve the reports over HTTP.

## Acceptance Criteria

- [ ] `pytest tests/test_api.py` passes
"""

PROPOSAL = {
    "title": "Reporting service",
    "members": [
        {
            "title": "API routes",
            "target_files": ["src/api.py"],
            "criteria": ["GET /reports returns 200"],
            "body": "Use the existing router.",
        },
        {
            "title": "Models",
            "target_files": ["src/models.py"],
            "criteria": ["`python -m src.models` exits 0"],
        },
        {
            "title": "API tests",
            "depends_on": [1, 2],
            "target_files": ["tests/test_api.py"],
            "criteria": ["`pytest tests/test_api.py` passes"],
        },
    ],
}

# The agent tries to leave a mark in its checkout (a file and a commit): none may reach the user's.
AGENT = """\
import json, os, pathlib, subprocess, sys
prompt = sys.stdin.read()
pathlib.Path("scribble.txt").write_text("agent was here")
subprocess.run(["git", "add", "-A"], check=False)
subprocess.run(["git", "commit", "-qm", "agent commit"], check=False)
MODE
"""
SCRIPTED = "print('Here is the plan:')\nprint('```json')\nprint(json.dumps(PROPOSAL, indent=2))\nprint('```')"
MALFORMED = "print('```json')\nprint('{\"members\": [ {\"title\": \"oops\", ')\nprint('```')"
FIXED_ON_RETRY = (
    "if 'previous answer was rejected' in prompt:\n"
    "    pathlib.Path(os.environ['CHANT_PROPOSAL_FILE']).write_text(json.dumps(PROPOSAL))\n"
    "else:\n"
    "    bad = dict(PROPOSAL, members=[dict(m, depends_on=[3]) for m in PROPOSAL['members']])\n"
    "    print(json.dumps(bad))"
)


def agent(mode: str) -> str:
    return AGENT.replace(
        "MODE", f"PROPOSAL = {json.dumps(PROPOSAL)!r}\nPROPOSAL = json.loads(PROPOSAL)\n{mode}"
    )


def snapshot(root: Path, git: Callable[..., str]) -> tuple[str, str, str, list[str]]:
    files = sorted(str(p.relative_to(root)) for p in (root / ".chant" / "specs").iterdir())
    return git("rev-parse", "HEAD"), git("status", "--porcelain"), git("branch", "--list"), files


def no_scratch_left(root: Path, git: Callable[..., str]) -> None:
    assert git("worktree", "list", "--porcelain").count("worktree ") == 1
    assert not (root / "scribble.txt").exists()


def test_split_dry_run_then_write(
    chant_repo: Path, run_chant: Any, git: Callable[..., str], write_spec: Callable[..., Path], use_agent: Any
) -> None:
    write_spec(SPEC_ID, SPEC)
    use_agent(agent(SCRIPTED))
    before = snapshot(chant_repo, git)

    dry = run_chant("split", "big", "--dry-run", check=True).stdout
    assert f"3. {SPEC_ID}.3 (API tests)  (after 1, 2)" in dry
    assert (
        "   - [ ] GET /reports returns 200" in dry
        and "Dry run: nothing written (3 member(s) proposed)." in dry
    )
    assert snapshot(chant_repo, git) == before
    no_scratch_left(chant_repo, git)
    prompt = (chant_repo / ".chant" / "run" / "prompts" / f"split-{SPEC_ID}.md").read_text()
    assert "Serve the reports over HTTP." in prompt and '"depends_on"' in prompt  # spec body + schema

    data = json.loads(run_chant("split", "big", "--json", check=True).stdout)
    assert data["members"] == [f"{SPEC_ID}.{n}" for n in (1, 2, 3)]
    assert data["commit"] == git("rev-parse", "HEAD").strip()
    no_scratch_left(chant_repo, git)
    assert git("status", "--porcelain") == ""
    assert git("log", "-1", "--format=%s").strip() == f"chant({SPEC_ID}): split into 3 members"
    assert git("log", "--format=%s", "-3").count("agent commit") == 0

    driver = (chant_repo / f".chant/specs/{SPEC_ID}.md").read_text()
    assert driver == SPEC.replace("type: code", "type: driver")  # one line changed, criteria kept
    first = (chant_repo / f".chant/specs/{SPEC_ID}.1.md").read_text()
    assert first.startswith(f"---\ntype: code\nstatus: pending\nparent: {SPEC_ID}\n")
    assert "depends_on: []\n" in first and "Use the existing router." in first
    third = (chant_repo / f".chant/specs/{SPEC_ID}.3.md").read_text()
    assert f"depends_on:\n  - {SPEC_ID}.1\n  - {SPEC_ID}.2\n" in third

    group = json.loads(run_chant("group", SPEC_ID, "--json", check=True).stdout)
    assert [p["members"] for p in group["phases"]] == [[f"{SPEC_ID}.1", f"{SPEC_ID}.2"], [f"{SPEC_ID}.3"]]
    assert json.loads(run_chant("lint", "--json", check=True).stdout)["errors"] == 0

    again = run_chant("split", SPEC_ID, check=False)  # a driver with members is not split again
    assert again.returncode == 1 and "already has members" in again.stderr


def test_split_malformed_answer_is_retried_then_reported_and_nothing_is_written(
    chant_repo: Path, run_chant: Any, git: Callable[..., str], write_spec: Callable[..., Path], use_agent: Any
) -> None:
    write_spec(SPEC_ID, SPEC)
    use_agent(agent(MALFORMED))
    before = snapshot(chant_repo, git)
    proc = run_chant("split", SPEC_ID, check=False)
    assert proc.returncode == 1
    assert "the agent's proposal was rejected twice" in proc.stderr
    assert "not valid JSON" in proc.stderr and "nothing was written" in proc.stderr
    assert f".chant/logs/split-{SPEC_ID}.log" in proc.stderr and "Traceback" not in proc.stderr
    assert snapshot(chant_repo, git) == before
    no_scratch_left(chant_repo, git)
    log = (chant_repo / f".chant/logs/split-{SPEC_ID}.log").read_text()
    assert "(attempt 1)" in log and "(attempt 2)" in log
    retry_prompt = (chant_repo / f".chant/run/prompts/split-{SPEC_ID}.md").read_text()
    assert "## Your previous answer was rejected" in retry_prompt and "not valid JSON" in retry_prompt
    assert not (chant_repo / ".chant" / "run" / "staging").exists() or not any(
        (chant_repo / ".chant" / "run" / "staging").iterdir()
    )


def test_split_invalid_first_answer_fixed_by_the_retry(
    chant_repo: Path, run_chant: Any, git: Callable[..., str], write_spec: Callable[..., Path], use_agent: Any
) -> None:
    write_spec(SPEC_ID, SPEC)
    use_agent(agent(FIXED_ON_RETRY))
    out = run_chant("split", SPEC_ID, check=True).stdout
    assert "Wrote " in out and "3 member(s) (committed)" in out
    retry_prompt = (chant_repo / f".chant/run/prompts/split-{SPEC_ID}.md").read_text()
    assert "member 3 depends on itself" in retry_prompt  # the first answer's error, fed back


def test_split_refuses_what_it_cannot_split(seed_repo: Path, run_chant: Any, git: Callable[..., str]) -> None:
    proc = run_chant("split", "001-ext", check=False)
    assert proc.returncode == 1 and "already has members" in proc.stderr
    proc = run_chant("split", "001-cpl", check=False)
    assert proc.returncode == 1 and "only a pending spec can be split" in proc.stderr


def test_plan_writes_a_driver_and_members(
    chant_repo: Path, run_chant: Any, git: Callable[..., str], use_agent: Any
) -> None:
    (chant_repo / "docs").mkdir()
    (chant_repo / "docs" / "prd.md").write_text("# Reporting\n\nUsers need reports over HTTP.\n")
    use_agent(agent(SCRIPTED))
    before = snapshot(chant_repo, git)
    dry = run_chant("plan", "docs/prd.md", "--dry-run", check=True).stdout
    assert dry.startswith("Driver: Reporting service\n") and "<new driver>.3 (API tests)" in dry
    assert snapshot(chant_repo, git) == before

    data = json.loads(run_chant("plan", "docs/prd.md", "--json", check=True).stdout)
    driver = data["driver"]
    assert driver.startswith("2026-02-01-001-") and data["members"] == [f"{driver}.{n}" for n in (1, 2, 3)]
    text = (chant_repo / f".chant/specs/{driver}.md").read_text()
    assert text == (
        "---\ntype: driver\nstatus: pending\ninforms_by\n".replace(
            "informs_by\n", "informed_by:\n  - docs/prd.md\n"
        )
        + "members:\n"
        + "".join(f"  - {driver}.{n}\n" for n in (1, 2, 3))
        + "---\n\n# Reporting service\n\nPlanned from [docs/prd.md](docs/prd.md) by `chant plan`.\n"
    )
    assert git("log", "-1", "--format=%s").strip() == f"chant({driver}): plan docs/prd.md (3 members)"
    assert sorted(git("show", "--name-only", "--format=", "HEAD").split()) == sorted(
        f".chant/specs/{i}.md" for i in (driver, *data["members"])
    )
    prompt = (chant_repo / ".chant/run/prompts/plan-prd.md").read_text()
    assert "Users need reports over HTTP." in prompt
    assert json.loads(run_chant("lint", "--json", check=True).stdout)["errors"] == 0
    no_scratch_left(chant_repo, git)


def test_plan_malformed_answer_writes_nothing(
    chant_repo: Path, run_chant: Any, git: Callable[..., str], use_agent: Any
) -> None:
    (chant_repo / "prd.md").write_text("# Reporting\n")
    use_agent(agent(MALFORMED))
    before = snapshot(chant_repo, git)
    proc = run_chant("plan", "prd.md", "--json", check=False)
    assert proc.returncode == 1
    error = json.loads(proc.stdout)["error"]
    assert "rejected twice" in error["message"] and "nothing was written" in error["message"]
    assert snapshot(chant_repo, git) == before
    no_scratch_left(chant_repo, git)


def test_plan_refuses_bad_documents(chant_repo: Path, run_chant: Any, tmp_path: Path) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text("# x\n")
    assert "outside the repository" in run_chant("plan", str(outside), check=False).stderr
    assert "no such file" in run_chant("plan", "missing.md", check=False).stderr
    (chant_repo / "empty.md").write_text("\n")
    assert "is empty" in run_chant("plan", "empty.md", check=False).stderr


def test_write_all_is_all_or_nothing(chant_repo: Path) -> None:
    import pytest

    from chant.ops.proposal import write_all
    from chant.project import Project

    project = Project(chant_repo)
    taken = chant_repo / ".chant/specs/b.md"
    taken.write_text("someone else's\n")
    with pytest.raises(FileExistsError):
        write_all(project, {"a": "A\n", "b": "B\n", "c": "C\n"})
    assert sorted(p.name for p in (chant_repo / ".chant/specs").iterdir()) == ["b.md"]
    assert taken.read_text() == "someone else's\n"
    assert not any((chant_repo / ".chant/run/staging").iterdir())


def test_proposal_validation_table() -> None:
    import pytest

    from chant.ops.proposal import ProposalError, extract_json, validate

    good = {"members": [{"title": "a", "criteria": ["`true` passes"]}]}
    assert validate(good, need_title=False).members[0].title == "a"
    cases = [
        ({}, "at (top level): 'members' is a required property"),
        ({"members": []}, "at members: [] should be non-empty"),
        ({"members": [{"title": "a"}]}, "'criteria' is a required property"),
        ({"members": [{"title": "a", "criteria": []}]}, "should be non-empty"),
        (
            {"members": [{"title": "a", "criteria": ["x"], "depends_on": [2]}]},
            "depends on member 2; there are 1",
        ),
        (
            {"members": [{"title": "a", "criteria": ["x"], "target_files": ["../etc/passwd"]}]},
            "leaves the repository",
        ),
        ({"members": [{"title": "a", "criteria": ["x"], "target_files": ["/etc/passwd"]}]}, "not relative"),
        ({"members": [{"title": "a", "criteria": ["x"], "extra": 1}]}, "Additional properties"),
        (
            {
                "members": [
                    {"title": "a", "criteria": ["x"], "depends_on": [2]},
                    {"title": "b", "criteria": ["y"], "depends_on": [1]},
                ]
            },
            "cycle: 1 -> 2 -> 1",
        ),
    ]
    for data, message in cases:
        with pytest.raises(ProposalError) as caught:
            validate(data, need_title=False)
        assert message in caught.value.message, (data, caught.value.message)
    with pytest.raises(ProposalError, match="no 'title'"):
        validate(good, need_title=True)
    assert extract_json('text\n```json\n{"a": 1}\n```\nmore') == {"a": 1}
    assert extract_json('```\n{"a": 2}\n```') == {"a": 2}
    assert extract_json('{"a": 3}') == {"a": 3}
    assert extract_json('Sure! {"a": 4} hope that helps') == {"a": 4}
    with pytest.raises(ProposalError, match="not valid JSON"):
        extract_json("no json here")
