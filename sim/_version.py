"""The package version (one place; `sim.__version__` and ``sim --version`` read it)."""

__version__ = "0.1.0"
