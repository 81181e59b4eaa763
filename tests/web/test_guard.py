"""The server's small rules on their own: where an action may send you back to, what counts as loopback."""

from __future__ import annotations

import pytest

from chant.web.app import _back, is_loopback, loopback_hosts


@pytest.mark.parametrize(
    ("back", "expected"),
    [
        ("/spec/x", "/spec/x?flash=done"),
        ("/?type=code&flash=old", "/?type=code&flash=done"),
        ("//evil.example/x", "/?flash=done"),
        ("https://evil.example/", "/?flash=done"),
        ("/\\evil.example", "/?flash=done"),
        (None, "/?flash=done"),
    ],
)
def test_actions_only_redirect_to_local_paths(back: str | None, expected: str) -> None:
    assert _back(back, "done", True) == expected


def test_a_failed_action_is_flagged() -> None:
    assert _back("/attention", "no", False) == "/attention?flash=no&error=1"


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("localhost", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("192.168.1.5", False),
        ("example.com", False),
    ],
)
def test_only_loopback_binds_go_without_a_token(host: str, local: bool) -> None:
    assert is_loopback(host) is local


def test_accepted_host_headers_are_this_servers_own() -> None:
    assert loopback_hosts("127.0.0.1", 8765) == {"127.0.0.1:8765", "localhost:8765", "[::1]:8765"}
