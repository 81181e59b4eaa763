"""Operations behind the CLI commands, usable from Python: each takes a Project and returns data."""
