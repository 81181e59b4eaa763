"""Templates and links shared by the live server and the static site.

One Jinja2 environment (autoescaped: nothing from a spec reaches a page unescaped), a markdown renderer with
raw HTML off (a spec body cannot inject script), and :class:`Links`, which makes every link absolute for the
server and relative for the static site, so the same templates serve both.
"""

from __future__ import annotations

import re
import time
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from chant.render import duration
from chant.web import views

PACKAGE = Path(__file__).resolve().parent
TEMPLATES = PACKAGE / "templates"
STATIC = PACKAGE / "static"
_TASK = re.compile(r"<li>(<p>)?\[([ xX])\] ")


class Links:
    """URLs of the pages: ``/spec/<id>`` on the server, ``spec/<id>.html`` (relative) in a static site."""

    def __init__(self, static: bool = False, depth: int = 0) -> None:
        self.static = static
        self.prefix = "../" * depth

    def page(self, name: str) -> str:
        if self.static:
            return self.prefix + ("index.html" if name == "board" else f"{name}.html")
        return "/" if name == "board" else f"/{name}"

    def board(self, **params: str) -> str:
        if self.static:
            return self.prefix + "index.html"
        query = urlencode({k: v for k, v in params.items() if v})
        return "/" + (f"?{query}" if query else "")

    def spec(self, spec_id: str) -> str:
        name = quote(spec_id, safe="")
        return f"{self.prefix}spec/{name}.html" if self.static else f"/spec/{name}"

    def state(self, state: str) -> str:
        return f"{self.prefix}state/{state}.html" if self.static else f"/state/{state}"

    def asset(self, name: str) -> str:
        return f"{self.prefix}static/{name}" if self.static else f"/static/{name}"


def markdown(text: str) -> str:
    """A spec body as HTML: CommonMark + tables, raw HTML escaped, task boxes drawn as marks."""
    html = _markdown_renderer().render(text)

    def box(match: re.Match[str]) -> str:
        done = match.group(2) != " "
        mark = "☑" if done else "☐"
        return f'<li class="task{" done" if done else ""}">{match.group(1) or ""}{mark} '

    return _TASK.sub(box, html)


@lru_cache(maxsize=1)
def _markdown_renderer() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable("table")


def when(t: float | None) -> str:
    if not t:
        return "—"
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(t))


def money(value: float | None) -> str:
    return "—" if value is None else f"${value:,.2f}"


@lru_cache(maxsize=1)
def environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(
        duration=duration,
        icon=views.icon,
        state_label=views.state_label,
        when=when,
        money=money,
        short=lambda sha: str(sha)[:12],
        suffix=lambda spec_id: str(spec_id).rsplit("-", 1)[-1],
    )
    return env


def render(template: str, **context: Any) -> str:
    return str(environment().get_template(template).render(**context))
