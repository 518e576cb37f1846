"""The command line: click commands only."""

from . import formats as _formats  # noqa: F401  (registers its commands on main)
from .main import main

__all__ = ["main"]
