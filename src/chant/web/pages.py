"""Each page as (template, context): the one place the server and the static site get their pages from."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from chant import __version__
from chant.errors import ChantError
from chant.run import journal
from chant.web import render, views
from chant.web.render import Links


@dataclass
class Mode:
    """How a page is rendered: live (server: actions, SSE) or static; links; the action form's details."""

    link: Links
    live: bool = False
    csrf: str = ""
    user: str = ""
    version: int = 0
    back: str = "/"
    flash: str | None = None
    flash_error: bool = False

    @property
    def actx(self) -> dict[str, Any]:
        return {"live": self.live, "csrf": self.csrf, "back": self.back, "user": self.user}


def _base(snap: views.Snapshot, mode: Mode, nav: str) -> dict[str, Any]:
    return {
        "project": snap.project.name,
        "link": mode.link,
        "live": mode.live,
        "csrf": mode.csrf,
        "version": mode.version,
        "nav": nav,
        "flash": mode.flash,
        "flash_error": mode.flash_error,
        "attention_count": snap.attention_count(),
        "chant_version": __version__,
        "generated": render.when(snap.now),
        "actx": mode.actx,
        "titles": {s: snap.title(s) for s in snap.drivers},
    }


def running(snap: views.Snapshot, with_logs: bool) -> list[dict[str, Any]]:
    """Specs a live run is working on now, with when they started and (on the server) their log tail."""
    found = []
    for run in journal.live_runs(snap.project):
        for spec_id, bar in journal.bars(run).items():
            if bar.end is None:
                found.append(
                    {
                        "id": spec_id,
                        "title": snap.title(spec_id),
                        "since": bar.start,
                        "log": views.log_tail(snap.project, spec_id, 12) if with_logs else [],
                    }
                )
    return found


def board(snap: views.Snapshot, mode: Mode, filters: views.Filters, limit: int) -> tuple[str, dict[str, Any]]:
    ctx = _base(snap, mode, "board")
    ctx.update(
        filters=filters,
        columns=views.board(snap, filters, limit),
        types=snap.types,
        labels=snap.labels,
        drivers=snap.drivers,
        running=running(snap, mode.live) if mode.live else [],
    )
    return "board.html", ctx


def state(snap: views.Snapshot, mode: Mode, name: str) -> tuple[str, dict[str, Any]]:
    if name not in views.COLUMNS:
        raise ChantError(f"no such state: {name}")
    ctx = _base(snap, mode, "board")
    ctx.update(state=name, cards=views.state_list(snap, name))
    return "state.html", ctx


# What each state offers as buttons on the spec page (the attention page adds its own per kind).
BUTTONS = {
    "ready": ["work"],
    "blocked": [],
    "in_progress": ["pause"],
    "paused": ["work", "reset"],
    "failed": ["work", "reset"],
    "needs_attention": ["reset"],
    "completed": ["reset"],
    "cancelled": ["reset"],
}


def spec(
    snap: views.Snapshot, mode: Mode, spec_id: str, *, with_drift: bool = True
) -> tuple[str, dict[str, Any]]:
    item = snap.spec(spec_id)
    state_now = snap.states[spec_id]
    ctx = _base(snap, mode, "drivers" if snap.graph.members(spec_id) else "board")
    buttons = list(BUTTONS.get(state_now, []))
    why = fix = None
    if spec_id in snap.awaiting_approval:
        buttons = ["approve", "reject"]
    if spec_id in snap.stranded:
        buttons = ["work", "reset"]
    if state_now in ("failed", "needs_attention", "paused") or spec_id in snap.stranded:
        from chant.ops.diagnose import diagnose

        found = diagnose(snap.project, item, tail=0)
        why, fix = found.diagnosis, found.fix
    live_bar = next((r for r in running(snap, False) if r["id"] == spec_id), None) if mode.live else None
    ctx["titles"] = snap.titles
    ctx.update(
        spec=item,
        state=state_now,
        states=snap.states,
        driver_of=snap.graph.driver_of(spec_id),
        buttons=buttons,
        why=why,
        fix=fix,
        since=live_bar["since"] if live_bar else None,
        driver=views.driver(snap, spec_id, mode.link.spec),
        facts=views.facts(item),
        deps=views.dependencies(snap, item),
        dependents=snap.dependents.get(spec_id, []),
        inputs=views.inputs(snap, item),
        drift=_drift(snap, item) if with_drift else None,
        attempts=views.attempts(snap, spec_id),
        log=views.log_tail(snap.project, spec_id) if mode.live else [],
        body=render.markdown(item.body),
    )
    return "spec.html", ctx


def _drift(snap: views.Snapshot, spec: Any) -> Any:
    """The snapshot's drift report when it has one (the site computes them once), else this spec's own."""
    if "drift" in snap.__dict__:  # computed for the whole snapshot (None: nothing can drift)
        result = snap.__dict__["drift"]
        return result.reports.get(spec.id) if result is not None else None
    return views.drift_of(snap.project, spec)


def drivers(snap: views.Snapshot, mode: Mode) -> tuple[str, dict[str, Any]]:
    rows = []
    for driver_id in snap.drivers:
        members = [(m, snap.states[m]) for m in snap.graph.members(driver_id)]
        rows.append(
            {
                "id": driver_id,
                "title": snap.title(driver_id),
                "state": snap.states[driver_id],
                "members": members,
                "done": sum(1 for _m, s in members if s == "completed"),
            }
        )
    ctx = _base(snap, mode, "drivers")
    ctx.update(rows=rows)
    return "drivers.html", ctx


def attention(snap: views.Snapshot, mode: Mode) -> tuple[str, dict[str, Any]]:
    ctx = _base(snap, mode, "attention")
    ctx.update(groups=views.attention(snap), drift_skipped=snap.drift_skipped)
    return "attention.html", ctx


def cost(snap: views.Snapshot, mode: Mode) -> tuple[str, dict[str, Any]]:
    ctx = _base(snap, mode, "cost")
    ctx.update(cost=views.cost(snap, mode.link.spec))
    return "cost.html", ctx


def runs(snap: views.Snapshot, mode: Mode, limit: int = 100) -> tuple[str, dict[str, Any]]:
    ctx = _base(snap, mode, "runs")
    ctx["titles"] = snap.titles
    ctx.update(runs=[r.to_dict() for r in snap.history[:limit]])
    return "runs.html", ctx


def error(snap: views.Snapshot | None, mode: Mode, status: int, message: str) -> tuple[str, dict[str, Any]]:
    ctx: dict[str, Any] = {
        "project": snap.project.name if snap else "chant",
        "link": mode.link,
        "live": mode.live,
        "csrf": mode.csrf,
        "version": mode.version,
        "nav": "",
        "flash": None,
        "flash_error": False,
        "attention_count": 0,
        "chant_version": __version__,
        "generated": render.when(time.time()),
        "actx": mode.actx,
        "titles": {},
        "status": status,
        "message": message,
    }
    return "error.html", ctx
