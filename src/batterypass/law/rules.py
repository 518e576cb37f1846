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

Where the Regulation says "from date X or N months after the act, whichever is later", the
start is computed from the acts table (:mod:`.acts`): while an act is not in force the
obligation is *pending*. What the passport must hold, data point by data point, comes from
the Commission's guidance (``model/data_points.py``, checked by :mod:`.data_point_rules`);
where the guidance and the Regulation's dates differ (the due-diligence report is a pending
data point while Art. 48 applies from 18 Aug 2027), the passport follows the guidance and
:func:`obligations` still lists the Regulation's obligation.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from ..errors import InvalidInputError, Problem
from ..model.build_data import BuildData
from ..model.passport import Passport
from .acts import BUILT_IN, ActsTable, Start, Timetable, start_of
from .data_point_rules import DataView, data_point_problems, given

#: Art. 77(1): industrial batteries need a passport above this capacity (strictly).
INDUSTRIAL_THRESHOLD_KWH = 2.0
#: Art. 77(1): the passport obligation starts.
PASSPORT_START = date(2027, 2, 18)
#: Art. 48(1) as postponed by Regulation (EU) 2025/1561.
DUE_DILIGENCE_START = date(2027, 8, 18)
#: Art. 47(2): operators under this net turnover are exempt from due diligence.
DUE_DILIGENCE_TURNOVER_EUR = 40_000_000
#: Ah x V and a stated kWh may differ by this much (rounding on data sheets), no more.
CAPACITY_TOLERANCE = 0.01

_DECLARATION_ACTS = ("carbon-footprint-methodology", "carbon-footprint-declaration-format")
_CLASS_ACTS = ("carbon-footprint-classes", "carbon-footprint-label-format")
# Art. 7(1) third subparagraph points (a)-(d): the floor date or 12 months after the acts;
# Art. 7(2): the floor date or 18 months after the acts. (declaration, performance class)
_CARBON_FOOTPRINT = {
    track: (Timetable(declaration, _DECLARATION_ACTS, 12), Timetable(performance_class, _CLASS_ACTS, 18))
    for track, declaration, performance_class in [
        ("ev", date(2025, 2, 18), date(2026, 8, 18)),
        ("industrial", date(2026, 2, 18), date(2027, 8, 18)),
        ("lmt", date(2028, 8, 18), date(2030, 2, 18)),
        ("industrial-external-storage", date(2030, 8, 18), date(2032, 2, 18)),
    ]
}
# Art. 8(1): from 18 Aug 2028 (LMT: 18 Aug 2033) or 24 months after the methodology act.
_RECYCLED_CONTENT = {
    "lmt": Timetable(date(2033, 8, 18), ("recycled-content-methodology",), 24),
    "other": Timetable(date(2028, 8, 18), ("recycled-content-methodology",), 24),
}
#: Chapter VII (due diligence) does not cover batteries placed on the market again after these.
_SECOND_LIFE = ("repurposed", "remanufactured")

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


@dataclass(frozen=True)
class BatteryFacts:
    """What the rules need to know about one battery, from build data or from a passport.

    ``view`` is the document as the data-point table reads it. ``net_turnover_known`` is
    False when the source cannot tell (a passport does not carry the manufacturer's
    turnover), and the due-diligence exemption is then not judged.
    """

    category: str
    rechargeable: bool
    exclusively_external_storage: bool
    capacity_kwh: float
    placed_on_market: date
    status: str
    net_turnover_eur: float | None
    group_net_turnover_eur: float | None
    net_turnover_known: bool
    view: DataView = field(repr=False)

    @classmethod
    def of(cls, source: BuildData | Passport) -> BatteryFacts:
        return cls._of_passport(source) if isinstance(source, Passport) else cls._of_build(source)

    @classmethod
    def _of_build(cls, build: BuildData) -> BatteryFacts:
        battery, materials = build.battery, build.materials
        view = DataView(
            document=build,
            category=battery.category,
            on_build_side=True,
            materials=tuple((m.component, m.name) for m in (materials.composition if materials else [])),
            substances=tuple(h.name for h in ((materials.hazardousSubstances or []) if materials else [])),
            prefix="$",
        )
        return cls(
            category=battery.category,
            rechargeable=battery.rechargeable,
            exclusively_external_storage=battery.exclusivelyExternalStorage,
            capacity_kwh=capacity_kwh(build),
            placed_on_market=battery.placedOnMarketDate,
            status=battery.status,
            net_turnover_eur=build.manufacturer.annualNetTurnoverEur,
            group_net_turnover_eur=build.manufacturer.groupNetTurnoverEur,
            net_turnover_known=True,
            view=view,
        )

    @classmethod
    def _of_passport(cls, passport: Passport) -> BatteryFacts:
        general, performance, composition = passport.generalProductInformation, passport.performanceAndDurability, passport.materialComposition
        view = DataView(
            document=passport,
            category=general.batteryCategory,
            on_build_side=False,
            # An audience view without point 2 leaves the detailed composition out (None): the
            # conditions on it then do not hold, and nothing is required on their account.
            materials=tuple((m.batteryMaterialLocation, m.batteryMaterialName) for m in composition.batteryMaterials or ()),
            substances=tuple(h.hazardousSubstanceName for h in composition.hazardousSubstances),
            prefix="$.credentialSubject",
        )
        return cls(
            category=general.batteryCategory,
            rechargeable=general.rechargeable,
            exclusively_external_storage=general.exclusivelyExternalStorage,
            # Without the performance section the capacity is unknown; its absence is itself a
            # problem the rules report, and 0 kWh then keeps the industrial threshold from firing.
            capacity_kwh=performance.batteryTechnicalProperties.ratedEnergy if performance else 0.0,
            placed_on_market=general.placedOnMarketDate,
            status=general.batteryStatus,
            net_turnover_eur=None,
            group_net_turnover_eur=None,
            net_turnover_known=False,
            view=view,
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


State = Literal["applies", "pending", "not-applicable"]


@dataclass(frozen=True)
class Obligation:
    """One duty of the Regulation as it stands for one battery on its placing-on-market date.

    ``state`` is ``applies`` (then ``met`` says whether the data meet it and ``missing``
    lists what is lacking), ``pending`` (on ``pending_acts``; ``would_apply_from`` is the
    start were they to enter into force today) or ``not-applicable`` (``reason`` says why).
    ``section`` is where its data live, in build data or in a passport credential.
    """

    key: str
    title: str
    article: str
    state: State
    reason: str
    section: str
    met: bool | None
    missing: tuple[str, ...] = ()
    pending_acts: tuple[str, ...] = ()
    would_apply_from: date | None = None

    @property
    def applies(self) -> bool:
        return self.state == "applies"

    def to_dict(self) -> dict[str, object]:
        body: dict[str, object] = {
            "key": self.key,
            "title": self.title,
            "article": self.article,
            "applies": self.applies,
            "state": self.state,
            "reason": self.reason,
            "section": self.section,
            "met": self.met,
        }
        if self.missing:
            body["missing"] = list(self.missing)
        if self.state == "pending":
            body["pendingActs"] = list(self.pending_acts)
            body["wouldApplyFrom"] = self.would_apply_from.isoformat() if self.would_apply_from else None
        return body


def _carbon_footprint_track(facts: BatteryFacts) -> str | None:
    """Which Art. 7 timetable the battery follows, or None when Art. 7 does not cover it."""
    if facts.category in ("ev", "lmt"):
        return facts.category
    if facts.category == "industrial" and facts.rechargeable and facts.capacity_kwh > INDUSTRIAL_THRESHOLD_KWH:
        return "industrial-external-storage" if facts.exclusively_external_storage else "industrial"
    return None


def _timed(timetable: Timetable, facts: BatteryFacts, acts: ActsTable, today: date) -> tuple[State, Start]:
    start = start_of(timetable, acts, today)
    if start.pending:
        return "pending", start
    return ("not-applicable" if facts.placed_on_market < start.date else "applies"), start


def _worded(reason: str) -> Callable[[], str]:
    return lambda: reason


def _timed_reason(what: str, state: State, start: Start, on: date) -> str:
    """Why :func:`_timed` gave ``state``; worded only when asked (checking a passport needs the states alone)."""
    if state == "pending":
        return (
            f"{what} waits for {', '.join(start.pending)} (not in force); were they in force today it would apply "
            f"from {start.date}"
        )
    if state == "not-applicable":
        return f"{what} applies from {start.date}; placed on the market {on}"
    return f"{what} required for batteries placed on the market from {start.date}"


def _due_diligence(facts: BatteryFacts) -> tuple[State, str]:
    """Art. 47, 48 (as postponed by Reg. 2025/1561): who must carry out supply-chain due diligence."""
    on, turnover, group = facts.placed_on_market, facts.net_turnover_eur, facts.group_net_turnover_eur
    if on < DUE_DILIGENCE_START:
        return "not-applicable", f"due diligence applies from {DUE_DILIGENCE_START} (Reg. 2025/1561); placed {on}"
    if facts.status in _SECOND_LIFE:
        return "not-applicable", f"a {facts.status} battery placed on the market again is outside Chapter VII (supply-chain due diligence)"
    if not facts.net_turnover_known:
        return "not-applicable", "not judged: the EUR 40 M exemption (Art. 47(2)) depends on a net turnover the passport does not state"
    if group is not None and group >= DUE_DILIGENCE_TURNOVER_EUR:
        return "applies", f"part of a group with consolidated net turnover EUR {group:,.0f}, not under EUR 40 M (Art. 47(2))"
    if turnover is not None and turnover < DUE_DILIGENCE_TURNOVER_EUR:
        return "not-applicable", (
            f"net turnover EUR {turnover:,.0f} in the financial year before the last is under EUR 40 M, and no group "
            "above it is declared: exempt (Art. 47(2))"
        )
    return "applies", f"placed on the market from {DUE_DILIGENCE_START}" + (
        "" if turnover is not None else "; no net turnover given, so the EUR 40 M exemption is not assumed"
    )


_SECTIONS = {
    "carbon-footprint": "carbonFootprint",
    "carbon-footprint-class": "carbonFootprint.performanceClass",
    "due-diligence": "dueDiligence.reportUrl",
    "recycled-content": "circularity.recycledContent",
}
_PASSPORT_SECTIONS = {
    "carbon-footprint": "carbonFootprint",
    "carbon-footprint-class": "carbonFootprint.carbonFootprintPerformanceClass",
    "due-diligence": "supplyChainDueDiligence.supplyChainDueDiligenceReport",
    "recycled-content": "circularity.recycledContent",
}
#: The data points whose presence shows an obligation met.
_OBLIGATION_DATA_POINTS = {"carbon-footprint": (17,), "carbon-footprint-class": (18,), "due-diligence": (19,), "recycled-content": (20, 21, 22, 23)}


def obligations(
    source: BuildData | Passport, voluntary: bool = False, *, acts: ActsTable | None = None, today: date | None = None
) -> list[Obligation]:
    """Every obligation this module knows, evaluated for one battery on its placing-on-market date.

    With ``voluntary``, a passport is being issued although Art. 77(1) does not ask for one,
    so what every passport must hold applies all the same. ``acts`` is the acts table
    (default: the built-in one); ``today`` dates the "were the acts in force today" estimate.
    """
    found, _ = _evaluate(BatteryFacts.of(source), voluntary, acts or BUILT_IN, today or date.today(), obligations=True)
    return found


def _evaluate(
    facts: BatteryFacts, voluntary: bool, acts: ActsTable, today: date, *, obligations: bool
) -> tuple[list[Obligation], list[tuple[int, Problem]]]:
    """The obligations (only with ``obligations``: whether each is met asks for its data points
    again, which checking a passport, wanting the problems alone, need not pay) and the
    data-point problems."""
    passport = passport_requirement(facts)
    view = facts.view
    on = facts.placed_on_market
    # Each obligation with its state and, worded only if asked, the reason for it.
    timed: list[tuple[str, str, str, State, Callable[[], str], Start | None]] = []

    track = _carbon_footprint_track(facts)
    for key, title, article, index in (
        ("carbon-footprint", "Carbon-footprint declaration", "Art. 7(1)", 0),
        ("carbon-footprint-class", "Carbon-footprint performance class", "Art. 7(2)", 1),
    ):
        if track is None:
            timed.append((key, title, article, "not-applicable",
                          _worded("Art. 7 covers EV, LMT and rechargeable industrial batteries above 2 kWh"), None))
        else:
            state, start = _timed(_CARBON_FOOTPRINT[track][index], facts, acts, today)
            what = f"{title.lower()} for {track} batteries"
            timed.append((key, title, article, state, functools.partial(_timed_reason, what, state, start, on), start))

    state, reason = _due_diligence(facts)
    timed.append(("due-diligence", "Supply-chain due diligence and its report", "Art. 47, Art. 48, Art. 52(3)", state,
                  _worded(reason), None))

    if facts.category not in ("ev", "lmt", "sli", "industrial") or (
        facts.category == "industrial" and (facts.capacity_kwh <= INDUSTRIAL_THRESHOLD_KWH or facts.exclusively_external_storage)
    ):
        timed.append(("recycled-content", "Recycled-content documentation", "Art. 8(1)", "not-applicable",
                      _worded("Art. 8(1) covers EV, LMT, SLI and industrial batteries above 2 kWh (not exclusively external storage)"), None))
    else:
        timetable = _RECYCLED_CONTENT["lmt" if facts.category == "lmt" else "other"]
        state, start = _timed(timetable, facts, acts, today)
        timed.append(("recycled-content", "Recycled-content documentation", "Art. 8(1)", state,
                      functools.partial(_timed_reason, "recycled-content documentation", state, start, on), start))

    states = {entry[0]: entry[3] for entry in timed}
    in_passport = passport.required or voluntary
    problems = data_point_problems(view, lambda key: states.get(key) == "applies", acts, facts.placed_on_market) if in_passport else []
    if not obligations:
        return [], problems

    sections = _SECTIONS if view.on_build_side else _PASSPORT_SECTIONS
    found = [Obligation("battery-passport", "Battery passport", "Art. 77(1)",
                        "applies" if passport.required else "not-applicable", passport.reason, "$", True)]
    for key, title, article, state, why, start in timed:
        numbers = _OBLIGATION_DATA_POINTS[key]
        applies = state == "applies"
        missing = tuple(str(p) for n, p in problems if n in numbers) if applies else ()
        # Met: nothing it needs is missing and its data are there (recycled content: for some material).
        met = (not missing and any(given(view, n) for n in numbers)) if applies else None
        pending = start.pending if start and state == "pending" else ()
        found.append(Obligation(key, title, article, state, why(), f"{view.prefix}.{sections[key]}", met, missing,
                                pending, start.date if start and state == "pending" else None))

    reason = "part of every battery passport (Commission guidance, data points by category)" if in_passport else "only part of a battery passport"
    missing = tuple(str(p) for _, p in problems)
    found.append(Obligation("passport-data-points", "Data points the passport must hold", "Art. 77, Annex VI, Annex XIII",
                            "applies" if in_passport else "not-applicable", reason, view.prefix,
                            (not missing) if in_passport else None, missing))
    return found, problems


def rule_problems(
    source: BuildData | Passport, voluntary: bool = False, *, acts: ActsTable | None = None, today: date | None = None
) -> list[Problem]:
    """A problem for every data point the passport must hold and lacks, or must not hold and does."""
    _, problems = _evaluate(BatteryFacts.of(source), voluntary, acts or BUILT_IN, today or date.today(), obligations=False)
    return [problem for _, problem in problems]
