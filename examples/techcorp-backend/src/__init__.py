"""TechCorp backend: the B2B SaaS monolith (auth, users, billing, notifications, reporting)."""
