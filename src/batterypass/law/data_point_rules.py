"""Hold build data or a received passport to the data-point table (``model/data_points.py``).

Contract: :func:`data_point_problems` returns one :class:`~batterypass.errors.Problem` per
data point that the table makes required for this battery and the data lack (at the
build-data input path, or the passport field path), and one per data point the guidance
says not to fill that the data fill. A pending data point is required only once its acts
are in force for the placing-on-market date and the obligation it waits for applies; a
conditional one only when its condition holds. Whether an obligation applies comes from
the caller (:mod:`.rules`), so this module judges no date itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..errors import Problem
from ..model.data_points import DATA_POINTS, Carrier, DataPoint, Duty
from .acts import ActsTable

#: "circularity.recycledContent[cobalt]": the list entry one of whose values is "cobalt".
_SELECTOR = re.compile(r"^(?P<name>[^\[]+)\[(?P<value>[^\]]+)\]$")
#: Components that hold the active materials (Art. 8(1) counts recycled content there).
_ACTIVE = ("cathode", "anode")


def _lookup(document: Any, path: str) -> Any:
    value = document
    for part in path.split("."):
        match = _SELECTOR.match(part)
        name = match["name"] if match else part
        if not isinstance(value, dict):
            return None
        value = value.get(name)
        if match:
            value = next((entry for entry in value or [] if isinstance(entry, dict) and match["value"] in entry.values()), None)
    return value


#: Lists where "none" is an answer (a battery may hold no hazardous substance above the limits).
_EMPTY_IS_AN_ANSWER = frozenset(
    {"materials.hazardousSubstances", "materialComposition.hazardousSubstances", "materialComposition.criticalRawMaterials"}
)


def _present(value: Any, path: str = "") -> bool:
    return value is not None and (value != [] or path in _EMPTY_IS_AN_ANSWER)


@dataclass(frozen=True)
class DataView:
    """One document seen through the table: build data (``inputs``) or a passport (``fields``).

    ``materials`` lists (component, name) of the composition; ``substances`` the names of the
    hazardous substances.
    """

    document: dict[str, Any]
    category: str
    on_build_side: bool
    materials: tuple[tuple[str, str], ...]
    substances: tuple[str, ...]
    prefix: str

    def path_of(self, carrier: Carrier) -> str | None:
        return carrier.input if self.on_build_side else carrier.field

    def location(self, carrier: Carrier) -> str:
        return f"{self.prefix}.{_strip(self.path_of(carrier) or carrier.field)}"

    def holds(self, carrier: Carrier) -> bool:
        path = self.path_of(carrier)
        return path is None or _present(_lookup(self.document, path), path)


def _strip(path: str) -> str:
    return ".".join(_SELECTOR.sub(lambda m: m["name"], part) for part in path.split("."))


def given(view: DataView, number: int) -> bool:
    """Whether the document holds data point ``number`` (every carrier it has a path for)."""
    paths = [path for path in (view.path_of(c) for c in DATA_POINTS[number].carriers) if path]
    return bool(paths) and all(_present(_lookup(view.document, path), path) for path in paths)


class _Context:
    def __init__(self, view: DataView, applies: Callable[[str], bool]):
        self.view, self._applies = view, applies

    def given(self, number: int) -> bool:
        return given(self.view, number)

    def contains(self, substance: str) -> bool:
        # Lead and cadmium count anywhere in the battery (Art. 8(1), Art. 13(5)); the others in active materials.
        word = re.compile(rf"\b{re.escape(substance)}\b", re.IGNORECASE)
        names = [name for component, name in self.view.materials if component in _ACTIVE]
        if substance in ("cadmium", "lead"):
            names = [name for _, name in self.view.materials] + list(self.view.substances)
        return any(word.search(name) for name in names)

    def obligation_applies(self, key: str) -> bool:
        return self._applies(key)


def _required(row: DataPoint, duty: Duty, context: _Context, acts: ActsTable, on: date) -> str | None:
    """Why the data point is required now, or None."""
    if duty.status == "mandatory":
        if duty.condition and duty.condition.test and not duty.condition.test(context):
            return None
        return f"mandatory for {context.view.category} batteries" + (f" {duty.condition.text}" if duty.condition else "")
    if duty.status == "conditional" and duty.condition and duty.condition.test and duty.condition.test(context):
        return f"required {duty.condition.text}"
    if duty.status == "pending":
        in_force = acts.by_id()
        dates = [in_force[act].entryIntoForce for act in duty.acts]
        if all(d is not None and d <= on for d in dates) and (duty.obligation is None or context.obligation_applies(duty.obligation)):
            return f"no longer pending: {', '.join(duty.acts)} in force"
    return None


def _fillable_elsewhere(path: str, category: str, view: DataView) -> bool:
    """Whether a row other than a not-to-be-filled one carries the same field or input."""
    return any(
        row.duty(category).status != "not-to-be-filled" and any(view.path_of(c) == path for c in row.carriers)
        for row in DATA_POINTS.values()
    )


def data_point_problems(
    view: DataView, applies: Callable[[str], bool], acts: ActsTable, placed_on_market: date
) -> list[tuple[int, Problem]]:
    """(data point number, problem) for every required data point missing and every filled one
    the guidance says not to fill."""
    context = _Context(view, applies)
    found: list[tuple[int, Problem]] = []
    for row in DATA_POINTS.values():
        duty = row.duty(view.category)
        if duty.status == "not-to-be-filled":
            for carrier in row.carriers:
                path = view.path_of(carrier)
                if path and _present(_lookup(view.document, path), path) and not _fillable_elsewhere(path, view.category, view):
                    message = f"data point {row.number} ({row.name}) is not to be filled for {view.category} batteries (Commission guidance)"
                    found.append((row.number, Problem(view.location(carrier), message)))
            continue
        why = _required(row, duty, context, acts, placed_on_market)
        if why is None:
            continue
        missing = next((c for c in row.carriers if not view.holds(c)), None)
        if missing is not None:
            message = f"is required: data point {row.number} ({row.name}, {row.source}), {why}"
            found.append((row.number, Problem(view.location(missing), message)))
    return found
