"""`make demo`: the seed page's scenario in a throwaway git repository.

Copies examples/techcorp-backend into a temp repo, shows the specs and the driver's phases, and (when the
example agent is present) runs `chant work` for the coupling analysis, the docs and the extraction driver,
then prints the validation report's summary.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "techcorp-backend"
IDENTITY = {
    "GIT_AUTHOR_NAME": "Alex Torres",
    "GIT_AUTHOR_EMAIL": "alex@techcorp.example",
    "GIT_COMMITTER_NAME": "Alex Torres",
    "GIT_COMMITTER_EMAIL": "alex@techcorp.example",
}


def sh(args: list[str], cwd: Path, env: dict[str, str], *, check: bool = True) -> int:
    print(f"\n$ {' '.join(args)}", flush=True)
    code = subprocess.call(args, cwd=cwd, env=env)
    if check and code != 0:
        sys.exit(f"demo: `{' '.join(args)}` exited with {code}")
    return code


def chant(*args: str) -> list[str]:
    return [sys.executable, "-m", "chant", *args]


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="chant-demo-"))
    repo = workdir / "techcorp-backend"
    shutil.copytree(EXAMPLE, repo, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache", "*.db"))
    env = {
        **os.environ,
        **IDENTITY,
        "CHANT_NOW": "2026-02-01T18:00:00Z",
        "NO_COLOR": "1",
        "CHANT_WORKTREE_ROOT": str(workdir / "worktrees"),
    }
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=env)
    subprocess.run(
        ["git", "commit", "-q", "-m", "TechCorp monolith and its chant specs"], cwd=repo, check=True, env=env
    )
    print(f"Demo repository: {repo}")
    sh(chant("init"), repo, env)
    sh(chant("lint"), repo, env)
    sh(chant("list"), repo, env)
    sh(chant("dag"), repo, env)
    sh(chant("show", "001-ext"), repo, env)
    sh(chant("group", "001-ext"), repo, env)
    sh(chant("work", "001-ext", "--dry-run"), repo, env)
    package = repo / ".chant" / "agents" / "techcorp_playbook"
    extraction = ("service", "replica", "suite", "integration", "wrapup")
    missing = [name for name in extraction if not (package / f"{name}.py").exists()]
    if missing:
        print("\nThe example agent is still being built (missing handlers: " + ", ".join(missing) + ");")
        print("the scenario lands with its issue. Until then the demo stops at the plan above.")
        print(f"Files are in {repo}")
        return
    if (package / "analysis.py").exists():
        for spec, now in (("001-cpl", "2026-01-27T16:30:00Z"), ("001-doc", "2026-01-28T14:45:00Z")):
            sh(chant("work", spec), repo, {**env, "CHANT_NOW": now})
        sh(chant("work", "001-ext"), repo, env)
    else:
        # The analysis and docs handlers (cpl, doc) are not written yet, so the driver's two upstream specs
        # stay pending; --skip-deps runs the extraction anyway instead of pretending they completed.
        print(
            "\n(the coupling-analysis and docs handlers are not in the example agent yet: running the driver"
            " with --skip-deps)"
        )
        sh(chant("work", "001-ext", "--skip-deps"), repo, env)
    report = repo / "analysis" / "extraction" / "validation-report.md"
    if report.exists():
        text = report.read_text(encoding="utf-8")
        start = text.find("## Summary")
        end = text.find("## ", start + 3)
        print("\n" + text[start:end].strip())
    sh(chant("status"), repo, env)
    print(f"\nEverything is in {repo} (service: services/reporting/, report: {report.relative_to(repo)})")


if __name__ == "__main__":
    main()
