"""assess: a rules-based governance assessment engine."""

__version__ = "0.1.0"
