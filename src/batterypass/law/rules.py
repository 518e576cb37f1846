"""What the Battery Regulation asks of one battery, on the day it is placed on the market.

Every rule cites its article of Regulation (EU) 2023/1542 (as amended by Regulation (EU)
2025/1561 for the due-diligence start). The rules answer two questions: is a passport
required at all (:func:`passport_requirement`), and which obligations apply and are met by
the data (:func:`obligations`). :func:`rule_problems` turns an applicable, unmet obligation
into a :class:`~batterypass.errors.Problem` naming the section and article.

They read :class:`BatteryFacts`, which both build data (when building) and a received
passport (when verifying) provide, so a verifier holds someone else's passport to the same
rules. What a passport cannot tell (the manufacturer's net turnover, hence the due-diligence
exemption) is left unjudged rather than guessed.

Dates are the earliest the Regulation sets. Where it says "the later of this date and N
months after a delegated act", we use the fixed date: a declaration made before the act is
harmless, a missing one after it is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..errors import InvalidInputError, Problem
from ..model.build_data import BuildData
from ..model.passport import Passport

#: Art. 77(1): industrial batteries need a passport above this capacity (strictly).
INDUSTRIAL_THRESHOLD_KWH = 2.0
#: Art. 77(1): the passport obligation starts.
PASSPORT_START = date(2027, 2, 18)
#: Art. 48(1) as postponed by Regulation (EU) 2025/1561.
DUE_DILIGENCE_START = date(2027, 8, 18)
#: Battery statuses of a battery placed on the market again (Art. 77(7)): it gets a passport of its own.
SECOND_LIFE_STATUSES = ("repurposed", "remanufactured", "re-used")
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
    """The battery's energy capacity in kWh from build data: ``ratedEnergyKWh``, else Ah x nominal V.

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


# Where each obligation's data lives, in build data and in a passport credential.
_BUILD_SECTIONS = {
    "material-composition": "$.materials",
    "performance-and-durability": "$.performance",
    "circularity": "$.circularity",
    "declaration-of-conformity": "$.conformity",
    "carbon-footprint": "$.carbonFootprint",
    "carbon-footprint-class": "$.carbonFootprint.performanceClass",
    "due-diligence": "$.dueDiligence",
    "recycled-content": "$.circularity.recycledContent",
}
_PASSPORT_SECTIONS = {
    "material-composition": "$.credentialSubject.materialComposition",
    "performance-and-durability": "$.credentialSubject.performanceAndDurability",
    "circularity": "$.credentialSubject.circularity",
    "declaration-of-conformity": "$.credentialSubject.labelsAndConformity.declarationOfConformity",
    "carbon-footprint": "$.credentialSubject.carbonFootprint",
    "carbon-footprint-class": "$.credentialSubject.carbonFootprint.carbonFootprintPerformanceClass",
    "due-diligence": "$.credentialSubject.supplyChainDueDiligence.supplyChainDueDiligenceReport",
    "recycled-content": "$.credentialSubject.circularity.recycledContent",
}


@dataclass(frozen=True)
class BatteryFacts:
    """What the rules need to know about one battery, from build data or from a passport.

    ``present`` names the obligations whose data is there; ``sections`` where each lives.
    ``net_turnover_known`` is False when the source cannot tell (a passport does not carry
    the manufacturer's turnover), and the due-diligence exemption is then not judged.
    """

    category: str
    rechargeable: bool
    exclusively_external_storage: bool
    capacity_kwh: float
    placed_on_market: date
    net_turnover_eur: float | None
    net_turnover_known: bool
    present: frozenset[str]
    sections: dict[str, str]
    #: Placed on the market again after preparation for re-use or repurposing, repurposing or
    #: remanufacturing: outside Chapter VII (due diligence, Art. 47).
    second_life: bool = False

    @classmethod
    def of(cls, source: BuildData | Passport) -> BatteryFacts:
        return cls._of_passport(source) if isinstance(source, Passport) else cls._of_build(source)

    @classmethod
    def _of_build(cls, build: BuildData) -> BatteryFacts:
        battery, circularity, footprint = build.battery, build.circularity, build.carbonFootprint
        data = {
            "material-composition": build.materials,
            "performance-and-durability": build.performance,
            "circularity": circularity,
            "declaration-of-conformity": build.conformity,
            "carbon-footprint": footprint,
            "carbon-footprint-class": footprint and footprint.performanceClass,
            "due-diligence": build.dueDiligence,
            "recycled-content": circularity and circularity.recycledContent,
        }
        return cls(
            category=battery.category,
            rechargeable=battery.rechargeable,
            exclusively_external_storage=battery.exclusivelyExternalStorage,
            capacity_kwh=capacity_kwh(build),
            placed_on_market=battery.placedOnMarketDate,
            net_turnover_eur=build.manufacturer.annualNetTurnoverEur,
            net_turnover_known=True,
            present=frozenset(key for key, value in data.items() if value),
            sections=_BUILD_SECTIONS,
            second_life=battery.status in SECOND_LIFE_STATUSES,
        )

    @classmethod
    def _of_passport(cls, passport: Passport) -> BatteryFacts:
        general, circularity, footprint = passport.generalProductInformation, passport.circularity, passport.carbonFootprint
        performance = passport.performanceAndDurability
        due_diligence = passport.supplyChainDueDiligence
        data = {
            "material-composition": passport.materialComposition,
            "performance-and-durability": performance,
            "circularity": circularity,
            "declaration-of-conformity": passport.labelsAndConformity and passport.labelsAndConformity.declarationOfConformity,
            "carbon-footprint": footprint,
            "carbon-footprint-class": footprint and footprint.carbonFootprintPerformanceClass,
            "due-diligence": due_diligence and due_diligence.supplyChainDueDiligenceReport,
            "recycled-content": circularity and circularity.recycledContent,
        }
        return cls(
            category=general.batteryCategory,
            rechargeable=general.rechargeable,
            exclusively_external_storage=general.exclusivelyExternalStorage,
            # Without the performance section the capacity is unknown; its absence is itself a
            # problem the rules report, and 0 kWh then keeps the industrial threshold from firing.
            capacity_kwh=performance.batteryTechnicalProperties.ratedEnergy if performance else 0.0,
            placed_on_market=general.placedOnMarketDate,
            net_turnover_eur=None,
            net_turnover_known=False,
            present=frozenset(key for key, value in data.items() if value),
            sections=_PASSPORT_SECTIONS,
            second_life=bool(passport.lifecycle and passport.lifecycle.originalPassports),
        )


@dataclass(frozen=True)
class Requirement:
    """Whether Art. 77(1) requires a passport, and why (in words a customs officer can quote)."""

    required: bool
    reason: str


def passport_requirement(source: BuildData | Passport | BatteryFacts) -> Requirement:
    """Art. 77(1): LMT and EV batteries always; industrial batteries strictly above 2 kWh; from 18 Feb 2027."""
    facts = source if isinstance(source, BatteryFacts) else BatteryFacts.of(source)
    category, capacity = facts.category, facts.capacity_kwh
    described = f"category {category}, capacity {capacity:g} kWh"
    if category in ("portable", "sli"):
        return Requirement(False, f"{described}: {_CATEGORY_NAMES[category]} batteries need no passport (Art. 77(1))")
    if category == "industrial" and capacity <= INDUSTRIAL_THRESHOLD_KWH:
        return Requirement(
            False, f"{described}: industrial batteries need one only above {INDUSTRIAL_THRESHOLD_KWH:g} kWh (Art. 77(1))"
        )
    if facts.placed_on_market < PASSPORT_START:
        return Requirement(
            False, f"{described}: placed on the market {facts.placed_on_market}, before {PASSPORT_START} (Art. 77(1))"
        )
    return Requirement(True, f"{described}: a passport is required (Art. 77(1))")


@dataclass(frozen=True)
class Obligation:
    """One duty of the Regulation as it stands for one battery on its placing-on-market date.

    ``section`` is the path (in build data, or in a passport credential) of the data that
    fulfils it; ``met`` is None when it does not apply.
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


def _carbon_footprint_track(facts: BatteryFacts) -> str | None:
    """Which Art. 7 timetable the battery follows, or None when Art. 7 does not cover it."""
    if facts.category in ("ev", "lmt"):
        return facts.category
    if facts.category == "industrial" and facts.rechargeable and facts.capacity_kwh > INDUSTRIAL_THRESHOLD_KWH:
        return "industrial-external-storage" if facts.exclusively_external_storage else "industrial"
    return None


def _dated(track: str | None, start: date | None, on: date, what: str) -> tuple[bool, str]:
    if track is None:
        return False, f"Art. 7 does not cover this battery ({what} applies to EV, LMT and rechargeable industrial > 2 kWh)"
    assert start is not None
    if on < start:
        return False, f"{what} for {track} batteries starts {start}; placed on the market {on}"
    return True, f"{what} required for {track} batteries placed on the market from {start}"


def obligations(source: BuildData | Passport, voluntary: bool = False) -> list[Obligation]:
    """Every obligation this module knows, evaluated for one battery on its placing-on-market date.

    With ``voluntary``, a passport is being issued although Art. 77(1) does not ask for one,
    so what every passport must hold applies all the same.
    """
    facts = BatteryFacts.of(source)
    on, capacity = facts.placed_on_market, facts.capacity_kwh
    passport = passport_requirement(facts)
    track = _carbon_footprint_track(facts)
    declaration_start, class_start = _CARBON_FOOTPRINT_DATES[track] if track else (None, None)
    found = [Obligation("battery-passport", "Battery passport", "Art. 77(1)", passport.required, passport.reason, "$", True)]

    def add(key: str, title: str, article: str, applies: bool, reason: str) -> None:
        met = key in facts.present if applies else None
        found.append(Obligation(key, title, article, applies, reason, facts.sections[key], met))

    in_passport = passport.required or voluntary
    reason = "part of every battery passport" if in_passport else "only part of a battery passport"
    add("material-composition", "Chemistry, materials and hazardous substances", "Annex VI Part A, Annex XIII 1-2", in_passport, reason)
    add("performance-and-durability", "Performance and durability parameters", "Art. 10, Annex XIII 1", in_passport, reason)
    add("circularity", "Extinguishing agent and end-of-life information", "Annex VI Part A, Art. 74, Annex XIII 1", in_passport, reason)
    add("declaration-of-conformity", "EU declaration of conformity", "Art. 18, Annex XIII 1", in_passport, reason)

    add("carbon-footprint", "Carbon-footprint declaration", "Art. 7(1)",
        *_dated(track, declaration_start, on, "carbon-footprint declaration"))
    add("carbon-footprint-class", "Carbon-footprint performance class", "Art. 7(2)",
        *_dated(track, class_start, on, "carbon-footprint performance class"))

    turnover = facts.net_turnover_eur
    if facts.second_life:
        applies, reason = False, "placed on the market again after re-use, repurposing or remanufacturing: outside Chapter VII (Art. 47)"
    elif on < DUE_DILIGENCE_START:
        applies, reason = False, f"due diligence applies from {DUE_DILIGENCE_START} (Reg. 2025/1561); placed {on}"
    elif not facts.net_turnover_known:
        applies, reason = False, "not judged: the EUR 40 M exemption (Art. 47(2)) depends on a net turnover the passport does not state"
    elif turnover is not None and turnover < DUE_DILIGENCE_TURNOVER_EUR:
        applies, reason = False, f"net turnover EUR {turnover:,.0f} is under EUR 40 M: exempt (Art. 47(2))"
    else:
        applies = True
        reason = f"placed on the market from {DUE_DILIGENCE_START}" + (
            "" if turnover is not None else "; no net turnover given, so the EUR 40 M exemption is not assumed"
        )
    add("due-diligence", "Supply-chain due-diligence report", "Art. 48, Art. 52(3)", applies, reason)

    covered = facts.category == "ev" or (
        facts.category == "industrial" and capacity > INDUSTRIAL_THRESHOLD_KWH and not facts.exclusively_external_storage
    )
    if not covered:
        applies, reason = False, "Art. 8(1) covers EV, SLI and industrial > 2 kWh (not exclusively external storage)"
    elif on < RECYCLED_CONTENT_START:
        applies, reason = False, f"recycled-content documentation starts {RECYCLED_CONTENT_START}; placed {on}"
    else:
        applies, reason = True, f"required from {RECYCLED_CONTENT_START}"
    add("recycled-content", "Recycled-content documentation", "Art. 8(1)", applies, reason)
    return found


def rule_problems(source: BuildData | Passport, voluntary: bool = False) -> list[Problem]:
    """A problem for every obligation that applies and is not met by the data."""
    problems = []
    for obligation in obligations(source, voluntary):
        if obligation.applies and obligation.key != "battery-passport" and not obligation.met:
            problems.append(
                Problem(obligation.section, f"is required: {obligation.title.lower()} ({obligation.article}; {obligation.reason})")
            )
    return problems
