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

import functools
import operator
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel

from ..errors import Problem
from ..model.data_points import DATA_POINTS, Carrier, DataPoint, Duty
from .acts import ActsTable

#: "circularity.recycledContent[cobalt]": the list entry one of whose values is "cobalt".
_SELECTOR = re.compile(r"^(?P<name>[^\[]+)\[(?P<value>[^\]]+)\]$")
#: Components that hold the active materials (Art. 8(1) counts recycled content there).
_ACTIVE = ("cathode", "anode")


#: Lists where "none" is an answer (a battery may hold no hazardous substance above the limits).
_EMPTY_IS_AN_ANSWER = frozenset(
    {"materials.hazardousSubstances", "materialComposition.hazardousSubstances", "materialComposition.criticalRawMaterials"}
)


@dataclass(frozen=True)
class DataView:
    """One document seen through the table: build data (``inputs``) or a passport (``fields``).

    ``document`` is the validated model (its fields are read where ``model_dump`` would put
    them); ``materials`` lists (component, name) of the composition; ``substances`` the names
    of the hazardous substances.
    """

    document: BaseModel | dict[str, Any]
    category: str
    on_build_side: bool
    materials: tuple[tuple[str, str], ...]
    substances: tuple[str, ...]
    prefix: str


def _path_of(carrier: Carrier, on_build_side: bool) -> str | None:
    return carrier.input if on_build_side else carrier.field


@dataclass(frozen=True, eq=False)
class _Path:
    """A path of the table made ready for lookups once, not per document: its steps (key, and
    the value its list entry is selected by, or None) and whether an empty list answers it.
    One object per path (:func:`_compiled`), compared and hashed as itself."""

    steps: tuple[tuple[str, str | None], ...]
    empty_is_an_answer: bool

    def held(self, document: BaseModel | dict[str, Any]) -> bool:
        """Whether ``document`` holds a value here: on a validated model the fields are read by
        attribute, where ``model_dump`` would put them (a rule evaluation dumps nothing)."""
        value: Any = document
        for name, selected in self.steps:
            try:
                # A model's fields are its __dict__: read there, never a method of the same name.
                # (Asking for the attribute first is what makes this the fast path: an isinstance
                # test against BaseModel costs more than the lookup.)
                value = value.__dict__.get(name)
            except AttributeError:  # not a model: a dict, or a value that holds no members
                if not isinstance(value, dict):
                    return False
                value = value.get(name)
            if selected is not None:
                value = next((entry for entry in value or [] if selected in _member_values(entry)), None)
        return self.answered_by(value)

    def answered_by(self, value: Any) -> bool:
        """Whether ``value``, found at the end of the path, holds the data point."""
        # (An isinstance test, not ``value != []``: comparing a model with a list runs its __eq__.)
        return value is not None and (self.empty_is_an_answer or not isinstance(value, list) or len(value) > 0)

    @property
    def dotted(self) -> str | None:
        """The path as ``operator.attrgetter`` reads it, when no step selects a list entry."""
        return None if any(selected for _, selected in self.steps) else ".".join(name for name, _ in self.steps)


def _member_values(entry: Any) -> Iterable[Any]:
    if isinstance(entry, BaseModel):
        return entry.__dict__.values()
    return entry.values() if isinstance(entry, dict) else ()


@functools.cache
def _compiled(path: str) -> _Path:
    steps = []
    for part in path.split("."):
        match = _SELECTOR.match(part)
        steps.append((match["name"], match["value"]) if match else (part, None))
    return _Path(tuple(steps), path in _EMPTY_IS_AN_ANSWER)


def _strip(path: str) -> str:
    return ".".join(_SELECTOR.sub(lambda m: m["name"], part) for part in path.split("."))


@functools.cache
def _paths(number: int, on_build_side: bool) -> tuple[_Path, ...]:
    return tuple(_compiled(path) for carrier in DATA_POINTS[number].carriers if (path := _path_of(carrier, on_build_side)))


def given(view: DataView, number: int) -> bool:
    """Whether the document holds data point ``number`` (every carrier it has a path for)."""
    paths = _paths(number, view.on_build_side)
    return bool(paths) and all(path.held(view.document) for path in paths)


@functools.cache
def _word(substance: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(substance)}\b", re.IGNORECASE)


class _Context:
    def __init__(self, view: DataView, applies: Callable[[str], bool]):
        self.view, self._applies = view, applies

    def given(self, number: int) -> bool:
        return given(self.view, number)

    def contains(self, substance: str) -> bool:
        # Lead and cadmium count anywhere in the battery (Art. 8(1), Art. 13(5)); the others in active materials.
        word = _word(substance)
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


def _ever_required(duty: Duty) -> bool:
    """Whether :func:`_required` can give a reason for ``duty`` (never for an optional one, nor
    for a conditional one whose condition the data cannot tell)."""
    return duty.status in ("mandatory", "pending") or (
        duty.status == "conditional" and duty.condition is not None and duty.condition.test is not None
    )


def _fillable_elsewhere(path: str, category: str, on_build_side: bool) -> bool:
    """Whether a row other than a not-to-be-filled one carries the same field or input."""
    return any(
        row.duty(category).status != "not-to-be-filled" and any(_path_of(c, on_build_side) == path for c in row.carriers)
        for row in DATA_POINTS.values()
    )


@dataclass(frozen=True)
class _Row:
    """A data point as one category and side read it. ``carriers``: (path or None, where a problem
    with it is reported, below the document's prefix); for a not-to-be-filled row only the paths
    that no other row may fill (those are refused when given)."""

    row: DataPoint
    duty: Duty
    carriers: tuple[tuple[_Path | None, str], ...]


def _reader(paths: Sequence[_Path]) -> Callable[[Any], tuple[Any, ...]]:
    """Reads the values at ``paths`` (none selecting a list entry) as attributes, in one call."""
    getter = operator.attrgetter(*(path.dotted for path in paths))
    if len(paths) == 1:  # attrgetter of one name gives the value itself, of several a tuple
        return lambda document: (getter(document),)
    return getter


@dataclass(frozen=True)
class _Lookup:
    """Which of a plan's paths a document does not hold, asked of a section's paths at once.

    On a validated model, the paths that select no list entry are read section by section (by
    their first step), each section's by one ``operator.attrgetter`` call rather than walked
    one by one in Python: a model's fields are its attributes, and every step of these paths
    names a field holding a model or nothing (a test holds the table to that), so the attribute
    read is the field. Where a step finds nothing (a section left out, as an audience view
    leaves out what its audience may not see), that section's paths are walked
    (:meth:`_Path.held`); so are a dict's, and the paths that select a list entry.
    """

    sections: tuple[tuple[tuple[_Path, ...], Callable[[Any], tuple[Any, ...]]], ...]
    selecting: tuple[_Path, ...]

    @classmethod
    def of(cls, paths: Sequence[_Path]) -> _Lookup:
        by_section: dict[str, list[_Path]] = {}
        for path in paths:
            if path.dotted is not None:
                by_section.setdefault(path.steps[0][0], []).append(path)
        sections = tuple((tuple(section), _reader(section)) for section in by_section.values())
        return cls(sections, tuple(path for path in paths if path.dotted is None))

    def unheld(self, document: BaseModel | dict[str, Any]) -> Collection[_Path]:
        missing = {path for path in self.selecting if not path.held(document)}
        model = isinstance(document, BaseModel)
        for paths, read in self.sections:
            try:
                values = read(document) if model else None
            except AttributeError:  # a step found nothing: the section is left out
                values = None
            if values is None:
                missing.update(path for path in paths if not path.held(document))
            else:
                missing.update(path for path, value in zip(paths, values) if not path.answered_by(value))
        return missing


@dataclass(frozen=True)
class _Plan:
    """The rows of a category and side, how to look up their paths, and the paths of the rows
    that refuse a value (a passport that holds every other path and none of these has no problem)."""

    rows: tuple[_Row, ...]
    lookup: _Lookup
    refused: frozenset[_Path]


@functools.cache
def _plan(category: str, on_build_side: bool) -> _Plan:
    """The rows that can yield a problem, with their duty, paths and problem locations: these
    depend on the category and the side only, so they are worked out once, not per passport."""
    plan = []
    for row in DATA_POINTS.values():
        duty = row.duty(category)
        carriers = [(_path_of(c, on_build_side), _strip(_path_of(c, on_build_side) or c.field)) for c in row.carriers]
        if duty.status == "not-to-be-filled":
            carriers = [(path, where) for path, where in carriers if path and not _fillable_elsewhere(path, category, on_build_side)]
        elif not _ever_required(duty):
            continue  # neither required nor refused: nothing to look up
        plan.append(_Row(row, duty, tuple((_compiled(path) if path else None, where) for path, where in carriers)))
    paths = list(dict.fromkeys(path for row in plan for path, _ in row.carriers if path is not None))
    lookup = _Lookup.of(paths)
    refused = frozenset(path for row in plan if row.duty.status == "not-to-be-filled" for path, _ in row.carriers if path is not None)
    return _Plan(tuple(plan), lookup, refused)


def data_point_problems(
    view: DataView, applies: Callable[[str], bool], acts: ActsTable, placed_on_market: date
) -> list[tuple[int, Problem]]:
    """(data point number, problem) for every required data point missing and every filled one
    the guidance says not to fill."""
    context = _Context(view, applies)
    plan = _plan(view.category, view.on_build_side)
    unheld = plan.lookup.unheld(view.document)
    if unheld == plan.refused:
        # Every path a row asks for is held and none a row refuses: no row has a problem (a
        # refused path is one no other row carries, :func:`_plan`).
        return []
    found: list[tuple[int, Problem]] = []
    for planned in plan.rows:
        row, duty = planned.row, planned.duty
        if duty.status == "not-to-be-filled":
            for path, where in planned.carriers:
                if path is not None and path not in unheld:
                    message = f"data point {row.number} ({row.name}) is not to be filled for {view.category} batteries (Commission guidance)"
                    found.append((row.number, Problem(f"{view.prefix}.{where}", message)))
            continue
        # What is missing first: a passport holds nearly everything, and then whether (and
        # why) the data point is required, which conditions and acts decide, need not be asked.
        for path, where in planned.carriers:
            if path is not None and path in unheld:
                missing = where
                break
        else:
            continue
        why = _required(row, duty, context, acts, placed_on_market)
        if why is not None:
            message = f"is required: data point {row.number} ({row.name}, {row.source}), {why}"
            found.append((row.number, Problem(f"{view.prefix}.{missing}", message)))
    return found
