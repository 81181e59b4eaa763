"""ext.4 integration testing: both apps on loopback, a 90/10 gateway with shadow comparison, measured report.

Every figure in the report is measured in this run: latencies and throughput by the client
(wall clock), CPU time from /proc of each server process, DB queries from the X-Query-Count header,
test counts from JUnit XML and coverage from coverage.py.
"""

from __future__ import annotations

import json
import math
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

from . import harness
from .common import Spec, clean_env, cpu_seconds, normalise, scale, uvicorn_server
from .suite import SVC, junit_counts, pytest_run

ENDPOINTS = ["/reports/daily", "/reports/weekly", "/reports/custom", "/reports/export", "/reports/schedule"]
# Valid requests only: under "normal load" every answer should be 2xx.  Dates include the frozen
# "today" so the payments written at each hour boundary show up (a stale replica would be caught).
TRAFFIC = {
    "/reports/daily": ["date=2026-01-20", "date=2026-01-26", "date=2026-01-26&account_id=3", ""],
    "/reports/weekly": ["week=2026-W03", "", "week=2026-W05"],
    "/reports/custom": ["start=2026-01-01&end=2026-01-26", "group_by=week", "group_by=account&metrics=revenue,new_users"],
    "/reports/export": ["report=daily&format=csv&date=2026-01-26", "report=weekly&format=json",
                        "report=custom&format=csv&group_by=account"],
    "/reports/schedule": ["", "account_id=2"],
}
MONOLITH_LAUNCHER = """import os
from src.app import create_app
from src.utils import FixedClock
app = create_app(os.environ["TECHCORP_DB"], FixedClock(os.environ["TECHCORP_CLOCK"]))
"""


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1)] if ordered else float("nan")


class Stats:
    def __init__(self):
        self.latency: dict[str, list[float]] = {e: [] for e in ENDPOINTS}
        self.queries: dict[str, list[int]] = {e: [] for e in ENDPOINTS}
        self.errors = 0
        self.requests = 0

    def record(self, endpoint: str, seconds: float, response: httpx.Response) -> None:
        self.latency[endpoint].append(seconds * 1000)
        self.queries[endpoint].append(int(response.headers.get("x-query-count", 0)))
        self.requests += 1
        self.errors += response.status_code >= 400


def timed(client: httpx.Client, url: str) -> tuple[float, httpx.Response]:
    start = time.perf_counter()
    response = client.get(url)
    return time.perf_counter() - start, response


def run(spec: Spec) -> dict[str, bool]:
    root = spec.root
    factor = scale()
    spec.say(f"ext.4: integration run (TECHCORP_SCALE={factor})")
    work = spec.workdir("techcorp-ext4-")
    primary = harness.seeded_primary(root, work)
    database = harness.load_service(root, "database")
    replica = work / "replica.db"
    database.provision_replica(primary, replica)
    spec.tick("Tasks", {normalise("Deploy service alongside monolith"): True})

    # 1. The service's own suite, with coverage of services/reporting/src.
    junit = work / "service-junit.xml"
    code = pytest_run(root, junit, ["coverage", "run", f"--data-file={work / '.coverage'}",
                                    f"--source={SVC}/src", "-m", "pytest"])
    cov = subprocess.run([sys.executable, "-m", "coverage", "report", f"--data-file={work / '.coverage'}",
                          "--format=total", "--precision=1"], cwd=root, capture_output=True, text=True)
    coverage = float(cov.stdout.strip() or 0)
    tests = junit_counts(junit)
    spec.say(f"  service suite: exit {code}, {tests['passed']} passed, {tests['failed']} failed, "
             f"{tests['skipped']} skipped, coverage {coverage}%")

    (work / "mono_app.py").write_text(MONOLITH_LAUNCHER, encoding="utf-8")
    mono_env = clean_env(PYTHONPATH=f"{root}:{work}", TECHCORP_DB=str(primary), TECHCORP_CLOCK=harness.NOW)
    svc_env = clean_env(REPORTING_REPLICA_URL=f"sqlite:///{replica}", REPORTING_CLOCK=harness.NOW)
    headers = {"Authorization": f"Bearer {harness.token(root)}"}
    rng = random.Random(20260201)
    mono, svc = Stats(), Stats()
    hours, discrepancies_log = [], []
    with uvicorn_server(["mono_app:app"], work, mono_env) as (mono_url, mono_pid), \
            uvicorn_server(["src.main:app"], root / SVC, svc_env) as (svc_url, svc_pid), \
            httpx.Client(base_url=mono_url, headers=headers, timeout=60) as mc, \
            httpx.Client(base_url=svc_url, headers=headers, timeout=60) as sc:
        spec.say(f"  monolith on {mono_url}, service on {svc_url} (replica {replica.name})")
        cpu0 = {"mono": cpu_seconds(mono_pid), "svc": cpu_seconds(svc_pid)}
        open_invoices = [r for r in sqlite3.connect(primary).execute(
            "SELECT id, account_id, amount_cents FROM invoices WHERE status = 'open' ORDER BY id")]
        per_hour = max(10, round(200 * factor))
        rr = 0
        # 2. The parallel run: 24 simulated hours through a 90/10 weighted round-robin gateway.
        for hour in range(24):
            if hour and open_invoices:
                _write_payment(root, mc, open_invoices.pop(0))
                database.provision_replica(primary, replica)  # sync; requests are only issued afterwards
            load = round(per_hour * (0.6 + 0.4 * math.sin(math.pi * hour / 24)))
            row = {"hour": f"{hour:02d}:00", "monolith": 0, "service": 0, "discrepancies": 0}
            for _ in range(load):
                endpoint = rng.choice(ENDPOINTS)
                query = rng.choice(TRAFFIC[endpoint])
                url = endpoint + (f"?{query}" if query else "")
                rr += 1
                if rr % 10 == 0:  # the service's share; the monolith answers the same request as shadow
                    seconds, answer = timed(sc, url)
                    svc.record(endpoint, seconds, answer)
                    shadow_seconds, shadow = timed(mc, url)
                    mono.record(endpoint, shadow_seconds, shadow)
                    row["service"] += 1
                    if (answer.status_code, answer.content, answer.headers.get("content-type")) != (
                            shadow.status_code, shadow.content, shadow.headers.get("content-type")):
                        row["discrepancies"] += 1
                        discrepancies_log.append(url)
                else:
                    seconds, answer = timed(mc, url)
                    mono.record(endpoint, seconds, answer)
                    row["monolith"] += 1
            hours.append(row)
        spec.tick("Tasks", {normalise("Route 10% of reporting traffic to new service"): True,
                            normalise("Compare response accuracy"): True})
        # 3. Load test: the same requests to both apps, interleaved so machine noise hits both alike.
        per_endpoint = max(10, round(100 * factor))
        elapsed = {"mono": 0.0, "svc": 0.0}
        load_ok = {}
        for endpoint in ENDPOINTS:
            errors_before = mono.errors + svc.errors
            for i in range(per_endpoint):
                query = TRAFFIC[endpoint][i % len(TRAFFIC[endpoint])]
                url = endpoint + (f"?{query}" if query else "")
                for key, client, stats in (("mono", mc, mono), ("svc", sc, svc)):
                    seconds, answer = timed(client, url)
                    stats.record(endpoint, seconds, answer)
                    elapsed[key] += seconds
            load_ok[endpoint] = mono.errors + svc.errors == errors_before
        cpu = {"mono": cpu_seconds(mono_pid) - cpu0["mono"], "svc": cpu_seconds(svc_pid) - cpu0["svc"]}
    spec.tick("Tasks", {normalise("Measure latency and throughput"): True})

    throughput = {"monolith": 5 * per_endpoint / elapsed["mono"], "service": 5 * per_endpoint / elapsed["svc"]}
    total_discrepancies = sum(h["discrepancies"] for h in hours)
    served = sum(h["service"] for h in hours)
    data = {
        "scale": factor,
        "p99_ms": {"monolith": p99(sum(mono.latency.values(), [])), "service": p99(sum(svc.latency.values(), []))},
        "p99_by_endpoint": {e: {"monolith": p99(mono.latency[e]), "service": p99(svc.latency[e])} for e in ENDPOINTS},
        "queries_per_request": {e: {"monolith": _mean(mono.queries[e]), "service": _mean(svc.queries[e])}
                                for e in ENDPOINTS},
        "throughput_rps": throughput,
        "cpu_ms_per_request": {"monolith": 1000 * cpu["mono"] / max(1, mono.requests),
                               "service": 1000 * cpu["svc"] / max(1, svc.requests)},
        "error_rate": {"monolith": mono.errors / max(1, mono.requests), "service": svc.errors / max(1, svc.requests)},
        "requests": {"monolith": mono.requests, "service": svc.requests},
        "accuracy": (served - total_discrepancies) / served if served else 0.0,
        "discrepancies": total_discrepancies,
        "shadowed": served,
        "tests": tests, "coverage": coverage, "suite_exit": code,
        "load_tests": load_ok,
    }
    report = render(data, hours, discrepancies_log)
    spec.write("analysis/extraction/validation-report.md", report)
    spec.tick("Tasks", {normalise("Document findings"): True})
    within = data["p99_ms"]["service"] <= 1.10 * data["p99_ms"]["monolith"]
    spec.say(f"  accuracy {data['accuracy']:.1%} ({total_discrepancies} discrepancies in {served} shadowed), "
             f"p99 {data['p99_ms']['monolith']:.1f} -> {data['p99_ms']['service']:.1f} ms")
    complete = all(h in report for h in SECTIONS) and len(hours) == 24
    return {
        normalise("100% response accuracy (vs monolith)"): served > 0 and total_discrepancies == 0,
        normalise("P99 latency within 10% of baseline"): within,
        normalise("No errors under normal load"): mono.errors == 0 and svc.errors == 0,
        normalise("Validation report complete"): complete and code == 0 and coverage >= 80,
    }


def _write_payment(root: Path, client: httpx.Client, invoice: tuple) -> None:
    """A write to the primary through the monolith, as production traffic would do between hours."""
    mono = harness.monolith(root)
    from src.config.settings import DEV_TOKEN_SECRET

    token = mono.mint_token(DEV_TOKEN_SECRET, mono.FixedClock(harness.NOW), user_id=1, account_id=invoice[1],
                            scopes=("billing:write",))
    cents = invoice[2]
    response = client.post(f"/billing/invoices/{invoice[0]}/payments", headers={"Authorization": f"Bearer {token}"},
                           json={"amount": f"{cents // 100}.{cents % 100:02d}", "method": "card"})
    response.raise_for_status()


def _mean(values: list[int]) -> float:
    return sum(values) / len(values) if values else 0.0


SECTIONS = ["## Summary", "## Test Results", "### P99 Latency by Endpoint", "### Resource Usage",
            "## Parallel Running", "## Conclusion", "### Recommendation"]


def _change(before: float, after: float) -> str:
    return "—" if not before else f"{(after - before) / before:+.0%}"


def render(d: dict, hours: list[dict], discrepancies: list[str]) -> str:
    mono_p99, svc_p99 = d["p99_ms"]["monolith"], d["p99_ms"]["service"]
    acc = d["accuracy"]
    lines = [
        "# Reporting Service Extraction - Validation Report", "",
        f"Measured in this run on 127.0.0.1 (uvicorn, TECHCORP_SCALE={d['scale']}): {d['requests']['monolith']} "
        f"monolith and {d['requests']['service']} service requests. Every figure below was measured, none is modelled.",
        "", "## Summary", "",
        "| Metric | Baseline (Monolith) | Extracted Service | Status |",
        "|--------|--------------------|--------------------|--------|",
        f"| P99 Latency | {mono_p99:,.1f}ms | {svc_p99:,.1f}ms | {'✓' if svc_p99 <= 1.1 * mono_p99 else '✗'} "
        f"{_change(mono_p99, svc_p99)} |",
        f"| Throughput | {d['throughput_rps']['monolith']:,.1f} req/s | {d['throughput_rps']['service']:,.1f} req/s | "
        f"{'✓' if d['throughput_rps']['service'] >= d['throughput_rps']['monolith'] else '✗'} "
        f"{_change(d['throughput_rps']['monolith'], d['throughput_rps']['service'])} |",
        f"| Error Rate | {d['error_rate']['monolith']:.2%} | {d['error_rate']['service']:.2%} | "
        f"{'✓' if d['error_rate']['service'] == 0 else '✗'} |",
        f"| Response Accuracy | — | {acc:.0%} | {'✓ All responses match' if d['discrepancies'] == 0 else '✗ Discrepancies found'} |",
        "", "## Test Results", "",
        "| Test Suite | Pass | Fail | Skip |", "|------------|------|------|------|",
    ]
    suites = d["tests"]["by_suite"]
    for name in ("Unit", "Integration", "Contract"):
        s = suites.get(name, {"passed": 0, "failed": 0, "skipped": 0})
        lines.append(f"| {name} tests | {s['passed']} | {s['failed']} | {s['skipped']} |")
    load_pass = sum(d["load_tests"].values())
    lines.append(f"| Load tests | {load_pass} | {len(d['load_tests']) - load_pass} | 0 |")
    lines += ["", f"Total: {d['tests']['passed'] + load_pass} passed, {d['tests']['failed'] + len(d['load_tests']) - load_pass} "
              f"failed, {d['tests']['skipped']} skipped. Coverage of services/reporting/src: {d['coverage']}% (coverage.py).",
              "", "## Performance Comparison", "", "### P99 Latency by Endpoint", "",
              "| Endpoint | Monolith | Extracted | Change |", "|----------|----------|-----------|--------|"]
    for e, v in d["p99_by_endpoint"].items():
        lines.append(f"| {e} | {v['monolith']:,.1f}ms | {v['service']:,.1f}ms | {_change(v['monolith'], v['service'])} |")
    cpu = d["cpu_ms_per_request"]
    lines += ["", "### Resource Usage", "",
              "| Resource | Monolith (reporting) | Extracted | Change |", "|----------|---------------------|-----------|--------|",
              f"| CPU time | {cpu['monolith']:.1f}ms/req | {cpu['service']:.1f}ms/req | {_change(cpu['monolith'], cpu['service'])} |"]
    for e, v in d["queries_per_request"].items():
        lines.append(f"| DB Queries {e} | {v['monolith']:.1f}/req | {v['service']:.1f}/req | "
                     f"{_change(v['monolith'], v['service'])} |")
    lines += ["", "Memory is not reported: per-process RSS of two uvicorn workers on one machine says little.",
              "", "## Parallel Running", "", "Traffic split: 90% monolith, 10% extracted service (every service "
              "response shadow-compared with the monolith's; the replica is re-synced after each hour's writes)", "",
              "| Hour | Monolith Requests | Extracted Requests | Discrepancies |",
              "|------|-------------------|-------------------|---------------|"]
    for h in hours:
        lines.append(f"| {h['hour']} | {h['monolith']:,} | {h['service']:,} | {h['discrepancies']} |")
    lines += ["", f"Total: {d['discrepancies']} discrepancies in 24-hour parallel run ({d['shadowed']} shadowed requests)"]
    if discrepancies:
        lines += ["", "Requests that differed: " + ", ".join(f"`{u}`" for u in sorted(set(discrepancies))[:10])]
    ok = d["discrepancies"] == 0 and svc_p99 <= 1.1 * mono_p99 and d["error_rate"]["service"] == 0
    lines += ["", "## Conclusion", ""]
    if ok:
        lines += ["Extraction successful. The POC validates:", "1. Reporting can run as isolated service",
                  f"2. Performance holds with dedicated resources (p99 {_change(mono_p99, svc_p99)})",
                  "3. Zero data consistency issues", f"4. Test coverage is sufficient ({d['coverage']}%)", "",
                  "### Recommendation", "", "Proceed with production migration using gradual traffic shift:",
                  "- Week 1: 10% → 25%", "- Week 2: 25% → 50%", "- Week 3: 50% → 75%", "- Week 4: 75% → 100%"]
    else:
        lines += ["Extraction not yet validated: " + "; ".join(
            x for x, bad in [(f"{d['discrepancies']} discrepancies", d["discrepancies"]),
                             ("p99 above 110% of the monolith", svc_p99 > 1.1 * mono_p99),
                             ("errors under load", d["error_rate"]["service"])] if bad), "",
                  "### Recommendation", "", "Keep 100% of reporting traffic on the monolith; fix and re-run the parallel run."]
    lines += ["", f"<!-- chant-data {json.dumps(d, sort_keys=True)} -->", ""]
    return "\n".join(lines)
