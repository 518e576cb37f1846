"""The delegated and implementing acts that the Regulation's dates depend on, as data.

Several obligations apply from "date X, or N months after the entry into force of the act
referred to in ..., whichever is later" (Art. 7(1), 7(2), 8(1)). An obligation on such a
:class:`Timetable` applies from ``max(floor, each act's entry into force + N months)``; while
any of its acts is not in force it is *pending*. The built-in :data:`BUILT_IN` table is what
was known at release; when an act is adopted a user passes a newer table (``--acts FILE``,
the ``acts=`` parameter) without waiting for a new release. ``batterypass acts --json``
prints the built-in table in the shape :func:`load_acts` reads.

Contract: :func:`parse_acts` accepts only ``{"acts": [{"id", "title", "articles", "kind",
"entryIntoForce"}, ...]}`` (unknown keys refused, at most :data:`MAX_ACTS` acts) and reports
every problem at its JSON path; a table must name every act the built-in one does, because
the rules refer to them by id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from dateutil.relativedelta import relativedelta
from pydantic import BaseModel, ConfigDict, Field

from ..errors import InvalidInputError, Problem
from ..jsonio import load_json_file
from ..model.types import IsoDate, NonEmptyStr
from ..model.validation import validate_model

#: A table is a handful of acts; this bounds hostile input.
MAX_ACTS = 200


class Act(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: NonEmptyStr
    title: NonEmptyStr
    articles: list[NonEmptyStr] = Field(min_length=1, max_length=50)
    #: "regulation" is an amending regulation (the guidance waits for Omnibus IV on data point 44).
    kind: Literal["delegated", "implementing", "regulation"]
    entryIntoForce: IsoDate | None = Field(description="Date of entry into force; null while not adopted")


class ActsTable(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    acts: list[Act] = Field(max_length=MAX_ACTS)

    def by_id(self) -> dict[str, Act]:
        return {act.id: act for act in self.acts}

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def _act(id: str, title: str, articles: list[str], kind: str) -> Act:
    return Act(id=id, title=title, articles=articles, kind=kind, entryIntoForce=None)


#: What was known at release (December 2026): none of these acts has entered into force.
BUILT_IN = ActsTable(
    acts=[
        _act("carbon-footprint-methodology",
             "Delegated act: carbon-footprint calculation and verification methodology", ["7(1)"], "delegated"),
        _act("carbon-footprint-declaration-format",
             "Implementing act: format of the carbon-footprint declaration", ["7(1)"], "implementing"),
        _act("carbon-footprint-classes", "Delegated act: carbon-footprint performance classes", ["7(2)"], "delegated"),
        _act("carbon-footprint-label-format",
             "Implementing act: format of the carbon-footprint performance-class label", ["7(2)"], "implementing"),
        _act("recycled-content-methodology",
             "Delegated act: methodology for calculating and verifying recycled content", ["8(1)"], "delegated"),
        _act("due-diligence-report-format",
             "Implementing act: format of the responsible-sourcing information in the passport (guidance, data point 19)",
             ["52(3)", "Annex XIII 1(d)"], "implementing"),
        _act("omnibus-iv", "Omnibus IV amending regulation: instructions for use (guidance, data point 44)",
             ["Annex XIII 1(t)"], "regulation"),
    ]
)


def parse_acts(data: Any, source: str | None = None) -> ActsTable:
    """Validate a user's acts table; every problem at its path."""
    table = validate_model(ActsTable, data, source)
    known, problems = table.by_id(), []
    seen: set[str] = set()
    for i, act in enumerate(table.acts):
        if act.id in seen:
            problems.append(Problem(f"$.acts[{i}].id", f"{act.id!r} appears twice"))
        seen.add(act.id)
    for missing in sorted(set(BUILT_IN.by_id()) - set(known)):
        problems.append(Problem("$.acts", f"has no act {missing!r}: the rules depend on it (see `batterypass acts --json`)"))
    if problems:
        raise InvalidInputError(problems, source)
    return table


def load_acts(path: str | Path) -> ActsTable:
    return parse_acts(load_json_file(path), str(path))


@dataclass(frozen=True)
class Timetable:
    """An obligation's start: ``floor``, or ``months`` after each of ``acts`` enters into force, whichever is later."""

    floor: date
    acts: tuple[str, ...] = ()
    months: int = 0


@dataclass(frozen=True)
class Start:
    """When an obligation on a :class:`Timetable` applies, under one acts table.

    ``pending`` names the acts not in force; ``date`` is then the start were they to enter
    into force ``today``.
    """

    date: date
    pending: tuple[str, ...]


def start_of(timetable: Timetable, table: ActsTable, today: date) -> Start:
    acts = table.by_id()
    pending = tuple(act_id for act_id in timetable.acts if acts[act_id].entryIntoForce is None)
    starts = [timetable.floor] + [
        (acts[act_id].entryIntoForce or today) + relativedelta(months=timetable.months) for act_id in timetable.acts
    ]
    return Start(max(starts), pending)
