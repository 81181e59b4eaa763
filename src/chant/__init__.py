"""chant: turn markdown specs into executed, verified, merged work."""

__version__ = "0.1.0"
