"""What every playbook needs: the spec being worked, logging, ticking, committing, AST extraction."""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

_BOX = re.compile(r"^(\s*[-*] )\[ \] (.*)$")


class NoPlaybook(Exception):
    pass


def normalise(text: str) -> str:
    """Criterion text -> lookup key: lower case, no markup, single spaces."""
    text = re.sub(r"[`*_]", "", text).lower()
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class Spec:
    id: str
    path: Path
    root: Path
    frontmatter: dict
    title: str
    text: str
    log_lines: list[str] = field(default_factory=list)
    # Temporary directories of this run; main() closes it, so nothing is left under /tmp.
    cleanup: ExitStack = field(default_factory=ExitStack)

    @classmethod
    def from_env(cls) -> Spec:
        spec_id = os.environ.get("CHANT_SPEC_ID", "")
        root = Path(os.environ.get("CHANT_WORKTREE_PATH") or os.getcwd()).resolve()
        path = Path(os.environ.get("CHANT_SPEC_FILE") or root / ".chant" / "specs" / f"{spec_id}.md")
        text = path.read_text(encoding="utf-8")
        front, body = split_frontmatter(text)
        title = next((line[2:].strip() for line in body.splitlines() if line.startswith("# ")), spec_id)
        return cls(spec_id or path.stem, path, root, front, title, text)

    # --- frontmatter -------------------------------------------------------------------------------
    def list_field(self, name: str) -> list[str]:
        value = self.frontmatter.get(name) or []
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]

    @property
    def target_files(self) -> list[str]:
        return self.list_field("target_files")

    @property
    def suffix(self) -> str:
        """``2026-02-01-001-ext.2`` -> ``ext.2``."""
        return self.id.split("-", 4)[-1] if self.id.count("-") >= 4 else self.id

    def inputs(self) -> list[Path]:
        """Files matched by the spec's declared inputs (informed_by, origin, tracks)."""
        found: set[Path] = set()
        for name in ("informed_by", "origin", "tracks"):
            for pattern in self.list_field(name):
                found.update(p for p in self.root.glob(pattern) if p.is_file())
        return sorted(found)

    def read_input(self, rel: str) -> str:
        """Read a file; reads outside the declared inputs are logged as undeclared."""
        path = self.root / rel
        declared = {p.resolve() for p in self.inputs()} | {(self.root / t).resolve() for t in self.target_files}
        data = path.read_text(encoding="utf-8")
        kind = "input" if path.resolve() in declared else "undeclared input"
        self.log(f"{kind} {rel} sha256={hashlib.sha256(data.encode()).hexdigest()[:12]}")
        return data

    def workdir(self, prefix: str) -> Path:
        """A scratch directory removed when the playbook returns (or fails)."""
        return Path(self.cleanup.enter_context(tempfile.TemporaryDirectory(prefix=prefix)))

    # --- logging and output ------------------------------------------------------------------------
    def log(self, line: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        self.log_lines.append(f"{stamp} {line}")

    def say(self, line: str) -> None:
        print(line, flush=True)
        self.log(line)

    def write(self, rel: str, content: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        self.say(f"  wrote {rel} ({content.count(chr(10))} lines)")
        return path

    def flush_log(self) -> None:
        # .chant/logs is gitignored by chant; it must never end up in the commit.
        log_dir = self.root / ".chant" / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        with (log_dir / f"{self.id}.agent.log").open("a", encoding="utf-8") as fh:
            fh.write("\n".join(self.log_lines) + "\n")

    # --- checkboxes --------------------------------------------------------------------------------
    def criteria(self) -> list[str]:
        return [m.group(2) for m in (_BOX.match(line) for line in self._section_lines("Acceptance Criteria")) if m]

    def _section_lines(self, heading: str) -> list[str]:
        lines, inside = [], False
        for line in self.text.splitlines():
            if line.startswith("## "):
                inside = line[3:].strip() == heading
                continue
            if inside:
                lines.append(line)
        return lines

    def tick(self, section: str, passed: dict[str, bool]) -> None:
        """Tick the boxes of ``section`` whose normalised text maps to True (last section wins)."""
        out, current = [], None
        for line in self.text.split("\n"):
            if line.startswith("## "):
                current = line[3:].strip()
            m = _BOX.match(line)
            if m and current == section and passed.get(normalise(m.group(2))):
                line = f"{m.group(1)}[x] {m.group(2)}"
            out.append(line)
        self.text = "\n".join(out)
        self.path.write_text(self.text, encoding="utf-8")

    def tick_all(self, section: str) -> None:
        items = [m.group(2) for m in (_BOX.match(line) for line in self._section_lines(section)) if m]
        self.tick(section, {normalise(i): True for i in items})

    # --- git ---------------------------------------------------------------------------------------
    def commit(self) -> None:
        # The agent's own log stays out of the commit even where .chant/logs is not gitignored.
        ignored = subprocess.run(["git", "check-ignore", "-q", ".chant/logs/x"], cwd=self.root).returncode == 0
        git(self.root, "add", "-A", "--", ".", *([] if ignored else [":(exclude).chant/logs"]))
        git(self.root, "commit", "-q", "--allow-empty", "-m", f"chant({self.id}): {self.title}")
        self.say(f"committed chant({self.id}): {self.title}")


def split_frontmatter(text: str) -> tuple[dict, str]:
    if not text.startswith("---"):
        return {}, text
    end = text.find("\n---", 3)
    import yaml  # the venv has PyYAML; only the frontmatter needs it

    return (yaml.safe_load(text[3:end]) or {}), text[end + 4:]


def git(root: Path, *args: str) -> str:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    if os.environ.get("CHANT_NOW"):
        env.setdefault("GIT_AUTHOR_DATE", os.environ["CHANT_NOW"])
        env.setdefault("GIT_COMMITTER_DATE", os.environ["CHANT_NOW"])
    result = subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def fault(suffix: str) -> str | None:
    """``TECHCORP_FAULT=ext.2:accuracy`` -> ``"accuracy"`` for ext.2, None for everyone else."""
    for item in os.environ.get("TECHCORP_FAULT", "").split(","):
        target, _, kind = item.strip().partition(":")
        if target == suffix and kind:
            return kind
    return None


def scale() -> float:
    return float(os.environ.get("TECHCORP_SCALE") or 0.05)


# --- AST facts from the monolith ----------------------------------------------------------------

def definitions(path: Path) -> dict[str, str]:
    """Top-level name -> source segment (functions, classes, simple assignments) of a module."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    out: dict[str, str] = {}
    for node in tree.body:
        segment = ast.get_source_segment(source, node, padded=False)
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            # Decorators are not part of the node's segment; keep them.
            deco = "".join(f"@{ast.get_source_segment(source, d)}\n" for d in node.decorator_list)
            out[node.name] = deco + segment
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    out[target.id] = segment
    return out


def copy_definitions(root: Path, wanted: dict[str, list[str]]) -> str:
    """Source of the named definitions, module by module, each block citing where it came from."""
    blocks = []
    for rel, names in wanted.items():
        defs = definitions(root / rel)
        missing = [n for n in names if n not in defs]
        if missing:
            raise NoPlaybook(f"{rel} no longer defines {', '.join(missing)}")
        blocks.append(f"# --- copied from {rel} " + "-" * max(0, 80 - len(rel)))
        blocks.extend(defs[n] + "\n" for n in names)
    return "\n\n".join(blocks)


@dataclass
class Endpoint:
    name: str
    path: str
    params: list[str]  # source of each non-dependency parameter, e.g. "date: str | None = Query(None)"
    param_names: list[str]


def router_prefix(tree: ast.Module) -> str:
    """The ``prefix=`` of the module's ``APIRouter(...)`` (the last one wins), or "" without one."""
    prefix = ""
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            for kw in node.value.keywords:
                if kw.arg == "prefix" and isinstance(kw.value, ast.Constant):
                    prefix = kw.value.value
    return prefix


def endpoints(routes_py: Path) -> tuple[str, list[Endpoint]]:
    """The router prefix and the GET endpoints of a FastAPI routes module, from its AST."""
    source = routes_py.read_text(encoding="utf-8")
    tree = ast.parse(source)
    prefix = router_prefix(tree)
    found = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for deco in node.decorator_list:
            if (isinstance(deco, ast.Call) and isinstance(deco.func, ast.Attribute) and deco.func.attr == "get"
                    and deco.args and isinstance(deco.args[0], ast.Constant)):
                params, names = [], []
                args = node.args.args
                defaults = [None] * (len(args) - len(node.args.defaults)) + list(node.args.defaults)
                for arg, default in zip(args, defaults):
                    default_src = ast.get_source_segment(source, default) if default is not None else None
                    if default_src and default_src.startswith("Depends("):
                        continue
                    ann = ast.get_source_segment(source, arg.annotation) if arg.annotation else None
                    text = arg.arg + (f": {ann}" if ann else "") + (f" = {default_src}" if default_src else "")
                    params.append(text)
                    names.append(arg.arg)
                found.append(Endpoint(node.name, deco.args[0].value, params, names))
    return prefix, found


# --- processes ----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def uvicorn_server(argv_tail: list[str], cwd: Path, env: dict[str, str], health: str = "/health",
                   timeout: float = 20.0):
    """Run ``python -m uvicorn ... --port <free>`` and yield (base_url, pid) once ``health`` answers."""
    import httpx

    port = free_port()
    argv = [sys.executable, "-m", "uvicorn", *argv_tail, "--host", "127.0.0.1", "--port", str(port),
            "--log-level", "warning"]
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"uvicorn exited {proc.returncode}: {proc.stderr.read()[-2000:]}")
            try:
                if httpx.get(base + health, timeout=1.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{base}{health} did not answer within {timeout}s")
            time.sleep(0.1)
        yield base, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def clean_env(**extra: str) -> dict[str, str]:
    """Environment for child processes without the repo root on PYTHONPATH (a real deployment has none)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    env.update(extra)
    return env


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a live process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def dump_json(data: object) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"))
