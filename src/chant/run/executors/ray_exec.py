"""The ``ray`` executor: each spec's agent step runs as a Ray task on a node of a Ray cluster.

Coordinator (the machine running ``chant work``): prepares, checks, integrates and finalizes exactly as
with the local executor -- same pipeline, same merge queue, same statuses. Only the agent step moves:

1. a task that needs one unit of the custom resource ``chant_agent`` (nodes that can run agents declare
   it: ``ray start ... --resources='{"chant_agent": 4}'``) starts on some node; unless the node's mirror
   of the repository has the branch's commit already, it tells the coordinator's ``Shipper`` actor what
   the mirror holds and receives a git bundle of only the rest (``bundles.py``: thin, or the whole history
   when the node has nothing usable);
2. it runs the agent in its own fresh worktree of that mirror and streams its log lines back through a
   small actor that lives on the coordinator's node (which also carries Ctrl-C's cancel to the node);
3. the task returns the agent's result and its new commits (``branch ^base``) as a bundle; the coordinator
   fetches them onto the same local branch, then the pipeline checks and merges as usual.

A node that dies mid-task: Ray runs the task again elsewhere (``max_retries``, ``executor.retries``); the
coordinator receives one result per spec, so a spec is merged and completed once, and nothing that a
finished attempt returned is lost. The environment is not shipped wholesale: a node runs the agent in its
own environment (its PATH, its API keys) plus chant's ``CHANT_*`` variables, git's identity and the
variables named in ``executor.env`` (docs/distributed.md).
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ray

from chant import git
from chant.agents import AgentRequest, AgentResult, get_agent
from chant.errors import ChantError
from chant.locks import locked
from chant.run import guard
from chant.run.executors import bundles

if TYPE_CHECKING:
    from chant.agents.base import Agent
    from chant.project import Project
    from chant.run.pipeline import Prepared

RESOURCE = "chant_agent"
DEFAULT_RETRIES = 3
# Shipped from the coordinator's environment to the agent's on the node (plus those named in executor.env).
SHIPPED_PREFIXES = ("CHANT_", "GIT_AUTHOR_", "GIT_COMMITTER_")
SHIPPED = frozenset({"GIT_REFLOG_ACTION"})
_POLL = 0.25
# After Ctrl-C, how long a task has to stop its agent (the node's own process supervisor kills its process
# group) and send back what it committed, before Ray kills the task's worker outright.
CANCEL_GRACE = 20.0
FULL_CACHE = 4  # full bundles the Shipper keeps made (the bases of the newest phases)


@ray.remote(num_cpus=0)
class LogSink:
    """Log lines of running tasks, by spec, until the coordinator drains them; and which tasks to stop."""

    def __init__(self) -> None:
        self.lines: dict[str, list[str]] = {}
        self.cancelled: set[str] = set()

    def extend(self, key: str, lines: list[str]) -> bool:
        """Take lines; ``True`` when the coordinator wants this task's agent stopped."""
        if lines:
            self.lines.setdefault(key, []).extend(lines)
        return key in self.cancelled

    def cancel(self, key: str) -> None:
        self.cancelled.add(key)

    def drain(self, key: str) -> list[str]:
        return self.lines.pop(key, [])


@ray.remote(num_cpus=0, max_concurrency=4)  # type: ignore[call-overload]  # a threaded actor; stubs omit it
class Shipper:
    """Makes the bundles nodes ask for, from the coordinator's repository (it runs on that machine)."""

    def __init__(self, root: str, scratch: str) -> None:
        self.root = Path(root)
        self.scratch = Path(scratch)
        self._mutex = threading.Lock()
        self._full: dict[str, bundles.Shipment] = {}

    def bundle(self, tip: str, haves: list[str]) -> bundles.Shipment:
        with self._mutex:  # one temporary ship ref per commit in the repository
            if not haves and tip in self._full:
                return self._full[tip]
            made = bundles.make(self.root, self.scratch, tip, haves)
            if made.kind == "full":
                self._full[tip] = made
                while len(self._full) > FULL_CACHE:
                    self._full.pop(next(iter(self._full)))
            return made


class RayExecutor:
    name = "ray"

    def __init__(self, project: Project, address: str | None) -> None:
        self.project = project
        self.address = address
        self._mutex = threading.Lock()
        self._connected = False
        self._sink: Any = None
        self._shipper: Any = None
        try:
            self.retries = int(project.config.get("executor.retries", DEFAULT_RETRIES))
        except (TypeError, ValueError):
            self.retries = DEFAULT_RETRIES
        names = project.config.get("executor.env") or []
        self.env_names = [str(n) for n in names] if isinstance(names, list) else []

    # -- connection ----------------------------------------------------------------------------------
    def _connect(self) -> None:
        with self._mutex:
            if self._connected:
                return
            address = self.address or os.environ.get("RAY_ADDRESS")
            try:
                if address:
                    ray.init(address=address, logging_level=logging.ERROR, log_to_driver=False)
                else:
                    # No cluster named: a local one, this machine being its one agent node.
                    slots = int(self.project.config.get("parallel.max", 4) or 4)
                    ray.init(
                        resources={RESOURCE: slots},
                        include_dashboard=False,
                        logging_level=logging.ERROR,
                        log_to_driver=False,
                    )
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise ChantError(
                    f"cannot reach the Ray cluster at {address or '(local)'}: {exc}",
                    hint="start one with `ray start --head` (docs/distributed.md), or pass --address",
                ) from None
            if not ray.cluster_resources().get(RESOURCE):
                raise ChantError(
                    f"no node of the Ray cluster offers the {RESOURCE!r} resource",
                    hint=f"""start agent nodes with `ray start --address=... --resources='{{"{RESOURCE}": 4}}'`""",
                )
            here = ray.get_runtime_context().get_node_id()
            strategy = ray.util.scheduling_strategies.NodeAffinitySchedulingStrategy(here, soft=False)
            self._sink = LogSink.options(scheduling_strategy=strategy).remote()  # type: ignore[attr-defined]
            scratch = self.project.run_dir / "bundles"
            scratch.mkdir(parents=True, exist_ok=True)
            self._shipper = Shipper.options(scheduling_strategy=strategy).remote(  # type: ignore[attr-defined]
                str(self.project.root), str(scratch)
            )
            self._connected = True

    # -- the agent step ------------------------------------------------------------------------------
    def run(self, prep: Prepared, agent: Agent, request: AgentRequest) -> AgentResult:
        self._connect()
        root = self.project.root
        tip = git.head(root, prep.branch) or prep.base
        key = f"{prep.spec.id}-{uuid.uuid4().hex[:8]}"
        job: dict[str, Any] = {
            "key": key,
            "spec_id": prep.spec.id,
            "repo": _repo_id(root),
            "branch": prep.branch,
            "tip": tip,
            "agent": prep.agent_name,
            "prompt": request.prompt,
            "worktree": str(prep.worktree),
            "spec_rel": prep.spec_rel,
            "spec_text": (prep.worktree / prep.spec_rel).read_text(encoding="utf-8")
            if prep.untracked_spec
            else None,
            "env": self._shipped_env(request.env),
            "model": request.model,
            "timeout": request.timeout,
            "settings": request.settings,
        }
        ref = agent_task.options(
            resources={RESOURCE: 1}, num_cpus=0, max_retries=self.retries, retry_exceptions=False
        ).remote(job, self._shipper, self._sink)
        while True:
            done, _ = ray.wait([ref], timeout=_POLL)
            self._drain(key, request)
            if done:
                break
            if request.cancel.is_set():
                return self._cancel(ref, key, prep, request)
        try:
            reply: dict[str, Any] = ray.get(ref)
        except ray.exceptions.RayError as exc:
            self._drain(key, request)
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            return AgentResult(False, None, f"the ray task failed: {first[:300]}", None)
        self._drain(key, request)
        result: AgentResult = self._take(prep, request, reply)
        return result

    def _take(self, prep: Prepared, request: AgentRequest, reply: dict[str, Any]) -> AgentResult:
        got = reply["received"]
        back = len(reply["bundle"]) if reply["bundle"] is not None else 0
        # One line per task with the bytes each way (tests and users read what shipping cost).
        arrived = (
            "was in the node's mirror already (0 bytes)"
            if got["kind"] == "none"
            else f"arrived as {got['kind']} bundle of {got['size']} bytes"
        )
        request.log(
            f"ray: ran on node {reply['node']} ({reply['ip']}); base {reply['base'][:12]} {arrived}"
            + (f" (a thin one did not apply: {got['fallback']})" if got["fallback"] else "")
            + f"; the branch came back as {back} bytes"
        )
        if reply["bundle"] is not None:
            self._land(prep, reply["bundle"], reply["tip"])
        if prep.untracked_spec and reply["spec_text"] is not None:
            (prep.worktree / prep.spec_rel).write_text(reply["spec_text"], encoding="utf-8")
        result: AgentResult = reply["result"]
        result.trespass = [f"on node {reply['node'][:12]}: {line}" for line in reply["trespass"]]
        return result

    def _cancel(self, ref: Any, key: str, prep: Prepared, request: AgentRequest) -> AgentResult:
        """Ctrl-C: the node stops its agent as a local run does and sends back what it committed; a task
        that does not answer in time is killed (its agent's processes may then outlive it on the node)."""
        self._sink.cancel.remote(key)
        done, _ = ray.wait([ref], timeout=CANCEL_GRACE)
        self._drain(key, request)
        stopped = AgentResult(False, None, "interrupted", None, cancelled=True)
        if not done:
            ray.cancel(ref, force=True)
            request.log("ray: the task did not stop in time and was killed")
            return stopped
        try:
            stopped.trespass = self._take(prep, request, ray.get(ref)).trespass
        except (ray.exceptions.RayError, git.GitError) as exc:
            request.log(f"ray: the stopped task's commits could not be taken: {str(exc)[:200]}")
        return stopped

    def _shipped_env(self, env: dict[str, str]) -> dict[str, str]:
        return {
            k: v
            for k, v in env.items()
            if k.startswith(SHIPPED_PREFIXES) or k in SHIPPED or k in self.env_names
        }

    def _drain(self, key: str, request: AgentRequest) -> None:
        for line in ray.get(self._sink.drain.remote(key)):
            request.log(line)

    def _land(self, prep: Prepared, bundle: bytes, tip: str) -> None:
        """The agent's commits onto the local branch (checked out in the prepared worktree)."""
        path = self.project.run_dir / "bundles" / f"{prep.spec.id}-{uuid.uuid4().hex[:8]}.bundle"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(bundle)
        try:
            git.bundle_fetch(prep.worktree, path, f"refs/heads/{prep.branch}")
            git.fast_forward(prep.worktree, tip)
        finally:
            path.unlink(missing_ok=True)


def _repo_id(root: Path) -> str:
    """Names the node-local mirror: one per coordinator repository."""
    import hashlib

    return hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]


# -- on the node ---------------------------------------------------------------------------------------
@ray.remote(num_cpus=0)
def agent_task(job: dict[str, Any], shipper: Any, sink: Any) -> dict[str, Any]:
    """Bring the branch's commit here, run the agent in a worktree of this node, return its result and
    new commits."""
    node = ray.get_runtime_context().get_node_id()
    ip = ray.util.get_node_ip_address()
    base = Path(os.environ.get("CHANT_RAY_WORKDIR") or tempfile.gettempdir()) / "chant-ray" / node[:12]
    home = base / job["repo"]
    mirror = home / "mirror.git"
    attempt = uuid.uuid4().hex[:8]
    worktree = home / "worktrees" / f"{job['spec_id']}-{attempt}"
    outgoing = home / f"out-{attempt}.bundle"
    stream = _Stream(sink, job["key"])
    stream.write(f"--- ray: attempt {attempt} on node {node} ({ip}) ---")
    home.mkdir(parents=True, exist_ok=True)
    tip = job["tip"]

    def ask(haves: list[str]) -> bundles.Shipment:
        made: bundles.Shipment = ray.get(shipper.bundle.remote(tip, haves))
        return made

    try:
        with locked(home / "mirror.lock", timeout=600):
            if not (mirror / "HEAD").exists():
                git.init_bare(mirror)
                # A bare repository keeps no reflogs by default; the ref watch below reads them.
                git.run(["config", "core.logAllRefUpdates", "always"], mirror)
            received = bundles.receive(mirror, tip, ask, home)
            git.worktree_prune(mirror)
            git.worktree_add_reset(mirror, worktree, job["branch"], tip)
        spec_file = worktree / job["spec_rel"]
        if job["spec_text"] is not None:
            spec_file.parent.mkdir(parents=True, exist_ok=True)
            spec_file.write_text(job["spec_text"], encoding="utf-8")
        stream.sync()  # the coordinator knows where this attempt runs before its agent starts
        prompt_file = home / "prompts" / f"{job['spec_id']}-{attempt}.md"
        prompt_file.parent.mkdir(parents=True, exist_ok=True)
        prompt = job["prompt"].replace(job["worktree"], str(worktree))
        prompt_file.write_text(prompt, encoding="utf-8")
        env = git.clean_env()
        env.update(job["env"])
        env.update(
            {
                "CHANT_SPEC_FILE": str(spec_file),
                "CHANT_WORKTREE_PATH": str(worktree),
                "CHANT_PROMPT_FILE": str(prompt_file),
                "CHANT_PROJECT_ROOT": str(worktree),
                "CHANT_RAY_NODE": node,
            }
        )
        request = AgentRequest(
            spec_id=job["spec_id"],
            prompt=prompt,
            prompt_file=prompt_file,
            worktree=worktree,
            env=env,
            model=job["model"],
            timeout=job["timeout"],
            settings=job["settings"],
            log=stream.write,
            cancel=stream.cancel,
        )
        result, trespass = _run_guarded(mirror, home, job, request)
        head = git.head(mirror, job["branch"]) or tip
        shipped = None
        if head != tip and git.bundle_create(mirror, outgoing, [f"refs/heads/{job['branch']}", f"^{tip}"]):
            shipped = outgoing.read_bytes()
        copy = (
            spec_file.read_text(encoding="utf-8")
            if job["spec_text"] is not None and spec_file.exists()
            else None
        )
        return {
            "result": result,
            "bundle": shipped,
            "base": tip,
            "tip": head,
            "spec_text": copy,
            "node": node,
            "ip": ip,
            "received": {"kind": received.kind, "size": received.size, "fallback": received.fallback},
            "trespass": trespass,
        }
    finally:
        stream.close()
        outgoing.unlink(missing_ok=True)
        if worktree.exists():
            git.worktree_remove(mirror, worktree)


def _run_guarded(
    mirror: Path, home: Path, job: dict[str, Any], request: AgentRequest
) -> tuple[AgentResult, list[str]]:
    """The agent's result, and what it did outside its branch. The mirror is this node's, shared by every
    task of this repository that runs here: other refs moved, its config or hooks changed are reported
    (config and hooks restored), as the coordinator does for its own repository."""
    refs = guard.RefWatch.start(mirror)
    watch = guard.GitGuard(mirror, home / "rejected")
    try:
        result = get_agent(job["agent"]).run(request)
    except ValueError as exc:
        result = AgentResult(False, None, str(exc), None)
    trespass = [f"updated {ref}" for ref in refs.foreign_updates(job["spec_id"], job["branch"])]
    return result, trespass + watch.check_and_restore(job["spec_id"])


class _Stream:
    """Sends log lines to the coordinator's sink in small batches while the agent runs, and hears back
    whether the coordinator wants the agent stopped (Ctrl-C there)."""

    def __init__(self, sink: Any, key: str) -> None:
        self.sink = sink
        self.key = key
        self.cancel = threading.Event()
        self._lines: list[str] = []
        self._mutex = threading.Lock()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def write(self, line: str) -> None:
        with self._mutex:
            self._lines.append(line)

    def _flush(self) -> Any:
        with self._mutex:
            lines, self._lines = self._lines, []
        return self.sink.extend.remote(self.key, lines)

    def sync(self) -> None:
        ray.get(self._flush(), timeout=30)

    def _pump(self) -> None:
        while not self._done.wait(_POLL):
            try:
                if ray.get(self._flush(), timeout=10):
                    self.cancel.set()
            except Exception:  # a slow or lost coordinator: keep the agent running, keep the lines coming
                continue

    def close(self) -> None:
        self._done.set()
        self._thread.join(timeout=2)
        try:
            ray.get(self._flush(), timeout=10)
        except Exception:
            pass
