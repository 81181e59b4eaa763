"""``chant site build``: the dashboard's pages as static files (relative links, no server, no script needed
to read them); ``chant site serve``: a quick look at a built site on 127.0.0.1 (stdlib ``http.server``).

Layout: ``index.html`` (board), ``attention.html``, ``drivers.html``, ``cost.html``, ``runs.html``,
``state/<state>.html``, ``spec/<id>.html``, ``static/`` (the package's CSS and scripts). Actions, live
updates and agent logs exist only on the server; the site is a snapshot.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chant.errors import ChantError
from chant.project import Project
from chant.web import pages, render, views
from chant.web.render import Links

DEFAULT_OUT = "public"
# A site builds from the whole project: columns are longer than the server's (which can fetch more).
SITE_COLUMN_LIMIT = 500


@dataclass
class Built:
    out: Path
    pages: int
    specs: int


def build(
    project: Project, out: Path, *, drift: bool = True, progress: Callable[[str], None] | None = None
) -> Built:
    """Write the site into ``out`` (replaced as a whole, so a stale page never survives a rebuild)."""
    snap = views.Snapshot(project, drift_limit=None)
    if drift:
        _ = snap.drift  # once for the attention page and every spec page
    out = out.resolve()
    if out == project.root.resolve() or out in project.root.resolve().parents:
        raise ChantError(f"refusing to build the site into {out}: it holds the project")
    if out.exists() and not out.is_dir():
        raise ChantError(f"{out} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not (out / ".chant-site").exists():
        raise ChantError(
            f"{out} is not empty and was not built by chant",
            hint="pick an empty or new directory with --out (chant replaces only its own sites)",
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".chant-site-", dir=out.parent))
    count = 0
    try:
        top, deep = pages.Mode(Links(static=True)), pages.Mode(Links(static=True, depth=1))

        def write(rel: str, page: tuple[str, dict[str, Any]]) -> None:
            nonlocal count
            path = work / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render.render(page[0], **page[1]), encoding="utf-8")
            count += 1

        write("index.html", pages.board(snap, top, views.Filters(all=True), SITE_COLUMN_LIMIT))
        write("attention.html", pages.attention(snap, top))
        write("drivers.html", pages.drivers(snap, top))
        write("cost.html", pages.cost(snap, top))
        write("runs.html", pages.runs(snap, top))
        for state in views.COLUMNS:
            write(f"state/{state}.html", pages.state(snap, deep, state))
        for spec_id in snap.ordered:
            if progress is not None and count % 500 == 0:
                progress(f"{count} pages")
            write(f"spec/{spec_id}.html", pages.spec(snap, deep, spec_id, with_drift=drift))
        shutil.copytree(render.STATIC, work / "static")
        (work / ".chant-site").write_text("built by chant site build\n", encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        os.replace(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return Built(out, count, len(snap.ordered))


def serve(directory: Path, host: str, port: int, announce: Callable[[str], None]) -> None:
    """Serve a built site until Ctrl-C."""
    import functools
    import http.server

    if not (directory / "index.html").is_file():
        raise ChantError(f"no site in {directory} (no index.html)", hint="run `chant site build` first")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(directory))
    try:
        server = http.server.ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        raise ChantError(
            f"cannot listen on {host}:{port}: {exc.strerror}", hint="pick another --port"
        ) from None
    announce(f"Serving {directory} at http://{host}:{server.server_address[1]}/ (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
