"""Commands chant prints for the user to paste: every ID and path in them is shell-quoted, because both
come from file names anyone can write (a spec named ``a b;c$(touch x).md`` must not run anything when its
recovery hint is pasted). Import-light: the fast listing path uses it too."""

from __future__ import annotations


def quote(word: str) -> str:
    """``shlex.quote`` (imported on first use: it costs the fast path ~8 ms, and most IDs need no quotes)."""
    import shlex

    return shlex.quote(word)


def command(*words: str) -> str:
    """``command("chant", "work", spec_id)`` -> ``chant work <quoted id>``."""
    return " ".join(quote(word) for word in words)
