"""qualcode: a qualitative coding workbench for interview research."""

__version__ = "0.1.0"
