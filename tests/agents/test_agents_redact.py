from __future__ import annotations

import pytest

from chant.agents.redact import MASK, Redactor, looks_secret, secret_values
from chant.agents.text import clip


@pytest.mark.parametrize(
    "name",
    [
        "OPENAI_API_KEY",
        "ANTHROPIC_APIKEY",
        "GITHUB_TOKEN",
        "AWS_SECRET_ACCESS_KEY",
        "DB_PASSWORD",
        "PGPASSWD",
        "MYSQL_PWD",
        "SENTRY_DSN",
        "BASIC_AUTH",
        "GH_PAT",
        "gcp_credentials_json",
        "SSH_PRIVATE",
    ],
)
def test_secret_looking_names(name: str) -> None:
    assert looks_secret(name)


@pytest.mark.parametrize(
    "name", ["PATH", "HOME", "PWD", "OLDPWD", "GIT_AUTHOR_NAME", "LANG", "CHANT_SPEC_ID", "TERM", "PASSAGE"]
)
def test_ordinary_names(name: str) -> None:
    assert not looks_secret(name)


def test_secret_values_include_the_named_key_whatever_its_name() -> None:
    env = {"MY_LLM": "value-of-the-llm-key", "GITHUB_TOKEN": "ghp_abcdefghijkl", "HOME": "/home/me"}
    assert sorted(secret_values(env, ["MY_LLM"])) == ["ghp_abcdefghijkl", "value-of-the-llm-key"]


def test_redacts_every_occurrence_longest_first() -> None:
    redact = Redactor(["sk-abcdefgh", "sk-abcdefgh-longer-one"])
    assert redact("a sk-abcdefgh-longer-one b sk-abcdefgh c") == f"a {MASK} b {MASK} c"


def test_short_values_are_left_alone() -> None:
    redact = Redactor(["1", "true", "abc"])
    assert not redact
    assert redact("1 true abc") == "1 true abc"


def test_a_secret_cut_by_clip_is_masked_too() -> None:
    secret = "sk-" + "x" * 40
    line = clip("error: " + "y" * 170 + " " + secret, 200)
    assert line.endswith("...") and secret not in line and "sk-xxxxx" in line
    masked = Redactor([secret])(line)
    assert "sk-xxxxx" not in masked and masked.endswith(MASK + "...")


def test_multi_line_secrets_are_masked_line_by_line() -> None:
    pem = "-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0B\nAQEFAASCBKcwggSjAgEAAoIB\n-----END KEY-----"
    redact = Redactor([pem])
    assert redact("AQEFAASCBKcwggSjAgEAAoIB") == MASK


def test_wrap_redacts_log_lines() -> None:
    lines: list[str] = []
    log = Redactor(["secret-value-123"]).wrap(lines.append)
    log("[tool result] secret-value-123")
    assert lines == [f"[tool result] {MASK}"]
