"""drift: the report of one spec, the cascade tree of all of them, and the markdown dashboard."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from chant.cli import common, render
from chant.shell import quote

if TYPE_CHECKING:
    from chant.drift import DriftResult, FileChange, SpecDrift


@click.command()
@common.spec_id_argument("spec_id", required=False)
@click.option(
    "--all", "show_all", is_flag=True, help="Every completed spec, with the cascade through depends_on."
)
@common.json_option()
@click.option("--exit-code", is_flag=True, help="Exit 1 when anything drifted (for CI).")
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write a markdown dashboard (spec health, file changes, actions) to this file.",
)
def drift(
    spec_id: str | None, show_all: bool, as_json: bool, exit_code: bool, report_path: Path | None
) -> None:
    """Report completed specs whose input files changed since they completed (read-only).

    \b
    chant drift ID        the report of one spec (a driver with its members)
    chant drift [--all]   every completed spec: the cascade tree and what to re-run, upstream first
    """
    from chant import drift as engine
    from chant.ops.reports import drift_chosen, drift_payload, drift_target

    proj = common.project()
    target = drift_target(proj, spec_id if not show_all else None)
    if target is not None and target.archived:
        result = engine.check_archived(proj, target)
    else:
        result = engine.check_all(
            proj, around=target.id if target is not None and report_path is None else None
        )
    chosen = drift_chosen(result, target)
    if report_path is not None:
        report_path.parent.mkdir(parents=True, exist_ok=True)
        report_path.write_text(dashboard(result), encoding="utf-8")
    if as_json:
        render.emit_json(drift_payload(chosen, result, target is None))
    elif target is not None:
        click.echo(single_report(result, target.id), nl=False)
    else:
        click.echo(cascade_report(result), nl=False)
    if report_path is not None and not as_json:
        click.echo(f"\nWrote drift dashboard to {report_path}")
    if exit_code and any(r.stale for r in chosen):
        raise SystemExit(1)


def _all_members(result: DriftResult, driver: str) -> list[str]:
    found: list[str] = []
    for member in result.graph.members(driver):
        found += [member, *_all_members(result, member)]
    return found


def _ref(result: DriftResult, spec_id: str) -> str:
    from chant.drift import short_id

    return short_id(spec_id, list(result.graph.specs))


def _command(result: DriftResult, spec_id: str) -> str:
    ref = _ref(result, spec_id)
    return f"chant reset {quote(ref)} && chant work {quote(ref)}"


def _date(value: str | None) -> str:
    return (value or "unknown")[:10]


# -- one spec -------------------------------------------------------------------------------------------
def _changes(report: SpecDrift, indent: str) -> list[str]:
    from chant.drift import FIELD_LABELS

    lines: list[str] = []
    for field_name, label in FIELD_LABELS.items():
        changes = [c for c in report.changes if c.source == field_name]
        if not changes:
            continue
        lines.append(f"{indent}{label} files changed since completion ({_date(report.completed_at)}):")
        for change in changes:
            lines += _file(change, indent + "  ")
        rows = [int(n.split(": ", 1)[1]) for c in changes for n in c.notes if n.startswith("Rows added: ")]
        if len(rows) > 1:
            lines.append(f"{indent}  Total new observations: {sum(rows)}")
        lines.append("")
    return lines


def _file(change: FileChange, indent: str) -> list[str]:
    date = change.date or "unknown"
    lines = [f"{indent}- {change.path}", f"{indent}    {change.kind.capitalize()}: {date}"]
    if change.kind == "added":
        lines.append(f"{indent}    Status: New file")
    elif change.kind == "deleted":
        lines.append(f"{indent}    Status: File removed")
    lines.append(f"{indent}    Lines changed: +{change.added}, -{change.removed}")
    lines += [f"{indent}    {note}" for note in change.notes]
    return lines


def _targets(report: SpecDrift) -> list[str]:
    if not report.targets:
        return []
    heading = {
        "documentation": "Documentation may be outdated for:",
        "research": "Analysis may need updating for:",
    }.get(report.type, "Outputs that may be outdated:")
    lines = [heading]
    for hint in report.targets:
        note = ""
        if hint.sections:
            noun = "section" if len(hint.sections) == 1 else "sections"
            note = f" ({', '.join(hint.sections)} {noun})"
        lines.append(f"  - {hint.path}{note}")
    return [*lines, ""]


def _advice(report: SpecDrift) -> str:
    if report.members:
        return "Reset and re-run the whole driver (its members are reset too)"
    if report.type == "documentation":
        return "Re-run spec to update documentation"
    if report.type == "research":
        if any(c.source in ("informed_by", "origin") for c in report.changes):
            return "Re-run spec with updated inputs"
        return "Re-run spec to refresh the analysis"
    return "Review the changes; re-run the spec if its work is affected"


def single_report(result: DriftResult, spec_id: str) -> str:
    report = result.reports[spec_id]
    lines = ["Drift Report", "============", "", f"Spec: {report.spec_id} ({report.title})"]
    lines += [f"Status: {report.state}", ""]
    if not report.stale:
        if not report.counts:
            lines.append("No input files declared (tracks, informed_by, origin, context)")
        from chant.drift import FIELD_LABELS

        for field_name, count in report.counts.items():
            label = FIELD_LABELS[field_name]
            lines.append(f"{label} files ({count}) unchanged since completion ({_date(report.completed_at)})")
        if report.next_check:
            from chant import clock

            due = report.schedule and report.next_check <= clock.now().strftime("%Y-%m-%d")
            note = " (due now: `chant work --due`)" if due else ""
            lines += ["", f"Next check scheduled: {report.next_check}{note}"]
        return "\n".join(lines) + "\n"
    if report.changes:
        lines += _changes(report, "")
        lines += _targets(report)
    if report.members:
        lines.append("Members with drift:")
        for member in report.members:
            sub = result.reports[member]
            lines.append(f"  {member} ({sub.title}): {sub.state}")
            lines += _changes(sub, "    ")
        chain = _member_chain(result, spec_id)
        if chain:
            lines += [f"Cascade: {chain}", ""]
    if report.drifted:
        lines += [f"Recommendation: {_advice(report)}", f"  $ {_command(result, spec_id)}"]
        return "\n".join(lines) + "\n"
    roots = [r for r in result.roots(spec_id) if r != spec_id]
    lines.append("Upstream drift:")
    for root in roots:
        up = result.reports[root]
        lines.append(f"  - {root} ({up.title}): {up.state}")
        lines.append(f"      {_drift_line(result, up)}")
    lines += ["", "Recommendation: Re-run upstream spec first"]
    from chant.drift import RERUN_TYPES

    driver = result.graph.driver_of(spec_id)
    if driver is not None and driver in result.reports and result.reports[driver].stale:
        lines.append(f"  $ {_command(result, driver)}  (the whole driver, its members included)")
        return "\n".join(lines) + "\n"
    rerun, _review = result.recommendations()
    ancestors = result.ancestors(spec_id)
    lines += [f"  $ {_command(result, r)}" for r in rerun if r in ancestors]
    if report.type in RERUN_TYPES:
        lines.append(f"  $ {_command(result, spec_id)}")
    else:
        lines.append(
            f"  then review {_ref(result, spec_id)} ({report.type} specs are not re-run automatically)"
        )
    return "\n".join(lines) + "\n"


def _member_chain(result: DriftResult, driver: str) -> str:
    """``drv.1 → drv.2 → drv.3, drv.4``: drifted members, then the members stale because of them."""
    from chant.spec import ids

    members = set(_all_members(result, driver))
    layers = [result.reports[driver].members]
    seen = set(layers[0])
    while True:
        nxt = ids.sorted_ids(
            m
            for m in members
            if m in result.reports and m not in seen and set(result.reports[m].upstream) & set(layers[-1])
        )
        if not nxt:
            break
        layers.append(nxt)
        seen.update(nxt)
    if len(layers) == 1:
        return ""
    return " → ".join(", ".join(_ref(result, s) for s in layer) for layer in layers)


# -- every spec: the cascade tree -----------------------------------------------------------------------
def _drift_line(result: DriftResult, report: SpecDrift) -> str:
    if report.changes:
        # The page's short form (`production-metrics.md changed`), but a path whenever the base name alone
        # is ambiguous (src/reporting/routes.py vs services/reporting/src/routes.py).
        every = {c.path for r in result.reports.values() for c in r.changes}
        base = [p.rsplit("/", 1)[-1] for p in every]
        names = [
            c.path.rsplit("/", 1)[-1] if base.count(c.path.rsplit("/", 1)[-1]) == 1 else c.path
            for c in report.changes
        ]
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        return f"DRIFT: {shown} changed"
    members = ", ".join(_ref(result, m) for m in report.members)
    return f"DRIFT (via member): {members}"


def _layout(result: DriftResult) -> tuple[list[str], dict[str, list[str]]]:
    """Roots (specs with own drift, upstream first) and each node's children, breadth first so a spec sits
    under the nearest root that reaches it and appears once."""
    from chant.spec import ids

    order = result.topo_stale()
    roots: list[str] = []
    children: dict[str, list[str]] = {}
    placed: set[str] = set()
    for root in order:
        if not result.reports[root].drifted or root in placed:
            continue
        roots.append(root)
        placed.add(root)
        queue = [root]
        while queue:
            node = queue.pop(0)
            # A driver's stale members sit under it (children() folds them into their driver), so the
            # tree names every spec the summary counts.
            members = [
                m for m in result.graph.members(node) if m in result.reports and result.reports[m].stale
            ]
            kids = [c for c in ids.sorted_ids({*result.children(node), *members}) if c not in placed]
            children[node] = kids
            placed.update(kids)
            queue += kids
    return roots, children


def _subtree(result: DriftResult, node: str, children: dict[str, list[str]], prefix: str) -> list[str]:
    lines: list[str] = []
    kids = children.get(node, [])
    for index, kid in enumerate(kids):
        last = index == len(kids) - 1
        report = result.reports[kid]
        lines.append(f"{prefix}│")
        lines.append(f"{prefix}{'└─>' if last else '├─>'} {kid} ({report.type})")
        cont = prefix + ("      " if last else "│     ")
        lines.append(f"{cont}Status: {report.state}")
        if report.drifted:
            lines.append(f"{cont}{_drift_line(result, report)}")
        lines += _subtree(result, kid, children, cont)
    return lines


def _purpose(report: SpecDrift) -> str:
    if report.members:
        return f"Re-run driver ({report.title})"
    if report.type == "research":
        return f"Refresh analysis ({report.title})"
    if report.type == "documentation":
        return f"Update documentation ({report.title})"
    return report.title


def cascade_report(result: DriftResult) -> str:
    lines = ["Drift Report", "============", ""]
    reports = result.ordered()
    if not reports:
        return "\n".join([*lines, "No completed specs to check."]) + "\n"
    stale = [r for r in reports if r.stale]
    if not stale:
        return "\n".join([*lines, f"All {len(reports)} completed spec(s) are up to date."]) + "\n"
    cascade = any(r.upstream for r in reports)
    lines += ["Cascade detected:" if cascade else "Drift detected:", ""]
    roots, children = _layout(result)
    for root in roots:
        report = result.reports[root]
        lines.append(f"{root} ({report.title})")
        lines.append(f"  └─ {_drift_line(result, report)}")
        lines += _subtree(result, root, children, "      ")
        lines.append("")
    rerun, review = result.recommendations()
    if rerun:
        lines.append(
            "Recommendation: " + ("Re-run upstream spec first" if cascade else "Re-run drifted specs")
        )
        for number, spec_id in enumerate(rerun, 1):
            lines.append(f"  {number}. `{_command(result, spec_id)}` — {_purpose(result.reports[spec_id])}")
        lines.append("")
    if review:
        lines.append("Review (not re-run automatically):")
        for spec_id in review:
            report = result.reports[spec_id]
            lines.append(f"  - {spec_id} ({report.type}): {report.state}")
        lines.append("")
    # Count only what the report names (the tree, the recommendations, the review list).
    named = {*roots, *(kid for kids in children.values() for kid in kids), *rerun, *review}
    lines.append(
        f"{len(named)} of {len(reports)} completed spec(s) need attention; details: chant drift <id>"
    )
    return "\n".join(lines) + "\n"


# -- the dashboard ----------------------------------------------------------------------------------------
def dashboard(result: DriftResult) -> str:
    from chant import clock
    from chant.drift import DRIFT, VIA_MEMBER

    now = clock.now()
    lines = [
        "# Drift Status",
        "",
        f"Updated: {clock.iso(now)} (`chant drift --report`)",
        "",
        "## Spec Health",
        "",
        "| Spec | Type | Last Run | Status | Days Since |",
        "|------|------|----------|--------|------------|",
    ]
    short = {DRIFT: "DRIFT", VIA_MEMBER: "DRIFT (via member)"}
    for report in result.ordered():
        status = short.get(report.state, "CASCADE" if report.upstream else "OK")
        days = ""
        if report.completed_at:
            try:
                days = str((now.date() - clock.parse_time(report.completed_at).date()).days)
            except ValueError:
                days = ""
        lines.append(
            f"| {_ref(result, report.spec_id)} | {report.type} | {_date(report.completed_at)} | {status} | {days} |"
        )
    lines += ["", "## Tracked File Changes", ""]
    changes = [(r, c) for r in result.ordered() for c in r.changes]
    if changes:
        lines += ["| File | Changed | Lines | Spec | Field |", "|------|---------|-------|------|-------|"]
        for report, change in changes:
            lines.append(
                f"| `{change.path}` | {change.date or 'unknown'} ({change.kind}) | +{change.added}, "
                f"-{change.removed} | {_ref(result, report.spec_id)} | {change.source} |"
            )
    else:
        lines.append("No input file changed since the specs completed.")
    lines += ["", "## Recommended Actions", ""]
    rerun, review = result.recommendations()
    for number, spec_id in enumerate(rerun, 1):
        lines.append(f"{number}. `{_command(result, spec_id)}` — {_purpose(result.reports[spec_id])}")
    for spec_id in review:
        lines.append(
            f"- Review `{_ref(result, spec_id)}` ({result.reports[spec_id].type}): "
            f"{result.reports[spec_id].state}"
        )
    if not rerun and not review:
        lines.append("None: every completed spec is up to date.")
    return "\n".join(lines) + "\n"
