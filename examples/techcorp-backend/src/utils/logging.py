"""Logger factory with one consistent format for the whole monolith."""

from __future__ import annotations

import logging as _logging

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def get_logger(name: str) -> _logging.Logger:
    logger = _logging.getLogger(f"techcorp.{name}")
    if not _logging.getLogger("techcorp").handlers:
        handler = _logging.StreamHandler()
        handler.setFormatter(_logging.Formatter(_FORMAT))
        _logging.getLogger("techcorp").addHandler(handler)
        _logging.getLogger("techcorp").setLevel(_logging.WARNING)
    return logger
