"""What every converter shares: a source document whose reads are recorded, and the conversion's report.

Contract: a converter reads its source only through :class:`TrackedDocument`. Whatever it did
not read is, by construction, what the target cannot carry: :meth:`TrackedDocument.unread`
lists it, so a field added to the model later shows up in every loss report instead of being
dropped silently. A converter that reads a value but cannot write it (a structure the target
flattens to text, a precision it lacks) says so with :meth:`TrackedDocument.lose`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

_MISSING = object()


@dataclass(frozen=True)
class Note:
    """One entry of a conversion report: the JSON path it concerns and why."""

    path: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class Conversion:
    """A converted document and what the conversion could not do.

    ``losses``: source values the target format cannot carry (paths in the source).
    ``repairs``: quirks of the source that were repaired to read it (encoding, misspellings).
    ``problems``: for an import, what the resulting build data still lacks for ``build``.
    """

    source_format: str
    target_format: str
    document: Any
    losses: list[Note] = field(default_factory=list)
    repairs: list[Note] = field(default_factory=list)
    problems: list[Any] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.source_format,
            "to": self.target_format,
            "losses": [n.to_dict() for n in self.losses],
            "repairs": [n.to_dict() for n in self.repairs],
            "problems": [p.to_dict() for p in self.problems],
        }


def _join(path: str, key: str | int) -> str:
    return f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}"


class TrackedDocument:
    """A JSON document read by dotted paths (``a.b[0].c``, without ``$``), every read recorded."""

    def __init__(self, document: Any) -> None:
        self.document = document
        self._read: set[str] = set()
        self.losses: list[Note] = []
        #: The path read last: where a value of the wrong type was met, when a converter fails on one.
        self.last_read = "$"

    def get(self, path: str, default: Any = None) -> Any:
        """The value at ``path`` (``default`` when absent), marking it and everything in it read."""
        value = self._walk(path)
        self.last_read = "$." + path
        if value is _MISSING:
            return default
        self._read.add("$." + path)
        return value

    def peek(self, path: str) -> Any:
        """The value at ``path`` (None when absent), not marking it read: to decide how to read it."""
        value = self._walk(path)
        self.last_read = "$." + path
        return None if value is _MISSING else value

    def has(self, path: str) -> bool:
        """Whether ``path`` is present (not marking it read)."""
        return self._walk(path) is not _MISSING

    def count(self, path: str) -> int:
        """How many items the list at ``path`` holds (0 when absent or not a list)."""
        value = self._walk(path)
        return len(value) if isinstance(value, list) else 0

    def lose(self, path: str, reason: str) -> None:
        """Record that the value at ``path`` (read or not) cannot be carried, and why."""
        if self.has(path):
            self._read.add("$." + path)
            self.losses.append(Note("$." + path, reason))

    def unread(self, reason: str) -> list[Note]:
        """Every leaf value nobody read, with ``reason``, in document order (empty ones carry nothing)."""
        found: list[Note] = []

        def visit(value: Any, path: str) -> None:
            if path in self._read or value is None or value == [] or value == {}:
                return
            if isinstance(value, dict) and value:
                for key, item in value.items():
                    visit(item, _join(path, key))
            elif isinstance(value, list) and value:
                for index, item in enumerate(value):
                    visit(item, _join(path, index))
            else:
                found.append(Note(path, reason))

        visit(self.document, "$")
        return found

    def _walk(self, path: str) -> Any:
        value = self.document
        for part in _parts(path):
            if isinstance(part, int):
                if not isinstance(value, list) or part >= len(value):
                    return _MISSING
            elif not isinstance(value, dict) or part not in value:
                return _MISSING
            value = value[part]
        return _MISSING if value is None else value


def _parts(path: str) -> list[str | int]:
    parts: list[str | int] = []
    for segment in path.split("."):
        name, _, rest = segment.partition("[")
        if name:
            parts.append(name)
        while rest:
            index, _, rest = rest.partition("]")
            parts.append(int(index))
            rest = rest.removeprefix("[")
    return parts


def put(document: dict[str, Any], path: str, value: Any) -> None:
    """Set ``value`` at the dotted ``path`` of ``document``, creating objects on the way; None is skipped."""
    if value is None:
        return
    *parents, last = path.split(".")
    for name in parents:
        document = document.setdefault(name, {})
    document[last] = value


def whole(value: float) -> int | float:
    """``value`` as an int when it is a whole number (JSON Schema ``integer`` accepts 3, not 3.0)."""
    return int(value) if isinstance(value, float) and value.is_integer() and math.isfinite(value) else value


def gs1_parts(identifier: Any) -> tuple[str | None, str | None]:
    """GTIN and serial of a GS1 element string ``(01)GTIN(21)serial`` (the battery identifier build
    writes when there is a GTIN), else (None, None)."""
    match = re.fullmatch(r"\(01\)([0-9]{14})\(21\)(.+)", identifier) if isinstance(identifier, str) else None
    return (match[1], match[2]) if match else (None, None)


def digital_link_parts(link: Any) -> tuple[str | None, str | None, str | None]:
    """GTIN, serial and resolver base of a GS1 Digital Link URL (the QR link build writes), else Nones."""
    match = re.fullmatch(r"(https://[^/]+(?:/[^/]+)*?)/01/([0-9]{14})/21/([^/?#]+)", link) if isinstance(link, str) else None
    return (match[2], unquote(match[3]), match[1]) if match else (None, None, None)


#: CLP hazard class prefixes -> the three classes Battery Pass 1.2 and IDTA-02035 enumerate.
_THREE_HAZARD_CLASSES = {"acute tox": "AcuteToxicity", "skin corr": "SkinCorrosionOrIrritation", "skin irrit": "SkinCorrosionOrIrritation",
                         "eye dam": "EyeDamageOrIrritation", "eye irrit": "EyeDamageOrIrritation"}
_THREE_CLASS_NAMES = set(_THREE_HAZARD_CLASSES.values())


def three_hazard_classes(source: TrackedDocument, path: str, target: str) -> str | None:
    """The CLP hazard class at ``path`` as one of the three classes ``target`` enumerates; what
    that drops (the category, another class) is reported as lost."""
    stated = source.peek(path)
    if not isinstance(stated, str):
        return None
    if stated in _THREE_CLASS_NAMES:
        return source.get(path)
    mapped = next((name for prefix, name in _THREE_HAZARD_CLASSES.items() if stated.lower().startswith(prefix)), None)
    if mapped:
        source.lose(path, f"written as {mapped}: {target}'s classes have no CLP category")
    else:
        source.lose(path, f"{target} knows three hazard classes (acute toxicity, skin, eye)")
    return mapped


def manufacturer_responsible(source: TrackedDocument, target: str) -> None:
    """Carry the passport's responsible operator (data point 2) when it is the manufacturer, as
    build makes it when the build data name no other: build derives it again on import. Another
    operator is reported lost: ``target`` keeps no operator role."""
    path = "generalProductInformation.responsibleOperator"
    operator, maker = source.peek(path), source.peek("generalProductInformation.manufacturerInformation")
    if isinstance(maker, dict) and operator == {"identifier": maker.get("identifier"), "name": maker.get("name"), "role": "manufacturer"}:
        source.get(path)
    else:
        source.lose(path, f"{target} has no place for a responsible operator other than the manufacturer, nor for its role")


def passport_version(source: TrackedDocument) -> int:
    """The passport's version (``lifecycle.version``, 1 without a lifecycle), not marking the
    lifecycle read: a format that carries the version alone still reports the history lost."""
    version = source.peek("lifecycle.version")
    return version if isinstance(version, int) and not isinstance(version, bool) and version >= 1 else 1
