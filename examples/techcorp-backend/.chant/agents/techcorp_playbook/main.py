"""Entry point: pick the playbook for the spec, run it, tick what passed, commit."""

from __future__ import annotations

import importlib
import re
import sys
import traceback

from .common import NoPlaybook, Spec, fault, normalise

# spec-id suffix -> (module, description); the title regexes are the fallback for renamed specs.
PLAYBOOKS = {
    "cpl": ("analysis", "coupling_analysis"),
    "doc": ("analysis", "architecture_docs"),
    "ext.1": ("service", "api_extraction"),
    "ext.2": ("replica", "database_migration"),
    "ext.3": ("suite", "test_suite"),
    "ext.4": ("integration", "integration_testing"),
    "ext": ("wrapup", "driver_wrapup"),
    "wkly": ("analysis", "weekly_coupling"),
}
TITLES = [
    (r"coupling", "cpl"), (r"architecture doc", "doc"), (r"^api extraction", "ext.1"),
    (r"^database migration", "ext.2"), (r"^test suite", "ext.3"), (r"^integration testing", "ext.4"),
    (r"extract .*service", "ext"), (r"weekly", "wkly"),
]


def pick(spec: Spec) -> str:
    if spec.suffix in PLAYBOOKS:
        return spec.suffix
    for pattern, key in TITLES:
        if re.search(pattern, spec.title, re.I):
            return key
    raise NoPlaybook(f"no playbook for {spec.id} ({spec.title!r})")


def main() -> int:
    try:
        spec = Spec.from_env()
    except (OSError, ValueError) as exc:
        print(f"playbook: cannot read the spec: {exc}", file=sys.stderr)
        return 2
    spec.log(f"prompt received: {len(sys.stdin.read()) if not sys.stdin.isatty() else 0} chars")
    try:
        key = pick(spec)
    except NoPlaybook as exc:
        print(f"no playbook: {exc}", file=sys.stderr)
        return 2
    module_name, playbook = PLAYBOOKS[key]
    spec.say(f"playbook {playbook} for {spec.id}")
    if fault(key) == "fail":
        spec.say(f"fault injected ({key}:fail): giving up before writing anything")
        spec.flush_log()
        return 1
    try:
        module = importlib.import_module(f"techcorp_playbook.{module_name}")
        with spec.cleanup:
            results = module.run(spec) if module_name != "analysis" else getattr(module, playbook)(spec)
    except Exception:  # noqa: BLE001 - a crashed playbook is a failed spec, with the traceback in the output
        traceback.print_exc()
        spec.flush_log()
        return 1
    for criterion in spec.criteria():
        passed = results.get(normalise(criterion), False)
        spec.say(f"  [{'x' if passed else ' '}] {criterion}")
    spec.tick("Acceptance Criteria", results)
    spec.commit()
    spec.flush_log()
    print('CHANT_RESULT {"model": "techcorp-playbook-1"}', flush=True)
    return 0
