"""``chant mcp`` over stdio, driven by the SDK's client: every tool, a driver run by a fake agent, resources."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from pathlib import Path
from typing import Any

import anyio
import pytest
from tests.mcp_server.conftest import Client, Work, mcp_call

TOOLS = {
    "chant_spec_list",
    "chant_ready",
    "chant_spec_get",
    "chant_status",
    "chant_search",
    "chant_dag",
    "chant_group",
    "chant_lint",
    "chant_diagnose",
    "chant_drift",
    "chant_log",
    "chant_add",
    "chant_spec_update",
    "chant_cancel",
    "chant_reset",
    "chant_archive",
    "chant_approve",
    "chant_reject",
    "chant_finalize",
    "chant_verify",
    "chant_work_start",
    "chant_work_status",
    "chant_work_list",
    "chant_pause",
    "chant_takeover",
    "chant_split",
    "chant_plan",
}

pytestmark = pytest.mark.xdist_group("mcp")


async def wait_done(client: Client, run: str, timeout: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        status = await client.ok("chant_work_status", {"run": run})
        if status["done"]:
            return status
        assert time.monotonic() < deadline, f"run {run} did not finish: {status}"
        await anyio.sleep(0.2)


def test_driver_with_members_runs_to_completion(chant_repo: Path, work_factory: Any) -> None:
    work: Work = work_factory(chant_repo)
    seen: dict[str, Any] = {}

    async def body(client: Client) -> None:
        listed = await client.session.list_tools()
        assert {t.name for t in listed.tools} == TOOLS
        for t in listed.tools:
            assert t.output_schema and t.output_schema["type"] == "object", t.name
            assert t.description, t.name
        driver = (await client.ok("chant_add", {"title": "Extract reporting", "type": "driver"}))["id"]
        first = await client.ok(
            "chant_add",
            {
                "title": "API extraction",
                "group": driver,
                "criteria": ["The API module exists"],
                "target_files": ["svc/api.py"],
            },
        )
        second = await client.ok(
            "chant_add",
            {
                "title": "API tests",
                "group": driver,
                "depends_on": [first["id"]],
                "criteria": ["The tests exist"],
                "target_files": ["svc/test_api.py"],
                "body": "Write tests for the extracted API.",
            },
        )
        assert first["id"] == f"{driver}.1" and second["id"] == f"{driver}.2"
        group = await client.ok("chant_group", {"id": driver})
        assert [p["members"] for p in group["phases"]] == [[first["id"]], [second["id"]]]
        started = await client.ok("chant_work_start", {"id": driver, "force": True})
        assert started["kind"] == "driver" and started["state"] == "running" and started["run"]
        status = await wait_done(client, started["run"])
        assert status["run"]["state"] == "completed", status
        by_id = {m["id"]: m for m in status["members"]}
        assert by_id[first["id"]]["phase"] == 1 and by_id[second["id"]]["phase"] == 2
        for member in (first["id"], second["id"]):
            assert by_id[member]["state"] == "completed"
            assert by_id[member]["elapsed_s"] is not None and by_id[member]["elapsed_s"] >= 0
        runs = await client.ok("chant_work_list")
        assert runs["runs"][0]["id"] == started["run"] and runs["total"] >= 1
        resource = await client.session.read_resource(f"chant://spec/{first['id']}")
        text = resource.contents[0].text  # type: ignore[union-attr]
        assert "status: completed" in text and "# API extraction" in text
        status_doc = await client.session.read_resource("chant://status")
        assert '"completed":3' in status_doc.contents[0].text  # type: ignore[union-attr]
        seen.update(driver=driver, first=first["id"], second=second["id"])

    mcp_call(chant_repo, work.env, body)
    assert work.status(seen["driver"]) == "completed"
    assert work.status(seen["first"]) == "completed"
    assert (chant_repo / "svc" / "api.py").exists() and (chant_repo / "svc" / "test_api.py").exists()
    assert "Write tests for the extracted API." in work.spec_text(seen["second"])


def test_progress_notifications_while_waiting(chant_repo: Path, work_factory: Any) -> None:
    work: Work = work_factory(chant_repo)
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, total, message))

    async def body(client: Client) -> None:
        spec = await client.ok(
            "chant_add", {"title": "Write a file", "criteria": ["It exists"], "target_files": ["out.txt"]}
        )
        done = await client.ok(
            "chant_work_start", {"id": spec["id"], "force": True, "wait": 60}, progress_callback=on_progress
        )
        assert done["state"] == "completed", done
        assert done["status"]["members"][0]["state"] == "completed"

    mcp_call(chant_repo, work.env, body)
    assert progress, "no progress notification arrived"
    assert progress[-1][0] == 1 and progress[-1][1] == 1 and "completed" in (progress[-1][2] or "")


def cli_json(work: Work, *args: str) -> dict[str, Any]:
    proc = work.chant(*args)
    assert proc.returncode == 0, proc.stderr
    return dict(json.loads(proc.stdout))


def test_every_tool_once(seed_repo: Path, work_factory: Any) -> None:
    work: Work = work_factory(seed_repo)
    # The fake agent reads its plan from the server's environment: make the failing spec first.
    fails = cli_json(work, "add", "This fails", "--criterion", "x", "--json")["id"]
    work.plan(**{fails: "exit1"})
    # The documents the CLI prints for the same questions (docs/json.md): MCP must say the same.
    cli_ready = cli_json(work, "ready", "--json")
    cli_show = cli_json(work, "show", "ext.1", "--json")
    cli_status = cli_json(work, "status", "--json")
    cli_group = cli_json(work, "group", "001-ext", "--json")
    cli_dag = cli_json(work, "dag", "--format", "json")
    cli_search = cli_json(work, "search", "reporting", "--json")
    cli_drift = cli_json(work, "drift", "--json")
    cli_lint = json.loads(work.chant("lint", "--format", "json").stdout)  # exits 1 on errors

    async def body(client: Client) -> None:
        listed = await client.ok("chant_spec_list", {"limit": 3})
        assert listed["returned"] == 3 and listed["total"] == 8 and listed["next_cursor"]
        rest = await client.ok("chant_spec_list", {"limit": 3, "cursor": listed["next_cursor"]})
        assert rest["offset"] == 3 and {s["id"] for s in rest["specs"]}.isdisjoint(
            {s["id"] for s in listed["specs"]}
        )
        ready = await client.ok("chant_ready")
        assert ready["specs"] == cli_ready["specs"] and ready["total"] == len(cli_ready["specs"])
        got = await client.ok("chant_spec_get", {"id": "ext.1", "body": True, "body_limit": 100})
        assert got["spec"]["id"] == "2026-02-01-001-ext.1" and got["spec"]["state"] == "ready"
        assert len(got["spec"]["body"]["text"].encode()) <= 100 and got["spec"]["body"]["next_offset"]
        plain = await client.ok("chant_spec_get", {"id": "ext.1"})
        assert plain["spec"] == cli_show["spec"]
        status = await client.ok("chant_status")
        assert status["total"] == 8 and status["counts"]["completed"] == cli_status["counts"]["completed"]
        assert status["ready"] == cli_status["ready"]
        found = await client.ok("chant_search", {"query": "reporting"})
        assert found["query"] == "reporting" and found["specs"] == cli_search["specs"]
        dag = await client.ok("chant_dag")
        assert dag["nodes"] == cli_dag["nodes"]
        assert sorted(map(str, dag["edges"])) == sorted(map(str, cli_dag["edges"]))
        group = await client.ok("chant_group", {"id": "001-ext"})
        assert {k: v for k, v in group.items()} == cli_group
        lint = await client.ok("chant_lint")
        assert lint["checked"] == 8 and lint["section"] == "diagnostics"
        assert lint["diagnostics"] == cli_lint["diagnostics"][: lint["returned"]]
        assert (lint["errors"], lint["warnings"]) == (cli_lint["errors"], cli_lint["warnings"])
        grades = await client.ok("chant_lint", {"section": "quality"})
        assert grades["quality"] == cli_lint["quality"] and grades["diagnostics"] == []
        diagnosis = await client.ok("chant_diagnose", {"id": "ext.1"})
        assert diagnosis["diagnosis"]["id"] == "2026-02-01-001-ext.1"
        drift = await client.ok("chant_drift")
        assert (
            drift["specs"] == cli_drift["specs"] and drift["recommendations"] == cli_drift["recommendations"]
        )
        one = await client.ok("chant_drift", {"id": "001-cpl"})
        assert one["specs"][0]["id"] == "2026-01-27-001-cpl"

        # write tools
        made = await client.ok(
            "chant_add", {"title": "Quick change", "criteria": ["Done"], "target_files": ["quick.txt"]}
        )
        quick = made["id"]
        assert made["commit"] and re.fullmatch(r"[0-9a-f]{40}", made["commit"])
        updated = await client.ok(
            "chant_spec_update", {"id": quick, "set": {"priority": "high"}, "add": {"labels": ["api"]}}
        )
        assert {c["key"] for c in updated["changes"]} == {"priority", "labels"} and updated["commit"]
        run = await client.ok("chant_work_start", {"id": quick, "force": True, "wait": 60})
        assert run["state"] == "completed", run
        log = await client.ok("chant_log", {"id": quick, "limit": 200})
        assert log["size_bytes"] > 0 and len(log["text"].encode()) <= 200
        verified = await client.ok("chant_verify", {"id": quick})
        assert verified["specs"][0]["id"] == quick and verified["commands_run"] is False
        preview = await client.ok("chant_archive", {"id": quick, "dry_run": True})
        assert preview["moves"][0]["id"] == quick and preview["commit"] is None
        archived = await client.ok("chant_archive", {"id": quick})
        assert archived["commit"] and archived["moves"][0]["to"].startswith(".chant/archive/")

        gated = (await client.ok("chant_add", {"title": "Gated", "needs_approval": True}))["id"]
        rejected = await client.ok("chant_reject", {"id": gated, "by": "Ann", "reason": "not now"})
        assert rejected["message"] == f"Rejected {gated}"
        approved = await client.ok("chant_approve", {"id": gated, "by": "Ann"})
        assert approved["message"] == f"Approved {gated}"
        cancelled = await client.ok("chant_cancel", {"id": gated})
        assert cancelled["status"] == "cancelled"

        failed = await client.ok("chant_work_start", {"id": fails, "force": True, "wait": 60})
        assert failed["state"] == "failed"
        taken = await client.ok("chant_takeover", {"id": fails})
        assert taken["status"] == "paused" and Path(taken["worktree"]).is_dir()
        refused = await client.error("chant_finalize", {"id": fails})
        assert "cannot finalize" in refused or "no" in refused
        reset = await client.ok("chant_reset", {"id": fails})
        assert reset["status"] == "pending"

        # What `chant work` refuses without a terminal, work_start refuses without force.
        big = {"title": "Everything at once", "criteria": [f"Part {n} works" for n in range(20)]}
        red = (await client.ok("chant_add", big))["id"]
        refused = await client.error("chant_work_start", {"id": red})
        assert "graded red" in refused and "force" in refused
        assert (await client.ok("chant_spec_get", {"id": red}))["spec"]["status"] == "pending"

    mcp_call(seed_repo, work.env, body, timeout=240)


def test_pause_a_running_spec(chant_repo: Path, work_factory: Any) -> None:
    work: Work = work_factory(chant_repo)

    spec = cli_json(work, "add", "Long job", "--criterion", "Done", "--json")["id"]
    work.plan(**{spec: "hang"})

    async def body(client: Client) -> None:
        started = await client.ok("chant_work_start", {"id": spec, "force": True})
        deadline = time.monotonic() + 30
        while (await client.ok("chant_spec_get", {"id": spec}))["spec"]["status"] != "in_progress":
            assert time.monotonic() < deadline
            await anyio.sleep(0.2)
        work.wait_for_records(1)
        paused = await client.ok("chant_pause", {"id": spec, "timeout": 30})
        assert paused["status"] == "paused"
        status = await wait_done(client, started["run"])
        assert status["members"][0]["id"] == spec

    mcp_call(chant_repo, work.env, body)
    assert work.status(spec) == "paused"


def test_a_queue_runs_every_ready_spec(chant_repo: Path, work_factory: Any) -> None:
    work: Work = work_factory(chant_repo)

    async def body(client: Client) -> None:
        made = [
            (
                await client.ok(
                    "chant_add", {"title": f"Job {n}", "criteria": ["Done"], "target_files": [f"job{n}.txt"]}
                )
            )["id"]
            for n in (1, 2)
        ]
        done = await client.ok(
            "chant_work_start", {"mode": "queue", "max_parallel": 2, "force": True, "wait": 60}
        )
        assert done["kind"] == "queue" and done["state"] == "completed", done
        assert {m["id"]: m["state"] for m in done["status"]["members"]} == {s: "completed" for s in made}
        assert (await client.ok("chant_ready"))["total"] == 0

    mcp_call(chant_repo, work.env, body)


def test_sigterm_stops_the_servers_runs_and_records_them(chant_repo: Path, work_factory: Any) -> None:
    work: Work = work_factory(chant_repo)
    spec = cli_json(work, "add", "Long job", "--criterion", "Done", "--json")["id"]
    work.plan(**{spec: "hang"})
    seen: dict[str, Any] = {}

    async def body(client: Client) -> None:
        started = await client.ok("chant_work_start", {"id": spec, "force": True})
        work.wait_for_records(1)
        status = await client.ok("chant_work_status", {"run": started["run"]})
        seen["pid"] = status["run"]["pid"]
        os.kill(seen["pid"], signal.SIGTERM)  # what a client does to stop its server
        deadline = time.monotonic() + 40
        while work.status(spec) == "in_progress" and time.monotonic() < deadline:
            await anyio.sleep(0.2)

    try:
        mcp_call(chant_repo, work.env, body)
    except Exception:  # the server is gone: closing the session may fail, the files are what counts
        pass
    assert seen.get("pid"), "the run never started"
    assert work.status(spec) == "failed" and "interrupted" in (work.field(spec, "failure_reason") or "")
    assert not work.alive(), "an agent outlived the server"


def test_work_status_follows_a_run_started_from_the_terminal(chant_repo: Path, work_factory: Any) -> None:
    work: Work = work_factory(chant_repo)
    spec = cli_json(
        work, "add", "From the terminal", "--criterion", "Done", "--target-file", "t.txt", "--json"
    )["id"]
    proc = work.chant("work", spec, "--force")
    assert proc.returncode == 0, proc.stderr

    async def body(client: Client) -> None:
        status = await client.ok("chant_work_status", {"id": spec})
        assert status["done"] and status["run"]["state"] == "completed"
        assert status["run"]["kind"] == "single" and status["run"]["pid"] != os.getpid()
        assert [(m["id"], m["state"]) for m in status["members"]] == [(spec, "completed")]
        runs = await client.ok("chant_work_list")
        assert runs["runs"][0]["id"] == status["run"]["id"]

    mcp_call(chant_repo, work.env, body)
