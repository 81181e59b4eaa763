"""Which environment variables hold secrets, and a redactor that keeps their values out of text.

The HTTP agents' tool loop runs every tool result and every log line through a ``Redactor`` built from the
agent's environment, so an API key (or any value of a secret-looking variable) never reaches the model or
``.chant/logs/``, whatever a command printed or a file contained.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

# A name is secret-looking when it contains one of these...
_SECRET_WORDS = (
    "KEY",
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "CREDENTIAL",
    "COOKIE",
    "PRIVATE",
)
# ...or has one of these as a whole `_`-separated part (as substrings they would catch GIT_AUTHOR_NAME, PWD).
_SECRET_PARTS = frozenset({"AUTH", "PAT", "PASS", "PW", "PWD", "DSN", "SESSION", "SIG", "SIGNATURE"})
_NOT_SECRET = frozenset({"PWD", "OLDPWD"})  # the shell's working directories

# Shorter values are left alone: redacting "1" or "true" everywhere would garble every line.
MIN_SECRET_LENGTH = 8
MASK = "[redacted]"


def looks_secret(name: str) -> bool:
    upper = name.upper()
    if upper in _NOT_SECRET:
        return False
    if any(word in upper for word in _SECRET_WORDS):
        return True
    return any(part in _SECRET_PARTS for part in upper.split("_"))


def secret_values(env: Mapping[str, str], names: Iterable[str] = ()) -> list[str]:
    """Values of ``names`` (e.g. the configured API key variable) and of every secret-looking variable."""
    wanted = set(names)
    return [value for key, value in env.items() if value and (key in wanted or looks_secret(key))]


class Redactor:
    def __init__(self, secrets: Iterable[str]) -> None:
        pieces: set[str] = set()
        for secret in secrets:
            # Log lines are single lines: a multi-line secret (a PEM key) is redacted line by line.
            for piece in [secret, *secret.splitlines()]:
                piece = piece.strip()
                if len(piece) >= MIN_SECRET_LENGTH:
                    pieces.add(piece)
        self._pieces = sorted(pieces, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(p) for p in self._pieces)) if self._pieces else None

    @classmethod
    def for_env(cls, env: Mapping[str, str], names: Iterable[str] = ()) -> Redactor:
        return cls(secret_values(env, names))

    def __bool__(self) -> bool:
        return self._pattern is not None

    def __call__(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        text = self._pattern.sub(MASK, text)
        if text.endswith("..."):  # clip() cut the line: the cut may have left the start of a secret behind
            text = self._mask_cut_prefix(text)
        return text

    def _mask_cut_prefix(self, text: str) -> str:
        body = text[:-3]
        for piece in self._pieces:
            for size in range(min(len(piece) - 1, len(body)), MIN_SECRET_LENGTH - 1, -1):
                if body.endswith(piece[:size]):
                    return body[:-size] + MASK + "..."
        return text

    def wrap(self, log: Callable[[str], None]) -> Callable[[str], None]:
        """``log`` with every line redacted first."""
        if self._pattern is None:
            return log
        return lambda line: log(self(line))
