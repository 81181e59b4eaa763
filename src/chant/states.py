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
