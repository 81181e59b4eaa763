"""The web surfaces: the live dashboard (``chant serve``) and the static site (``chant site``).

Imported only by those commands: the web stack (Starlette, uvicorn, Jinja2, markdown-it) is the optional
``web`` extra, and ``chant --help`` must not pay for it.
"""

from __future__ import annotations

import importlib

from chant.errors import ChantError

SERVER = ("starlette", "uvicorn", "jinja2", "markdown_it")
SITE = ("jinja2", "markdown_it")


def require(modules: tuple[str, ...] = SERVER) -> None:
    """Refuse clearly, with the install command, when the ``web`` extra is missing."""
    missing = []
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise ChantError(
            f"this needs the web extra ({', '.join(missing)} not installed)",
            hint="pip install 'chant[web]'",
        )
