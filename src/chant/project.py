"""A chant project: root discovery, config, loading specs (with an index cache) and the one spec writer."""

from __future__ import annotations

import marshal
import os
import sys
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Final

from chant import __version__, fsutil
from chant import config as config_mod
from chant.errors import ChantError, NotFoundError, SpecParseError
from chant.locks import locked
from chant.scan import scan_md, stamp
from chant.shell import quote
from chant.spec import document, ids
from chant.spec.model import KEEP_BODY_BYTES, Spec, read_spec_file
from chant.spec.status import Status, check_transition

# Not imported here, on purpose: chant.git (subprocess), tempfile and chant.spec.edit (YAML) are only needed
# when writing, and `chant list` must start fast (docs/design.md, "Hot read path"). They are imported inside the writers.

CHANT_DIR = ".chant"
CACHE_VERSION = 4
CACHE_FILE = "index.bin"
# Entries whose file changed less than this long ago are not cached: a same-size edit within the file
# system's timestamp granularity would otherwise look unchanged ("racily clean", as git calls it).
_RACY_NS = 2_000_000_000


class NotInitialized(ChantError):
    pass


class InvalidSpecError(ChantError):
    """The ID names a file that does not parse: say so with its ``file:line`` (not "not found")."""

    def __init__(self, spec_id: str, problem: str) -> None:
        super().__init__(
            f"this spec's file is invalid: {problem}",
            hint=f"`chant edit {quote(spec_id)}` opens it; `chant lint` lists every problem",
        )
        self.spec_id = spec_id


class ArchivedError(ChantError):
    pass


@dataclass
class SpecSet:
    """All specs of a project: the active ones, archived IDs, and files that failed to parse."""

    active: dict[str, Spec] = field(default_factory=dict)
    archived: dict[str, Path] = field(default_factory=dict)
    invalid: dict[str, SpecParseError] = field(default_factory=dict)

    def ordered(self) -> list[Spec]:
        return [self.active[i] for i in ids.sorted_ids(self.active)]

    def get(self, spec_id: str) -> Spec | None:
        return self.active.get(spec_id)


def find_root(start: Path | None = None) -> Path:
    """The nearest directory at or above ``start`` holding ``.chant/`` (so chant works from subdirectories)."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / CHANT_DIR).is_dir():
            return candidate
    raise NotInitialized("Not a chant project (no .chant/ here or above)", hint="run `chant init`")


class Project:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.chant_dir = root / CHANT_DIR
        self.specs_dir = self.chant_dir / "specs"
        self.archive_dir = self.chant_dir / "archive"
        self.prompts_dir = self.chant_dir / "prompts"
        self.logs_dir = self.chant_dir / "logs"
        self.run_dir = self.chant_dir / "run"
        self._specs: SpecSet | None = None
        self.clean_stamps: dict[str, tuple[int, int]] | None = None  # set by _load
        self._run_dir_ready = False
        self.stamps: dict[str, tuple[int, int]] = {}  # every spec file's (size, stamp) as _load saw it

    @classmethod
    def discover(cls, start: Path | None = None) -> Project:
        return cls(find_root(start))

    @cached_property
    def config(self) -> config_mod.Config:
        path = self.chant_dir / "config.md"
        return config_mod.load(path, self.rel(path))

    @property
    def name(self) -> str:
        return str(self.config.get("project.name") or self.root.name)

    def lock_path(self, name: str) -> Path:
        if not self._run_dir_ready:
            ensure_run_dir(self.run_dir)
            self._run_dir_ready = True
        return self.run_dir / "locks" / f"{name}.lock"

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    # -- reading ---------------------------------------------------------------------------------
    def specs(
        self, *, refresh: bool = False, scanned: list[tuple[str, int, int, int]] | None = None
    ) -> SpecSet:
        """Every spec. ``scanned``: this process's :func:`scan.scan_md` of ``specs_dir`` if it has one (the
        CLI's fast path stats every file anyway; a second scan of 5,000 files costs ~15 ms)."""
        if self._specs is None or refresh:
            self._specs = self._load(scanned)
        return self._specs

    def _load(self, scanned: list[tuple[str, int, int, int]] | None = None) -> SpecSet:
        cache_path = self.run_dir / CACHE_FILE
        cache = _read_cache(cache_path)
        fresh: dict[str, _Entry] = {}
        parsed = False
        racy_after = time.time_ns() - _RACY_NS
        result = SpecSet()
        active = result.active
        stamps = self.stamps = {}
        # A clone whose .chant/ has no specs/ (git keeps no empty directories) is an empty project.
        files = _scan_specs(self.specs_dir, scanned) if self.specs_dir.is_dir() else []
        for key, path, size, mtime_ns, inode in files:
            spec_id = key[:-3] if "/" not in key else key.rsplit("/", 1)[1][:-3]
            entry = cache.get(key)
            version = stamp(mtime_ns, inode)
            stamps[key] = (size, version)
            if entry is not None and entry[_SIZE] == size and entry[_VERSION] == version:
                spec = Spec(spec_id, path, entry[_FRONTMATTER], None, entry[_BODY_LINE], title=entry[_TITLE])
                fresh[key] = entry
            else:
                parsed = True
                try:
                    spec = Spec.from_text(spec_id, path, read_spec_file(path))
                except SpecParseError as exc:
                    if not os.path.lexists(path):
                        continue  # removed since the scan (a concurrent delete): not a spec any more
                    result.invalid[spec_id] = SpecParseError(self.rel(path), exc.detail, exc.line)
                    continue
                except Exception as exc:  # one file must never take the listing down
                    result.invalid[spec_id] = SpecParseError(
                        self.rel(path), f"cannot read this spec ({type(exc).__name__}: {str(exc)[:200]})", 1
                    )
                    continue
                if size > KEEP_BODY_BYTES:
                    spec.body_text = None  # re-read on demand: memory stays small with huge files
                if mtime_ns < racy_after:
                    fresh[key] = (size, version, spec.frontmatter, spec.title, spec.body_line_offset)
            if spec_id in active:
                result.invalid[spec_id] = SpecParseError(
                    self.rel(path), "duplicate spec ID (two files, same name)"
                )
                continue
            active[spec_id] = spec
        if self.archive_dir.is_dir():
            for path in _spec_files(self.archive_dir):
                result.archived.setdefault(path.name[:-3], path)
        # Every reused entry is the cached object itself, so "same count, nothing parsed" means "same cache".
        if parsed or len(fresh) != len(cache):
            _write_cache(cache_path, fresh)
        # Every spec file's (size, stamp) when all of them are cached and valid: the CLI's fast path keys
        # its precomputed listing on exactly this (chant.cli.fast); None otherwise.
        self.clean_stamps = (
            {key: (entry[_SIZE], entry[_VERSION]) for key, entry in fresh.items()}
            if not result.invalid and len(fresh) == len(active)
            else None
        )
        return result

    def all_ids(self) -> list[str]:
        specs = self.specs()
        return [*specs.active, *specs.archived]

    def resolve(self, query: str, *, archived: bool = False, action: str | None = None) -> Spec:
        """The spec ``query`` names (see :func:`ids.resolve`), among active, broken and archived files.

        A broken file is an error naming it (never "not found"). An archived spec is returned only with
        ``archived=True``; otherwise the error says it is archived (``action`` names what does not apply).
        """
        specs = self.specs()
        spec_id = self.resolve_id(query)
        if spec_id in specs.invalid:
            problem = specs.invalid[spec_id]
            raise InvalidSpecError(spec_id, problem.message)
        if spec_id in specs.active:
            return specs.active[spec_id]
        if not archived:
            what = f"`chant {action}`" if action else "this command"
            raise ArchivedError(
                f"{spec_id} is archived ({self.rel(specs.archived[spec_id])}); {what} works on active specs only",
                hint=f"`chant show {quote(spec_id)}` shows it; move the file back to {self.rel(self.specs_dir)}/ "
                "to work on it again",
            )
        return self.load_archived(spec_id)

    def resolve_id(self, query: str) -> str:
        """Resolve among active and broken files first; archived IDs only when nothing live matches."""
        specs = self.specs()
        live = list(dict.fromkeys([*specs.active, *specs.invalid]))
        try:
            return ids.resolve(query, live)
        except NotFoundError:
            if not specs.archived:
                raise
        return ids.resolve(query, list(specs.archived))

    def file_of(self, spec_id: str) -> Path:
        """The file of a resolved ID, whether it is active, broken or archived."""
        specs = self.specs()
        if spec_id in specs.invalid:
            return self.root / specs.invalid[spec_id].path
        if spec_id in specs.archived and spec_id not in specs.active:
            return specs.archived[spec_id]
        return self.spec_path(spec_id)

    def load_archived(self, spec_id: str) -> Spec:
        path = self.specs().archived[spec_id]
        try:
            return self._parse(spec_id, path, archived=True)
        except SpecParseError as exc:
            raise InvalidSpecError(spec_id, exc.message) from None

    def reload(self, spec_id: str) -> Spec:
        """Re-read one spec from disk (after a write), updating the in-memory set."""
        spec = self._parse(spec_id, self.spec_path(spec_id))
        if self._specs is not None:
            self._specs.active[spec_id] = spec
        return spec

    def _parse(self, spec_id: str, path: Path, *, archived: bool = False) -> Spec:
        """One spec read outside the listing; its problems name the file relative to the project."""
        try:
            return Spec.from_text(spec_id, path, read_spec_file(path), archived=archived)
        except SpecParseError as exc:
            raise SpecParseError(self.rel(path), exc.detail, exc.line) from None

    def spec_path(self, spec_id: str) -> Path:
        spec = self.specs().active.get(spec_id)
        return spec.path if spec is not None else self.specs_dir / f"{spec_id}.md"

    # -- writing ---------------------------------------------------------------------------------
    def update_spec(
        self,
        spec_id: str,
        updates: dict[str, Any],
        *,
        status: Status | None = None,
        force: bool = False,
        commit: str | None = None,
        body_edit: Callable[[str, str], str] | None = None,
    ) -> Spec:
        """The one function that writes a spec file.

        Takes the spec's write lock, re-reads the file, checks the status transition against the table,
        edits only the given keys (round-trip), writes atomically and optionally commits just that file.
        ``body_edit(text, path)`` may change the body of the text just read (e.g. untick criteria).
        """
        path = self.spec_path(spec_id)
        with locked(self.lock_path(f"write-{spec_id}"), timeout=30):
            text = original = read_spec_file(path)
            if body_edit is not None:
                text = body_edit(text, self.rel(path))
            new_text = self.edited_text(spec_id, text, updates, status=status, force=force)
            if new_text != original:
                atomic_write(path, new_text)
        spec = self.reload(spec_id)
        if commit:
            self.commit([path], commit)
        return spec

    def edited_text(
        self,
        spec_id: str,
        text: str,
        updates: dict[str, Any],
        *,
        status: Status | None = None,
        force: bool = False,
    ) -> str:
        """``text`` (a version of the spec's file) with ``update_spec``'s edit applied, transition checked.

        update_spec applies it to the file; chant's bookkeeping also applies it to the main branch's
        committed copy, which it commits without touching the checkout (run/mainline.py).
        """
        from chant.spec import edit

        path = self.spec_path(spec_id)
        changes = dict(updates)
        if status is not None:
            current = Spec.from_text(spec_id, path, text).status
            if not force:
                check_transition(spec_id, current, status)
            changes["status"] = status.value
        return edit.set_fields(text, changes, self.rel(path))

    def commit(self, paths: list[Path], message: str) -> str | None:
        """Commit chant's bookkeeping on the current branch, only ``paths``, serialised across processes."""
        from chant import git

        if not (self.root / ".git").exists() or not git.toplevel(self.root):
            return None
        rels = [self.rel(p) for p in paths if not git.is_ignored(self.root, p)]
        if not rels:
            return None
        with locked(self.lock_path("git-index"), timeout=120):
            return git.commit_paths(self.root, rels, message)


def _child(directory: Path, name: str) -> Path:
    """``directory / name`` for a plain file name, without re-parsing the parent (5x faster for 5,000 specs)."""
    make = getattr(directory, "_make_child_relpath", None)  # private pathlib helper (3.11-3.13)
    return make(name) if make is not None else directory / name


def _scan_specs(
    directory: Path, scanned: list[tuple[str, int, int, int]] | None = None
) -> list[tuple[str, Path, int, int, int]]:
    """``(key, path, size, mtime_ns, inode)`` of every ``*.md`` under ``directory`` (see :func:`scan.scan_md`)."""
    return [
        (key, _child(directory, key) if "/" not in key else directory / key, size, mtime_ns, inode)
        for key, size, mtime_ns, inode in (scan_md(str(directory)) if scanned is None else scanned)
    ]


def _spec_files(directory: Path) -> list[Path]:
    return [path for _key, path, *_stat in _scan_specs(directory)]


# -- the index cache ----------------------------------------------------------------------------------
# .chant/run/index.bin: a header naming the format, chant and Python versions, a CRC-32 of the payload,
# then a marshal'ed dict {relative path: (size, mtime_ns, frontmatter, title, body line offset)}.
# marshal is several times faster than json for this shape and round-trips every YAML value type. The file
# lives in chant's own git-ignored run directory; still, nothing in it is trusted unless the header and the
# checksum match and every entry has the expected shape, and any surprise means "no cache" (never a crash).
_Entry = tuple[int, int, dict[str, Any], str | None, int]
# An _Entry's positions (Final, so that mypy knows each one's type).
_SIZE: Final = 0
_VERSION: Final = 1
_FRONTMATTER: Final = 2
_TITLE: Final = 3
_BODY_LINE: Final = 4


def _cache_header() -> bytes:
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    return f"chant-index {CACHE_VERSION} {__version__} py{version} m{marshal.version}\n".encode()


def _read_cache(path: Path) -> dict[str, _Entry]:
    """A stale or corrupt cache is never trusted: anything unexpected means "no cache"."""
    try:
        with open(path, "rb") as handle:
            blob = handle.read()
    except OSError:
        return {}
    header = _cache_header()
    start = len(header) + 4
    if not blob.startswith(header) or len(blob) < start:
        return {}
    payload = blob[start:]
    if zlib.crc32(payload) != int.from_bytes(blob[len(header) : start], "little"):
        return {}
    try:
        entries = marshal.loads(payload)
    except (ValueError, EOFError, TypeError):
        return {}
    if type(entries) is not dict:
        return {}
    for key, value in entries.items():
        if not (
            type(key) is str
            and type(value) is tuple
            and len(value) == 5
            and type(value[0]) is int
            and type(value[1]) is int
            and type(value[2]) is dict
            and (value[3] is None or type(value[3]) is str)
            and type(value[4]) is int
        ):
            return {}
    return entries


def _write_cache(path: Path, entries: dict[str, _Entry]) -> None:
    try:
        payload = marshal.dumps(entries)
    except ValueError:  # a value marshal cannot store (e.g. a datetime from an explicit !!timestamp tag)
        entries = {key: value for key, value in entries.items() if _marshallable(value)}
        payload = marshal.dumps(entries)
    blob = _cache_header() + zlib.crc32(payload).to_bytes(4, "little") + payload
    ensure_run_dir(path.parent)
    try:
        fsutil.write_atomic(str(path), blob, fsync=False)
    except OSError:
        pass  # the cache is an optimisation; a read-only checkout still works


def _marshallable(value: Any) -> bool:
    try:
        marshal.dumps(value)
    except ValueError:
        return False
    return True


RUN_GITIGNORE = "# chant's runtime state (locks, worktrees, caches): never committed\n*\n"


def ensure_run_dir(run_dir: Path) -> None:
    """Create ``.chant/run/`` ignoring itself, so it never shows as untracked, whoever wrote .chant/.gitignore
    (a repository set up by another tool, or by hand, need not list ``run/``)."""
    marker = run_dir / ".gitignore"
    if marker.exists():
        return
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        return
    except OSError:
        return  # a read-only checkout: chant still works, the directory just is not created
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(RUN_GITIGNORE)


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8, newlines as given) via a temp file + rename, fsync'ed (:mod:`chant.fsutil`)."""
    fsutil.write_atomic(str(path), text.encode("utf-8"), fsync=True)


__all__ = ["Project", "SpecSet", "find_root", "atomic_write", "document"]
