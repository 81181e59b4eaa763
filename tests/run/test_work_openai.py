"""``chant work --agent openai`` against a fake OpenAI-compatible server on 127.0.0.1 issuing tool calls."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.agents.fake_llm import FakeLLM, Seen, openai_reply, serve
from tests.run.conftest import Work, add_specs, spec_file

SPEC = "2026-02-01-001-oai"


def test_openai_tool_loop_end_to_end_with_an_escape_refused(
    work_factory: Callable[..., Work], chant_repo: Path, tmp_path: Path
) -> None:
    spec_rel = f".chant/specs/{SPEC}.md"
    steps = [
        openai_reply(calls=[("write_file", {"path": "../escaped.txt", "content": "out of bounds"})]),
        openai_reply(calls=[("read_file", {"path": spec_rel})]),
        openai_reply(
            calls=[("edit_file", {"path": spec_rel, "old": "- [ ] criterion 1", "new": "- [x] criterion 1"})]
        ),
        openai_reply(calls=[("write_file", {"path": "src/alpha.py", "content": "ALPHA = 1\n"})]),
        openai_reply(
            calls=[("run_command", {"command": f"git add -A && git commit -q -m 'chant({SPEC}): alpha'"})]
        ),
        openai_reply(content="Done: criterion ticked, alpha written and committed."),
    ]
    fake = FakeLLM(steps)
    with serve(fake):
        w = work_factory(
            chant_repo, f"agents:\n  openai:\n    base_url: {fake.url}/v1\n    model: gpt-fake-1\n"
        )
        add_specs(w, {SPEC: spec_file(SPEC, "Alpha via OpenAI", targets=["src/alpha.py"])})
        proc = w.chant("work", "--agent", "openai", SPEC)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert w.status(SPEC) == "completed"
    assert w.field(SPEC, "model") == "gpt-fake-1"
    assert (w.repo / "src" / "alpha.py").read_text(encoding="utf-8") == "ALPHA = 1\n"
    # The ../ write was refused and reported back to the model as a tool error; nothing escaped.
    second = fake.seen[1].body["messages"]
    refusal = [m for m in second if m.get("role") == "tool"]
    assert refusal and "outside the worktree" in json.dumps(refusal[-1]), refusal
    escaped = list(tmp_path.rglob("escaped.txt"))
    assert escaped == [], escaped
    assert all(isinstance(s, Seen) and s.path.endswith("/chat/completions") for s in fake.seen)
    assert w.worktrees() == [str(w.repo)]
    assert w.git("status", "--porcelain") == ""
