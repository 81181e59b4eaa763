"""The README's five-minute tour, run verbatim: every line of its bash block, in a fresh git repository,
with a fake ``claude`` on PATH. If the README and chant drift apart, this fails (that is how the tour broke
at its third command once: ``001`` became ambiguous as soon as the driver had a member)."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

from tests.conftest import run_chant_raw, run_git
from tests.run.conftest import install_fake_claude

from chant.spec import ids

README = Path(__file__).resolve().parents[2] / "README.md"


def tour_lines() -> list[list[str]]:
    """The commands of the README's tour (its first bash block after the heading), comments stripped."""
    text = README.read_text(encoding="utf-8")
    heading = text.index("## A five-minute tour")
    block = re.search(r"```bash\n(.*?)```", text[heading:], re.S)
    assert block, "the tour has no ```bash block"
    commands = [shlex.split(line, comments=True) for line in block.group(1).splitlines()]
    return [c for c in commands if c]


def test_the_tour_parses_into_chant_commands() -> None:
    commands = tour_lines()
    assert commands[0][0] == "cd"  # "cd your-repo": the test's repository stands in for it
    assert all(c[0] == "chant" for c in commands[1:]), commands
    assert len(commands) >= 10


def test_readme_tour_runs_verbatim(git_repo: Path, chant_env: dict[str, str], tmp_path: Path) -> None:
    env = dict(chant_env)
    env["PATH"] = f"{install_fake_claude(tmp_path / 'bin').parent}{os.pathsep}{env['PATH']}"
    outputs: dict[str, str] = {}
    for command in tour_lines()[1:]:
        proc = run_chant_raw(*command[1:], cwd=git_repo, env=env, timeout=120)
        line = shlex.join(command)
        output = proc.stdout + proc.stderr
        assert proc.returncode == 0, f"`{line}` exited {proc.returncode}:\n{output}"
        assert "Traceback" not in output, f"`{line}`:\n{output}"
        outputs[line] = proc.stdout
    specs = ids.sorted_ids(p.name[:-3] for p in (git_repo / ".chant" / "specs").iterdir())
    driver = specs[0]
    assert specs == [driver, f"{driver}.1"]
    assert f"Spec: {driver}\n" in outputs["chant show 001"]  # the driver, not "Ambiguous spec ID"
    assert f"{driver}.1 (API extraction)" in outputs["chant group 001"]
    assert "Driver complete." in outputs["chant work 001"]
    assert "completed        2" in outputs["chant status"]
    # What the tour leaves behind is committed: init's files included, nothing untracked or modified.
    assert run_git("status", "--porcelain", cwd=git_repo, env=env) == ""
