"""Write tools: add, update (through the round-trip writer), cancel, reset, archive, approve, reject,
finalize, verify. Each refuses what the CLI command of the same name refuses, with its message.

Stricter than the CLI where the caller is an agent: path fields must stay inside the project (the CLI checks
only ``target_files``), and criteria commands run only when the user opted in (``verify.run_commands: true``
in config.md, or ``chant mcp --allow-commands``) -- an argument from the client is not an opt-in, since
spec text can steer the client.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from chant.errors import ChantError
from chant.mcp import schemas
from chant.mcp.server import Chant, Settings
from chant.mcp.tools_read import SpecId, SpecType

VERIFY_AT_ONCE = 50
PATH_FIELDS = ("target_files", "informed_by", "tracks", "origin", "context")
Strings = list[str] | None


def check_paths(root: Any, field: str, values: list[str]) -> None:
    from chant import validate

    for value in values:
        reason = validate.outside_problem(root, value, symlinks=True)
        if reason is not None or value.startswith("~"):
            raise ChantError(
                f"{field} {value!r} {reason or 'is outside the project'}",
                hint="paths are relative to the repository root and stay inside it",
            )


def register(chant: Chant) -> None:  # noqa: C901, PLR0915 - the tool table: one closure per tool, registered here
    tool = chant.tool

    @tool("chant_add", schemas.CREATED)
    def add(
        settings: Settings,
        title: Annotated[str, Field(description="The spec's title (one line).", min_length=1)],
        body: Annotated[str | None, Field(description="Markdown for the body, after the title.")] = None,
        type: SpecType = "code",
        group: Annotated[
            str | None, Field(description="Add as the next member <driver>.N of this driver.")
        ] = None,
        depends_on: Annotated[Strings, Field(description="IDs this spec waits for.")] = None,
        labels: Strings = None,
        criteria: Annotated[
            Strings, Field(description="Acceptance criteria (default: the title, to edit).")
        ] = None,
        target_files: Annotated[Strings, Field(description="Files the spec must produce.")] = None,
        informed_by: Strings = None,
        tracks: Strings = None,
        prompt: Annotated[str | None, Field(description="Prompt name from .chant/prompts/.")] = None,
        needs_approval: bool = False,
    ) -> dict[str, Any]:
        """Create a spec and commit it, as `chant add`. Example: {"title": "Add a health endpoint",
        "criteria": ["GET /health returns 200"], "target_files": ["app/health.py"]}; a driver's member:
        {"title": "API extraction", "group": "001-ext"}."""
        from chant.ops.create import NewSpec, create_spec

        if "\n" in title.strip():
            raise ChantError("title must be one line", hint="put the rest in body")
        project = settings.project()
        for name, values in (
            ("target_files", target_files),
            ("informed_by", informed_by),
            ("tracks", tracks),
        ):
            check_paths(project.root, name, values or [])
        new = NewSpec(
            title.strip(),
            type,
            group,
            [project.resolve(d).id for d in depends_on or []],
            list(labels or []),
            prompt,
            list(target_files or []),
            list(informed_by or []),
            list(tracks or []),
            [],
            needs_approval,
            list(criteria or []),
            body,
        )
        spec = create_spec(project, new)
        from chant import git

        return {"id": spec.id, "path": project.rel(spec.path), "commit": git.head(project.root)}

    @tool("chant_spec_update", schemas.SET)
    def spec_update(
        settings: Settings,
        id: SpecId,
        set: Annotated[
            dict[str, str] | None,
            Field(
                description='Fields to set, as `chant set` KEY=VALUE: {"priority": "high", "labels": "a,b"}.'
            ),
        ] = None,
        add: Annotated[
            dict[str, list[str]] | None, Field(description="Items to append to list fields.")
        ] = None,
        remove: Annotated[
            dict[str, list[str]] | None, Field(description="Items to remove from list fields.")
        ] = None,
        unset: Annotated[Strings, Field(description="Fields to remove.")] = None,
    ) -> dict[str, Any]:
        """Change a spec's frontmatter through the round-trip writer (only the edited lines change) and commit,
        as `chant set --json`. Example: {"id": "001", "set": {"priority": "high"}, "add": {"labels": ["api"]}}."""
        from chant.ops.reports import assessment
        from chant.ops.set import set_fields

        if not (set or add or remove or unset):
            raise ChantError("nothing to update: give set, add, remove or unset")
        project = settings.project()
        spec = project.resolve(id, action="set")
        for key, value in (set or {}).items():
            if key in PATH_FIELDS:
                check_paths(project.root, key, [v.strip() for v in value.split(",") if v.strip()])
        for key, values in (add or {}).items():
            if key in PATH_FIELDS:
                check_paths(project.root, key, values)
        changed = set_fields(
            project,
            spec,
            assign=[f"{k}={v}" for k, v in (set or {}).items()],
            add=[f"{k}={v}" for k, items in (add or {}).items() for v in items],
            remove=[f"{k}={v}" for k, items in (remove or {}).items() for v in items],
            unset=list(unset or []),
        )
        from chant.graph import Graph

        grade = assessment(project, Graph.of(project.specs(refresh=True)), changed.spec.id)
        return {
            "id": changed.spec.id,
            "path": project.rel(changed.spec.path),
            "changes": [c.to_dict() for c in changed.changes],
            "warnings": changed.warnings,
            "commit": changed.commit,
            "quality": grade.to_dict(),
        }

    @tool("chant_cancel", schemas.CHANGED, destructive=True)
    def cancel(settings: Settings, id: SpecId) -> dict[str, Any]:
        """Cancel a spec (soft: status cancelled, the file stays; dependents treat it as satisfied)."""
        from chant.ops import cancel as ops

        project = settings.project()
        spec = project.resolve(id, action="cancel")
        dependents = ops.dependents_of(project, spec.id)
        after = ops.cancel(project, spec)
        note = f" ({len(dependents)} spec(s) depend on it: {', '.join(dependents)})" if dependents else ""
        return {"id": after.id, "status": after.status.value, "message": f"Cancelled {after.id}{note}"}

    @tool("chant_reset", schemas.CHANGED, destructive=True)
    def reset(
        settings: Settings,
        id: SpecId,
        discard: Annotated[bool, Field(description="Also delete the spec's branch and its commits.")] = False,
    ) -> dict[str, Any]:
        """Make a spec pending again (a driver's members too); the branch is kept unless discard."""
        from chant.ops.lifecycle import reset as do_reset

        project = settings.project()
        spec = project.resolve(id, action="reset")
        done = do_reset(project, spec, discard=discard)
        return {
            "id": spec.id,
            "status": project.reload(spec.id).status.value,
            "ids": done,
            "message": "Reset " + ", ".join(done) + " to pending",
        }

    @tool("chant_archive", schemas.ARCHIVE, destructive=True)
    def archive(
        settings: Settings,
        id: Annotated[
            str | None, Field(description="One spec (a driver with its members); default: all done.")
        ] = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """Move completed and cancelled specs to .chant/archive/<date>/ in one commit (`chant archive`)."""
        from chant.ops import archive as ops

        project = settings.project()
        plan = ops.plan(project, project.resolve(id).id if id else None)
        sha = None if dry_run or not plan.moves else ops.apply(project, plan)
        return {
            "dry_run": dry_run,
            "moves": [{"id": s, "from": project.rel(a), "to": project.rel(b)} for s, a, b in plan.moves],
            "skipped": [{"id": s, "reason": why} for s, why in plan.skipped],
            "commit": sha,
        }

    def _approval(settings: Settings, id: str, approved: bool, by: str, reason: str | None) -> dict[str, Any]:
        from chant.ops.lifecycle import set_approval

        if not by.strip():
            raise ChantError("by must name who decides")
        project = settings.project()
        spec = project.resolve(id, action="approve" if approved else "reject")
        after = set_approval(project, spec, approved=approved, by=by.strip(), reason=reason)
        verb = "Approved" if approved else "Rejected"
        return {"id": after.id, "status": after.status.value, "message": f"{verb} {after.id}"}

    @tool("chant_approve", schemas.CHANGED)
    def approve(
        settings: Settings, id: SpecId, by: Annotated[str, Field(description="Who approves.", min_length=1)]
    ) -> dict[str, Any]:
        """Approve a spec that needs approval, so work can run it."""
        return _approval(settings, id, True, by, None)

    @tool("chant_reject", schemas.CHANGED)
    def reject(
        settings: Settings,
        id: SpecId,
        by: Annotated[str, Field(description="Who rejects.", min_length=1)],
        reason: Annotated[str, Field(description="Why.", min_length=1)],
    ) -> dict[str, Any]:
        """Reject a spec: it will not run until approved."""
        return _approval(settings, id, False, by, reason)

    @tool("chant_finalize", schemas.OUTCOME)
    def finalize(settings: Settings, id: SpecId) -> dict[str, Any]:
        """Check, merge and complete a spec whose agent finished but chant did not record it."""
        from chant.ops.finalize import finalize as do_finalize

        project = settings.project()
        outcome = do_finalize(project, project.resolve(id).id)
        return {
            "id": outcome.spec_id,
            "ok": outcome.ok,
            "state": outcome.state,
            "reason": outcome.reason,
            "commits": list(outcome.commits),
        }

    @tool("chant_verify", schemas.VERIFY)
    def verify(
        settings: Settings,
        id: Annotated[
            str | None, Field(description="One completed spec (default: every completed spec).")
        ] = None,
        use_agent: Annotated[
            bool, Field(description="Ask the agent about criteria commands cannot check.")
        ] = False,
        run_commands: Annotated[
            bool, Field(description="Run criteria's backticked commands (needs the user's opt-in, see docs).")
        ] = False,
        timeout: Annotated[float | None, Field(description="Seconds per command.", gt=0)] = None,
    ) -> dict[str, Any]:
        """Re-check completed specs' target files and criteria, as `chant verify --json`; results are
        recorded in the spec. Commands named in criteria run only where the user opted in."""
        from chant import verify as engine

        project = settings.project()
        allowed = settings.allow_commands or engine.commands_enabled(project)
        if run_commands and not allowed:
            raise ChantError(
                "running criteria commands needs the user's opt-in",
                hint="verify.run_commands: true in .chant/config.md, or start the server with "
                "`chant mcp --allow-commands`",
            )
        chosen = engine.targets(project, id, False)
        if not chosen:
            raise ChantError("No completed specs to verify", hint="`chant list --status completed`")
        reports = [
            engine.verify_spec(
                project, spec, use_agent=use_agent, timeout=timeout, run_commands=allowed and run_commands
            )
            for spec in chosen[:VERIFY_AT_ONCE]
        ]
        done = {"specs": [r.to_dict() for r in reports], "commands_run": allowed and run_commands}
        if len(chosen) > VERIFY_AT_ONCE:  # one call stays short; say what is left instead of cutting silently
            done["not_verified"] = [s.id for s in chosen[VERIFY_AT_ONCE:]]
        return done
