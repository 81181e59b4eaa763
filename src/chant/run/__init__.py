"""Execution: one pipeline (prepare -> run agent -> check -> integrate -> finalize) and the schedulers
that feed it (single, driver phases, parallel queue, chain)."""
