"""``chant split ID``: the configured agent proposes members for a spec; they are written as its members.

The spec becomes a driver (``type: driver``) and keeps its body and criteria: after the members, its
wrap-up run checks those criteria over the members' merged work. Members get ``<id>.N`` numbers after any
existing ones, ``depends_on`` from the proposal (``[]`` for the first phase) and their own criteria.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from chant.errors import ChantError
from chant.locks import locked
from chant.ops import proposal as proposals
from chant.project import Project
from chant.run import prompts
from chant.spec import ids
from chant.spec.model import DRIVER_TYPES, Spec
from chant.spec.status import Status


@dataclass
class Written:
    driver: str
    members: list[str] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    commit: str | None = None


def check_splittable(project: Project, spec: Spec) -> None:
    if spec.status != Status.PENDING:
        raise ChantError(
            f"{spec.id} is {spec.status.value}; only a pending spec can be split",
            hint=f"`chant reset {spec.id}` makes it pending again",
        )
    if any(ids.is_member_of(other, spec.id) for other in project.all_ids()):
        raise ChantError(
            f"{spec.id} already has members",
            hint=f"`chant group {spec.id}` shows them; split a member instead",
        )


def split_prompt(project: Project, spec: Spec) -> str:
    values = prompts.variables(project, spec, project.root, "", spec.path)
    values["schema"] = proposals.schema_text()
    values["proposal.file"] = proposals.ANSWER_FILE
    return prompts.render(proposals.prompt_template(project, "split"), values)


def propose(
    project: Project,
    spec: Spec,
    *,
    agent: str | None = None,
    timeout: float | None = None,
    model: str | None = None,
) -> proposals.Proposal:
    from chant.run.invoke import agent_name

    check_splittable(project, spec)
    return proposals.request(
        project,
        key=f"split-{spec.id}",
        spec_id=spec.id,
        prompt=split_prompt(project, spec),
        agent=agent_name(project, agent, spec),
        need_title=False,
        timeout=timeout,
        model=model,
    )


def member_files(driver_id: str, first: int, proposal: proposals.Proposal) -> dict[str, str]:
    number_of = {n: f"{driver_id}.{first + n - 1}" for n in range(1, len(proposal.members) + 1)}
    return {
        number_of[n]: proposals.member_text(driver_id, number_of, member)
        for n, member in enumerate(proposal.members, start=1)
    }


def write(project: Project, spec: Spec, proposal: proposals.Proposal, *, commit: bool = True) -> Written:
    """The members' files and the driver's ``type: driver`` (and ``members:``, if it lists them), or none."""
    with locked(project.lock_path("add"), timeout=60):
        project.specs(refresh=True)
        spec = project.reload(spec.id)
        check_splittable(project, spec)
        files = member_files(spec.id, 1, proposal)
        paths = proposals.write_all(project, files)
        updates: dict[str, object] = {}
        if spec.type not in DRIVER_TYPES:
            updates["type"] = "driver"
        if "members" in spec.frontmatter:
            updates["members"] = [*spec.members_field, *files]
        try:
            driver = project.update_spec(spec.id, updates) if updates else spec
        except BaseException:
            for path in paths:
                path.unlink(missing_ok=True)
            raise
        project.specs(refresh=True)
    written = Written(spec.id, list(files), [*paths, driver.path])
    if commit:
        written.commit = project.commit(written.paths, f"chant({spec.id}): split into {len(files)} members")
    return written
