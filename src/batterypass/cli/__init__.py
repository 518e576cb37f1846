"""The command line: click commands only."""

from . import formats as _formats  # noqa: F401 - registers convert, context
from . import lifecycle as _lifecycle  # noqa: F401 - registers update, history, second-life, end-of-life, status-list...
from . import resolver as _resolver_commands  # noqa: F401 - registers serve, publish, token, audit, render
from .main import main

__all__ = ["main"]
