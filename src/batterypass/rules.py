"""What the Battery Regulation asks of one battery, on the day it is placed on the market.

Every rule cites its article of Regulation (EU) 2023/1542 (as amended by Regulation (EU)
2025/1561 for the due-diligence start). The rules read build data and answer two questions:
is a passport required at all (:func:`passport_requirement`), and which obligations apply
and are met by the data (:func:`obligations`). :func:`rule_problems` turns an applicable,
unmet obligation into a :class:`~batterypass.errors.Problem` naming the section and article.

Dates are the earliest the Regulation sets. Where it says "the later of this date and N
months after a delegated act", we use the fixed date: a declaration made before the act is
harmless, a missing one after it is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .errors import InvalidInputError, Problem
from .model.build_data import BuildData

#: Art. 77(1): industrial batteries need a passport above this capacity (strictly).
INDUSTRIAL_THRESHOLD_KWH = 2.0
#: Art. 77(1): the passport obligation starts.
PASSPORT_START = date(2027, 2, 18)
#: Art. 48(1) as postponed by Regulation (EU) 2025/1561.
DUE_DILIGENCE_START = date(2027, 8, 18)
#: Art. 47(2): operators under this net turnover are exempt from due diligence.
DUE_DILIGENCE_TURNOVER_EUR = 40_000_000
#: Art. 8(1): recycled-content documentation starts.
RECYCLED_CONTENT_START = date(2028, 8, 18)
#: Ah x V and a stated kWh may differ by this much (rounding on data sheets), no more.
CAPACITY_TOLERANCE = 0.01

# Art. 7(1) third subparagraph points (a)-(d) and Art. 7(2): (declaration, performance class).
_CARBON_FOOTPRINT_DATES = {
    "ev": (date(2025, 2, 18), date(2026, 8, 18)),
    "industrial": (date(2026, 2, 18), date(2027, 8, 18)),
    "lmt": (date(2028, 8, 18), date(2030, 2, 18)),
    "industrial-external-storage": (date(2030, 8, 18), date(2032, 2, 18)),
}

_CATEGORY_NAMES = {
    "ev": "electric-vehicle",
    "lmt": "LMT",
    "industrial": "industrial",
    "portable": "portable",
    "sli": "SLI",
}


def capacity_kwh(build: BuildData) -> float:
    """The battery's energy capacity in kWh: ``ratedEnergyKWh``, else Ah x nominal V.

    Raises :class:`InvalidInputError` when neither is given, or when both are and differ by
    more than 1 %.
    """
    battery = build.battery
    from_ah = (
        battery.ratedCapacityAh * battery.nominalVoltageV / 1000
        if battery.ratedCapacityAh is not None and battery.nominalVoltageV is not None
        else None
    )
    if battery.ratedEnergyKWh is None:
        if from_ah is None:
            raise InvalidInputError(
                [Problem("$.battery.ratedEnergyKWh", "is required unless ratedCapacityAh and nominalVoltageV are both given")]
            )
        return from_ah
    if from_ah is not None and abs(from_ah - battery.ratedEnergyKWh) > CAPACITY_TOLERANCE * battery.ratedEnergyKWh:
        raise InvalidInputError(
            [
                Problem(
                    "$.battery.ratedEnergyKWh",
                    f"{battery.ratedEnergyKWh:g} kWh disagrees with ratedCapacityAh x nominalVoltageV = "
                    f"{from_ah:g} kWh by more than 1 %",
                )
            ]
        )
    return battery.ratedEnergyKWh


@dataclass(frozen=True)
class Requirement:
    """Whether Art. 77(1) requires a passport, and why (in words a customs officer can quote)."""

    required: bool
    reason: str


def passport_requirement(build: BuildData) -> Requirement:
    """Art. 77(1): LMT and EV batteries always; industrial batteries strictly above 2 kWh; from 18 Feb 2027."""
    battery = build.battery
    category = battery.category
    capacity = capacity_kwh(build)
    described = f"category {category}, capacity {capacity:g} kWh"
    if category in ("portable", "sli"):
        return Requirement(False, f"{described}: {_CATEGORY_NAMES[category]} batteries need no passport (Art. 77(1))")
    if category == "industrial" and capacity <= INDUSTRIAL_THRESHOLD_KWH:
        return Requirement(
            False, f"{described}: industrial batteries need one only above {INDUSTRIAL_THRESHOLD_KWH:g} kWh (Art. 77(1))"
        )
    if battery.placedOnMarketDate < PASSPORT_START:
        return Requirement(
            False, f"{described}: placed on the market {battery.placedOnMarketDate}, before {PASSPORT_START} (Art. 77(1))"
        )
    return Requirement(True, f"{described}: a passport is required (Art. 77(1))")


@dataclass(frozen=True)
class Obligation:
    """One duty of the Regulation as it stands for one battery on its placing-on-market date.

    ``section`` is the build-data path that fulfils it; ``met`` is None when it does not apply.
    """

    key: str
    title: str
    article: str
    applies: bool
    reason: str
    section: str
    met: bool | None

    def to_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "title": self.title,
            "article": self.article,
            "applies": self.applies,
            "reason": self.reason,
            "section": self.section,
            "met": self.met,
        }


def _carbon_footprint_track(build: BuildData, capacity: float) -> str | None:
    """Which Art. 7 timetable the battery follows, or None when Art. 7 does not cover it."""
    battery = build.battery
    if battery.category in ("ev", "lmt"):
        return battery.category
    if battery.category == "industrial" and battery.rechargeable and capacity > INDUSTRIAL_THRESHOLD_KWH:
        return "industrial-external-storage" if battery.exclusivelyExternalStorage else "industrial"
    return None


def _dated(track: str | None, start: date | None, on: date, what: str) -> tuple[bool, str]:
    if track is None:
        return False, f"Art. 7 does not cover this battery ({what} applies to EV, LMT and rechargeable industrial > 2 kWh)"
    assert start is not None
    if on < start:
        return False, f"{what} for {track} batteries starts {start}; placed on the market {on}"
    return True, f"{what} required for {track} batteries placed on the market from {start}"


def obligations(build: BuildData, voluntary: bool = False) -> list[Obligation]:
    """Every obligation this module knows, evaluated for ``build`` on its placing-on-market date.

    With ``voluntary``, a passport is being issued although Art. 77(1) does not ask for one,
    so what every passport must hold applies all the same.
    """
    battery = build.battery
    on = battery.placedOnMarketDate
    capacity = capacity_kwh(build)
    passport = passport_requirement(build)
    track = _carbon_footprint_track(build, capacity)
    declaration_start, class_start = _CARBON_FOOTPRINT_DATES[track] if track else (None, None)
    found: list[Obligation] = []

    def add(key: str, title: str, article: str, applies: bool, reason: str, section: str, present: bool) -> None:
        found.append(Obligation(key, title, article, applies, reason, section, present if applies else None))

    add("battery-passport", "Battery passport", "Art. 77(1)", passport.required, passport.reason, "$", True)

    in_passport = passport.required or voluntary
    for key, title, article, section, present in (
        ("material-composition", "Chemistry, materials and hazardous substances", "Annex VI Part A, Annex XIII 1-2",
         "$.materials", build.materials is not None),
        ("performance-and-durability", "Performance and durability parameters", "Art. 10, Annex XIII 1",
         "$.performance", build.performance is not None),
        ("circularity", "Extinguishing agent and end-of-life information", "Annex VI Part A, Art. 74, Annex XIII 1",
         "$.circularity", build.circularity is not None),
        ("declaration-of-conformity", "EU declaration of conformity", "Art. 18, Annex XIII 1",
         "$.conformity", build.conformity is not None),
    ):
        reason = "part of every battery passport" if in_passport else "only part of a battery passport"
        add(key, title, article, in_passport, reason, section, present)

    applies, reason = _dated(track, declaration_start, on, "carbon-footprint declaration")
    add("carbon-footprint", "Carbon-footprint declaration", "Art. 7(1)", applies, reason, "$.carbonFootprint",
        build.carbonFootprint is not None)

    applies, reason = _dated(track, class_start, on, "carbon-footprint performance class")
    add("carbon-footprint-class", "Carbon-footprint performance class", "Art. 7(2)", applies, reason,
        "$.carbonFootprint.performanceClass",
        build.carbonFootprint is not None and build.carbonFootprint.performanceClass is not None)

    turnover = build.manufacturer.annualNetTurnoverEur
    if on < DUE_DILIGENCE_START:
        applies, reason = False, f"due diligence applies from {DUE_DILIGENCE_START} (Reg. 2025/1561); placed {on}"
    elif turnover is not None and turnover < DUE_DILIGENCE_TURNOVER_EUR:
        applies, reason = False, f"net turnover EUR {turnover:,.0f} is under EUR 40 M: exempt (Art. 47(2))"
    else:
        applies = True
        reason = f"placed on the market from {DUE_DILIGENCE_START}" + (
            "" if turnover is not None else "; no net turnover given, so the EUR 40 M exemption is not assumed"
        )
    add("due-diligence", "Supply-chain due-diligence report", "Art. 48, Art. 52(3)", applies, reason,
        "$.dueDiligence", build.dueDiligence is not None)

    covered = battery.category == "ev" or (
        battery.category == "industrial" and capacity > INDUSTRIAL_THRESHOLD_KWH and not battery.exclusivelyExternalStorage
    )
    if not covered:
        applies, reason = False, "Art. 8(1) covers EV, SLI and industrial > 2 kWh (not exclusively external storage)"
    elif on < RECYCLED_CONTENT_START:
        applies, reason = False, f"recycled-content documentation starts {RECYCLED_CONTENT_START}; placed {on}"
    else:
        applies, reason = True, f"required from {RECYCLED_CONTENT_START}"
    add("recycled-content", "Recycled-content documentation", "Art. 8(1)", applies, reason,
        "$.circularity.recycledContent", build.circularity is not None and bool(build.circularity.recycledContent))
    return found


def rule_problems(build: BuildData, voluntary: bool = False) -> list[Problem]:
    """A problem for every obligation that applies and is not met by the data.

    """
    problems = []
    for obligation in obligations(build, voluntary):
        if obligation.applies and obligation.key != "battery-passport" and not obligation.met:
            problems.append(
                Problem(obligation.section, f"is required: {obligation.title.lower()} ({obligation.article}; {obligation.reason})")
            )
    return problems
