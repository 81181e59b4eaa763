"""The click-free fast path of ``chant list``, ``chant ready`` and ``chant status`` (docs/design.md, "Hot read path").

Only the simple, well-formed invocations are answered here (``list`` with its filter flags, ``ready
[--json]``, ``status [--brief|--json]``); anything else -- ``--help``, ``--opt=value``, unknown or repeated
options, invalid specs, an uninitialised directory, a non-UTF-8 stdout -- returns ``None`` and goes through
click, which stays the reference: ``tests/core/test_fastpath.py`` checks that both give the same bytes.

Warm runs read a precomputed *view*, ``.chant/run/index.view.bin``: every spec's summary row in natural ID
order (state, blockers, labels ...), keyed on the (size, mtime + inode) of every spec file, the archived IDs
and config.md's stamp. Any difference -- a file added, removed or touched, an archive change, a config edit,
a corrupt or foreign file -- means "no view": the specs are loaded as usual (markdown is the truth; the index
cache's racy-window rule applies), the rows computed by the graph code, and the view rewritten. Live state
(run locks for stranded specs) is never cached.
"""

from __future__ import annotations

import marshal
import os
import sys
import zlib

from chant import __version__, render
from chant.scan import RUN_LOCK_PREFIX, scan_md, stamp
from chant.states import SPEC_TYPES, STATES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    Row = tuple[Any, ...]

# A row: id, title, type, stored status, display state, labels joined by NUL (or None), the
# "  [blocked by ...]" suffix (or ""), failure_reason. Tuples, not named tuples: marshal stores them as is.
ID, TITLE, TYPE, STATUS, STATE, LABELS, BLOCKED, REASON = range(8)
# The view: the signature of the spec files it was built from, the archived IDs, config.md's stamp, the
# project name (or None), the rows, then marshal'ed blobs of the JSON rows and of what each row reads.
SIGNATURE, ARCHIVED, CONFIG, NAME, ROWS, FULL, READS = range(7)

VIEW_FILE = "index.view.bin"
VIEW_VERSION = 2
_STATUS_CHOICES = frozenset(STATES)  # stored statuses plus the computed ready / blocked

# Rows of the last views built in this process: taken from a stale view, or computed (read by the tests).
BUILD_STATS = {"reused": 0, "computed": 0}

_ROW_KEYS = ("id", "title", "type", "status", "state", "depends_on", "blocked_by", "labels", "driver")


# -- argv -------------------------------------------------------------------------------------------------
def parse(args: list[str]) -> tuple[str, dict[str, Any]] | None:
    """``(command, options)`` for a simple invocation this module answers; ``None`` for anything else."""
    if not args or args[0] not in ("list", "ready", "status"):
        return None
    command, rest = args[0], args[1:]
    flags = {
        "list": ("--ready", "--all", "--count", "--json"),
        "ready": ("--json",),
        "status": ("--brief", "--json"),
    }
    valued = ("--status", "--type", "--label") if command == "list" else ()
    opts: dict[str, Any] = {"labels": []}
    position = 0
    while position < len(rest):
        arg = rest[position]
        if arg in flags[command]:
            if arg in opts:
                return None
            opts[arg] = True
            position += 1
        elif arg in valued:
            if position + 1 >= len(rest):
                return None
            value = rest[position + 1]
            if not value or value.startswith("-"):
                return None
            if arg == "--label":
                opts["labels"].append(value)
            elif arg in opts or (arg == "--status" and value not in _STATUS_CHOICES):
                return None
            elif arg == "--type" and value not in SPEC_TYPES:  # click words the error
                return None
            else:
                opts[arg] = value
            position += 2
        else:
            return None
    if command == "status" and "--brief" in opts and "--json" in opts:
        return None  # a usage error: click words it
    return command, opts


# -- the view ---------------------------------------------------------------------------------------------
def _header() -> bytes:
    return (
        f"chant-view {VIEW_VERSION} {__version__} py{sys.version_info[0]}.{sys.version_info[1]} "
        f"m{marshal.version}\n"
    ).encode()


def _find_root() -> str | None:
    here = os.path.realpath(os.getcwd())
    while True:
        if os.path.isdir(os.path.join(here, ".chant")):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def _archived_ids(archive_dir: str) -> list[str]:
    """IDs in ``.chant/archive/`` as the loader sees them (the same walk: ``scan.scan_md``), sorted."""
    return sorted({key.rsplit("/", 1)[-1][:-3] for key, *_stat in scan_md(archive_dir)})


def _config_stamp(chant_dir: str) -> tuple[int, int] | None:
    try:
        st = os.stat(os.path.join(chant_dir, "config.md"))
    except OSError:
        return None
    return (st.st_size, stamp(st.st_mtime_ns, st.st_ino))


def _read_view(path: str) -> tuple[Any, ...] | None:
    try:
        with open(path, "rb") as handle:
            blob = handle.read()
    except OSError:
        return None
    header = _header()
    start = len(header) + 4
    if not blob.startswith(header) or len(blob) < start:
        return None
    payload = blob[start:]
    if zlib.crc32(payload) != int.from_bytes(blob[len(header) : start], "little"):
        return None
    try:
        view = marshal.loads(payload)
    except (ValueError, EOFError, TypeError):
        return None
    if not (
        type(view) is tuple
        and len(view) == 7
        and type(view[SIGNATURE]) is str
        and type(view[ROWS]) is list
        and type(view[FULL]) is bytes
        and type(view[READS]) is bytes
    ):
        return None
    for row in view[ROWS]:
        if not (type(row) is tuple and len(row) == 8 and type(row[ID]) is str and type(row[STATE]) is str):
            return None
    return view


def _write_view(path: str, view: tuple[Any, ...]) -> None:
    try:
        payload = marshal.dumps(view)
    except ValueError:  # e.g. a datetime in failure_reason: no view, the slow path stays correct
        return
    blob = _header() + zlib.crc32(payload).to_bytes(4, "little") + payload
    from chant import fsutil  # only when the view is (re)written: warm runs never need it

    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fsutil.write_atomic(path, blob, fsync=False)
    except OSError:
        pass  # no view: the next run computes the rows again


def _valid(
    view: tuple[Any, ...], scanned: list[tuple[str, int, int, int]], archived: list[str], config: Any
) -> bool:
    """The view was computed from exactly these files (same order, sizes, stamps), archive and config."""
    if view[ARCHIVED] != archived or view[CONFIG] != config or not view[SIGNATURE]:
        return False
    return bool(
        view[SIGNATURE]
        == _signature([(key, size, stamp(mtime_ns, ino)) for key, size, mtime_ns, ino in scanned])
    )


def _signature(stamps: list[tuple[str, int, int]]) -> str:
    """Every spec file's key, size and stamp, in load order, as one string (NUL cannot occur in a path)."""
    return "".join([f"{key}\0{size}\0{version}\0" for key, size, version in stamps])


def _project_name(root: str) -> str | None:
    """= Project.name (reads config.md, whose YAML is nested: PyYAML); ``None`` on a config error."""
    from pathlib import Path

    from chant.errors import ChantError
    from chant.project import Project

    try:
        return Project(Path(root)).name
    except ChantError:
        return None


def _reads(graph: Any, spec_id: str, canon: dict[str, str]) -> list[str]:
    """Every other spec whose file the row of ``spec_id`` depends on: its dependencies (own, inherited from
    its drivers, the previous member), and up its chain of drivers each driver and that driver's members.

    IDs are the graph's own string objects (``canon``), so that marshal stores each once."""
    from chant.spec.ids import parent_id as ids_parent

    found = set(graph.dependencies(spec_id))
    node = spec_id
    while True:
        parent = ids_parent(node)
        if parent is None:
            break
        found.add(parent)
        if parent not in graph.specs:
            break
        found.update(graph.members(parent))
        node = parent
    found.discard(spec_id)
    return [canon.get(other, other) for other in found]


def _reusable(stale: tuple[Any, ...], stamps: dict[str, tuple[int, int]]) -> tuple[dict[str, int], set[str]]:
    """From a view computed before some spec files changed: the rows that may be reused (ID -> position in
    the old view) and the IDs whose change invalidates every row that reads them."""
    from chant.spec.ids import parent_id as ids_parent

    parts = stale[SIGNATURE].split("\0")
    old = {parts[i]: (int(parts[i + 1]), int(parts[i + 2])) for i in range(0, len(parts) - 2, 3)}
    changed = {key for key in old.keys() | stamps.keys() if old.get(key) != stamps.get(key)}
    touched = {key.rsplit("/", 1)[-1][:-3] for key in changed}
    # A member added, removed or edited changes its driver's list of members (the implicit order, the
    # inherited dependencies): every row that reads the driver is recomputed too.
    touched.update([parent for spec_id in list(touched) if (parent := ids_parent(spec_id)) is not None])
    positions = {row[ID]: position for position, row in enumerate(stale[ROWS]) if row[ID] not in touched}
    return positions, touched


def _build(
    root: str,
    config: Any,
    view_path: str,
    *,
    need_name: bool,
    stale: tuple[Any, ...] | None = None,
    scanned: list[tuple[str, int, int, int]] | None = None,
) -> tuple[tuple[Any, ...], list[str]] | None:
    """Load the specs the usual way and compute every row with the graph code; write the view if clean.

    With ``stale`` (a view of the same archive and config from before some spec files changed), rows that
    read none of the changed specs are taken from it: after a small pull only a few rows are computed.
    Returns the view and the IDs in load order (for the stranded check), or ``None`` for the click path.
    """
    from pathlib import Path

    from chant.errors import ChantError
    from chant.graph import Graph
    from chant.ops import query
    from chant.project import Project
    from chant.spec import ids

    try:
        proj = Project(Path(root))
        specs = proj.specs(scanned=scanned)
        if specs.invalid:
            return None  # warnings and errors are worded by the click path
        # Invalid YAML in config.md stops every command (the click path words it). A view is written only
        # for a config that reads, so warm runs need not check again (the view is keyed on its stamp).
        # Usually the fast YAML reader parses config.md; a nested one costs the cold run PyYAML's import.
        proj.config  # noqa: B018 - raises chant.config.ConfigError
        name = stale[NAME] if stale is not None else None  # same config.md as when the stale view was made
        if name is None and need_name:
            name = proj.name
    except ChantError:
        return None
    graph = Graph.of(specs)
    rows = []
    full = []
    reads = []
    storable = proj.clean_stamps is not None
    positions: dict[str, int] = {}
    touched: set[str] = set()
    canon = {spec_id: spec_id for spec_id in graph.specs}
    if stale is not None:
        old_rows, old_full, old_reads = stale[ROWS], marshal.loads(stale[FULL]), marshal.loads(stale[READS])
        if len(old_full) == len(old_rows) == len(old_reads):
            positions, touched = _reusable(stale, proj.stamps)
    for spec_id in ids.sorted_ids(graph.specs):
        position = positions.get(spec_id)
        if position is not None and touched.isdisjoint(old_reads[position]):
            rows.append(old_rows[position])
            full.append(old_full[position])
            reads.append(old_reads[position])
            BUILD_STATS["reused"] += 1
            continue
        BUILD_STATS["computed"] += 1
        spec = graph.specs[spec_id]
        reads.append(_reads(graph, spec_id, canon))
        s = query.summary(graph, spec)
        labels = s["labels"]
        if any("\0" in label for label in labels):
            storable = False
        rows.append(
            (
                s["id"],
                s["title"],
                s["type"],
                s["status"],
                s["state"],
                "\0".join(labels) if labels else None,
                render.blocked_suffix(s["blocked_by"]),
                spec.get("failure_reason"),
            )
        )
        full.append(tuple(s[key] for key in _ROW_KEYS))
    stamps = [(key, size, version) for key, (size, version) in (proj.clean_stamps or {}).items()]
    view = (
        _signature(stamps),
        sorted(specs.archived),
        config,
        name,
        rows,
        marshal.dumps(full),
        marshal.dumps(reads),
    )
    if storable:
        _write_view(view_path, view)
    return view, list(specs.active)


# -- output (chant.render, the renderer of chant.cli.query_cmds too) ---------------------------------------
def _lines(rows: list[Row], chosen: list[int]) -> list[tuple[str, str | None, str, str]]:
    return [(r[ID], r[TITLE], r[STATE], r[BLOCKED]) for r in (rows[i] for i in chosen)]


def _dicts(view: tuple[Any, ...], chosen: list[int]) -> list[dict[str, Any]]:
    """The JSON rows (query.summary's dicts) of the chosen positions, from the view's second blob."""
    full = marshal.loads(view[FULL])
    keys = _ROW_KEYS
    return [dict(zip(keys, full[i], strict=True)) for i in chosen]


def _select(rows: list[Row], opts: dict[str, Any], *, ready: bool, include_cancelled: bool) -> list[int]:
    """= chant.ops.query.select on rows: the chosen positions."""
    status = opts.get("--status")
    type_ = opts.get("--type")
    labels = set(opts["labels"])
    chosen = []
    for position, r in enumerate(rows):
        state = r[STATE]
        if ready and state != "ready":
            continue
        if status is not None:
            if status == "pending":
                if r[STATUS] != "pending":
                    continue
            elif state != status:
                continue
        elif state == "cancelled" and not include_cancelled:
            continue
        if type_ is not None and r[TYPE] != type_:
            continue
        if labels and (r[LABELS] is None or not labels.intersection(r[LABELS].split("\0"))):
            continue
        chosen.append(position)
    return chosen


def _stranded(root: str, rows: list[Row], order: list[str]) -> list[dict[str, Any]]:
    """= chant.run.recovery.stranded_entries: in_progress specs (in load order) whose run lock nobody holds (for a
    driver: nor the run lock of an in_progress member)."""
    by_id = {r[ID]: r for r in rows if r[STATUS] == "in_progress"}
    found = []
    locks = os.path.join(root, ".chant", "run", "locks")

    def held(spec_id: str) -> bool:
        lock = os.path.join(locks, f"{RUN_LOCK_PREFIX}{spec_id}.lock")  # = chant.layout.run_lock_path
        if not os.path.exists(lock):
            return False
        from pathlib import Path

        from chant.locks import is_locked

        return is_locked(Path(lock))

    for spec_id in order:
        r = by_id.get(spec_id)
        if r is None:
            continue
        if held(spec_id) or any(held(m) for m in by_id if m.startswith(f"{spec_id}.")):
            continue
        found.append(render.stranded_entry(spec_id, r[TITLE]))
    return found


def _status(root: str, name: str, rows: list[Row], order: list[str], opts: dict[str, Any]) -> str:
    counts = {state: 0 for state in STATES if state != "pending"}
    attention: list[dict[str, Any]] = []
    in_progress: list[dict[str, Any]] = []
    ready: list[dict[str, Any]] = []
    for r in rows:
        state = r[STATE]
        counts[state] = counts.get(state, 0) + 1
        if state in ("failed", "needs_attention"):
            attention.append({"id": r[ID], "title": r[TITLE], "status": state, "reason": r[REASON]})
        elif state in ("in_progress", "paused"):
            in_progress.append({"id": r[ID], "title": r[TITLE], "status": state})
        elif state == "ready":
            ready.append({"id": r[ID], "title": r[TITLE]})
    attention += _stranded(root, rows, order)
    total = len(rows)
    if "--json" in opts:
        return render.json_text(
            {
                "total": total,
                "counts": counts,
                "attention": attention,
                "in_progress": in_progress,
                "ready": ready,
                "invalid": [],
            }
        )
    if "--brief" in opts:
        return render.status_brief(total, counts)
    return render.status_text(name, total, counts, attention, in_progress, ready)


def _output(command: str, opts: dict[str, Any], root: str, view: tuple[Any, ...], order: list[str]) -> str:
    rows: list[Row] = view[ROWS]
    if command == "status":
        return _status(root, view[NAME], rows, order, opts)
    if command == "ready":
        chosen = _select(rows, opts, ready=True, include_cancelled=False)
        if "--json" in opts:
            return render.json_text({"specs": _dicts(view, chosen)})
        return render.rows_text(_lines(rows, chosen)) if chosen else "No ready specs.\n"
    chosen = _select(rows, opts, ready="--ready" in opts, include_cancelled="--all" in opts)
    if "--count" in opts:
        return render.json_text({"count": len(chosen)}) if "--json" in opts else f"{len(chosen)}\n"
    if "--json" in opts:
        return render.json_text({"specs": _dicts(view, chosen), "invalid": []})
    return render.rows_text(_lines(rows, chosen))


def run(args: list[str]) -> int | None:
    """Answer a simple list/ready/status invocation; ``None`` means "use the click path"."""
    request = parse(args)
    if request is None:
        return None
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    if encoding != "utf8":
        return None
    root = _find_root()
    if root is None:
        return None
    chant_dir = os.path.join(root, ".chant")
    specs_dir = os.path.join(chant_dir, "specs")
    if not os.path.isdir(specs_dir):
        return None
    view_path = os.path.join(chant_dir, "run", VIEW_FILE)
    config = _config_stamp(chant_dir)
    view = _read_view(view_path)
    stale = None
    scanned = None
    order: list[str] = []
    if view is not None:  # valid only if every spec file, the archive and config.md are as it recorded
        scanned = scan_md(specs_dir)
        archive_dir = os.path.join(chant_dir, "archive")
        archived = _archived_ids(archive_dir) if os.path.isdir(archive_dir) else []
        if not _valid(view, scanned, archived, config):
            if view[ARCHIVED] == archived and view[CONFIG] == config and view[SIGNATURE]:
                stale = view  # only spec files changed: the rows of the others can be reused
            view = None
        else:
            order = [key.rsplit("/", 1)[-1][:-3] for key, *_ in scanned]
    if view is None:
        built = _build(
            root, config, view_path, need_name=request[0] == "status", stale=stale, scanned=scanned
        )
        if built is None:
            return None
        view, order = built
    elif request[0] == "status" and view[NAME] is None:
        name = _project_name(root)
        if name is None:
            return None
        view = (*view[:NAME], name, *view[NAME + 1 :])
        _write_view(view_path, view)
    text = _output(request[0], request[1], root, view, order)
    try:
        if (
            "\x1b" in text and not sys.stdout.isatty()
        ):  # click strips ANSI escapes (e.g. in titles) off a terminal
            import click

            click.echo(text, nl=False)
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
    except BrokenPipeError:
        sys.exit(0)
    return 0
