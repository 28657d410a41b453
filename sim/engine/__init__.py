"""The dynamics: one vectorised monthly step over many runs at once (docs/ARCHITECTURE.md)."""
