"""Contract tests: chant against the real Claude Code, Codex and Gemini CLIs, pinned in package.json here.

Each CLI is installed from npm into ``.cache/npm`` (``install_clis.py``) and pointed at the scripted model
server of ``tests/fakes/model_server.py`` on 127.0.0.1, with a throwaway ``HOME``. Pointing a CLI at the
server is all the setup the run needs; the rest below only keeps every byte on this machine: the CLIs'
telemetry and update checks are switched off where they have a switch, and the server doubles as their
HTTP(S) proxy, refusing (and recording) anything they try to reach besides the model.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.contract.install_clis import BIN, ensure_installed
from tests.fakes.model_server import ModelServer, Step, serve

CLIS = ("claude", "codex", "gemini")
API_KEY = "chant-contract-test-key"
LOCAL = "127.0.0.1,localhost"


@pytest.fixture(scope="session")
def agent_bin() -> Path:
    """The directory holding the real ``claude``, ``codex`` and ``gemini``."""
    outcome = ensure_installed()
    if outcome is None:
        pytest.skip("npm is not installed: the real agent CLI contract tests are skipped")
    if not outcome.ok:
        pytest.fail(f"installing the agent CLIs failed: {outcome.detail}", pytrace=False)
    return BIN


def point_at(cli: str, url: str, home: Path) -> dict[str, str]:
    """Files in ``home`` and variables that send ``cli``'s model calls to ``url`` and nowhere else."""
    (home / "tmp").mkdir(parents=True, exist_ok=True)
    env = {
        "TMPDIR": str(home / "tmp"),  # Gemini CLI writes error reports there
        "HTTPS_PROXY": url,
        "HTTP_PROXY": url,
        "https_proxy": url,
        "http_proxy": url,
        "NO_PROXY": LOCAL,
        "no_proxy": LOCAL,
    }
    if cli == "claude":
        env.update(
            {
                "ANTHROPIC_BASE_URL": url,
                "ANTHROPIC_API_KEY": API_KEY,
                "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            }
        )
    elif cli == "codex":
        codex_home = home / ".codex"
        codex_home.mkdir(parents=True, exist_ok=True)
        (codex_home / "config.toml").write_text(
            'model_provider = "scripted"\n'
            "check_for_update_on_startup = false\n\n"
            "[model_providers.scripted]\n"
            'name = "scripted"\n'
            f'base_url = "{url}/v1"\n'
            'env_key = "SCRIPTED_API_KEY"\n'
            'wire_api = "responses"\n\n'
            "[analytics]\nenabled = false\n\n"
            "[features]\nplugins = false\nremote_plugin = false\napps = false\nplugin_sharing = false\n",
            encoding="utf-8",
        )
        env["SCRIPTED_API_KEY"] = API_KEY
    elif cli == "gemini":
        settings = {
            # The base URL alone selects an auth type Gemini CLI's own validation rejects (exit 41).
            "security": {"auth": {"selectedType": "gemini-api-key"}},
            "privacy": {"usageStatisticsEnabled": False},
            "general": {"disableAutoUpdate": True, "disableUpdateNag": True},
        }
        (home / ".gemini").mkdir(parents=True, exist_ok=True)
        (home / ".gemini" / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
        env.update({"GOOGLE_GEMINI_BASE_URL": url, "GEMINI_API_KEY": API_KEY})
    else:
        raise ValueError(cli)
    return env


def as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def config_for(cli: str, *, opt_in: bool = True) -> str:
    """``agents:`` lines of .chant/config.md: as root, claude needs the documented IS_SANDBOX opt-in."""
    if cli == "claude" and opt_in and as_root():
        return 'agents:\n  claude:\n    env:\n      IS_SANDBOX: "1"\n'
    return ""


@dataclass
class Scripted:
    server: ModelServer
    env: dict[str, str]


@pytest.fixture
def scripted(agent_bin: Path, chant_env: dict[str, str], tmp_path: Path) -> Iterator[Callable[..., Scripted]]:
    """``scripted(cli, plan, mode="ok")``: a model server and chant's environment pointing ``cli`` at it."""
    with ExitStack() as stack:

        def start(cli: str, plan: list[Step], mode: str = "ok") -> Scripted:
            record = tmp_path / f"{cli}-{mode}-requests.jsonl"
            server = stack.enter_context(serve(ModelServer(plan, mode=mode, record=record)))
            env = dict(chant_env)
            env.update(point_at(cli, server.url, Path(env["HOME"])))
            env["PATH"] = f"{agent_bin}{os.pathsep}{env.get('PATH', '')}"
            return Scripted(server, env)

        yield start
