"""Retries that learn, budgets that stop a streaming agent, usage limits that pause the queue, siblings."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from tests.agents.fake_llm import FakeLLM, Reply, openai_reply, serve
from tests.run.conftest import Work, add_specs, spec_file

S1, S2 = "2026-02-01-001-rta", "2026-02-01-002-rtb"


def _events(stdout: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def test_a_failed_first_attempt_is_retried_with_its_failure_in_the_prompt(
    work_factory: Callable[..., Work], chant_repo: Path
) -> None:
    w = work_factory(chant_repo)
    add_specs(w, {S1: spec_file(S1, "Flaky", targets=["f.txt"], criteria=2, extra="retries: 1")})
    w.plan(**{S1: "fail-once"})
    proc = w.chant("work", S1, "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert w.status(S1) == "completed"
    second = w.record(S1)
    assert second["run"] == 2
    prompt = second["stdin"]
    assert "## Attempt 1 of this spec failed" in prompt
    assert "1 acceptance criterion unchecked (first: criterion 1)" in prompt
    assert "frobnicator" in prompt, "the first attempt's own output is in the second prompt"
    text = w.spec_text(S1)
    front = text.split("---", 2)[1]
    assert "attempts:" in front and "attempt: 2" in front and "outcome: failed" in front
    assert "outcome: completed" in front
    retry = [e for e in _events(proc.stdout) if e["event"] == "retry"]
    assert len(retry) == 1 and retry[0]["attempt"] == 1
    end = next(e for e in _events(proc.stdout) if e["event"] == "spec_end")
    assert end["attempts"] == 2
    log = (w.repo / ".chant" / "logs" / f"{S1}.log").read_text(encoding="utf-8")
    assert "--- attempt 2 ---" in log and "frobnicator" in log, "both attempts' output is kept"


def test_no_retry_without_retries(work_factory: Callable[..., Work], chant_repo: Path) -> None:
    w = work_factory(chant_repo)
    add_specs(w, {S1: spec_file(S1, "Flaky", criteria=2)})
    w.plan(**{S1: "fail-once"})
    proc = w.chant("work", S1)
    assert proc.returncode == 1
    assert w.status(S1) == "failed"
    proc = w.chant("work", S1, "--retries", "1")  # the CLI flag alone turns them on
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_streaming_agent_is_stopped_when_it_crosses_a_token_cap_and_cost_sums_it(
    work_factory: Callable[..., Work], chant_repo: Path
) -> None:
    w = work_factory(chant_repo)
    add_specs(
        w,
        {
            S1: spec_file(S1, "Hungry", extra="budget:\n  tokens: 1000"),
            S2: spec_file(S2, "Modest"),
        },
    )
    w.env["FAKE_STREAM_USAGE"] = json.dumps(30)
    w.env["FAKE_STREAM_GAP"] = "0.3"
    proc = w.chant("work", S1, "--json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    record = w.record(S1)
    assert record["streamed"] < 5, "stopped as soon as the cap was crossed, not after 30 messages"
    assert "end" not in record
    assert w.status(S1) == "failed"
    reason = w.field(S1, "failure_reason") or ""
    assert "budget: 1200 tokens crossed the spec cap of 1000 (agent stopped)" in reason, w.spec_text(S1)
    stops = [e for e in _events(proc.stdout) if e["event"] == "budget_stop"]
    assert stops and stops[0]["id"] == S1

    del w.env["FAKE_STREAM_USAGE"]
    assert w.chant("work", S2).returncode == 0
    cost = w.chant("cost", "--json")
    assert cost.returncode == 0, cost.stderr
    data = json.loads(cost.stdout)
    by_spec = data["by"]["spec"]
    assert by_spec[S1]["tokens"] == {"input": 1000, "output": 200}
    assert by_spec[S2]["tokens"] == {"input": 1200, "output": 340}
    assert by_spec[S2]["cost_usd"] == 0.0123
    assert data["total"]["tokens"] == {"input": 2200, "output": 540}
    assert data["by"]["agent"]["claude"]["cost_usd"] == 0.0123
    assert list(data["by"]["day"]) == ["2026-02-01"]
    plain = w.chant("cost", "--by", "spec")
    assert plain.returncode == 0 and S1 in plain.stdout and "Total: $0.0123" in plain.stdout


def test_a_run_budget_stops_further_specs(work_factory: Callable[..., Work], chant_repo: Path) -> None:
    w = work_factory(chant_repo)
    add_specs(w, {S1: spec_file(S1, "One"), S2: spec_file(S2, "Two")})
    proc = w.chant("work", "--parallel", "1", "--budget", "cost=0.01")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    # The agent's final usage report crossed the cap: it is stopped there, and nothing else starts.
    assert w.status(S1) == "failed"
    assert "crossed the run cap of $0.01 (agent stopped)" in (w.field(S1, "failure_reason") or "")
    assert w.status(S2) == "pending"
    assert "Stopped: budget: $0.0123 crossed the run cap of $0.01" in proc.stdout
    bad = w.chant("work", "--parallel", "--budget", "bananas")
    assert bad.returncode == 2 and "--budget" in bad.stderr


def test_a_429_with_a_reset_pauses_the_queue_then_it_finishes_by_itself(
    work_factory: Callable[..., Work], chant_repo: Path
) -> None:
    spec_rel = f".chant/specs/{S1}.md"
    steps = [
        Reply(
            {"error": {"message": "Rate limit reached for requests"}},
            status=429,
            headers={"Retry-After": "3"},
        ),
        openai_reply(
            calls=[("edit_file", {"path": spec_rel, "old": "- [ ] criterion 1", "new": "- [x] criterion 1"})]
        ),
        openai_reply(calls=[("run_command", {"command": f"git commit -qam 'chant({S1}): tick'"})]),
        openai_reply(content="Done."),
    ]
    fake = FakeLLM(steps)
    with serve(fake):
        w = work_factory(
            chant_repo, f"agents:\n  openai:\n    base_url: {fake.url}/v1\n    model: gpt-fake-1\n"
        )
        add_specs(w, {S1: spec_file(S1, "Limited")})
        began = time.monotonic()
        proc = w.chant("work", "--agent", "openai", "--parallel", "--json")
        took = time.monotonic() - began
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert w.status(S1) == "completed"
    events = _events(proc.stdout)
    kinds = [e["event"] for e in events]
    assert "paused" in kinds and "resumed" in kinds
    assert kinds.index("paused") < kinds.index("resumed") < kinds.index("spec_end")
    paused = next(e for e in events if e["event"] == "paused")
    assert 2.0 <= float(paused["seconds"]) <= 3.5 and "429" in str(paused["reason"])
    assert "paused until" in str(paused["text"])
    assert took >= 2.5, "it really waited for the reset"
    assert len(fake.seen) == 4


def test_each_agent_is_told_which_specs_run_beside_it(
    work_factory: Callable[..., Work], chant_repo: Path
) -> None:
    w = work_factory(chant_repo)
    add_specs(
        w, {S1: spec_file(S1, "Left", targets=["left.py"]), S2: spec_file(S2, "Right", targets=["right.py"])}
    )
    w.env["FAKE_BARRIER"] = json.dumps([S1, S2])
    proc = w.chant("work", "--parallel", "2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    first, second = w.record(S1)["stdin"], w.record(S2)["stdin"]
    assert "## Specs running beside you" in first and f"- {S2} (Right): writes right.py" in first
    assert f"- {S1} (Left): writes left.py" in second
    alone = w.chant("work", "--parallel")  # nothing left: no sibling section for nobody
    assert alone.returncode != 0


def test_ctrl_c_during_a_usage_limit_pause_stops_cleanly(
    work_factory: Callable[..., Work], chant_repo: Path
) -> None:
    import signal

    fake = FakeLLM(
        lambda _seen: Reply({"error": {"message": "quota"}}, status=429, headers={"Retry-After": "60"})
    )
    with serve(fake):
        w = work_factory(
            chant_repo, f"agents:\n  openai:\n    base_url: {fake.url}/v1\n    model: gpt-fake-1\n"
        )
        add_specs(w, {S1: spec_file(S1, "Paused")})
        proc = w.popen("work", "--agent", "openai", "--parallel", "--json")
        assert proc.stdout is not None
        for line in proc.stdout:
            if '"event": "paused"' in line:
                break
        began = time.monotonic()
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
    assert time.monotonic() - began < 10, "Ctrl-C does not wait for the reset"
    assert proc.returncode == 130
    assert w.status(S1) == "failed" and w.field(S1, "failure_reason") == "interrupted"
    assert w.worktrees() == [str(w.repo)]


def test_a_cli_usage_limit_with_an_epoch_reset_pauses_then_resumes(
    work_factory: Callable[..., Work], chant_repo: Path
) -> None:
    w = work_factory(chant_repo)
    add_specs(w, {S1: spec_file(S1, "Limited CLI"), S2: spec_file(S2, "Other")})
    w.plan(**{S1: "limit-once"})
    w.env["FAKE_RESET_IN"] = "2"
    proc = w.chant("work", "--parallel", "1", "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert w.status(S1) == "completed" and w.status(S2) == "completed"
    events = _events(proc.stdout)
    paused = next(e for e in events if e["event"] == "paused")
    assert "usage limit reached" in str(paused["reason"]).lower()
    assert w.record(S1)["run"] == 2, "the limited spec ran again after the reset, not as a failed attempt"
    assert "attempts:" not in w.spec_text(S1), "a usage limit is not an attempt"
