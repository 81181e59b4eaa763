"""``chant doctor``: the pre-flight of ``chant work`` for the whole project and its environment, plus what
runs leave behind. Each finding carries the command that fixes it; ``ok`` is false when any is an error.

The checks are chant.validate's (config, repository, identity, git locks, agents, every spec that can
still run); doctor adds the leftovers of finished runs (``chant cleanup``'s plan), specs stranded by a chant
that died, and chant's own files that were never committed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chant import validate
from chant.errors import ChantError
from chant.project import Project
from chant.spec.status import Status
from chant.validate import ERROR, WARNING, Problem

OK = "ok"
SKIPPED = "skipped"


@dataclass
class Check:
    name: str
    problems: list[Problem] = field(default_factory=list)
    detail: str = ""  # what was found when all is well ("claude 2.1.0 (/usr/bin/claude)")
    skipped: bool = False

    @property
    def status(self) -> str:
        if self.skipped:
            return SKIPPED
        if any(p.severity == ERROR for p in self.problems):
            return ERROR
        return WARNING if self.problems else OK

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.name,
            "status": self.status,
            "detail": self.detail,
            "problems": [p.to_dict() for p in self.problems],
        }


@dataclass
class Report:
    project: str
    checks: list[Check] = field(default_factory=list)

    def count(self, severity: str) -> int:
        return sum(1 for c in self.checks for p in c.problems if p.severity == severity)

    @property
    def ok(self) -> bool:
        return self.count(ERROR) == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "ok": self.ok,
            "errors": self.count(ERROR),
            "warnings": self.count(WARNING),
            "checks": [c.to_dict() for c in self.checks],
        }


def doctor(project: Project) -> Report:
    report = Report(project.root.name)
    config = Check("config", validate.config_problems(project))
    config_path = project.chant_dir / "config.md"
    config.detail = (
        f"{project.rel(config_path)} is valid" if config_path.exists() else "no config.md: defaults"
    )
    report.checks.append(config)
    try:
        report.project = project.name
    except ChantError:
        # Unreadable config.md (the config check says why): the other checks go on with chant's defaults.
        from chant.config import Config

        project.__dict__["config"] = Config({}, None)  # Project.config is a cached_property
    repository = _guarded("repository", _repository, project)
    report.checks.append(repository)
    in_git = not any(p.rule == "git" for p in repository.problems)
    for name, check in (("identity", _identity), ("locks", _locks)):
        report.checks.append(_guarded(name, check, project) if in_git else Check(name, skipped=True))
    agents = _guarded("agents", _agents, project)
    report.checks += [agents, _guarded("specs", lambda p: _specs(p, agents), project)]
    for name, check in (("stranded", _stranded), ("leftovers", _leftovers), ("uncommitted", _uncommitted)):
        report.checks.append(_guarded(name, check, project) if in_git else Check(name, skipped=True))
    return report


def _guarded(name: str, check: Callable[[Project], Check], project: Project) -> Check:
    """One check that cannot take the others down: a failure it hits is its finding."""
    try:
        return check(project)
    except ChantError as exc:
        fix = exc.hint or "`chant diagnose` the specs involved"
        return Check(name, [Problem(name, name, exc.message, fix)])


# -- the checks -------------------------------------------------------------------------------------------
def _repository(project: Project) -> Check:
    from chant import git

    problems = [p for p in validate.repository_problems(project) if p.check == "repository"]
    check = Check("repository", problems)
    if not problems:
        check.detail = f"git repository, on {git.current_branch(project.root) or 'HEAD'}"
    return check


def _identity(project: Project) -> Check:
    from chant import git

    check = Check("identity", validate.identity_problems(project))
    check.detail = "" if check.problems else f"commits as {git.identity(project.root)}"
    return check


def _locks(project: Project) -> Check:
    check = Check("locks", validate.lock_problems(project))
    check.detail = "" if check.problems else "no git lock files"
    return check


def configured_agents(project: Project) -> list[str]:
    """The agents this project can run: defaults.agent, every ``agents.<name>`` / ``providers.<name>``
    section and every ``agent:`` of a spec that can still run (known names only; lint reports the rest)."""
    from chant.agents import AGENT_NAMES

    config = validate.config_or_default(project)
    names: dict[str, None] = {str(config.get("defaults.agent", "claude")).strip().lower(): None}
    for section in ("agents", "providers"):
        value = config.data.get(section)
        if isinstance(value, dict):
            names.update(dict.fromkeys(str(n).strip().lower() for n in value))
    for spec in _runnable(project):
        if isinstance(spec.get("agent"), str):
            names[spec.get("agent").strip().lower()] = None
    return [n for n in names if n in AGENT_NAMES]


def _agents(project: Project) -> Check:
    check = Check("agents")
    found: list[str] = []
    config = validate.config_or_default(project)
    for name in configured_agents(project):
        problems = validate.agent_problems(project, name)
        check.problems += problems
        if not problems:
            found.append(_describe(project, name, config.agent_settings(name)))
    check.detail = "; ".join(found)
    return check


def _describe(project: Project, name: str, settings: dict[str, Any]) -> str:
    """``claude 2.1.0 (/usr/bin/claude)``, as far as chant can tell without running an agent."""
    if name in ("openai", "ollama"):
        return (
            f"{name} ({settings.get('base_url') or 'default endpoint'}, model {settings.get('model') or '?'})"
        )
    argv = validate.agent_argv(name, settings)
    where = validate.executable(project.root, argv[0]) if argv else None
    from chant.agents import probe_version

    version = probe_version(name, settings)  # the CLI's `--version`, cached per process
    return f"{name}{f' {version}' if version else ''} ({where})"


def _specs(project: Project, agents: Check) -> Check:
    """What ``chant work`` would refuse in the specs that can still run (agent problems are in ``agents``)."""
    runnable = _runnable(project)
    seen = {p.message for p in agents.problems}
    problems = [
        p
        for p in validate.preflight(project, runnable, probes=False, project_checks=False)
        if p.message not in seen
    ]
    invalid = project.specs().invalid
    problems += [
        Problem(
            "spec",
            "parse",
            exc.detail,
            f"fix the file (`chant edit {validate.quote(sid)}`)",
            ERROR,
            sid,
            exc.path,
            exc.line,
        )
        for sid, exc in invalid.items()
    ]
    check = Check("specs", problems)
    check.detail = f"{len(runnable)} spec(s) that can run, {len(invalid)} unreadable"
    return check


def _runnable(project: Project) -> list[Any]:
    return [s for s in project.specs().ordered() if s.status not in (Status.COMPLETED, Status.CANCELLED)]


def _stranded(project: Project) -> Check:
    from chant.run import recovery

    problems = [
        Problem(
            "stranded",
            "stranded",
            f"{sid} is in_progress but no chant is running it (a chant died mid-run)",
            f"`{validate.quote('chant', 'diagnose', sid)}` says which command recovers it",
            WARNING,
            sid,
        )
        for sid in recovery.stranded(project)
    ]
    check = Check("stranded", problems)
    check.detail = "" if problems else "no stranded runs"
    return check


def _leftovers(project: Project) -> Check:
    from chant.ops import cleanup

    plan = cleanup.plan(project)
    problems: list[Problem] = []
    for what, items in (
        ("worktree(s) of finished or abandoned runs", [project.rel(p) for p in plan.worktrees]),
        ("branch(es) of finished specs", plan.branches),
        ("stale chant lock file(s)", [project.rel(p) for p in plan.locks]),
        ("leftover run file(s)", [project.rel(p) for p in plan.files]),
    ):
        if items:
            listing = ", ".join(items[:5]) + (f" (+{len(items) - 5} more)" if len(items) > 5 else "")
            problems.append(
                Problem(
                    "leftovers", "leftover", f"{len(items)} {what}: {listing}", "`chant cleanup`", WARNING
                )
            )
    check = Check("leftovers", problems)
    check.detail = "" if problems else "nothing left behind"
    return check


def _uncommitted(project: Project) -> Check:
    """config.md and the prompts are the project's: a clone without them runs differently."""
    from chant import git

    paths = [project.rel(p) for p in (project.chant_dir / "config.md", project.prompts_dir) if p.exists()]
    changed = git.uncommitted(project.root, paths) if paths else []
    problems = []
    if changed:
        listing = ", ".join(changed[:5]) + (f" (+{len(changed) - 5} more)" if len(changed) > 5 else "")
        problems.append(
            Problem(
                "uncommitted",
                "uncommitted",
                f"chant's configuration is not committed: {listing}",
                f'`{validate.quote("git", "add", "--", *paths)} && git commit -m "chant: configuration"`',
                WARNING,
            )
        )
    check = Check("uncommitted", problems)
    check.detail = "" if problems else "config and prompts committed"
    return check


__all__ = ["Check", "Report", "configured_agents", "doctor"]
