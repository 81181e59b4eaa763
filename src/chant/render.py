"""Text and JSON forms of chant's answers, shared by every surface: the click commands, the click-free fast
path, the run reporters and the dashboard.

The text of ``chant list``, ``ready`` and ``search`` rows and of ``chant status`` is rendered here for both
the click commands (chant.cli.query_cmds) and the fast path (chant.cli.fast), so the two cannot disagree;
inputs are plain values (no Spec, no Graph): the fast path has only its cached rows. One module, nearly
import-free like chant.states: the fast path of ``chant list`` imports it, so anything heavier is imported
inside the function that needs it.
"""

from __future__ import annotations

from chant import colour
from chant.states import ICONS, STATES, named

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs the fast path ~7 ms
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from typing import Any

    # (id, title, display state, suffix such as "  [blocked by a, b]" or "  [archived]")
    Line = tuple[str, str | None, str, str]

JSON_SCHEMA = 1


def json_text(payload: dict[str, Any]) -> str:
    """Every JSON document chant prints carries ``"schema": 1`` first (see docs/json.md); newline-terminated."""
    import json

    return json.dumps({"schema": JSON_SCHEMA, **payload}, indent=2, ensure_ascii=False) + "\n"


def icon(state: str) -> str:
    return ICONS.get(state, "?")


def duration(seconds: float) -> str:
    """``8m 22s`` (the seed page's format); ``0m 3s`` for short runs."""
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes}m {secs}s"
    return f"{minutes}m {secs}s"


# -- list / ready / search rows and status ------------------------------------------------------------
STATE_WIDTH = 15  # len("needs_attention")
READY_SHOWN = 10


def blocked_suffix(blocked_by: Sequence[str]) -> str:
    return f"  [blocked by {', '.join(blocked_by)}]" if blocked_by else ""


def rows_text(lines: Sequence[Line], paint: bool | None = None) -> str:
    """One line per spec, IDs padded to the widest; ``""`` for no rows. The icon and state are painted on a
    terminal (``paint=None`` asks chant.colour)."""
    if not lines:
        return ""
    if paint is None:
        paint = colour.enabled()
    width = max(len(line[0]) for line in lines)
    icons = ICONS
    if paint:
        return "".join(
            f"{spec_id.ljust(width)}  {colour.paint(icons.get(state, '?') + ' ' + state, state)}"
            f"{' ' * (STATE_WIDTH - len(state))} {title or '(untitled)'}{suffix}\n"
            for spec_id, title, state, suffix in lines
        )
    return "".join(
        f"{spec_id.ljust(width)}  {icons.get(state, '?')} {state.ljust(STATE_WIDTH)} {title or '(untitled)'}"
        f"{suffix}\n"
        for spec_id, title, state, suffix in lines
    )


def summary_line(row: Mapping[str, Any]) -> Line:
    """The :data:`Line` of a ``chant.ops.query.summary`` (or ``archived_summary``) dict."""
    blocked_by = row.get("blocked_by")
    suffix = blocked_suffix([str(b) for b in blocked_by]) if isinstance(blocked_by, list) else ""
    if row.get("archived"):
        suffix += "  [archived]"
    return (str(row["id"]), row["title"], str(row["state"]), suffix)


def status_brief(total: int, counts: Mapping[str, int]) -> str:
    """``chant status --brief``: one line, newline-terminated."""
    c = counts
    parts = [
        (c.get("completed", 0), "done"),
        (c.get("in_progress", 0), "running"),
        (c.get("ready", 0), "ready"),
        (c.get("failed", 0) + c.get("needs_attention", 0), "failed"),
    ]
    text = ", ".join(f"{n} {word}" for n, word in parts if n)
    # Only an empty project has "no specs": one whose specs are all blocked, paused or cancelled used to
    # print that too.
    if not text:
        text = f"{total} spec(s), none ready" if total else "no specs"
    return f"chant: {text}\n"


def status_text(
    name: str,
    total: int,
    counts: Mapping[str, int],
    attention: Iterable[Mapping[str, Any]],
    in_progress: Iterable[Mapping[str, Any]],
    ready: Sequence[Mapping[str, Any]],
    paint: bool | None = None,
) -> str:
    """``chant status``: counts by state, then what needs attention, what runs, what is ready."""
    if paint is None:
        paint = colour.enabled()
    icons = ICONS
    out = [f"chant status ({name}): {total} spec{'' if total == 1 else 's'}"]
    for state in STATES:
        if counts.get(state):
            label = colour.paint(f"{icons.get(state, '?')} {state.replace('_', ' ')}", state, paint)
            out.append(f"  {label}{' ' * (16 - len(state))} {counts[state]}")
    attention = list(attention)
    if attention:
        out.append("\nNeeds attention:")
        for item in attention:
            reason = f" - {item['reason']}" if item.get("reason") else ""
            out.append(
                f"  {icons.get(item['status'], '?')} {named(item['id'], item['title'])} {item['status']}{reason}"
            )
    in_progress = list(in_progress)
    if in_progress:
        out.append("\nIn progress:")
        for item in in_progress:
            out.append(f"  {icons.get(item['status'], '?')} {named(item['id'], item['title'])}")
    if ready:
        out.append(f"\nReady ({len(ready)}):")
        for item in ready[:READY_SHOWN]:
            out.append(f"  ○ {named(item['id'], item['title'])}")
        if len(ready) > READY_SHOWN:
            out.append(f"  ... and {len(ready) - READY_SHOWN} more")
    return "\n".join(out) + "\n"


def stranded_entry(spec_id: str, title: str | None) -> dict[str, Any]:
    """The attention entry of a spec left ``in_progress`` by a chant that died (chant.run.recovery and the
    fast path both add it)."""
    from chant.shell import quote

    return {
        "id": spec_id,
        "title": title,
        "status": "in_progress",
        "reason": f"stranded: no chant is running it (recover with `chant reset {quote(spec_id)}` or "
        f"`chant work {quote(spec_id)}`)",
    }
