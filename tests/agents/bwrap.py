"""``needs_bwrap``: the sandbox tests run the real bubblewrap, and skip (saying why) where it is unusable."""

from __future__ import annotations

import pytest

from chant.agents.sandbox import Unusable, find_bwrap

_found = find_bwrap()
needs_bwrap = pytest.mark.skipif(
    isinstance(_found, Unusable),
    reason=f"no usable bwrap: {getattr(_found, 'reason', '')} (make test installs it)",
)
