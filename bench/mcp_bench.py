"""``chant mcp`` on a large project: how fast the first page of ``chant_spec_list`` arrives, and whether any
result is larger than the limit it declares.

Usage::

    .venv/bin/python bench/mcp_bench.py                 # 1,000 specs, 5 rounds
    .venv/bin/python bench/mcp_bench.py --size 5000 --rounds 3

It generates the same repository as ``bench/run.py`` (specs with bodies, dependencies, drivers), then per
round starts ``chant mcp`` with the SDK's own stdio client and times, side by side:

* ``start-up``: spawning the server until ``initialize`` and ``tools/list`` answered (interpreter, SDK
  import, tool schemas, one reading of the specs);
* ``first list``: the first ``chant_spec_list`` call after that (index cache cold or warm), target < 0.2 s;
* ``next list``: the same call again (the server reads the specs anew for every call);
* ``server share``: the first list call run in-process on the server object (no transport, no client-side
  validation of the result against the tool's ``outputSchema``, which the SDK's client does);
* ``chant list``: the CLI listing the same project, for scale.

Then one session pages through every spec and calls each read tool with its defaults, checking that every
page's JSON is within its ``limit_bytes`` and every text window within its ``limit_bytes``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import anyio  # noqa: E402
import jsonschema  # noqa: E402, F401  (the client validates results with it: import it before timing)
from mcp import ClientSession  # noqa: E402
from mcp.client.stdio import StdioServerParameters, stdio_client  # noqa: E402

import run as base  # noqa: E402  (bench/run.py: the repository generator)

TARGET_S = 0.2


def _params(repo: Path) -> StdioServerParameters:
    return StdioServerParameters(command=base.CHANT, args=["mcp"], env=base.ENV, cwd=repo)


async def one_round(repo: Path) -> dict[str, float]:
    start = time.perf_counter()
    async with stdio_client(_params(repo)) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        # What every client does on connecting (and the SDK's client before it can validate a result).
        await session.list_tools()
        ready = time.perf_counter()
        first = await session.call_tool("chant_spec_list", {})
        listed = time.perf_counter()
        again = await session.call_tool("chant_spec_list", {})
        done = time.perf_counter()
        assert not first.is_error and not again.is_error, first.content
    return {"start-up": ready - start, "first list": listed - ready, "next list": done - listed}


def _size(result: Any) -> int:
    return len(json.dumps(result.structured_content, separators=(",", ":"), ensure_ascii=False).encode())


async def budgets(repo: Path) -> list[tuple[str, int, int | None]]:
    """(call, JSON bytes, declared limit) of every page of the list and of each read tool's default call."""
    seen: list[tuple[str, int, int | None]] = []
    async with stdio_client(_params(repo)) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        cursor = None
        pages = 0
        while True:
            args = {"cursor": cursor} if cursor else {}
            result = await session.call_tool("chant_spec_list", args)
            data = result.structured_content or {}
            pages += 1
            seen.append((f"chant_spec_list page {pages}", _size(result), data.get("limit_bytes")))
            cursor = data.get("next_cursor")
            if not cursor:
                break
        first_id = data["specs"][0]["id"] if data.get("specs") else None
        calls: list[tuple[str, dict[str, Any]]] = [
            ("chant_ready", {}),
            ("chant_search", {"query": "the"}),
            ("chant_dag", {}),
            ("chant_lint", {}),
            ("chant_lint", {"section": "quality"}),
            ("chant_drift", {}),
            ("chant_work_list", {}),
            ("chant_status", {}),
        ]
        for name, args in calls:
            result = await session.call_tool(name, args)
            assert not result.is_error, (name, result.content)
            data = result.structured_content or {}
            seen.append((name + (f" {args}" if args else ""), _size(result), data.get("limit_bytes")))
        if first_id:
            result = await session.call_tool(
                "chant_spec_get", {"id": first_id, "body": True, "body_limit": 2000}
            )
            body = (result.structured_content or {})["spec"]["body"]
            seen.append(("chant_spec_get body window", len(body["text"].encode()), body["limit_bytes"]))
    return seen


def server_only(repo: Path) -> float:
    """The server's share of a list call: the tool run in-process, no transport and no client validation."""
    code = (
        "import sys, time, anyio\n"
        "from pathlib import Path\n"
        "from chant.mcp import server\n"
        "c = server.build(Path('.'))\n"
        "server.warm_up(c.settings)\n"
        "async def main():\n"
        "    start = time.perf_counter()\n"
        "    await c.server.call_tool('chant_spec_list', {})\n"
        "    print(time.perf_counter() - start)\n"
        "anyio.run(main)\n"
    )
    proc = subprocess.run(
        [base.PY, "-c", code], cwd=repo, env=base.ENV, check=True, capture_output=True, text=True
    )
    return float(proc.stdout.strip().splitlines()[-1])


def cli_list(repo: Path) -> float:
    start = time.perf_counter()
    subprocess.run([base.CHANT, "list"], cwd=repo, env=base.ENV, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="chant-mcp-bench-"))
    try:
        base.ENV.update(base.bench_env(work))
        repo = base.make_repo(work, args.size)
        cli_list(repo)  # warm-up: .pyc files and the index cache
        samples: dict[str, list[float]] = {}
        for round_number in range(args.rounds):
            cold = round_number % 2 == 0
            if cold:
                for cache in base._caches(repo):
                    cache.unlink()
            figures = anyio.run(one_round, repo)
            figures["server share"] = server_only(repo)
            figures["chant list"] = cli_list(repo)
            for name, value in figures.items():
                key = f"{name} ({'cold' if cold else 'warm'})" if name == "first list" else name
                samples.setdefault(key, []).append(value)
        print(f"chant mcp, {args.size} specs, {args.rounds} rounds (cold: index cache deleted first)\n")
        print(f"{'measure':<24} {'median':>9} {'min':>9}")
        for name, values in samples.items():
            print(f"{name:<24} {statistics.median(values) * 1000:>7.1f}ms {min(values) * 1000:>7.1f}ms")
        firsts = [x for k, v in samples.items() if k.startswith("first list") for x in v]
        median, worst = statistics.median(firsts), max(firsts)
        verdict = "ok" if median < TARGET_S else "OVER"
        print(
            f"\nfirst page after start-up: median {median * 1000:.1f} ms, worst {worst * 1000:.1f} ms"
            f" (target < {TARGET_S * 1000:.0f} ms, on the median): {verdict}"
        )
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"machine: {os.cpu_count()} CPUs, load average {load:.1f} while measuring")

        seen = anyio.run(budgets, repo)
        over = [(n, s, lim) for n, s, lim in seen if lim is not None and s > lim]
        undeclared = [n for n, _s, lim in seen if lim is None]
        print(f"\nresults checked: {len(seen)}")
        for name, size, limit in seen[:3] + seen[-10:]:
            print(f"  {name:<40} {size:>8} bytes  limit {limit if limit is not None else '-'}")
        largest = max(seen, key=lambda row: row[1])
        print(f"largest: {largest[0]} {largest[1]} bytes")
        print(f"no result over its declared limit: {'yes' if not over else 'NO: ' + repr(over)}")
        if undeclared:
            print(f"(no paging limit, bounded by their own list caps: {', '.join(sorted(set(undeclared)))})")
        return 0 if not over and verdict == "ok" else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
