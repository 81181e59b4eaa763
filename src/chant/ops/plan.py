"""``chant plan FILE.md``: a requirements document becomes a driver and its members, proposed by the agent.

The driver gets the proposal's title, its body (or a pointer to the document), ``informed_by: [FILE]`` so
``chant drift`` notices when the requirements change, and ``members:``; the members are written like
``chant split``'s. Everything is created in one go or not at all, and committed together.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from chant import clock
from chant.errors import ChantError
from chant.locks import locked
from chant.ops import proposal as proposals
from chant.ops.split import Written, member_files
from chant.project import Project
from chant.run import prompts
from chant.spec import ids

MAX_DOCUMENT = 200_000  # characters: a requirements document, not a data dump


def read_document(project: Project, path: Path) -> tuple[str, str]:
    """``(path as written in informed_by, text)``; the file must be inside the repository."""
    full = (path if path.is_absolute() else Path.cwd() / path).resolve()
    try:
        rel = full.relative_to(project.root.resolve()).as_posix()
    except ValueError:
        raise ChantError(f"{path} is outside the repository {project.root}") from None
    try:
        text = full.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ChantError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ChantError(f"{path}: cannot read it as UTF-8 text ({exc})") from None
    if not text.strip():
        raise ChantError(f"{path} is empty: nothing to plan")
    if len(text) > MAX_DOCUMENT:
        raise ChantError(f"{path} has {len(text):,} characters; plan takes at most {MAX_DOCUMENT:,}")
    return rel, text


def plan_prompt(project: Project, rel: str, text: str) -> str:
    values = {
        "project.name": project.name,
        "plan.file": rel,
        "plan.text": text.strip(),
        "schema": proposals.schema_text(),
        "proposal.file": proposals.ANSWER_FILE,
    }
    return prompts.render(proposals.prompt_template(project, "plan"), values)


def propose(
    project: Project,
    rel: str,
    text: str,
    *,
    agent: str | None = None,
    timeout: float | None = None,
    model: str | None = None,
) -> proposals.Proposal:
    from chant.run.invoke import agent_name

    return proposals.request(
        project,
        key=f"plan-{Path(rel).stem}",
        spec_id=Path(rel).stem,
        prompt=plan_prompt(project, rel, text),
        agent=agent_name(project, agent),
        need_title=True,
        timeout=timeout,
        model=model,
    )


def write(project: Project, rel: str, proposal: proposals.Proposal, *, commit: bool = True) -> Written:
    body = proposal.body or f"Planned from [{rel}]({rel}) by `chant plan`."
    title = proposal.title or Path(rel).stem

    def driver(driver_id: str, members: list[str]) -> str:
        fields: list[tuple[str, object]] = [
            ("type", "driver"),
            ("status", "pending"),
            ("informed_by", [rel]),
            ("members", members),
        ]
        return proposals.driver_text(title, body, proposal.criteria, fields)

    return write_new_driver(
        project, driver, proposal, message=f"plan {rel} ({len(proposal.members)} members)", commit=commit
    )


def write_new_driver(
    project: Project,
    driver_text: Callable[[str, list[str]], str],
    proposal: proposals.Proposal,
    *,
    message: str,
    commit: bool = True,
) -> Written:
    """A new driver (``driver_text(id, member_ids)``) and its members, with a fresh ID, all or nothing."""
    with locked(project.lock_path("add"), timeout=60):
        specs = project.specs(refresh=True)
        date = clock.now().strftime("%Y-%m-%d")
        driver_id = ids.make_id(date, ids.next_sequence(date, [*specs.active, *specs.archived]))
        members = member_files(driver_id, 1, proposal)
        files = {driver_id: driver_text(driver_id, list(members)), **members}
        paths = proposals.write_all(project, files)
        project.specs(refresh=True)
    written = Written(driver_id, list(members), paths)
    if commit:
        written.commit = project.commit(paths, f"chant({driver_id}): {message}")
    return written
