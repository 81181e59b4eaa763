"""`chant serve` over real HTTP on 127.0.0.1: pages, the guard (Host, token, CSRF, Origin), actions that
write exactly what the CLI writes, and the event stream fed by a `chant work` started from the terminal."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from tests.conftest import CHANT_CMD, SEED_DRIVER, SEED_MEMBERS, run_git
from tests.run.conftest import Work, spec_file
from tests.web.conftest import Server

M1, M4 = SEED_MEMBERS[0], SEED_MEMBERS[3]
GATED = "2026-02-01-002-gat"


def csrf_of(html: str) -> str:
    return html.split('name="chant-csrf" content="', 1)[1].split('"', 1)[0]


def test_pages_answer_and_unknown_specs_are_a_clear_404(
    seed_repo: Path, chant_env: dict[str, str], serve: Callable[..., Server]
) -> None:
    server = serve(seed_repo, chant_env)
    with httpx.Client(base_url=server.url) as client:
        for path in (
            "/",
            "/attention",
            "/drivers",
            "/cost",
            "/runs",
            "/state/ready",
            f"/spec/{SEED_DRIVER}",
            "/spec/ext.2",
        ):
            response = client.get(path)
            assert response.status_code == 200, path
            assert response.headers["content-type"].startswith("text/html")
        board = client.get("/").text
        assert board.count('class="card ') == 7
        missing = client.get("/spec/nope")
        assert missing.status_code == 404 and "nope" in missing.text and "Traceback" not in missing.text
        assert client.get("/static/live.js").status_code == 200
        assert client.get("/api/states").json()["states"][SEED_MEMBERS[3]] == "blocked"
    assert "Traceback" not in server.stop()


def test_the_guard_refuses_foreign_hosts_cross_site_posts_and_missing_tokens(
    seed_repo: Path, chant_env: dict[str, str], serve: Callable[..., Server]
) -> None:
    server = serve(seed_repo, chant_env)
    before = (seed_repo / ".chant" / "specs" / f"{M1}.md").read_bytes()
    with httpx.Client(base_url=server.url) as client:
        # DNS rebinding: a page of another name that resolves here gets nothing, not even the token.
        rebound = client.get("/", headers={"Host": f"evil.example:{server.port}"})
        assert rebound.status_code == 421 and "chant-csrf" not in rebound.text
        token = csrf_of(client.get("/").text)
        form = {"id": M1, "by": "mallory", "csrf": token}
        assert client.post("/action/approve", data={**form, "csrf": "guess"}).status_code == 403
        assert client.post("/action/approve", data={"id": M1, "by": "mallory"}).status_code == 403
        cross = client.post("/action/approve", data=form, headers={"Origin": "http://evil.example"})
        assert cross.status_code == 403 and "cross-site" in cross.text
        site = client.post("/action/approve", data=form, headers={"Sec-Fetch-Site": "cross-site"})
        assert site.status_code == 403
        assert client.get("/action/approve").status_code == 405  # actions are POST only
    assert (seed_repo / ".chant" / "specs" / f"{M1}.md").read_bytes() == before


def test_a_token_is_required_on_every_request_when_set(
    seed_repo: Path, chant_env: dict[str, str], serve: Callable[..., Server]
) -> None:
    server = serve(seed_repo, chant_env, "--token", "s3cret")
    with httpx.Client(base_url=server.url) as client:
        assert client.get("/").status_code == 401
        assert client.get("/events").status_code == 401
        first = client.get("/spec/ext.1?token=s3cret")
        assert first.status_code == 303 and first.headers["location"] == "/spec/ext.1"
        assert "HttpOnly" in first.headers["set-cookie"] and "SameSite=strict" in first.headers["set-cookie"]
        assert client.get("/spec/ext.1").status_code == 200  # the cookie now
    with httpx.Client(base_url=server.url, cookies={"chant_token": "wrong"}) as client:
        assert client.get("/").status_code == 401


def test_approve_and_reject_write_what_the_cli_writes(
    seed_repo: Path, chant_env: dict[str, str], serve: Callable[..., Server], tmp_path: Path
) -> None:
    path = seed_repo / ".chant" / "specs" / f"{GATED}.md"
    path.write_text(spec_file(GATED, "Gated change", extra="approval:\n  required: true"), encoding="utf-8")
    run_git("add", "-A", cwd=seed_repo, env=chant_env)
    run_git("commit", "-q", "-m", "gated spec", cwd=seed_repo, env=chant_env)
    twin = tmp_path / "twin"
    shutil.copytree(seed_repo, twin, symlinks=True)
    server = serve(seed_repo, chant_env)
    with httpx.Client(base_url=server.url) as client:
        attention = client.get("/attention").text
        assert 'data-action="approve"' in attention and f'data-id="{GATED}"' in attention
        token = csrf_of(attention)
        done = client.post(
            "/action/reject",
            data={"id": GATED, "by": "Alex", "reason": "not now", "csrf": token, "back": "/attention"},
        )
        assert done.status_code == 303 and done.headers["location"].startswith("/attention?flash=Rejected")
        empty = client.post(
            "/action/approve",
            data={"id": GATED, "by": "", "csrf": token},
            headers={"Accept": "application/json"},
        )
        assert empty.status_code == 400 and "needs a name" in empty.json()["message"]
    subprocess.run(
        [*CHANT_CMD, "reject", GATED, "--by", "Alex", "--reason", "not now"],
        cwd=twin,
        env=chant_env,
        check=True,
        capture_output=True,
    )
    assert path.read_bytes() == (twin / ".chant" / "specs" / f"{GATED}.md").read_bytes()
    ours = run_git(
        "log", "-1", "--format=%s%n%b", "--", f".chant/specs/{GATED}.md", cwd=seed_repo, env=chant_env
    )
    theirs = run_git(
        "log", "-1", "--format=%s%n%b", "--", f".chant/specs/{GATED}.md", cwd=twin, env=chant_env
    )
    assert ours == theirs and ours.startswith(f"chant({GATED}): reject\n")


def _listen(server: Server, sink: list[tuple[float, str, dict[str, Any]]], stop: threading.Event) -> None:
    with httpx.Client(base_url=server.url, timeout=httpx.Timeout(5, read=30)) as client:
        try:
            with client.stream("GET", "/events") as response:
                name = ""
                for line in response.iter_lines():
                    if stop.is_set():
                        return
                    if line.startswith("event: "):
                        name = line[7:]
                    elif line.startswith("data: "):
                        sink.append((time.time(), name, json.loads(line[6:])))
        except httpx.HTTPError:
            return  # the server stopped


def test_the_event_stream_follows_a_run_started_in_the_terminal(
    seed_work: Work, serve: Callable[..., Server]
) -> None:
    w = seed_work
    server = serve(w.repo, w.env)
    received: list[tuple[float, str, dict[str, Any]]] = []
    stop = threading.Event()
    listener = threading.Thread(target=_listen, args=(server, received, stop), daemon=True)
    listener.start()
    deadline = time.monotonic() + 10
    while not any(n == "hello" for _t, n, _d in received) and time.monotonic() < deadline:
        time.sleep(0.05)
    w.sleep({".1": 1.5})
    proc = w.chant("work", M1)
    assert proc.returncode == 0, proc.stderr
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        done = any(n == "states" and d["changes"].get(M1) == "completed" for _t, n, d in received)
        if done and any(n == "run" and d["event"]["event"] == "run_finished" for _t, n, d in received):
            break
        time.sleep(0.05)
    stop.set()
    runs = [(t, d["event"]) for t, n, d in received if n == "run"]
    names = [e["event"] for _t, e in runs]
    assert names[0] == "run_started" and "spec_start" in names and names[-1] == "run_finished"
    # Pushed within a second of being journalled (the journal's own timestamp).
    assert all(t - e["t"] < 1.0 for t, e in runs), [(round(t - e["t"], 3), e["event"]) for t, e in runs]
    states = [d["changes"].get(M1) for _t, n, d in received if n == "states" and M1 in d["changes"]]
    assert states[0] == "in_progress" and states[-1] == "completed"
    logs = [line for _t, n, d in received if n == "log" and d["id"] == M1 for line in d["lines"]]
    assert any("agent claude started" in line for line in logs), logs
    # Ready -> blocked-by-nothing: ext.4 still waits for .2 and .3, so it stays blocked (no false change).
    assert all(SEED_MEMBERS[3] not in d["changes"] for _t, n, d in received if n == "states")


def test_serve_without_the_web_extra_says_what_to_install(seed_repo: Path, chant_env: dict[str, str]) -> None:
    code = "import sys; sys.modules['uvicorn'] = None; from chant.cli import main; sys.exit(main(['serve']))"
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=seed_repo, env=chant_env, capture_output=True, text=True
    )
    assert proc.returncode == 1
    assert "pip install 'chant[web]'" in proc.stderr and "Traceback" not in proc.stderr


def test_help_stays_fast_without_the_web_stack(seed_repo: Path, chant_env: dict[str, str]) -> None:
    code = "import sys; from chant.cli import main; main(['--help']); print(sorted(m for m in sys.modules if m.split('.')[0] in ('starlette', 'uvicorn', 'jinja2', 'markdown_it')))"
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=seed_repo, env=chant_env, capture_output=True, text=True
    )
    assert proc.stdout.strip().endswith("[]"), proc.stdout
    assert "serve" in proc.stdout and "site" in proc.stdout and "export" in proc.stdout


def test_work_pause_and_reset_from_the_page(seed_work: Work, serve: Callable[..., Server]) -> None:
    w = seed_work
    w.sleep({".1": 60})
    server = serve(w.repo, w.env)
    json_accept = {"Accept": "application/json"}
    with httpx.Client(base_url=server.url, timeout=60) as client:
        token = csrf_of(client.get(f"/spec/{M1}").text)
        started = client.post("/action/work", data={"id": M1, "csrf": token}, headers=json_accept)
        assert started.json() == {"ok": True, "message": f"Started chant work {M1}"}
        w.wait_for_records(1)  # the agent runs: in a thread of the server, as `chant work` would run it
        assert w.status(M1) == "in_progress"
        again = client.post("/action/work", data={"id": M1, "csrf": token}, headers=json_accept)
        assert again.status_code == 400 and "already being worked" in again.json()["message"]
        paused = client.post("/action/pause", data={"id": M1, "csrf": token}, headers=json_accept)
        assert paused.json() == {"ok": True, "message": f"Paused {M1}"}
        assert w.status(M1) == "paused"
        assert [p for p in w.alive() if p != server.proc.pid] == []  # the agent was stopped
        deadline = time.monotonic() + 10
        while client.get("/api/states").json()["running"] and time.monotonic() < deadline:
            time.sleep(0.1)
        reset = client.post("/action/reset", data={"id": M1, "csrf": token}, headers=json_accept)
        assert reset.json() == {"ok": True, "message": f"Reset {M1} to pending"}
        assert w.status(M1) == "pending"
        blocked = client.post("/action/work", data={"id": M4, "csrf": token}, headers=json_accept)
        assert blocked.status_code == 400 and "is blocked by" in blocked.json()["message"]
    [path] = (w.repo / ".chant" / "run" / "journal").glob("*.jsonl")
    events = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert events[0]["event"] == "run_started" and "serve" in events[0]["argv"] and events[0]["specs"] == [M1]
    end = next(e for e in events if e["event"] == "spec_end")
    assert end["state"] == "paused" and events[-1]["event"] == "run_finished"
    subjects = w.git("log", "--format=%s", "-4").splitlines()
    assert subjects == [f"chant({M1}): reset", f"chant({M1}): paused", f"chant({M1}): start", "test config"]


def test_stopping_the_server_stops_its_runs_like_ctrl_c(
    seed_work: Work, serve: Callable[..., Server]
) -> None:
    w = seed_work
    w.sleep({".1": 60})
    server = serve(w.repo, w.env)
    with httpx.Client(base_url=server.url, timeout=30) as client:
        token = csrf_of(client.get("/").text)
        started = client.post(
            "/action/work", data={"id": M1, "csrf": token}, headers={"Accept": "application/json"}
        )
        assert started.json()["ok"]
        w.wait_for_records(1)
    stderr = server.stop()
    assert server.proc.returncode == 0 and "Traceback" not in stderr, stderr
    assert w.alive() == []  # the agent went with it
    assert w.status(M1) == "failed" and w.field(M1, "failure_reason") == "interrupted"
    [path] = (w.repo / ".chant" / "run" / "journal").glob("*.jsonl")
    last = json.loads(path.read_text(encoding="utf-8").splitlines()[-1])
    assert last["event"] == "run_finished" and last["ok"] is False
