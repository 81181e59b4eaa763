"""A `command` agent for lifecycle tests: a small script in the repo, configured in .chant/config.md."""

from __future__ import annotations

from pathlib import Path

# Ticks every box, writes each target file and commits (docs/architecture/modules.md gets module sections so
# drift can point at the section a changed file belongs to).
TICK_AND_COMMIT = """\
import os, pathlib, re, subprocess
spec = pathlib.Path(os.environ["CHANT_SPEC_FILE"])
text = spec.read_text()
spec.write_text(text.replace("- [ ]", "- [x]"))
wt = pathlib.Path(os.environ["CHANT_WORKTREE_PATH"])
fm = text.split("---")[1]
for target in re.findall(r"^  - (\\S+)$", fm.split("target_files:")[1], re.M) if "target_files:" in fm else []:
    path = wt / target
    path.parent.mkdir(parents=True, exist_ok=True)
    if target.endswith("modules.md"):
        path.write_text("# Modules\\n\\n## Auth Module\\n\\nSee src/auth/routes.py.\\n\\n"
                        "## Reporting Module\\n\\nReports live in services/reporting/.\\n")
    else:
        path.write_text("written by " + os.environ["CHANT_SPEC_ID"] + "\\n")
subprocess.run(["git", "add", "-A"], cwd=wt, check=True)
subprocess.run(["git", "commit", "-qm", "chant(%s): work" % os.environ["CHANT_SPEC_ID"]], cwd=wt, check=True)
"""


def install(root: Path, script: str, project: str, *, prompt: str | None = "standard") -> None:
    """Write ``agent.py`` and a config that runs it (uncommitted: the caller commits with its specs)."""
    (root / "agent.py").write_text(script, encoding="utf-8")
    prompt_line = f"  prompt: {prompt}\n" if prompt else ""
    (root / ".chant" / "config.md").write_text(
        f"---\nproject:\n  name: {project}\ndefaults:\n  agent: command\n{prompt_line}"
        'agents:\n  command:\n    command: ["{python}", "agent.py"]\n---\n',
        encoding="utf-8",
    )
