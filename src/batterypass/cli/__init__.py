"""The command line: click commands only."""

from . import lifecycle  # noqa: F401 - registers its commands on main
from . import resolver as _resolver_commands  # noqa: F401 - registers serve, publish, token, audit, render
from .main import main

__all__ = ["main"]
