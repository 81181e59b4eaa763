"""The ``chant`` command: a thin click layer over the chant modules.

Subcommands are imported only when invoked, so ``chant --version`` and ``chant list`` stay fast. This module
imports nothing heavy (not even click): ``chant --version`` answers from here; everything else goes through
the click group in ``chant.cli._group``.
"""

from __future__ import annotations

import os
import sys

from chant import __version__

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs ~5 ms of `chant --version`
if TYPE_CHECKING:
    from typing import Any

    from chant.cli._group import LazyGroup

# name -> (module:attribute, one-line help shown by `chant --help` without importing the module)
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("chant.cli.init_cmd:init", "Create .chant/ (config, specs, prompts) in this repository."),
    "add": ("chant.cli.spec_cmds:add", "Create a spec (or the next member of a driver with --group)."),
    "template": ("chant.cli.template_cmd:template", "List and show spec templates (.chant/templates/)."),
    "list": ("chant.cli.query_cmds:list_cmd", "List specs with their computed state."),
    "show": ("chant.cli.spec_cmds:show", "Show one spec: fields, dependencies, members, criteria."),
    "edit": ("chant.cli.spec_cmds:edit", "Open a spec in $EDITOR and check it afterwards."),
    "set": ("chant.cli.set_cmd:set_cmd", "Set a spec's fields (KEY=VALUE, --add/--remove for lists)."),
    "next": (
        "chant.cli.set_cmd:next_cmd",
        "Print the ready spec to work next (priority, then what it unblocks).",
    ),
    "ready": ("chant.cli.query_cmds:ready", "List specs that can be worked now."),
    "status": ("chant.cli.query_cmds:status", "Summarise the project: counts, attention, ready work."),
    "search": ("chant.cli.query_cmds:search", "Find specs whose title or body contains text."),
    "dag": ("chant.cli.graph_cmds:dag", "Print the dependency graph (text tree or mermaid)."),
    "group": ("chant.cli.graph_cmds:group", "Show a driver's members, their status and phases."),
    "lint": ("chant.cli.graph_cmds:lint", "Check specs: YAML, titles, dependencies, cycles, members."),
    "cancel": ("chant.cli.spec_cmds:cancel", "Cancel a spec (soft: sets status: cancelled)."),
    "split": ("chant.cli.plan_cmds:split", "Ask the agent to break a spec into member specs."),
    "plan": ("chant.cli.plan_cmds:plan", "Ask the agent to turn a requirements document into a driver."),
    "work": ("chant.cli.work_cmd:work", "Execute specs with an agent in isolated worktrees."),
    "reset": ("chant.cli.lifecycle_cmds:reset", "Make a spec pending again (keeps its branch and commits)."),
    "replay": (
        "chant.cli.lifecycle_cmds:replay",
        "Re-run a completed spec, keeping its original completion.",
    ),
    "log": ("chant.cli.lifecycle_cmds:log", "Print a spec's agent log."),
    "approve": ("chant.cli.lifecycle_cmds:approve", "Approve a spec that needs approval."),
    "reject": ("chant.cli.lifecycle_cmds:reject", "Reject a spec (it will not run)."),
    "finalize": (
        "chant.cli.maint_cmds:finalize",
        "Check, merge and complete a spec whose agent already finished.",
    ),
    "merge": ("chant.cli.maint_cmds:merge", "Merge kept chant branches (--list shows their state)."),
    "archive": ("chant.cli.maint_cmds:archive", "Move completed/cancelled specs to .chant/archive/<date>/."),
    "diagnose": (
        "chant.cli.maint_cmds:diagnose",
        "Explain a spec's state and print the command that fixes it.",
    ),
    "doctor": (
        "chant.cli.doctor_cmd:doctor",
        "Check the project and environment as `chant work` would; print each fix.",
    ),
    "cleanup": ("chant.cli.maint_cmds:cleanup", "Remove orphan worktrees, finished branches, stale locks."),
    "pause": ("chant.cli.maint_cmds:pause", "Stop a running spec's agent and mark it paused."),
    "takeover": ("chant.cli.maint_cmds:takeover", "Pause a spec and hand its worktree and branch to you."),
    "drift": ("chant.cli.drift_cmd:drift", "Report completed specs whose input files changed."),
    "verify": ("chant.cli.verify_cmd:verify", "Re-check completed specs' acceptance criteria and outputs."),
    "cost": ("chant.cli.cost_cmd:cost", "Report agent spend by spec, driver, agent, model and day."),
    "export": ("chant.cli.export_cmd:export", "Export specs as JSON, CSV or a markdown report."),
    "serve": ("chant.cli.web_cmds:serve", "Serve the live dashboard on 127.0.0.1 (needs chant[web])."),
    "site": ("chant.cli.web_cmds:site", "Build the dashboard's pages as a static site (or serve one)."),
    "mcp": ("chant.cli.mcp_cmd:mcp", "Serve chant's tools to agents over MCP (stdio or HTTP)."),
    "version": ("chant.cli.misc_cmds:version", "Print chant's version."),
    "completion": ("chant.cli.misc_cmds:completion", "Print a shell completion script (bash, zsh, fish)."),
}


def __getattr__(name: str) -> Any:
    """``chant.cli.cli`` and ``chant.cli.LazyGroup`` live in ``chant.cli._group`` (imported on first use)."""
    if name in ("cli", "LazyGroup"):
        from chant.cli import _group

        return getattr(_group, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main(argv: list[str] | None = None) -> Any:
    args = sys.argv[1:] if argv is None else argv
    try:
        return _main(argv, args)
    except Exception as exc:  # a bug: ChantError and click's errors were handled in _group.run
        from chant.cli import crash

        sys.exit(crash.report(exc, args))


def _main(argv: list[str] | None, args: list[str]) -> Any:
    if "CHANT_CRASH_TEST" in os.environ:
        from chant.cli import crash

        crash.maybe_crash_for_test()
    if len(args) == 1 and args[0] in ("--version", "-V"):
        # The same line click's version option prints, without importing click (docs/design.md, "Hot read path").
        sys.stdout.write(f"chant {__version__}\n")
        sys.stdout.flush()
        return 0
    if args and args[0] in _SHORT_READ_ONLY:
        # These load every spec (~20 objects each, all kept until exit) and exit right away: the cyclic
        # GC would only walk those objects again and again (~15% of `chant list` on 5,000 specs).
        import gc

        gc.disable()
        if args[0] in ("list", "ready", "status"):
            from chant.cli import fast

            code = fast.run(args)
            if code is not None:
                return code
    from chant.cli._group import run

    return run(argv)


_SHORT_READ_ONLY = frozenset({"list", "ready", "status", "show", "search", "dag", "group", "lint"})


__all__ = ["COMMANDS", "LazyGroup", "main"]
