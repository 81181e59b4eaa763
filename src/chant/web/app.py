"""The live dashboard: a Starlette app (pages, the event stream, the actions) and the uvicorn server.

Security: the server binds 127.0.0.1 unless told otherwise and then requires a token (``?token=`` once, then
an HttpOnly SameSite=Strict cookie). Every request's ``Host`` must be this server's (no DNS rebinding). An
action is a POST carrying the per-server CSRF token embedded in the page, with a same-origin ``Origin`` /
``Sec-Fetch-Site`` when the browser sends them.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import hmac
import ipaddress
import json
import secrets
import socket
import sys
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from chant.errors import ChantError, NotFoundError
from chant.project import Project
from chant.web import actions, live, pages, render, views
from chant.web.render import Links

BOARD_COLUMN_LIMIT = 60
COOKIE = "chant_token"
DEFAULT_PORT = 8765


@dataclass
class Settings:
    root: Path
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    token: str | None = None  # required on every request when set (non-loopback binds)
    hosts: set[str] | None = None  # accepted Host headers; None: any (token mode)
    user: str = ""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def loopback_hosts(host: str, port: int) -> set[str]:
    names = {host, "127.0.0.1", "localhost", "[::1]"}
    return {f"{name}:{port}" for name in names} | ({name for name in names} if port == 80 else set())


# -- guard --------------------------------------------------------------------------------------------
class Guard:
    """Host check and (when configured) the access token, for every HTTP request."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        hosts = self.settings.hosts
        if hosts is not None and headers.get("host", "") not in hosts:
            await PlainTextResponse("unexpected Host header (chant serve answers only its own address)", 421)(
                scope, receive, send
            )
            return
        token = self.settings.token
        if token is not None:
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            cookies = Request(scope).cookies
            if hmac.compare_digest(query.get("token", ""), token):
                rest = urlencode({k: v for k, v in query.items() if k != "token"})
                response = RedirectResponse(scope["path"] + (f"?{rest}" if rest else ""), 303)
                response.set_cookie(COOKIE, token, httponly=True, samesite="strict")
                await response(scope, receive, send)
                return
            if not hmac.compare_digest(cookies.get(COOKIE, ""), token):
                await PlainTextResponse(
                    "this dashboard needs its token: open the URL `chant serve` printed", 401
                )(scope, receive, send)
                return
        await self.app(scope, receive, send)


# -- the app ------------------------------------------------------------------------------------------
def create_app(  # noqa: C901, PLR0915 - the route table: each route is a closure over the app state
    settings: Settings, *, watch_interval: float = 0.2
) -> ASGIApp:
    watcher = live.Watcher(settings.root, interval=watch_interval)
    runner = actions.Runner(settings.root)
    link = Links()

    def mode(request: Request) -> pages.Mode:
        flash = request.query_params.get("flash")
        return pages.Mode(
            link,
            live=True,
            csrf=settings.csrf,
            user=settings.user,
            version=watcher.version,
            back=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            flash=flash,
            flash_error=request.query_params.get("error") == "1",
        )

    def page(
        build: Callable[[views.Snapshot, pages.Mode], tuple[str, dict[str, Any]]],
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            current = mode(request)

            def make() -> Response:
                snap: views.Snapshot | None = None
                try:
                    snap = views.Snapshot(Project(settings.root))
                    template, ctx = build(snap, current)
                    return HTMLResponse(render.render(template, **ctx))
                except NotFoundError as exc:
                    return _error(snap, current, 404, exc.message)
                except ChantError as exc:
                    return _error(snap, current, 400, exc.message)

            return await run_in_threadpool(make)

        return endpoint

    def _error(snap: views.Snapshot | None, current: pages.Mode, status: int, message: str) -> Response:
        template, ctx = pages.error(snap, current, status, message)
        return HTMLResponse(render.render(template, **ctx), status_code=status)

    async def board(request: Request) -> Response:
        filters = views.Filters.of(dict(request.query_params))
        return await page(lambda s, m: pages.board(s, m, filters, BOARD_COLUMN_LIMIT))(request)

    async def state(request: Request) -> Response:
        return await page(lambda s, m: pages.state(s, m, request.path_params["state"]))(request)

    async def spec(request: Request) -> Response:
        spec_id = request.path_params["spec_id"]

        def build(snap: views.Snapshot, m: pages.Mode) -> tuple[str, dict[str, Any]]:
            return pages.spec(snap, m, snap.project.resolve(spec_id).id)

        return await page(build)(request)

    async def timeline(request: Request) -> Response:
        spec_id = request.path_params["spec_id"]

        def make() -> Response:
            snap = views.Snapshot(Project(settings.root))
            try:
                view = views.driver(snap, snap.project.resolve(spec_id).id, link.spec)
            except ChantError as exc:
                return PlainTextResponse(exc.message, 404)
            if view is None:
                return PlainTextResponse(f"{spec_id} has no members", 404)
            return Response(view.timeline, media_type="image/svg+xml")

        return await run_in_threadpool(make)

    async def states(request: Request) -> Response:
        return JSONResponse(
            {"schema": 1, "version": watcher.version, "states": watcher.states, "running": runner.running()}
        )

    async def events(request: Request) -> Response:
        queue = watcher.subscribe(asyncio.get_running_loop())

        async def stream() -> AsyncIterator[str]:
            try:
                yield _sse("hello", watcher.hello(request.query_params.get("v")))
                while True:
                    try:
                        name, data = await asyncio.wait_for(queue.get(), timeout=15)
                    except TimeoutError:
                        yield ": keep-alive\n\n"
                        continue
                    yield _sse(name, data)
            finally:
                watcher.unsubscribe(queue)

        return StreamingResponse(
            stream(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    async def action(request: Request) -> Response:
        name = request.path_params["name"]
        wants_json = "application/json" in request.headers.get("accept", "")
        refusal = _cross_site(request)
        form = await _form(request)
        if refusal is None and not hmac.compare_digest(form.get("csrf", ""), settings.csrf):
            refusal = "missing or wrong CSRF token (reload the page)"
        if refusal is not None:
            return (
                JSONResponse({"ok": False, "message": refusal}, 403)
                if wants_json
                else PlainTextResponse(refusal, 403)
            )
        spec_id = form.get("id", "")
        try:
            message = await run_in_threadpool(actions.perform, settings.root, name, spec_id, form, runner)
            ok = True
        except ChantError as exc:
            message = exc.message + (f" ({exc.hint})" if exc.hint else "")
            ok = False
        if wants_json:
            return JSONResponse({"ok": ok, "message": message}, 200 if ok else 400)
        return RedirectResponse(_back(form.get("back"), message, ok), 303)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await run_in_threadpool(watcher.start)
        try:
            yield
        finally:
            await run_in_threadpool(runner.stop)
            await run_in_threadpool(watcher.stop)

    async def on_error(request: Request, exc: Exception) -> Response:
        traceback.print_exception(exc, file=sys.stderr)
        return PlainTextResponse(f"internal error: {type(exc).__name__}: {exc}", 500)

    routes = [
        Route("/", board),
        Route("/attention", page(pages.attention)),
        Route("/drivers", page(pages.drivers)),
        Route("/cost", page(pages.cost)),
        Route("/runs", page(pages.runs)),
        Route("/state/{state}", state),
        Route("/spec/{spec_id}", spec),
        Route("/fragment/timeline/{spec_id}", timeline),
        Route("/api/states", states),
        Route("/events", events),
        Route("/action/{name}", action, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(render.STATIC)), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={Exception: on_error})
    app.state.watcher = watcher
    app.state.runner = runner
    return Guard(app, settings)


async def _form(request: Request) -> dict[str, str]:
    """The action forms are urlencoded (no files): parsed here rather than with python-multipart."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        return {}
    body = await request.body()
    return dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))


def _sse(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"


def _cross_site(request: Request) -> str | None:
    """Why this POST looks cross-site, or None. Browsers send Origin / Sec-Fetch-Site on form posts."""
    host = request.headers.get("host", "")
    origin = request.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != host:
        return f"cross-site request refused (Origin {origin})"
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return f"cross-site request refused (Sec-Fetch-Site: {site})"
    return None


def _back(back: str | None, message: str, ok: bool) -> str:
    """Where to go after an action: the page it came from (a local path only), with the message."""
    target = back or "/"
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = "/"
    parts = urlsplit(target)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("flash", "error")]
    query.append(("flash", message))
    if not ok:
        query.append(("error", "1"))
    return f"{parts.path}?{urlencode(query)}"


# -- the server ---------------------------------------------------------------------------------------
def serve(
    root: Path,
    *,
    host: str,
    port: int,
    token: str | None,
    announce: Callable[[str], None],
) -> None:
    """Run the dashboard until Ctrl-C. A non-loopback ``host`` needs a token (one is made if none given)."""
    import uvicorn

    local = is_loopback(host)
    if not local and token is None:
        token = secrets.token_urlsafe(24)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ChantError(
            f"cannot listen on {host}:{port}: {exc.strerror}", hint="pick another --port"
        ) from None
    sock.listen(128)  # connections wait in the backlog until uvicorn is up: the printed URL works at once
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    settings = Settings(
        root,
        token=token,
        hosts=loopback_hosts(shown, bound) if local else None,
        user=_user(),
    )
    app = create_app(settings)
    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=2, lifespan="on")
    server = uvicorn.Server(config)
    url = f"http://{shown}:{bound}/" + (f"?token={token}" if token else "")
    announce(f"chant dashboard for {Project(root).name}: {url}  (Ctrl-C to stop)")
    if not local:
        announce(
            f"warning: listening on {host}, not 127.0.0.1: anyone with the URL above can act on this project"
        )
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl-C once it has shut down (runs stopped, state recorded)
        pass
    announce("Stopped.")


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""
