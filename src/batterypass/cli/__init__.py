"""The command line: click commands only."""

from .main import main

__all__ = ["main"]
