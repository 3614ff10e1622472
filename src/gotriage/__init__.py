"""gotriage: find, prove and explain why a Go service burns CPU and memory."""

__version__ = "0.1.0"
