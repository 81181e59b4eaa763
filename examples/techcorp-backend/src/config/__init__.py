"""Process-wide configuration: settings and the primary database pool."""
