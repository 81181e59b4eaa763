"""The one pre-flight: everything a run needs, checked before chant writes anything.

:func:`preflight` is the single entry point, used three ways:

- ``chant work`` (:meth:`chant.run.pipeline.Pipeline.preflight`) checks the specs it is about to run before
  it commits ``start``: a problem is a :class:`PreflightError` and the spec file, branches and worktrees are
  untouched. So a spec that lint accepts never ends stranded ``in_progress`` for a reason known up front.
- ``chant lint`` shows its data checks for every spec (``probes=False``: nothing is run or looked up).
- ``chant doctor`` runs all of it for the whole project and its environment.

Checks are pure functions of the loaded project, except the probes at the edges (``git`` for the repository,
identity, lock files and branch names; ``PATH`` for agent executables). Every problem names the command or
the edit that fixes it; commands are shell-quoted, since IDs and paths come from files anyone can write.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chant.errors import ChantError
from chant.project import Project
from chant.spec.model import Spec
from chant.spec.status import Status

if TYPE_CHECKING:
    from chant.lint import Severity

ERROR: Severity = "error"
WARNING: Severity = "warning"

# Lint rules that do not stop a run: dependencies are the scheduler's business (a blocker, which
# --skip-deps overrides), so the pre-flight leaves them to it.
_NOT_PREFLIGHT_RULES = frozenset({"dependency", "cycle"})
# Statuses whose specs will not run again without a reset (or replay): run-only checks skip them in lint.
_AT_REST = (Status.COMPLETED, Status.CANCELLED)
# What to install when a CLI agent's executable is missing.
_INSTALL = {
    "claude": "install Claude Code (`npm install -g @anthropic-ai/claude-code`)",
    "codex": "install Codex (`npm install -g @openai/codex`)",
    "gemini": "install Gemini CLI (`npm install -g @google/gemini-cli`)",
}
_CLI_AGENTS = ("claude", "codex", "gemini", "command")


@dataclass(frozen=True)
class Problem:
    check: str  # the group doctor shows it under: config, repository, identity, locks, agent, spec
    rule: str  # a short name, as in lint's error[rule]
    message: str
    fix: str  # the command (shell-quoted) or the edit that fixes it
    severity: Severity = ERROR
    spec_id: str | None = None
    path: str | None = None  # project-relative file, when the problem is in a file
    line: int | None = None

    @property
    def where(self) -> str:
        if self.path:
            return f"{self.path}:{self.line}" if self.line else self.path
        return self.spec_id or ""

    def render(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class PreflightError(ChantError):
    """Problems that stop a run before anything is written; the message lists each with its fix."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        if len(problems) == 1:
            super().__init__(problems[0].render(), hint=problems[0].fix)
        else:
            lines = [f"{len(problems)} problems stop this run:"]
            for problem in problems:
                lines += [f"  {problem.render()}", f"    fix: {problem.fix}"]
            super().__init__("\n".join(lines))

    def one_line(self) -> str:
        """For a run's outcome line: the first problem and its fix (and how many more there are)."""
        first = self.problems[0]
        more = f" (+{len(self.problems) - 1} more problem(s))" if len(self.problems) > 1 else ""
        return f"not started: {first.render()}; fix: {first.fix}{more}"


def quote(*words: str) -> str:
    """A command line safe to paste into a shell (:func:`chant.shell.command`)."""
    from chant.shell import command

    return command(*words)


# -- the pre-flight ---------------------------------------------------------------------------------------
def preflight(
    project: Project,
    specs: Iterable[Spec] = (),
    *,
    agent: str | None = None,
    prompt: str | None = None,
    probes: bool = True,
    project_checks: bool = True,
    lint_rules: bool = True,
    allow_red: bool = True,
) -> list[Problem]:
    """Everything that would stop a run of ``specs`` (and, with ``project_checks``, any run at all).

    ``agent`` / ``prompt`` are ``chant work``'s overrides. ``probes=False`` keeps to the files (lint):
    no ``git`` process, no ``PATH`` lookup. ``lint_rules=False`` leaves out the spec's own lint errors
    (for lint itself, which reports them already). ``allow_red=False`` refuses specs whose quality grade
    is red (``chant work`` without a terminal and without ``--force``).
    """
    problems: list[Problem] = []
    if project_checks:
        problems += config_problems(project)
        if probes:
            problems += repository_problems(project)
    chosen = list(specs)
    if not chosen:
        return problems
    context = _Context(project, config_or_default(project), probes, agent, prompt)
    lint_errors = _lint_errors(project, chosen) if lint_rules else {}
    for spec in chosen:
        problems += lint_errors.get(spec.id, [])
        problems += spec_problems(context, spec)
    if not allow_red:
        problems += quality_problems(project, chosen)
    return problems


def quality_problems(project: Project, specs: list[Spec]) -> list[Problem]:
    """Specs graded red (docs/specs-quality.md): an unattended run of them is likely wasted."""
    from chant.graph import Graph
    from chant.spec import quality

    graph = Graph.of(project.specs())
    thresholds = quality.Thresholds.from_config(config_or_default(project).get)
    problems: list[Problem] = []
    for assessment in quality.red(quality.assess_all(graph, thresholds, [s.id for s in specs])):
        spec = graph.specs[assessment.spec_id]
        for finding in assessment.findings:
            if finding.level == quality.RED:
                problems.append(
                    Problem(
                        "spec",
                        "quality",
                        f"graded red: {finding.message}",
                        f"{finding.fix}; or `chant work --force` to run it anyway",
                        ERROR,
                        spec.id,
                        project.rel(spec.path),
                        finding.line,
                    )
                )
    return problems


def check(project: Project, specs: Iterable[Spec] = (), **options: Any) -> list[Problem]:
    """:func:`preflight`, raising :class:`PreflightError` on any error; returns the warnings."""
    problems = preflight(project, specs, **options)
    raise_for(problems)
    return problems


def raise_for(problems: list[Problem]) -> None:
    """:class:`PreflightError` for the errors among ``problems`` (warnings pass)."""
    errors = [p for p in problems if p.severity == ERROR]
    if errors:
        raise PreflightError(errors)


def lint_project(project: Project, only: set[str] | None = None) -> list[Any]:
    """``chant lint``'s diagnostics (:class:`chant.lint.Diagnostic`): config.md first, then each
    spec's findings together, in ID order -- the lint rules and the pre-flight's data checks (whose fix is
    appended to the message)."""
    from chant.graph import Graph
    from chant.lint import Diagnostic, lint, relative_paths
    from chant.spec import ids

    specs = project.specs()
    chosen = [s for s in specs.ordered() if only is None or s.id in only]
    problems = preflight(project, chosen, probes=False, lint_rules=False)

    def diagnostics(config: bool) -> list[Diagnostic]:
        return [
            Diagnostic(
                p.spec_id or "", p.path or "", p.line, p.severity, p.rule, f"{p.message}; fix: {p.fix}"
            )
            for p in problems
            if (p.check == "config") == config
        ]

    rel = relative_paths(specs.active, specs.invalid, project.root)
    by_spec = [*lint(Graph.of(specs), specs.invalid, rel, only), *diagnostics(False)]
    by_spec.sort(key=lambda d: ids.sort_key(d.spec_id))  # stable: the lint rules' order within a spec
    return [*diagnostics(True), *by_spec]


# -- project-level checks ---------------------------------------------------------------------------------
def config_problems(project: Project) -> list[Problem]:
    from chant import config_schema

    path = project.chant_dir / "config.md"
    shown = project.rel(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        reason = "is not valid UTF-8" if isinstance(exc, UnicodeDecodeError) else "cannot be read"
        return [Problem("config", "config", f"{shown} {reason}", f"fix or recreate {shown}", path=shown)]
    return [
        Problem("config", "config", issue.message, issue.hint, issue.severity, path=shown, line=issue.line)
        for issue in config_schema.check(text, shown)
    ]


def repository_problems(project: Project) -> list[Problem]:
    """A git repository, the main branch checked out, an identity to commit with, no git lock in the way."""
    from chant import git

    root = project.root
    if git.toplevel(root) is None:
        return [
            Problem(
                "repository",
                "git",
                f"{root} is not a git repository",
                "`git init` (chant records every run as a branch, a worktree and commits)",
            )
        ]
    problems = [*identity_problems(project), *lock_problems(project, linked_worktrees=False)]
    from chant.run.pipeline import main_branch

    try:
        main_branch(project)
    except ChantError as exc:
        problems.append(Problem("repository", "branch", exc.message, exc.hint or "check out the main branch"))
    return problems


def identity_problems(project: Project) -> list[Problem]:
    from chant import git

    reason = git.identity_problem(project.root)
    if reason is None:
        return []
    return [
        Problem(
            "identity",
            "identity",
            f"git has no identity to commit with ({reason})",
            '`git config user.name "Your Name" && git config user.email you@example.com` '
            "(add --global for every repository)",
        )
    ]


# A git that is working right now holds its lock for milliseconds; one killed mid-write leaves it for good.
LOCK_SETTLE_SECONDS = 1.0


def lock_problems(project: Project, *, linked_worktrees: bool = True) -> list[Problem]:
    """git lock files that stay put for :data:`LOCK_SETTLE_SECONDS` (a concurrent git's, or a parallel
    agent's, come and go). ``linked_worktrees=False`` leaves out the index locks of other worktrees, which
    never block a run of another spec."""
    import time

    from chant import git

    found = git.lock_files(project.root)
    if found and not linked_worktrees:
        _git_dir, common = git.git_dirs(project.root)
        found = [p for p in found if p.parent.parent != common / "worktrees"]
    stamps = {path: _stamp(path) for path in found}
    deadline = time.monotonic() + LOCK_SETTLE_SECONDS
    while stamps and time.monotonic() < deadline:
        time.sleep(0.1)
        stamps = {path: stamp for path, stamp in stamps.items() if _stamp(path) == stamp}
    return [
        Problem(
            "locks",
            "lock",
            f"git lock file {project.rel(path)} is in the way (left by a git that was killed, or still running)",
            f"make sure no git command is running in this repository, then `{quote('rm', str(path))}`",
        )
        for path in sorted(stamps)
    ]


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns)


# -- per-spec checks --------------------------------------------------------------------------------------
@dataclass
class _Context:
    """What the per-spec checks share within one pre-flight, with caches: thousands of specs name the same
    few prompts and agents."""

    project: Project
    config: Any
    probes: bool
    agent: str | None  # --agent
    prompt: str | None  # --prompt
    prompts: dict[str, tuple[str, str] | None] = field(default_factory=dict)  # name -> (problem, fix)
    agents: dict[str, list[Problem]] = field(default_factory=dict)
    type_prompts: dict[str, bool] = field(default_factory=dict)


def spec_problems(context: _Context, spec: Spec) -> list[Problem]:
    """Target files, prompt, branch name and agent of one spec."""
    from chant import git
    from chant.run import prompts

    project = context.project
    problems: list[Problem] = []
    rel = project.rel(spec.path)

    def add(rule: str, message: str, fix: str, key: str | None = None, check: str = "spec") -> None:
        line = _key_line(spec, key) if key else None
        problems.append(Problem(check, rule, message, fix, ERROR, spec.id, rel, line))

    for target in spec.target_files:
        reason = outside_problem(project.root, target, symlinks=context.probes)
        if reason is not None:
            add(
                "target",
                f"target file {target!r} {reason}",
                "list paths relative to the repository root",
                "target_files",
            )
    raw_prompt = spec.get("prompt")
    prompt_ok = False
    if raw_prompt not in (None, "") and not isinstance(raw_prompt, str):
        add(
            "prompt",
            f"prompt: must be a prompt name, not {raw_prompt!r:.40}",
            f"set `prompt:` in {rel}",
            "prompt",
        )
    elif isinstance(raw_prompt, str) and (reason := prompts.name_problem(raw_prompt)):
        add(
            "prompt",
            f"prompt {raw_prompt!r} {reason}",
            f"name a prompt in .chant/prompts/ in {rel}",
            "prompt",
        )
    else:
        prompt_ok = True
    if spec.get("output_schema") not in (None, ""):
        from chant.run import outputs

        if (schema_problem := outputs.problem(project.root, spec)) is not None:
            add(
                "output-schema",
                schema_problem,
                f"fix `output_schema:` in {rel} (docs/specs-quality.md)",
                "output_schema",
            )
    if spec.status in _AT_REST and not context.probes:
        return problems  # lint: the rest only matters to a spec that will run
    branch = f"{context.config.get('defaults.branch_prefix', 'chant/')}{spec.id}"
    if not (git.branch_name_ok(project.root, branch) if context.probes else git.valid_branch_name(branch)):
        add(
            "branch",
            f"{branch!r} is not a valid git branch name, so this spec cannot run",
            "rename the file to an ID of letters, digits, '-' and '.' "
            f"(e.g. `{quote('git', 'mv', rel, str(Path(rel).parent / '<new-id>.md'))}`)",
        )
    if prompt_ok:
        name = context.prompt or _chosen_prompt(context, spec)
        found = _prompt_state(context, name)
        if found is not None:
            source = "--prompt" if context.prompt else ("prompt:" if raw_prompt else "defaults.prompt")
            add(
                "prompt",
                f"prompt {name!r} ({source}) {found[0]}",
                found[1],
                "prompt" if source == "prompt:" else None,
            )
    name = context.agent or spec.get("agent") or context.config.get("defaults.agent", "claude")
    if not isinstance(name, str):
        add("agent", f"agent: must be an agent name, not {name!r:.40}", f"set `agent:` in {rel}", "agent")
    else:
        if name not in context.agents:
            context.agents[name] = agent_problems(project, name, probes=context.probes)
        for problem in context.agents[name]:
            add(problem.rule, problem.message, problem.fix, "agent" if spec.get("agent") else None, "agent")
    return problems


def _prompt_state(context: _Context, name: str) -> tuple[str, str] | None:
    """``None`` when the prompt ``name`` exists inside .chant/prompts/, else (problem, fix)."""
    from chant.run import prompts

    if name in context.prompts:
        return context.prompts[name]
    project = context.project
    state: tuple[str, str] | None = None
    try:
        path = prompts.prompt_path(project, name)
    except ChantError as exc:
        state = (exc.message.removeprefix(f"prompt {name!r} "), exc.hint or "")
    else:
        if not path.is_file():
            known = prompts.available(project)
            state = (
                f"not found: no {project.rel(path)}{_did_you_mean(name, known)}",
                f"use one of: {', '.join(known)}" if known else "`chant init` writes the bundled prompts",
            )
    context.prompts[name] = state
    return state


def _chosen_prompt(context: _Context, spec: Spec) -> str:
    """= ``prompts.choose`` (without --prompt), with a config that may be the fallback of an invalid one."""
    from chant.run.prompts import TYPE_PROMPTS

    if spec.get("prompt"):
        return str(spec.get("prompt"))
    by_type = TYPE_PROMPTS.get(spec.type)
    if by_type:
        if by_type not in context.type_prompts:
            context.type_prompts[by_type] = (context.project.prompts_dir / f"{by_type}.md").exists()
        if context.type_prompts[by_type]:
            return by_type
    return str(context.config.get("defaults.prompt", "standard"))


def agent_problems(project: Project, name: str, *, probes: bool = True) -> list[Problem]:
    """``name`` is a known agent and (probing) what it runs is there: its executable on PATH, its settings."""
    from chant.agents import AGENT_NAMES

    key = name.strip().lower()
    if key not in AGENT_NAMES:
        return [
            Problem(
                "agent",
                "agent",
                f"unknown agent {name!r}{_did_you_mean(key, AGENT_NAMES)}",
                f"use one of {', '.join(AGENT_NAMES)} (--agent, the spec's `agent:` or defaults.agent)",
            )
        ]
    if not probes or key not in _CLI_AGENTS:
        return []
    settings = config_or_default(project).agent_settings(key)
    argv = agent_argv(key, settings)
    if not argv:
        return [
            Problem(
                "agent",
                "agent",
                "the command agent needs `agents.command.command` (the program to run)",
                'set it in .chant/config.md, e.g. `agents: {command: {command: ["{python}", "agent.py"]}}`',
            )
        ]
    found = executable(project.root, argv[0])
    if found is None:
        install = _INSTALL.get(key, f"install {argv[0]}")
        return [
            Problem(
                "agent",
                "agent",
                f"agent {key}: `{argv[0]}` is not an executable on PATH",
                f"{install}, or point `agents.{key}.command` at it",
            )
        ]
    return []


def agent_argv(name: str, settings: dict[str, Any]) -> list[str]:
    """The start of the command line a CLI agent runs (``agents.<name>.command`` or its own program)."""
    from chant.agents.program import PROGRAMS, command_prefix

    if name == "command" and not settings.get("command"):
        return []  # the command agent has no program of its own
    try:
        argv = command_prefix(settings, PROGRAMS.get(name, name))
    except ValueError:  # unbalanced quotes in a string command: as the shell would not split it
        argv = [str(settings.get("command"))]
    return [part.replace("{python}", sys.executable) for part in argv]


def executable(root: Path, program: str) -> str | None:
    """Where ``program`` is: on PATH, or (with a ``/``) relative to the repository, as agents run it."""
    if "/" in program:
        path = Path(program).expanduser()
        path = path if path.is_absolute() else root / path
        return str(path) if path.is_file() and os.access(path, os.X_OK) else None
    return shutil.which(program)


def outside_problem(root: Path, target: str, *, symlinks: bool = True) -> str | None:
    """What keeps ``target`` from being a path inside the repository at ``root`` (``None``: nothing).

    ``symlinks=False`` keeps to the text (lint): no file system lookups for a symlink leading out.
    """
    if not target.strip():
        return "is empty"
    if "\0" in target:
        return "contains a NUL byte"
    if target.startswith(("/", "~", "\\")) or (len(target) > 1 and target[1] == ":"):
        return "is an absolute path; target files are relative to the repository root"
    normal = os.path.normpath(target)
    if normal == ".." or normal.startswith("../"):
        return "leaves the repository ('..')"
    if normal == ".git" or normal.startswith(".git/"):
        return "is inside .git/"
    if symlinks:
        try:
            real_root = os.path.realpath(root)
            if os.path.commonpath([real_root, os.path.realpath(os.path.join(root, normal))]) != real_root:
                return "leads out of the repository through a symlink"
        except (OSError, ValueError):
            return "is not a usable path"
    return None


# -- helpers ----------------------------------------------------------------------------------------------
def config_or_default(project: Project) -> Any:
    """The project's config, or an empty one when config.md cannot be read (config_problems says why)."""
    from chant.config import Config

    try:
        return project.config
    except ChantError:
        return Config({}, None)


def _lint_errors(project: Project, specs: list[Spec]) -> dict[str, list[Problem]]:
    """Each spec's own lint errors (minus dependency rules): work refuses what lint rejects."""
    from chant.graph import Graph
    from chant.lint import lint

    graph = Graph.of(project.specs())
    only = {s.id for s in specs}
    rel = {s.id: project.rel(s.path) for s in specs}
    found: dict[str, list[Problem]] = {}
    for diagnostic in lint(graph, {}, rel, only, cycles=False):
        if diagnostic.severity != ERROR or diagnostic.rule in _NOT_PREFLIGHT_RULES:
            continue
        found.setdefault(diagnostic.spec_id, []).append(
            Problem(
                "spec",
                diagnostic.rule,
                diagnostic.message,
                f"edit {quote(diagnostic.path)} (`{quote('chant', 'lint', diagnostic.spec_id)}` checks it)",
                ERROR,
                diagnostic.spec_id,
                diagnostic.path,
                diagnostic.line,
            )
        )
    return found


def _rel(project: Project, spec: Spec) -> str:
    return project.rel(spec.path)


def _key_line(spec: Spec, key: str) -> int | None:
    from chant.lint import _line_of

    return _line_of(spec, key, key=True)


def _did_you_mean(word: str, candidates: Iterable[str]) -> str:
    from chant.config_schema import did_you_mean

    return did_you_mean(word, list(candidates))


__all__ = [
    "ERROR",
    "WARNING",
    "PreflightError",
    "Problem",
    "agent_problems",
    "check",
    "config_problems",
    "outside_problem",
    "preflight",
    "quote",
    "repository_problems",
]
