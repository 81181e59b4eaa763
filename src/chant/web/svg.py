"""Pictures drawn on the server as inline SVG, so a static page shows them without any script.

- :func:`timeline`: one bar per member from its journalled start to its end, grouped by phase (the seed's
  "Phase 1: Parallel" overlap is the bars lying side by side).
- :func:`dag`: a driver's members as a layered graph, one column per phase, arrows along ``depends_on``.
- :func:`bars_by_day` / :func:`bars_by_item`: the cost charts.

Everything is plain text assembly with escaping; colours come from the page's CSS (``state-<name>``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from chant.render import duration


@dataclass(frozen=True)
class Row:
    """One timeline row: a spec and, if a run of it was journalled, its start/end (epoch seconds)."""

    spec_id: str
    label: str
    phase: int
    start: float | None = None
    end: float | None = None  # None while running
    state: str = "none"
    href: str | None = None


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _clock(t: float) -> str:
    return time.strftime("%H:%M:%S", time.gmtime(t)) + " UTC"


def _ticks(span: float, count: int = 5) -> list[float]:
    """Round tick values (seconds) for an axis of ``span`` seconds."""
    steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400]
    step = next((s for s in steps if span / s <= count), steps[-1])
    return [n * step for n in range(int(span // step) + 1)]


def _tick_label(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{seconds / 60:.0f}m" if seconds % 60 == 0 else duration(seconds)
    return f"{seconds / 3600:.1f}h".replace(".0h", "h")


def _wrap(body: list[str], width: int, height: int, title: str, css: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{css}" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}"><title>{escape(title)}</title>' + "".join(body) + "</svg>"
    )


def _link(href: str | None, inner: str) -> str:
    return f'<a href="{escape(href)}">{inner}</a>' if href else inner


def timeline(rows: Sequence[Row], *, title: str, now: float | None = None, width: int = 820) -> str:
    """Bars on a shared time axis; rows without a journalled run say so instead of inventing times."""
    label_w, top, row_h, pad = 250, 30, 26, 70
    timed = [r for r in rows if r.start is not None]
    moment = now if now is not None else time.time()
    t0 = min((r.start for r in timed if r.start is not None), default=moment)
    t1 = max(((r.end if r.end is not None else moment) for r in timed), default=t0)
    span = max(t1 - t0, 1.0)
    plot_w = width - label_w - pad
    scale = plot_w / span
    phases = sorted({r.phase for r in rows})
    height = top + len(rows) * row_h + len(phases) * 18 + 10
    body: list[str] = []
    for tick in _ticks(span) if timed else []:
        x = label_w + tick * scale
        body.append(f'<line class="tick" x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 6}"/>')
        body.append(
            f'<text class="axis" x="{x:.1f}" y="{top - 12}" text-anchor="middle">{_tick_label(tick)}</text>'
        )
    y = top
    for phase in phases:
        body.append(f'<text class="phase" x="4" y="{y + 13}">Phase {phase}</text>')
        body.append(f'<line class="phase-rule" x1="0" y1="{y + 17}" x2="{width}" y2="{y + 17}"/>')
        y += 18
        for row in (r for r in rows if r.phase == phase):
            label = escape(_short(row.label, 38))
            body.append(_link(row.href, f'<text class="label" x="12" y="{y + 17}">{label}</text>'))
            if row.start is None:
                body.append(f'<text class="none" x="{label_w}" y="{y + 17}">no journalled run</text>')
            else:
                end = row.end if row.end is not None else moment
                x = label_w + (row.start - t0) * scale
                w = max((end - row.start) * scale, 2.0)
                took = duration(end - row.start)
                tip = f"{row.spec_id}: {row.state.replace('_', ' ')}, {took} (from {_clock(row.start)})"
                running = " running" if row.end is None else ""
                body.append(
                    f'<rect class="bar state-{escape(row.state)}{running}" data-id="{escape(row.spec_id)}" '
                    f'x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" rx="3">'
                    f"<title>{escape(tip)}</title></rect>"
                )
                body.append(f'<text class="took" x="{x + w + 5:.1f}" y="{y + 17}">{escape(took)}</text>')
            y += row_h
    return _wrap(body, width, height, title, "timeline")


@dataclass(frozen=True)
class Node:
    spec_id: str
    label: str
    state: str
    href: str | None = None


def dag(layers: Sequence[Sequence[Node]], edges: dict[str, list[str]], *, title: str) -> str:
    """Layers left to right (phases), nodes top to bottom, an arrow from each dependency to its dependent."""
    node_w, node_h, gap_x, gap_y, margin = 190, 44, 70, 16, 10
    tallest = max((len(layer) for layer in layers), default=0)
    width = margin * 2 + len(layers) * node_w + max(len(layers) - 1, 0) * gap_x
    height = margin * 2 + tallest * node_h + max(tallest - 1, 0) * gap_y
    where: dict[str, tuple[float, float]] = {}
    for column, layer in enumerate(layers):
        offset = (height - (len(layer) * node_h + (len(layer) - 1) * gap_y)) / 2
        for index, node in enumerate(layer):
            where[node.spec_id] = (margin + column * (node_w + gap_x), offset + index * (node_h + gap_y))
    body = [
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker></defs>'
    ]
    for target, sources in edges.items():
        if target not in where:
            continue
        tx, ty = where[target]
        for source in sources:
            if source not in where:
                continue
            sx, sy = where[source]
            x1, y1, x2, y2 = sx + node_w, sy + node_h / 2, tx, ty + node_h / 2
            bend = max((x2 - x1) / 2, 20)
            body.append(
                f'<path class="edge" d="M{x1:.1f},{y1:.1f} C{x1 + bend:.1f},{y1:.1f} {x2 - bend:.1f},{y2:.1f} '
                f'{x2:.1f},{y2:.1f}" marker-end="url(#arrow)"/>'
            )
    for layer in layers:
        for node in layer:
            x, y = where[node.spec_id]
            suffix = node.spec_id.rsplit("-", 1)[-1]
            inner = (
                f'<rect class="node state-{escape(node.state)}" data-id="{escape(node.spec_id)}" x="{x:.1f}" '
                f'y="{y:.1f}" width="{node_w}" height="{node_h}" rx="6"><title>{escape(node.spec_id)}: '
                f"{escape(node.state.replace('_', ' '))}</title></rect>"
                f'<text class="node-id" x="{x + 8:.1f}" y="{y + 17:.1f}">{escape(_short(suffix, 26))}</text>'
                f'<text class="node-title" x="{x + 8:.1f}" y="{y + 34:.1f}">{escape(_short(node.label, 27))}</text>'
            )
            body.append(_link(node.href, inner))
    return _wrap(body, max(width, 200), max(height, 60), title, "dag")


def bars_by_day(days: Sequence[tuple[str, float]], *, title: str, unit: str = "$") -> str:
    """Vertical bars, one per day (``YYYY-MM-DD``), in the given order."""
    bar_w, gap, top, bottom, left = 28, 10, 20, 46, 56
    width = max(left + len(days) * (bar_w + gap) + 20, 320)
    plot_h = 160
    height = top + plot_h + bottom
    peak = max((v for _d, v in days), default=0.0) or 1.0
    body = [f'<line class="tick" x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}"/>']
    for fraction in (0.5, 1.0):
        y = top + plot_h - plot_h * fraction
        body.append(f'<line class="tick" x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}"/>')
        body.append(
            f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{unit}{peak * fraction:,.2f}</text>'
        )
    for index, (day, amount) in enumerate(days):
        x = left + 10 + index * (bar_w + gap)
        h = plot_h * amount / peak
        body.append(
            f'<rect class="cost-bar" x="{x}" y="{top + plot_h - h:.1f}" width="{bar_w}" height="{max(h, 1):.1f}">'
            f"<title>{escape(day)}: {unit}{amount:,.4f}</title></rect>"
        )
        body.append(
            f'<text class="axis" x="{x + bar_w / 2}" y="{top + plot_h + 14}" text-anchor="end" '
            f'transform="rotate(-40 {x + bar_w / 2} {top + plot_h + 14})">{escape(day[5:])}</text>'
        )
    return _wrap(body, width, height, title, "chart")


def bars_by_item(items: Sequence[tuple[str, str, float, str | None]], *, title: str, unit: str = "$") -> str:
    """Horizontal bars: ``(key, label, amount, href)`` largest first as given."""
    label_w, row_h, width = 300, 22, 760
    height = len(items) * row_h + 10
    peak = max((v for _k, _l, v, _h in items), default=0.0) or 1.0
    plot_w = width - label_w - 90
    body: list[str] = []
    for index, (key, label, amount, href) in enumerate(items):
        y = 5 + index * row_h
        body.append(_link(href, f'<text class="label" x="0" y="{y + 15}">{escape(_short(label, 44))}</text>'))
        w = max(plot_w * amount / peak, 1.0)
        body.append(
            f'<rect class="cost-bar" data-id="{escape(key)}" x="{label_w}" y="{y + 3}" width="{w:.1f}" '
            f'height="{row_h - 6}"><title>{escape(key)}: {unit}{amount:,.4f}</title></rect>'
        )
        body.append(f'<text class="took" x="{label_w + w + 5:.1f}" y="{y + 15}">{unit}{amount:,.2f}</text>')
    return _wrap(body, width, max(height, 30), title, "chart")
