"""Display states and their icons: one definition shared by the click commands and the click-free fast path
(this module imports nothing, so the fast path can use it without paying for the rest of chant)."""

# Stored statuses plus the computed `ready` / `blocked`, in the order summaries list them.
STATES = (
    "ready",
    "blocked",
    "pending",
    "in_progress",
    "paused",
    "completed",
    "failed",
    "needs_attention",
    "cancelled",
)

ICONS = {
    "ready": "○",
    "blocked": "⊘",
    "pending": "○",
    "in_progress": "◐",
    "paused": "⏸",
    "completed": "●",
    "failed": "✗",
    "needs_attention": "!",
    "cancelled": "–",
}

UNTITLED = "(untitled)"


def named(spec_id: str, title: str | None) -> str:
    """``<id> (<title>)``, and ``<id> (untitled)`` for a spec without one (never ``(None)`` or
    ``((untitled))``)."""
    if not title or title == UNTITLED:
        return f"{spec_id} {UNTITLED}"
    return f"{spec_id} ({title})"


# Spec types (`type:`); here rather than in chant.spec.model so the fast path can check `--type` import-free.
SPEC_TYPES = ("code", "task", "driver", "documentation", "research", "group")
