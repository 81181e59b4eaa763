"""``chant work --executor ray`` on a real local Ray cluster: a head and two agent nodes on 127.0.0.1.

The cluster is Ray's own test cluster (``ray.cluster_utils.Cluster``: real raylet and GCS processes),
started once for this module in its own temp dir. Each agent node offers one ``chant_agent`` slot, the head
none, so two agents at once must run on the two different nodes. The agent is the ``command`` provider
running a small shell script that records which node and directory it ran in.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.run.conftest import Work, add_specs, spec_file

ray = pytest.importorskip("ray")
from ray.cluster_utils import Cluster  # noqa: E402

pytestmark = [pytest.mark.xdist_group("ray"), pytest.mark.timeout(240)]

AGENT = """\
#!/bin/sh
set -e
r="$RAY_RECORDS/$CHANT_SPEC_ID"
git rev-parse HEAD > "$r.base"
if [ -n "$RAY_ROGUE" ]; then
  git checkout -q -b "rogue-$CHANT_SPEC_ID"
  git commit -q --allow-empty -m "side work"
  git checkout -q "$CHANT_BRANCH"
  printf '#!/bin/sh\necho owned\n' > "$(git rev-parse --git-common-dir)/hooks/post-checkout"
fi
if [ -n "$RAY_BLOCK" ]; then
  echo partial > "partial-$CHANT_SPEC_ID.txt"
  git add -- "partial-$CHANT_SPEC_ID.txt"
  git commit -q -m "chant($CHANT_SPEC_ID): partial work"
  echo "blocking on the node now"
  echo $$ > "$r.pid"
  exec sleep 120
fi
if [ -n "$RAY_HOLD_FIRST" ] && [ ! -e "$r.first" ]; then
  echo "$CHANT_RAY_NODE" > "$r.first"
  sleep 120
fi
echo "$CHANT_RAY_NODE" > "$r.node"
pwd > "$r.pwd"
echo "hello from $CHANT_SPEC_ID on its node"
[ -n "$RAY_SLEEP" ] && sleep "$RAY_SLEEP"
sed -i 's/- \\[ \\]/- [x]/' "$CHANT_SPEC_FILE"
echo "$CHANT_SPEC_ID" > "out-$CHANT_SPEC_ID.txt"
git add -- "out-$CHANT_SPEC_ID.txt" "$CHANT_SPEC_FILE"
git commit -q -m "chant($CHANT_SPEC_ID): done on a ray node"
"""

DRIVER = "2026-02-01-001-ray"
MEMBERS = [f"{DRIVER}.1", f"{DRIVER}.2"]
SOLO = "2026-02-01-002-die"
CHAIN = [f"2026-02-01-00{n}-thin" for n in (3, 4, 5)]
STOP = "2026-02-01-006-stop"
ROGUE = "2026-02-01-007-rogue"
SHIPPED = re.compile(r"base (\w+) arrived as (thin|full) bundle of (\d+) bytes")


@pytest.fixture(scope="module")
def cluster() -> Iterator[tuple[Any, list[Any], Path]]:
    base = Path(tempfile.mkdtemp(prefix="cr-", dir="/tmp"))  # Ray's socket paths must stay short
    saved = os.environ.get("CHANT_RAY_WORKDIR")
    os.environ["CHANT_RAY_WORKDIR"] = str(base / "nodes")  # each node works under its own node id below
    fast = {
        "health_check_period_ms": 500,
        "health_check_failure_threshold": 3,
        "health_check_initial_delay_ms": 500,
    }
    made = Cluster(
        initialize_head=True,
        head_node_args={
            "num_cpus": 1,
            "node_ip_address": "127.0.0.1",
            "include_dashboard": False,
            "temp_dir": str(base / "ray"),
            "_system_config": fast,
        },
    )
    workers = [
        made.add_node(num_cpus=1, node_ip_address="127.0.0.1", resources={"chant_agent": 1}) for _ in range(2)
    ]
    made.wait_for_nodes()
    try:
        yield made, workers, base
    finally:
        made.shutdown()
        if saved is None:
            os.environ.pop("CHANT_RAY_WORKDIR", None)
        else:
            os.environ["CHANT_RAY_WORKDIR"] = saved
        shutil.rmtree(base, ignore_errors=True)


def ray_work(work_factory: Callable[..., Work], repo: Path, tmp_path: Path, base: Path) -> Work:
    agent = tmp_path / "ray-agent.sh"
    agent.write_text(AGENT, encoding="utf-8")
    w = work_factory(
        repo,
        f"agents:\n  command:\n    command: [sh, {agent}]\n"
        "executor:\n  env: [RAY_RECORDS, RAY_SLEEP, RAY_HOLD_FIRST, RAY_BLOCK, RAY_ROGUE]\n",
    )
    config = w.repo / ".chant" / "config.md"
    config.write_text(config.read_text().replace("agent: claude", "agent: command"), encoding="utf-8")
    w.git("add", "-A")
    w.git("commit", "-q", "-m", "ray agent")
    records = tmp_path / "ray-records"
    records.mkdir()
    # Nodes run agents in their own environment; executor.env names what the coordinator ships with them.
    w.env["RAY_RECORDS"] = str(records)
    # Ray rewrites a loopback address to the machine's own IP unless told the cluster is local-only; the
    # cluster here is bound to 127.0.0.1 alone.
    w.env["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    return w


def rec(w: Work, spec_id: str, what: str) -> str | None:
    path = Path(w.env["RAY_RECORDS"]) / f"{spec_id}.{what}"
    return path.read_text(encoding="utf-8").strip() if path.exists() else None


def wait_for_log(w: Work, spec_id: str, needle: str, proc: subprocess.Popen[str], deadline: float) -> None:
    """Until ``needle`` has streamed back into the spec's log (the task is running on its node)."""
    spec_log = w.repo / ".chant" / "logs" / f"{spec_id}.log"
    while needle not in (spec_log.read_text() if spec_log.exists() else ""):
        assert time.monotonic() < deadline and proc.poll() is None, f"{needle!r} never streamed back"
        time.sleep(0.1)


def finish(proc: subprocess.Popen[str], timeout: float) -> tuple[str, str]:
    try:
        return proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise


def test_parallel_members_run_on_different_nodes_and_merge(
    cluster: tuple[Any, list[Any], Path], work_factory: Callable[..., Work], chant_repo: Path, tmp_path: Path
) -> None:
    made, workers, base = cluster
    w = ray_work(work_factory, chant_repo, tmp_path, base)
    driver = spec_file(DRIVER, "Ray driver").replace("type: code", "type: driver").replace("- [ ]", "- [x]")
    specs = {DRIVER: driver}
    for n, member in enumerate(MEMBERS, 1):
        specs[member] = spec_file(member, f"Member {n}", extra="parent: " + DRIVER + "\ndepends_on: []\n")
    add_specs(w, specs)
    w.env["RAY_SLEEP"] = "1"
    proc = w.chant("work", "--executor", "ray", "--address", made.address, "--max", "2", DRIVER, timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [w.status(m) for m in MEMBERS] == ["completed", "completed"]
    assert w.status(DRIVER) == "completed"
    nodes = [rec(w, m, "node") for m in MEMBERS]
    agent_nodes = {n.node_id for n in workers}
    assert set(nodes) == agent_nodes, "each member ran on its own agent node (one slot each), not the head"
    for member in MEMBERS:
        pwd = rec(w, member, "pwd") or ""
        assert pwd.startswith(str(base / "nodes")), "the agent ran in a worktree of its node, not ours"
        assert (w.repo / f"out-{member}.txt").is_file(), "its commit came back and was merged"
        log = (w.repo / ".chant" / "logs" / f"{member}.log").read_text(encoding="utf-8")
        assert f"hello from {member} on its node" in log, "the agent's output streamed into the spec log"
        assert "ray: ran on node" in log
        merges = w.git("log", "--oneline", f"--grep=chant({member}): merge", "main").splitlines()
        assert len(merges) == 1
    assert w.branches() == [] and w.git("status", "--porcelain") == ""


def test_a_node_with_an_older_base_receives_only_the_new_commits(
    cluster: tuple[Any, list[Any], Path], work_factory: Callable[..., Work], chant_repo: Path, tmp_path: Path
) -> None:
    made, _, base = cluster
    w = ray_work(work_factory, chant_repo, tmp_path, base)
    (w.repo / "history.bin").write_bytes(os.urandom(300_000))  # a long history, in one incompressible file
    w.git("add", "history.bin")
    w.git("commit", "-q", "-m", "a long history")
    add_specs(w, {spec_id: spec_file(spec_id, f"Thin {n}") for n, spec_id in enumerate(CHAIN)})
    proc = w.chant("work", "--chain", "--executor", "ray", "--address", made.address, timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    shipped = []
    for spec_id in CHAIN:
        assert w.status(spec_id) == "completed"
        log = (w.repo / ".chant" / "logs" / f"{spec_id}.log").read_text(encoding="utf-8")
        found = SHIPPED.search(log)
        assert found, log
        shipped.append((found.group(2), int(found.group(3))))
        # The node worked on exactly the coordinator's commit: the agent's commit on main has it as parent.
        done = w.git("log", "--format=%P", f"--grep=chant({spec_id}): done on a ray node", "main").split()
        assert done == [rec(w, spec_id, "base")] and done[0].startswith(found.group(1))
    kinds = [kind for kind, _ in shipped]
    assert kinds[0] == "full" and shipped[0][1] > 300_000, shipped
    # Two agent nodes, three specs in a row: the last one's node has seen an earlier base of this repository.
    assert kinds[2] == "thin", shipped
    for kind, size in shipped:
        if kind == "thin":
            assert size < shipped[0][1] / 20, shipped
    assert all((w.repo / f"out-{spec_id}.txt").is_file() for spec_id in CHAIN)
    assert w.branches() == [] and w.git("status", "--porcelain") == ""

    # An agent that plants a hook in its node's mirror (shared with later tasks there) and commits on a
    # branch of its own making there.
    add_specs(w, {ROGUE: spec_file(ROGUE, "Rogue")})
    w.env["RAY_ROGUE"] = "1"
    proc = w.chant("work", "--executor", "ray", "--address", made.address, ROGUE, timeout=120)
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert w.status(ROGUE) == "needs_attention"
    reason = " ".join(w.spec_text(ROGUE).split())  # the long reason may be folded over lines
    assert "outside its branch: on node" in reason and "hooks/post-checkout was added" in reason, reason
    assert f"refs/heads/rogue-{ROGUE}" in reason, reason
    assert list((base / "nodes").glob("*/*/mirror.git/hooks/post-checkout")) == [], "the hook was removed"
    assert not (w.repo / f"out-{ROGUE}.txt").exists(), "nothing of it was merged"


def test_ctrl_c_stops_the_agent_on_its_node_keeps_the_branch_and_resumes(
    cluster: tuple[Any, list[Any], Path], work_factory: Callable[..., Work], chant_repo: Path, tmp_path: Path
) -> None:
    made, _, base = cluster
    w = ray_work(work_factory, chant_repo, tmp_path, base)
    add_specs(w, {STOP: spec_file(STOP, "Stopped by Ctrl-C")})
    w.env["RAY_BLOCK"] = "1"
    proc = w.popen("work", "--executor", "ray", "--address", made.address, STOP)
    try:
        pid_file = Path(w.env["RAY_RECORDS"]) / f"{STOP}.pid"
        wait_for_log(w, STOP, "blocking on the node now", proc, time.monotonic() + 120)
        pid = int(pid_file.read_text(encoding="utf-8"))
        os.kill(pid, 0)  # the agent is running, on its node
        proc.send_signal(signal.SIGINT)
        out, err = finish(proc, 60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, out + err
    assert "Interrupted" in out
    assert w.status(STOP) == "failed"
    assert w.field(STOP, "failure_reason") == "interrupted"
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # the Ray task was stopped, and the agent process on the node with it
    assert w.branches() == [f"chant/{STOP}"], "the branch is kept"
    partial = w.git("log", "--format=%s", f"chant/{STOP}").splitlines()
    assert f"chant({STOP}): partial work" in partial, "what the agent committed before Ctrl-C came back"
    assert w.git("status", "--porcelain") == ""

    del w.env["RAY_BLOCK"]
    again = w.chant("work", "--executor", "ray", "--address", made.address, STOP, timeout=120)
    assert again.returncode == 0, again.stdout + again.stderr
    assert w.status(STOP) == "completed"
    assert (w.repo / f"out-{STOP}.txt").is_file() and (w.repo / f"partial-{STOP}.txt").is_file()
    assert w.branches() == []


def test_a_node_killed_mid_task_completes_the_spec_once_elsewhere(
    cluster: tuple[Any, list[Any], Path], work_factory: Callable[..., Work], chant_repo: Path, tmp_path: Path
) -> None:
    made, workers, base = cluster
    w = ray_work(work_factory, chant_repo, tmp_path, base)
    add_specs(w, {SOLO: spec_file(SOLO, "Survives a dead node")})
    w.env["RAY_HOLD_FIRST"] = "1"
    try:
        proc = w.popen("work", "--executor", "ray", "--address", made.address, SOLO)
        first = Path(w.env["RAY_RECORDS"]) / f"{SOLO}.first"
        deadline = time.monotonic() + 120
        while not first.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        assert first.exists(), "the first attempt never started"
        wait_for_log(w, SOLO, "--- ray: attempt", proc, deadline)
        doomed = first.read_text(encoding="utf-8").strip()
        victim = next(n for n in workers if n.node_id == doomed)
        made.remove_node(victim)  # the raylet, its workers and the agent they run: gone
        out, err = finish(proc, 150)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out + err
    assert w.status(SOLO) == "completed"
    survivor = rec(w, SOLO, "node")
    assert survivor is not None and survivor != doomed, "the retry ran on the other node"
    assert (w.repo / f"out-{SOLO}.txt").is_file()
    done = w.git("log", "--format=%H", f"--grep=chant({SOLO}): done on a ray node", "main").splitlines()
    assert len(done) == 1, "exactly the surviving attempt's commit is on main"
    assert len(w.git("log", "--oneline", f"--grep=chant({SOLO}): merge", "main").splitlines()) == 1
    assert len(w.git("log", "--oneline", f"--grep=chant({SOLO}): complete", "main").splitlines()) == 1
    log = (w.repo / ".chant" / "logs" / f"{SOLO}.log").read_text(encoding="utf-8")
    assert log.count("--- ray: attempt") == 2, log
