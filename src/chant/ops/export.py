"""``chant export``: the specs ``chant list`` would show, as JSON, CSV or a markdown report.

Selection is ``ops.query.select`` (the list filters) plus ``ops.query.search``; this module only picks the
fields and formats them. CSV cells are plain text for scalars and JSON for lists and mappings, so every row
round-trips through ``csv`` + ``json`` without loss; the markdown form is a readable report in the seed's
validation-report style (a summary table, then one table of the specs).
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from typing import Any

from chant import clock, states
from chant.errors import ChantError
from chant.graph import Graph
from chant.spec.model import KNOWN_FIELDS, Spec
from chant.spec.model import _jsonable as jsonable
from chant.spec.status import Status

FORMATS = ("json", "csv", "md")
FORMAT_ALIASES = {"markdown": "md"}
DEFAULT_FIELDS = ("id", "type", "status", "state", "title", "labels", "model", "completed_at")
ALL_FIELDS = (
    *DEFAULT_FIELDS,
    "driver",
    "depends_on",
    "blocked_by",
    "target_files",
    "criteria",
    "criteria_checked",
    "agent",
    "commits",
    "cost_usd",
    "tokens",
    "failure_reason",
    "tracks",
    "informed_by",
    "origin",
    "context",
    "schedule",
    "approval",
)
LIST_VALUED = (
    "labels",
    "depends_on",
    "target_files",
    "commits",
    "tracks",
    "informed_by",
    "origin",
    "context",
)


def parse_format(name: str) -> str:
    fmt = FORMAT_ALIASES.get(name.lower(), name.lower())
    if fmt not in FORMATS:
        raise ChantError(f"unknown export format '{name}'", hint="use json, csv or md (markdown)")
    return fmt


def parse_fields(text: str | None, specs: list[Spec]) -> list[str]:
    """``None`` -> the defaults; ``all``; else a comma list of known fields or frontmatter keys."""
    if not text:
        return list(DEFAULT_FIELDS)
    if text.strip() == "all":
        return list(ALL_FIELDS)
    names = [name.strip() for name in text.split(",") if name.strip()]
    present = {key for spec in specs for key in spec.frontmatter}
    unknown = [n for n in names if n not in ALL_FIELDS and n not in KNOWN_FIELDS and n not in present]
    if unknown:
        raise ChantError(
            f"unknown field{'s' if len(unknown) > 1 else ''} for --fields: {', '.join(unknown)}",
            hint="fields: " + ", ".join(ALL_FIELDS) + " (or any frontmatter key; `all` for every field)",
        )
    return list(dict.fromkeys(names))


def value(graph: Graph, spec: Spec, name: str) -> Any:
    if name == "id":
        return spec.id
    if name == "title":
        return spec.title
    if name == "state":
        return graph.display_status(spec.id) if spec.id in graph.specs else spec.status.value
    if name == "status":
        return spec.status.value
    if name == "type":
        return spec.type
    if name == "driver":
        return graph.driver_of(spec.id)
    if name == "blocked_by":
        return [str(b) for b in graph.blockers(spec.id)] if spec.status == Status.PENDING else []
    if name == "criteria":
        return len(spec.criteria)
    if name == "criteria_checked":
        return sum(1 for c in spec.criteria if c.checked)
    if name in LIST_VALUED:
        return spec.values(name)
    return jsonable(spec.get(name))  # dates and other YAML scalars as text, as in `chant show --json`


def rows(graph: Graph, specs: list[Spec], fields: list[str]) -> list[dict[str, Any]]:
    return [{name: value(graph, spec, name) for name in fields} for spec in specs]


def to_json(table: list[dict[str, Any]], fields: list[str]) -> str:
    payload = {"schema": 1, "fields": fields, "count": len(table), "specs": table}
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def csv_cell(item: Any) -> str:
    if item is None:
        return ""
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, list | dict):
        return json.dumps(item, ensure_ascii=False)
    return str(item)


def to_csv(table: list[dict[str, Any]], fields: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(fields)
    for row in table:
        writer.writerow([csv_cell(row[name]) for name in fields])
    return out.getvalue()


def _md_cell(item: Any) -> str:
    if item is None or item == [] or item == "":
        return "—"
    if isinstance(item, list):
        text = ", ".join(str(v) for v in item)
    elif isinstance(item, dict):
        text = ", ".join(f"{k}: {v}" for k, v in item.items())
    elif isinstance(item, float):
        text = f"{item:,.4f}".rstrip("0").rstrip(".")
    else:
        text = str(item)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _md_table(headers: list[str], body: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("-" * (len(h) + 2) for h in headers) + "|"]
    lines += ["| " + " | ".join(cells) + " |" for cells in body]
    return lines


def to_markdown(
    graph: Graph,
    specs: list[Spec],
    table: list[dict[str, Any]],
    fields: list[str],
    *,
    title: str,
    filters: str,
) -> str:
    counts = Counter(value(graph, spec, "state") for spec in specs)
    lines = [f"# Spec report: {title}", ""]
    lines.append(f"{len(specs)} spec{'s' if len(specs) != 1 else ''} · exported {clock.iso()}" + filters)
    lines += ["", "## Summary", ""]
    order = [s for s in states.STATES if s in counts] + sorted(set(counts) - set(states.STATES))
    lines += _md_table(
        ["State", "Specs", "Share"],
        [
            [
                f"{states.ICONS.get(s, '?')} {s.replace('_', ' ')}",
                str(counts[s]),
                f"{counts[s] / len(specs):.0%}",
            ]
            for s in order
        ],
    )
    spent = [float(c) for spec in specs if isinstance(c := spec.get("cost_usd"), int | float)]
    if spent:
        lines += ["", "| Cost | Specs with a cost | Total |", "|------|-------------------|-------|"]
        lines.append(f"| Agent spend | {len(spent)} | ${sum(spent):,.2f} |")
    lines += ["", "## Specs", ""]
    headers = [name.replace("_", " ").capitalize() if name != "id" else "ID" for name in fields]
    body = []
    for row in table:
        cells = []
        for name in fields:
            item = row[name]
            if name == "state" and isinstance(item, str):
                item = f"{states.ICONS.get(item, '?')} {item.replace('_', ' ')}"
            cells.append(_md_cell(item))
        body.append(cells)
    lines += _md_table(headers, body) if body else ["No specs match."]
    return "\n".join(lines) + "\n"


def export(
    graph: Graph, specs: list[Spec], fmt: str, fields: list[str], *, title: str = "chant", filters: str = ""
) -> str:
    """The document for ``specs`` (already selected) in ``fmt`` with ``fields``."""
    table = rows(graph, specs, fields)
    if fmt == "json":
        return to_json(table, fields)
    if fmt == "csv":
        return to_csv(table, fields)
    return to_markdown(graph, specs, table, fields, title=title, filters=filters)
