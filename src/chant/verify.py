"""Re-check completed specs: do their acceptance criteria still hold?

- A criterion whose text contains a backticked command (its first word is a program on ``PATH`` or an
  executable file in the repository) is checked by running each such command with ``sh -c`` in the
  repository root: pass = exit 0 within the timeout -- only when the user asked for it (``--run-commands``
  or ``verify.run_commands: true``): spec text is data anyone can write in a pull request, and running it
  unasked would be code execution in every CI job that verifies. Otherwise the criterion is "not checked:
  commands disabled".
- Every ``target_files`` entry must exist.
- The other criteria go to the configured agent with the ``verify`` prompt, which answers ``PASS:`` /
  ``FAIL:`` / ``SKIP:`` lines (parsed fenced or not); without an agent (``--no-agent``) they are "not checked".

Results are recorded in the spec (``last_verified``, ``verification_status``, ``verification_failures``)
through :meth:`Project.update_spec`; nothing else changes.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from chant import clock, git
from chant.errors import ChantError
from chant.project import Project
from chant.shell import quote
from chant.spec.model import Spec
from chant.spec.status import Status

CheckStatus = Literal["passed", "failed", "skipped", "not checked"]
CheckMethod = Literal["command", "target", "agent", "none"]
PASSED: CheckStatus = "passed"
FAILED: CheckStatus = "failed"
NOT_CHECKED: CheckStatus = "not checked"
SKIPPED: CheckStatus = "skipped"
DEFAULT_TIMEOUT = 120.0
COMMANDS_DISABLED = "commands disabled (--run-commands or verify.run_commands: true runs them)"

_BACKTICK = re.compile(r"`([^`\n]+)`")


@dataclass
class CheckResult:
    text: str
    status: CheckStatus
    method: CheckMethod
    detail: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"criterion": self.text, "status": self.status, "method": self.method, "detail": self.detail}


@dataclass
class SpecVerification:
    spec_id: str
    title: str
    results: list[CheckResult] = field(default_factory=list)
    verified_at: str = ""

    @property
    def failures(self) -> list[CheckResult]:
        return [r for r in self.results if r.status == FAILED]

    @property
    def status(self) -> str:
        """``failed`` when anything failed, ``passed`` when everything passed, else ``partial``."""
        if self.failures:
            return FAILED
        if all(r.status == PASSED for r in self.results):
            return PASSED
        return "partial"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.spec_id,
            "title": self.title,
            "status": self.status,
            "verified_at": self.verified_at,
            "results": [r.to_dict() for r in self.results],
        }


# -- commands ---------------------------------------------------------------------------------------------
# A backticked span is only taken for a command when the criterion talks like one ("`make test` passes"):
# `id`, `date` or `install` are programs too, and "the `id` field is unique" must not run `id`.
_COMMAND_WORDS = re.compile(
    r"\b(?:pass(?:es|ing)?|succeed(?:s|ed|ing)?|success(?:ful|fully)?|exit(?:s|ed)?(?: with)?(?: code)? 0|"
    r"returns? 0|runs?|running|green|clean(?:ly)?|no (?:errors?|warnings?|failures?)|"
    r"without (?:errors?|warnings?|failures?)|works?|ok)\b",
    re.I,
)


def commands_in(text: str, root: Path) -> list[str]:
    """Backticked spans of ``text`` that are commands (``make test``), not paths (``docs/api.md``): the
    first word is a program on ``PATH`` or an executable in the repository, and the criterion says the
    command should pass, succeed, exit 0, run cleanly..."""
    found: list[str] = []
    if not _COMMAND_WORDS.search(_BACKTICK.sub(" ", text)):
        return found
    for span in _BACKTICK.findall(text):
        span = span.strip()
        try:
            words = shlex.split(span)
        except ValueError:
            continue
        if not words:
            continue
        program = words[0]
        local = root / program
        if shutil.which(program) or (
            "/" in program
            and local.is_file()
            and os.access(local, os.X_OK)
            and local.resolve().is_relative_to(root)
        ):
            found.append(span)
    return found


def run_command(command: str, root: Path, timeout: float) -> tuple[bool, str]:
    """``sh -c command`` in ``root``: (passed, a one-line detail)."""
    from chant.agents.process import run_process

    lines: list[str] = []
    outcome = run_process(
        ["sh", "-c", command],
        cwd=root,
        env=git.clean_env(),
        stdin_text=None,
        timeout=timeout,
        cancel=None,
        on_stdout_line=lines.append,
        on_stderr_line=lines.append,
        kill_grace=1.0,
    )
    if outcome.timed_out:
        return False, f"`{command}` timed out after {timeout:g}s"
    if outcome.error:
        return False, f"`{command}`: {outcome.error}"
    if outcome.exit_code == 0:
        return True, f"`{command}` exited 0"
    last = next((line.strip() for line in reversed(lines) if line.strip()), "")
    return False, f"`{command}` exited {outcome.exit_code}" + (f": {last[:200]}" if last else "")


# -- agent answers ----------------------------------------------------------------------------------------
_ANSWER = re.compile(r"^\s*(?:[-*+]\s+|\d+[.)]\s+)?[*_]*(PASS|FAIL|SKIP)(?:ED)?[*_]*\s*:[*_]*\s*(.*)$", re.I)
_SEPARATORS = (" — ", " – ", " -- ", " - ", ": ")


def _norm(text: str) -> str:
    text = text.replace("`", "").replace("*", "").lower()
    return " ".join(re.sub(r"[^\w/.\s-]", " ", text).split())


def parse_answers(output: str, criteria: list[str]) -> dict[str, tuple[CheckStatus, str]]:
    """``criterion -> (passed|failed|skipped, reason)`` from ``PASS:``/``FAIL:``/``SKIP:`` lines.

    Lines may sit in a code fence, carry list markers or bold, and quote the criterion loosely; a criterion
    is matched by its normalised text being a prefix of (or equal to) the answer's, else by containment,
    else by answer order when the agent numbered nothing recognisable.
    """
    answers: list[tuple[str, str]] = []
    for line in output.splitlines():
        match = _ANSWER.match(line.strip().strip("`"))
        if match:
            answers.append((match.group(1).upper(), match.group(2).strip()))
    verdicts: dict[str, CheckStatus] = {"PASS": PASSED, "FAIL": FAILED, "SKIP": SKIPPED}
    found: dict[str, tuple[CheckStatus, str]] = {}
    unmatched: list[tuple[str, str]] = []
    by_length = sorted(criteria, key=len, reverse=True)
    for verdict, rest in answers:
        norm_rest = _norm(rest)
        chosen = next((c for c in by_length if c not in found and norm_rest.startswith(_norm(c))), None)
        if chosen is None:
            chosen = next(
                (
                    c
                    for c in by_length
                    if c not in found and _norm(c) and (_norm(c) in norm_rest or norm_rest in _norm(c))
                ),
                None,
            )
        if chosen is None:
            unmatched.append((verdict, rest))
            continue
        found[chosen] = (verdicts[verdict], _reason(rest, chosen))
    remaining = [c for c in criteria if c not in found]
    if unmatched and len(unmatched) == len(remaining):
        for criterion, (verdict, rest) in zip(remaining, unmatched, strict=True):
            found[criterion] = (verdicts[verdict], rest)
    return found


def _reason(rest: str, criterion: str) -> str:
    for separator in _SEPARATORS:
        if separator in rest:
            head, _, tail = rest.rpartition(separator)
            if _norm(criterion).startswith(_norm(head)) or _norm(head).startswith(_norm(criterion)):
                return tail.strip()
    return "" if _norm(rest) == _norm(criterion) else rest


def verify_prompt(project: Project, spec: Spec, criteria: list[str]) -> str:
    from chant.run import prompts
    from chant.spec import document

    path = project.prompts_dir / "verify.md"
    if path.exists():
        template = prompts.load_template(project, "verify")
    else:  # projects initialised before the prompt was bundled
        text = (resources.files("chant") / "prompts" / "verify.md").read_text(encoding="utf-8")
        template = document.split(text, "verify.md").body.lstrip("\n")
    values = prompts.variables(project, spec, project.root, "", spec.path)
    listed = "\n".join(f"- {c}" for c in criteria)
    return prompts.render(template, values) + f"\n\nCriteria to check:\n\n{listed}\n"


def ask_agent(
    project: Project, spec: Spec, criteria: list[str], timeout: float | None, agent_name: str | None
) -> dict[str, tuple[CheckStatus, str]]:
    from chant.ops import ask
    from chant.run import invoke

    name = invoke.agent_name(project, agent_name, spec)
    question = ask.Question(
        key=f"verify-{spec.id}",
        prompt=verify_prompt(project, spec, criteria),
        spec_id=spec.id,
        log_name=f"{spec.id}.verify.log",
        env={"CHANT_SPEC_FILE": str(spec.path), "CHANT_VERIFY": "1"},
        label=f"verify {spec.id}",
    )
    # The model that did the work answers for it (the spec's model:, as a run would choose it).
    model = invoke.model(project, spec, name, None, recorded=True)
    result = ask.ask(project, question, agent=name, worktree=project.root, timeout=timeout, model=model)
    if result.error and result.error.startswith("agent: "):
        return {c: (NOT_CHECKED, result.error) for c in criteria}
    problem = ask.failure(result, name)
    if problem is not None:
        return {c: (NOT_CHECKED, problem) for c in criteria}
    answers = parse_answers(result.output, criteria)
    return {c: answers.get(c, (NOT_CHECKED, f"agent {name} gave no answer")) for c in criteria}


# -- one spec ---------------------------------------------------------------------------------------------
def verify_spec(
    project: Project,
    spec: Spec,
    *,
    use_agent: bool = True,
    timeout: float | None = None,
    agent: str | None = None,
    record: bool = True,
    run_commands: bool | None = None,
) -> SpecVerification:
    """``run_commands``: run the criteria's backticked commands (``None``: as ``verify.run_commands`` says,
    which is off unless it is exactly ``true``)."""
    if spec.status != Status.COMPLETED:
        raise ChantError(
            f"{spec.id} is {spec.status.value}; only completed specs can be verified",
            hint=f"`chant work {quote(spec.id)}` first",
        )
    root = project.root
    report = SpecVerification(spec.id, spec.display_title, verified_at=clock.iso())
    command_timeout = timeout if timeout is not None else DEFAULT_TIMEOUT
    if run_commands is None:
        run_commands = commands_enabled(project)
    for_agent: list[str] = []
    slots: dict[str, int] = {}
    for criterion in spec.criteria:
        commands = commands_in(criterion.text, root)
        if not commands:
            slots[criterion.text] = len(report.results)
            report.results.append(CheckResult(criterion.text, NOT_CHECKED, "none", "--no-agent"))
            for_agent.append(criterion.text)
            continue
        if not run_commands:
            report.results.append(CheckResult(criterion.text, NOT_CHECKED, "command", COMMANDS_DISABLED))
            continue
        details: list[str] = []
        ok = True
        for command in commands:
            passed, detail = run_command(command, root, command_timeout)
            ok = ok and passed
            if not passed:
                details.append(detail)
        report.results.append(
            CheckResult(criterion.text, PASSED if ok else FAILED, "command", "; ".join(details))
        )
    for target in spec.target_files:
        exists = (root / target).exists()
        report.results.append(
            CheckResult(
                f"target {target} exists", PASSED if exists else FAILED, "target", "" if exists else "missing"
            )
        )
    if for_agent and use_agent:
        answers = ask_agent(project, spec, for_agent, timeout, agent)
        for text, (status, detail) in answers.items():
            report.results[slots[text]] = CheckResult(text, status, "agent", detail)
    if record:
        record_result(project, report)
    return report


def commands_enabled(project: Project) -> bool:
    """``verify.run_commands: true`` in config.md: the project's own opt-in to running criteria commands."""
    return project.config.get("verify.run_commands") is True


def record_result(project: Project, report: SpecVerification) -> None:
    from chant.spec.edit import REMOVE

    failures = [f"{r.text}: {r.detail}" if r.detail else r.text for r in report.failures]
    project.update_spec(
        report.spec_id,
        {
            "last_verified": report.verified_at,
            "verification_status": report.status,
            "verification_failures": failures or REMOVE,
        },
        commit=f"chant({report.spec_id}): verify ({report.status})",
    )


def targets(project: Project, spec_id: str | None, everything: bool) -> list[Spec]:
    """The specs to verify: one (must be completed), or every completed spec."""
    if spec_id and not everything:
        return [project.resolve(spec_id)]
    return [s for s in project.specs().ordered() if s.status == Status.COMPLETED]


__all__ = ["CheckResult", "SpecVerification", "parse_answers", "verify_spec", "commands_in", "targets"]
