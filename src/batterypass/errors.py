"""Typed errors. Every error that reaches a user names what is wrong and where.

A :class:`Problem` is one finding at one JSON path (``$.battery.massKg``). Errors that
concern data carry the whole list, so a user sees every problem in one run, up to
:data:`MAX_PROBLEMS` (then one last problem says how many more there were); a problem's path
and message are cut at :data:`MAX_PROBLEM_CHARS`, because they quote hostile input.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Problems kept per document: a 1 MB file can describe millions, a person acts on the first.
MAX_PROBLEMS = 1000
#: Longest path or message a problem keeps.
MAX_PROBLEM_CHARS = 1000


def _cut(text: str) -> str:
    return text if len(text) <= MAX_PROBLEM_CHARS else text[: MAX_PROBLEM_CHARS - 3] + "..."


@dataclass(frozen=True, order=True)
class Problem:
    """One problem found in an input, at a JSONPath-like location (``$`` is the root)."""

    path: str
    message: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", _cut(self.path))
        object.__setattr__(self, "message", _cut(self.message))

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


def shorten(value: object, limit: int = 80) -> str:
    """``repr(value)`` cut to ``limit`` characters: messages quote hostile input, which can be huge."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def json_path(location: tuple[str | int, ...] | list[str | int]) -> str:
    """Render a location tuple (as pydantic reports it) as ``$.a.b[0].c``."""
    out = "$"
    for part in location:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


class BatteryPassError(Exception):
    """Base class of every error batterypass raises on purpose."""


class InvalidInputError(BatteryPassError):
    """The input (build data, passport, credential, key file...) has problems.

    ``problems`` lists every one of them; ``source`` names the file or item when known.
    """

    def __init__(self, problems: list[Problem], source: str | None = None, more: int = 0):
        """``more``: problems found beyond ``problems`` and not listed (a producer that stopped early)."""
        kept = sorted(set(problems), key=lambda p: (p.path, p.message))
        more += max(0, len(kept) - MAX_PROBLEMS)
        self.problems = kept[:MAX_PROBLEMS]
        if more:
            self.problems.append(Problem("$", f"and {more} more problem(s), not listed"))
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(where + "; ".join(str(p) for p in self.problems))


class PassportNotRequiredError(BatteryPassError):
    """Art. 77(1) does not require a passport for this battery (and none was asked for)."""


class KeyFileError(BatteryPassError):
    """A key file cannot be read, decrypted or used (the message never contains key material)."""
