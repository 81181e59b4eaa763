"""Writing a file so that readers never see half of it (imports only os: the fast listing path uses it)."""

from __future__ import annotations

import os


def write_atomic(path: str, data: bytes, *, fsync: bool) -> None:
    """Write ``data`` to a fresh temporary file next to ``path``, then rename it over ``path``.

    ``fsync`` for files whose loss matters (specs, config); caches skip it (a torn cache fails its checksum
    and costs one re-parse). A new file gets the mode the umask gives (the kernel applies it to ``0o666``;
    ``mkstemp``'s 0600 made config.md and prompts private); an existing file keeps its own mode. Raises
    ``OSError``; the temporary file never outlives a failure.
    """
    fd, tmp = _create_temp(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if fsync:
                handle.flush()
                os.fsync(handle.fileno())
        try:
            os.chmod(tmp, os.stat(path).st_mode & 0o777)
        except FileNotFoundError:
            pass
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _create_temp(path: str) -> tuple[int, str]:
    directory, name = os.path.split(path)
    for _attempt in range(100):
        tmp = os.path.join(directory, f".{name}.{os.urandom(4).hex()}.tmp")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name next to {path}")
