"""Deterministic example agent for chant's `command` provider (the TechCorp scenario).

chant runs it in the spec's worktree with the rendered prompt on stdin and CHANT_* in the
environment.  It picks a playbook for the spec, writes the spec's target files from the spec's
declared inputs, ticks only the acceptance criteria whose checks really passed and commits
`chant(<id>): <title>`.  No network, no LLM: the same inputs give the same files.
"""

from __future__ import annotations

import sys
from pathlib import Path

# The package sits next to this script; the worktree root is the cwd, not this directory.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from techcorp_playbook.main import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
