"""TechCorp backend: the B2B SaaS monolith.  See ``src/app.py`` for the module list."""
