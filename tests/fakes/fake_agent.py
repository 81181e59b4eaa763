"""A protocol-faithful fake coding agent for end-to-end tests of ``chant work``.

Installed on ``PATH`` as ``claude`` (speaks Claude Code's ``stream-json``: system/init, assistant text,
tool_use, tool_result, result with cost and usage), or run by the ``command`` provider with ``--plain``
(plain lines plus one ``CHANT_RESULT {...}`` line).

It does what a real agent does, in the worktree chant gives it: reads the prompt on stdin, ticks the
acceptance criteria in ``$CHANT_SPEC_FILE``, writes the spec's ``target_files`` and commits
``chant($CHANT_SPEC_ID): ...``. What it does per spec is steered by environment variables:

- ``FAKE_PLAN``: JSON ``{spec id or id suffix: scenario}``; ``FAKE_SCENARIO``: the default (``ok``).
  Scenarios: ``ok``, ``nocommit``, ``unticked``, ``exit1``, ``hang`` (sleeps forever after spawning a
  ``sleep 1000`` child; with ``FAKE_IGNORE_TERM`` set it ignores SIGTERM), ``conflict`` (also rewrites line 1 of ``shared.txt``), ``setstatus`` (also sets
  ``status:`` in its copy of the spec to ``$FAKE_SET_STATUS``), ``commit-hang`` (does the work, commits,
  records the commit as ``committed`` and then sleeps forever), ``flood`` (first prints ``FAKE_FLOOD_BYTES``
  bytes in lines of ``FAKE_FLOOD_LINE`` bytes, 0 meaning one line), ``delete-spec`` (commits the deletion of
  its spec file), ``rogue-main`` / ``rogue-branch`` / ``rogue-hooks`` (after its work: a commit on main from
  the user's checkout, a new branch, ``core.hooksPath`` plus a ``pre-commit`` hook in the shared git dir).
  ``fail-once`` (the first run of a spec leaves a criterion unticked and says why on stdout, later runs
  are ``ok``; needs ``FAKE_RECORD_DIR``), ``limit-once`` (the first run prints Claude Code's "usage limit
  reached" with a reset ``FAKE_RESET_IN`` seconds away and exits 1).
- ``FAKE_CANDIDATES``: JSON ``{"0": scenario, "1": ...}`` by best-of candidate (its branch ends ``--try<k>``;
  the spec's own branch is candidate 0); wins over ``FAKE_PLAN``. Scenario ``bloat`` is ``ok`` plus a
  200-line file.
- ``FAKE_STREAM_USAGE``: that many assistant messages, each reporting usage of 500 input / 100 output
  tokens, ``FAKE_STREAM_GAP`` seconds apart, before the work (for budgets that stop a running agent).
- ``FAKE_SLEEP``: seconds to sleep before working (JSON map like FAKE_PLAN, or one number).
- ``FAKE_BARRIER``: JSON list of spec ids; each of them waits (at most 20 s) until all have started.
- ``FAKE_RECORD_DIR``: write ``<id>.json`` there with start/end times, pid, env (CHANT_*), the prompt and
  what ``$CHANT_PROMPT_FILE`` held; append ``<id>`` to ``starts.log`` at every start and ``<id> <sha>`` to
  ``commits.log`` after every commit.

Only the standard library is used, so the fake starts fast.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

MODEL = "claude-fake-1"
VERSION = "2.1.332 (Claude Code)"


def _pick(raw: str | None, spec_id: str, default: str) -> str:
    if not raw:
        return default
    try:
        table = json.loads(raw)
    except ValueError:
        return raw
    if not isinstance(table, dict):
        return str(table)
    for key, value in table.items():
        if spec_id == key or spec_id.endswith(key):
            return str(value)
    return str(table.get("*", default))


def emit(plain: bool, event: dict[str, object]) -> None:
    if plain:
        if event.get("type") == "assistant":
            for block in event["message"]["content"]:  # type: ignore[index]
                if block.get("type") == "text":
                    print(block["text"], flush=True)
        return
    print(json.dumps(event), flush=True)


def target_files(spec_text: str) -> list[str]:
    """The ``target_files`` list of a spec's frontmatter (block style, as chant writes it)."""
    front = spec_text.split("---", 2)[1] if spec_text.startswith("---") else ""
    files: list[str] = []
    inside = False
    for line in front.splitlines():
        if re.match(r"^target_files:\s*$", line):
            inside = True
            continue
        if inside:
            match = re.match(r"^\s+-\s+(\S+)", line)
            if match:
                files.append(match.group(1).strip("'\""))
            elif line and not line[0].isspace():
                inside = False
    return files


def tick(spec_text: str, leave_one: bool) -> str:
    ticked = spec_text.replace("- [ ]", "- [x]")
    if leave_one:
        head, sep, tail = ticked.partition("## Acceptance Criteria")
        ticked = head + sep + tail.replace("- [x]", "- [ ]", 1)
    return ticked


def assistant(content: list[dict[str, object]], session: str) -> dict[str, object]:
    message = {
        "type": "message",
        "role": "assistant",
        "model": MODEL,
        "content": content,
        "stop_reason": None,
    }
    return {"type": "assistant", "message": message, "parent_tool_use_id": None, "session_id": session}


def flood(total: int, line: int) -> None:
    """``total`` bytes on stdout in lines of ``line`` bytes (0: one line, no newline until the end),
    written in 1 MiB chunks so the agent itself stays small."""
    out = sys.stdout.buffer
    chunk = (b"f" * (line - 1) + b"\n") * max(1, (1 << 20) // line) if line else b"f" * (1 << 20)
    written = 0
    while written < total:
        piece = chunk[: total - written]
        out.write(piece)
        written += len(piece)
    out.write(b"\n")
    out.flush()


def rogue(scenario: str, worktree: str) -> None:
    """What an agent must not do: write outside its own branch."""
    main = os.environ["CHANT_PROJECT_ROOT"]
    if scenario == "rogue-main":  # straight onto main, from the user's checkout
        git("-C", main, "commit", "-q", "--allow-empty", "-m", "rogue commit on main", cwd=worktree)
    elif scenario == "rogue-branch":  # a commit on a branch that is not its own
        own = os.environ["CHANT_BRANCH"]
        git("checkout", "-q", "-b", "side-work", cwd=worktree)
        git("commit", "-q", "--allow-empty", "-m", "side work", cwd=worktree)
        git("checkout", "-q", own, cwd=worktree)
    elif scenario == "rogue-hooks":  # the shared .git/config and hooks: they run in the user's next commit
        git("config", "core.hooksPath", ".githooks", cwd=worktree)
        common = subprocess.run(
            ["git", "rev-parse", "--git-common-dir"], cwd=worktree, capture_output=True, text=True
        ).stdout.strip()
        hook = Path(worktree, common, "hooks", "pre-commit")
        hook.write_text("#!/bin/sh\ntouch PWNED\n", encoding="utf-8")
        hook.chmod(0o755)


def resolve(prompt: str, spec_id: str, worktree: str, how: str) -> int:
    """``CHANT_TASK=resolve``: keep both sides of every conflict in the files the prompt lists, then
    conclude the merge (``FAKE_RESOLVE=giveup``: leave it unresolved)."""
    record_dir = os.environ.get("FAKE_RECORD_DIR")
    if record_dir:
        Path(record_dir, f"{spec_id}.resolve.txt").write_text(prompt, encoding="utf-8")
    if how == "giveup":
        return 0
    files = re.findall(r"(?m)^- (\S+)$", prompt.split("## This branch's intent")[0])
    for rel in files:
        path = Path(worktree, rel)
        kept = [
            line
            for line in path.read_text(encoding="utf-8").splitlines(keepends=True)
            if not line.startswith(("<<<<<<<", "=======", ">>>>>>>"))
        ]
        path.write_text("".join(kept), encoding="utf-8")
        git("add", rel, cwd=worktree)
    git("commit", "--no-edit", "-q", cwd=worktree)
    return 0


def git(*args: str, cwd: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def main() -> int:
    if sys.argv[1:] == ["--version"]:  # chant probes the CLI's version before each run, as with the real one
        print(VERSION)
        return 0
    plain = "--plain" in sys.argv[1:]
    prompt = sys.stdin.read()
    spec_id = os.environ["CHANT_SPEC_ID"]
    worktree = os.environ["CHANT_WORKTREE_PATH"]
    spec_file = os.environ["CHANT_SPEC_FILE"]
    if os.environ.get("CHANT_TASK") == "resolve":
        return resolve(prompt, spec_id, worktree, os.environ.get("FAKE_RESOLVE", "both"))
    scenario = _pick(os.environ.get("FAKE_PLAN"), spec_id, os.environ.get("FAKE_SCENARIO", "ok"))
    sleep_for = float(_pick(os.environ.get("FAKE_SLEEP"), spec_id, "0"))
    tail = re.search(r"--try(\d+)$", os.environ.get("CHANT_BRANCH", ""))
    candidate = tail.group(1) if tail else "0"
    scenario = json.loads(os.environ.get("FAKE_CANDIDATES") or "{}").get(candidate, scenario)
    record_dir = os.environ.get("FAKE_RECORD_DIR")
    record: dict[str, object] = {
        "id": spec_id,
        "start": time.time(),
        "pid": os.getpid(),
        "argv": sys.argv,
        "cwd": os.getcwd(),
        "scenario": scenario,
        "env": {k: v for k, v in os.environ.items() if k.startswith(("CHANT_", "TEST_"))},
        "stdin": prompt,
    }
    prompt_file = os.environ.get("CHANT_PROMPT_FILE")
    if prompt_file and os.path.exists(prompt_file):
        record["prompt_file_text"] = Path(prompt_file).read_text(encoding="utf-8")
    record["spec_file_exists"] = os.path.isfile(spec_file)
    if os.path.isfile(spec_file):
        record["spec_text_at_start"] = Path(spec_file).read_text(encoding="utf-8")

    def save() -> None:
        if record_dir:
            path = Path(record_dir) / f"{spec_id}.json"
            # Per process: best-of candidates of one spec run at once and record under the same name.
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(record), encoding="utf-8")
            os.replace(tmp, path)

    save()
    runs = 1
    if record_dir:
        with open(Path(record_dir) / "starts.log", "a", encoding="utf-8") as log:
            log.write(f"{spec_id}\n")
        runs = (Path(record_dir) / "starts.log").read_text(encoding="utf-8").split().count(spec_id)
    if scenario == "fail-once":
        scenario = "unticked" if runs == 1 else "ok"
        record["run"] = runs
    if scenario == "limit-once":
        record["run"] = runs
        if runs == 1:
            reset = int(time.time() + float(os.environ.get("FAKE_RESET_IN", "2")))
            print(f"Claude AI usage limit reached|{reset}", file=sys.stderr, flush=True)
            record["end"] = time.time()
            save()
            return 1
        scenario = "ok"
    session = f"fake-{spec_id}"
    # The shapes Claude Code 2.1 prints: the init event names the model with its context suffix, the
    # assistant messages carry the API model id.
    emit(
        plain,
        {
            "type": "system",
            "subtype": "init",
            "model": f"{MODEL}[1m]",
            "session_id": session,
            "cwd": os.getcwd(),
            "permissionMode": "bypassPermissions",
            "claude_code_version": VERSION.split()[0],
        },
    )
    emit(plain, assistant([{"type": "text", "text": f"Working on {spec_id}"}], session))
    for n in range(int(os.environ.get("FAKE_STREAM_USAGE") or 0)):
        message = assistant([{"type": "text", "text": f"step {n}"}], session)
        message["message"]["id"] = f"msg_{n}"  # type: ignore[index]
        message["message"]["usage"] = {"input_tokens": 500, "output_tokens": 100}  # type: ignore[index]
        emit(plain, message)
        record["streamed"] = n + 1
        save()
        time.sleep(float(os.environ.get("FAKE_STREAM_GAP") or 0.2))

    if scenario == "hang":
        if os.environ.get("FAKE_IGNORE_TERM"):
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        child = subprocess.Popen(["sleep", "1000"])
        record["child_pid"] = child.pid
        save()
        while True:
            time.sleep(1)
    barrier = json.loads(os.environ.get("FAKE_BARRIER") or "[]")
    if spec_id in barrier and record_dir:
        # Wait (bounded) until every agent of the barrier has started: overlap then depends only on
        # chant running them concurrently, not on how fast a loaded machine starts processes.
        deadline = time.time() + 20
        while time.time() < deadline and not all((Path(record_dir) / f"{b}.json").exists() for b in barrier):
            time.sleep(0.02)
    if sleep_for:
        time.sleep(sleep_for)
    if scenario == "flood":
        flood(int(os.environ.get("FAKE_FLOOD_BYTES", "0")), int(os.environ.get("FAKE_FLOOD_LINE", "0")))
    if scenario == "unticked":
        why = "criterion 1 needs the frobnicator, which I could not find"
        emit(plain, assistant([{"type": "text", "text": why}], session))
    if scenario == "exit1":
        print("fake agent: simulated crash", file=sys.stderr, flush=True)
        record["end"] = time.time()
        save()
        return 1

    edit = {"type": "tool_use", "id": "toolu_01", "name": "Edit", "input": {"file_path": spec_file}}
    emit(plain, assistant([edit], session))
    result = {
        "type": "tool_result",
        "tool_use_id": "toolu_01",
        "content": f"The file {spec_file} has been updated.",
    }
    emit(plain, {"type": "user", "message": {"role": "user", "content": [result]}, "session_id": session})
    text = Path(spec_file).read_text(encoding="utf-8")
    Path(spec_file).write_text(tick(text, leave_one=scenario == "unticked"), encoding="utf-8")
    for rel in target_files(text):
        path = Path(worktree) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# {rel}\nwritten by the fake agent for {spec_id}\n", encoding="utf-8")
    if scenario == "setstatus":
        edited = Path(spec_file).read_text(encoding="utf-8")
        new_status = os.environ.get("FAKE_SET_STATUS", "completed")
        Path(spec_file).write_text(re.sub(r"(?m)^status: .*$", f"status: {new_status}", edited, count=1))
    if scenario == "conflict":
        shared = Path(worktree) / "shared.txt"
        lines = shared.read_text(encoding="utf-8").splitlines(keepends=True)
        lines[0] = f"line one, as {spec_id} wants it\n"
        shared.write_text("".join(lines), encoding="utf-8")
    if scenario == "bloat":
        Path(worktree, "bloat.txt").write_text("".join(f"line {n}\n" for n in range(200)), encoding="utf-8")
    if scenario == "delete-spec":
        os.remove(spec_file)
    if scenario != "nocommit":
        git("add", "-A", cwd=worktree)
        # A resumed branch may already hold this work: still commit (empty) like a real agent would.
        git("commit", "-q", "--allow-empty", "-m", f"chant({spec_id}): implement", cwd=worktree)
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=worktree, capture_output=True, text=True)
        if record_dir:  # every commit of every run, for "no agent commit is ever lost"
            with open(Path(record_dir) / "commits.log", "a", encoding="utf-8") as log:
                log.write(f"{spec_id} {sha.stdout.strip()}\n")
    rogue(scenario, worktree)
    if scenario == "commit-hang":
        record["committed"] = sha.stdout.strip()
        save()
        while True:
            time.sleep(1)
    record["end"] = time.time()
    save()
    if plain:
        print("CHANT_RESULT " + json.dumps({"model": MODEL, "cost_usd": 0.01}), flush=True)
    else:
        emit(
            plain,
            {
                "type": "result",
                "subtype": "success",
                "is_error": False,
                "result": "done",
                "num_turns": 2,
                "stop_reason": "end_turn",
                "terminal_reason": "completed",
                "session_id": session,
                "total_cost_usd": 0.0123,
                "usage": {"input_tokens": 1200, "cache_read_input_tokens": 0, "output_tokens": 340},
            },
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
