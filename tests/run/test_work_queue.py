"""``--parallel`` queue, the agent's environment, the ``command`` provider, odd agents and checkouts."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.conftest import CHANT_NOW, SEED_DRIVER, SEED_MEMBERS
from tests.run.conftest import FAKE_AGENT, Work, add_specs, spec_file

IDS = [f"2026-02-01-00{n}-q{n}q" for n in range(1, 6)]
LATE = "2026-02-01-006-late"


def max_alive(records: list[dict[str, float]]) -> int:
    events = sorted([(r["start"], 1) for r in records] + [(r["end"], -1) for r in records])
    alive = peak = 0
    for _when, delta in events:
        alive += delta
        peak = max(peak, alive)
    return peak


def test_parallel_queue_is_bounded_and_picks_up_newly_ready_specs(
    work_factory: Callable[..., Work], chant_repo: Path
) -> None:
    w = work_factory(chant_repo)
    specs = {spec_id: spec_file(spec_id, f"Queue {n}") for n, spec_id in enumerate(IDS, 1)}
    specs[LATE] = spec_file(LATE, "Late", depends_on=[IDS[0]])
    add_specs(w, specs)
    w.sleep(0.4)
    proc = w.chant("work", "--parallel=2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    records = w.records()
    assert set(records) == {*IDS, LATE}, "every spec, including the one unblocked mid-run, runs"
    assert max_alive(list(records.values())) <= 2
    assert records[LATE]["start"] > records[IDS[0]]["end"]
    for spec_id in (*IDS, LATE):
        assert w.status(spec_id) == "completed"
        assert f"[✓] {spec_id}" in proc.stdout
    assert w.worktrees() == [str(w.repo)]
    assert w.branches() == []
    assert w.git("status", "--porcelain") == ""


def test_parallel_over_a_driver_completes_the_driver_too(seed_work: Work) -> None:
    w = seed_work
    w.plan(**{SEED_DRIVER: "unticked"})
    proc = w.chant("work", "--parallel")
    for member in SEED_MEMBERS:
        assert w.status(member) == "completed"
    # The driver's wrap-up run failed: that is a failure of this command, and it is reported.
    assert w.status(SEED_DRIVER) == "failed"
    assert f"[✗] {SEED_DRIVER}" in proc.stdout, proc.stdout
    assert proc.returncode == 1, proc.stdout + proc.stderr

    w.plan()
    proc = w.chant("work", "--parallel")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert w.status(SEED_DRIVER) == "completed"
    assert f"[✓] {SEED_DRIVER}" in proc.stdout


def test_environment_seen_by_the_agent(work_factory: Callable[..., Work], chant_repo: Path) -> None:
    w = work_factory(chant_repo)
    spec_id = "2026-02-01-001-env"
    add_specs(w, {spec_id: spec_file(spec_id, "Env")})
    w.env["TEST_USER_VARIABLE"] = "kept"
    proc = w.chant("work", spec_id)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    record = w.record(spec_id)
    env = record["env"]
    worktree = Path(env["CHANT_WORKTREE_PATH"])
    assert worktree.is_absolute()
    assert Path(record["cwd"]).resolve() == worktree.resolve(), "the agent must run inside its worktree"
    assert worktree.resolve() != w.repo.resolve()
    spec_path = Path(env["CHANT_SPEC_FILE"])
    assert spec_path.is_absolute()
    assert spec_path.resolve().is_relative_to(worktree.resolve()), (
        "the spec given must be the worktree's copy"
    )
    assert spec_path.name == f"{spec_id}.md"
    assert record["spec_file_exists"]
    assert env["CHANT_SPEC_ID"] == spec_id
    assert env["CHANT_BRANCH"] == f"chant/{spec_id}"
    assert Path(env["CHANT_PROMPT_FILE"]).is_absolute()
    assert record["prompt_file_text"] == record["stdin"], "the prompt file and stdin must agree"
    assert spec_id in record["stdin"]
    assert env["CHANT_NOW"] == CHANT_NOW
    assert env["TEST_USER_VARIABLE"] == "kept", "the agent gets everything chant received"
    assert record["argv"][1:3] == ["-p", "--output-format"]
    assert "stream-json" in record["argv"]
    # The worktree is gone afterwards; the log kept what the agent streamed.
    assert not worktree.exists()
    log = (w.repo / ".chant" / "logs" / f"{spec_id}.log").read_text(encoding="utf-8")
    assert "[init] model=claude-fake-1" in log and "[tool] Edit" in log and "[result] success" in log


def test_command_provider(work_factory: Callable[..., Work], chant_repo: Path) -> None:
    w = work_factory(chant_repo, '  command:\n    command: ["{python}", "agent.py"]\n')
    config = (w.repo / ".chant" / "config.md").read_text(encoding="utf-8")
    config = config.replace("  agent: claude\n", "  agent: command\n").replace(
        "  command:\n", "agents:\n  command:\n", 1
    )
    (w.repo / ".chant" / "config.md").write_text(config, encoding="utf-8")
    # A relative program path: it only resolves if the agent really runs in the worktree.
    (w.repo / "agent.py").write_text(
        "import runpy, sys\n"
        "sys.argv.append('--plain')\n"
        f"runpy.run_path({str(FAKE_AGENT)!r}, run_name='__main__')\n",
        encoding="utf-8",
    )
    spec_id = "2026-02-01-001-cmd"
    add_specs(w, {spec_id: spec_file(spec_id, "Command", targets=["out/result.txt"], criteria=2)})
    w.git("add", "agent.py", ".chant/config.md")
    w.git("commit", "-q", "-m", "command agent")
    proc = w.chant("work", spec_id)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert w.status(spec_id) == "completed"
    assert w.field(spec_id, "model") == "claude-fake-1"  # from the CHANT_RESULT line
    assert (w.repo / "out" / "result.txt").is_file()
    record = w.record(spec_id)
    assert "--plain" in record["argv"]
    assert record["env"]["CHANT_SPEC_ID"] == spec_id
    assert w.worktrees() == [str(w.repo)]
    assert w.git("status", "--porcelain") == ""


def test_agent_that_rewrites_its_own_status_needs_attention(
    work_factory: Callable[..., Work], chant_repo: Path
) -> None:
    """chant owns ``status:``: an agent that edits it is reported (tests/run/test_guard.py has the rest)."""
    w = work_factory(chant_repo)
    spec_id = "2026-02-01-001-own"
    add_specs(w, {spec_id: spec_file(spec_id, "Own status")})
    w.plan(**{spec_id: "setstatus"})
    w.env["FAKE_SET_STATUS"] = "pending"
    proc = w.chant("work", spec_id)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert w.status(spec_id) == "needs_attention"
    assert "changed its spec's status to pending" in (w.field(spec_id, "failure_reason") or "")
    assert w.worktrees() == [str(w.repo)]
    assert w.git("status", "--porcelain") == ""


def test_checkout_on_another_branch_is_refused(work_factory: Callable[..., Work], chant_repo: Path) -> None:
    """With ``main_branch: main`` configured and the user on a feature branch, chant must not write status
    commits onto the user's branch while merging the work into main."""
    w = work_factory(chant_repo, "")
    config = (w.repo / ".chant" / "config.md").read_text(encoding="utf-8")
    (w.repo / ".chant" / "config.md").write_text(
        config.replace("  timeout: 60\n", "  timeout: 60\n  main_branch: main\n"), encoding="utf-8"
    )
    spec_id = "2026-02-01-001-fea"
    add_specs(w, {spec_id: spec_file(spec_id, "Feature")})
    w.git("commit", "-q", "-am", "main branch configured")
    w.git("checkout", "-q", "-b", "feature")
    feature_head = w.git("rev-parse", "feature").strip()
    main_head = w.git("rev-parse", "main").strip()
    proc = w.chant("work", spec_id)
    if proc.returncode == 0:
        # If chant runs at all, the status history must be on main, not on the user's branch.
        assert w.git("rev-parse", "feature").strip() == feature_head
        assert "status: completed" in w.git("show", f"main:.chant/specs/{spec_id}.md")
    else:
        assert "main" in proc.stdout + proc.stderr
        assert w.git("rev-parse", "feature").strip() == feature_head
        assert w.git("rev-parse", "main").strip() == main_head
        assert w.records() == {}
    assert w.git("rev-parse", "--abbrev-ref", "HEAD").strip() == "feature"
    assert json.dumps(w.worktrees()) == json.dumps([str(w.repo)])


ORCHESTRATOR_ONLY = (
    "do not edit files",
    "don't edit files",
    "do not modify files",
    "you are the orchestrator",
)


def test_worker_prompts_grant_edits_and_leak_no_orchestrator_rules(seed_work: Work) -> None:
    """Bug class 3.9: the prompt (and env) a worker gets must let it edit, including the driver's wrap-up."""
    w = seed_work
    proc = w.chant("work", SEED_DRIVER)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    records = w.records()
    assert set(records) == {*SEED_MEMBERS, SEED_DRIVER}, "a driver run must run only its own members"
    for spec_id, record in records.items():
        prompt = record["stdin"].lower()
        assert spec_id in record["stdin"]
        assert not [p for p in ORCHESTRATOR_ONLY if p in prompt], (spec_id, prompt)
        assert not [p for p in ORCHESTRATOR_ONLY if any(p in v.lower() for v in record["env"].values())]
        assert "commit" in prompt and ("edit" in prompt or "write" in prompt)
        # The spec path in the prompt is the worktree's absolute one, valid from the agent's cwd.
        assert record["env"]["CHANT_SPEC_FILE"] in record["stdin"]


def test_configured_main_branch_named_trunk(work_factory: Callable[..., Work], chant_repo: Path) -> None:
    w = work_factory(chant_repo)
    w.git("branch", "-m", "main", "trunk")
    config = (w.repo / ".chant" / "config.md").read_text(encoding="utf-8")
    (w.repo / ".chant" / "config.md").write_text(
        config.replace("  timeout: 60\n", "  timeout: 60\n  main_branch: trunk\n"), encoding="utf-8"
    )
    spec_id = "2026-02-01-001-trk"
    add_specs(w, {spec_id: spec_file(spec_id, "Trunk", targets=["trunk.txt"])})
    w.git("commit", "-q", "-am", "main branch is trunk")
    proc = w.chant("work", spec_id)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert w.git("branch", "--format=%(refname:short)").split() == ["trunk"]
    assert "status: completed" in w.git("show", f"trunk:.chant/specs/{spec_id}.md")
    assert (
        w.git("log", "--merges", "--format=%s", "trunk").strip() == f"chant({spec_id}): merge chant/{spec_id}"
    )
    assert (w.repo / "trunk.txt").is_file()
