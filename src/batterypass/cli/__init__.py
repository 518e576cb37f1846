"""The command line: click commands only."""

from . import lifecycle  # noqa: F401 - registers its commands on main
from .main import main

__all__ = ["main"]
