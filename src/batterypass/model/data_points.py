"""The Commission's 71 passport data points, one row each: what the passport holds and when it must.

Source: European Commission, "Digital Batteries Passport - data points by category",
guidance v1.0 (July 2026), read against Regulation (EU) 2023/1542. For each data point the
row gives its number, name, Regulation source, Annex XIII point (Annex VI and Art. 77(3)
items are public like point 1), whether it is static or dynamic (Annex XIII point 4), the
passport field(s) that carry it with the build-data input each comes from, and, per
category, one :class:`Duty`:

``mandatory``        the passport must hold it (for a data point that only exists for some
                     batteries, the recycled share of a material the battery does not
                     contain, its :class:`Condition` scopes it);
``conditional``      it must when :class:`Condition` says so (the condition is code);
``optional``         it may;
``pending``          not required while the named acts (``law/acts.py``) are not in force;
                     accepted and checked when given, never required, never a failed
                     verification by its absence;
``not-to-be-filled`` the guidance says not to fill or display it: given, it is refused.

Industrial batteries with exclusively external storage follow the industrial rows; only
their act-dependent dates differ, and those live in the acts table.

Where two data points name the same value (11, 25 and 51; 29 and 53; 31 and 59; 55 and 66;
53 and 63; 57 and 64) one field carries it. The build, the verification of received
passports, ``obligations`` and the JSON Schema annotations (``x-data-point``,
``x-obligation``) all read this table; a test holds it to the guidance file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

Status = Literal["mandatory", "conditional", "optional", "pending", "not-to-be-filled"]
#: The guidance's categories; "industrial" also covers exclusively external storage.
CATEGORIES = ("ev", "lmt", "industrial")


class Context(Protocol):
    """What a :class:`Condition` may ask about one battery (implemented by ``law/data_point_rules``)."""

    def given(self, number: int) -> bool:
        """Whether the data hold data point ``number``."""

    def contains(self, substance: str) -> bool:
        """Whether the composition or hazardous substances name ``substance``."""

    def obligation_applies(self, key: str) -> bool:
        """Whether the obligation ``key`` of :func:`batterypass.law.rules.obligations` applies now."""


@dataclass(frozen=True)
class Condition:
    """When a conditional data point is required: ``test`` None means the data cannot tell
    (the data point is then checked when given, never required)."""

    text: str
    test: Callable[[Context], bool] | None = None


@dataclass(frozen=True)
class Duty:
    status: Status
    condition: Condition | None = None
    acts: tuple[str, ...] = ()
    #: For a pending duty: the obligation (``law/rules.py``) whose start it also waits for, if any.
    obligation: str | None = None

    def describe(self) -> str:
        if self.status == "conditional" and self.condition:
            return f"conditional: {self.condition.text}"
        if self.status == "mandatory" and self.condition:
            return f"mandatory {self.condition.text}"
        if self.status == "pending":
            return f"pending: {', '.join(self.acts)}"
        return self.status


@dataclass(frozen=True)
class Carrier:
    """One passport field that carries (part of) a data point, and the build-data input it comes from."""

    field: str
    #: None when the build derives the value (a fade of 0 % at placing on the market, the
    #: manufacturer as the responsible operator by default) or only life-time updates record it.
    input: str | None


@dataclass(frozen=True)
class DataPoint:
    number: int
    name: str
    source: str
    annex_point: int
    dynamic: bool
    carriers: tuple[Carrier, ...]
    duties: dict[str, Duty] = field(hash=False)
    #: Another data point whose field carries this one's value (11 for 25).
    same_as: int | None = None

    def duty(self, category: str) -> Duty:
        return self.duties["industrial" if category not in self.duties else category]


MANDATORY = Duty("mandatory")
OPTIONAL = Duty("optional")
NOT_TO_BE_FILLED = Duty("not-to-be-filled")
_CANNOT_TELL = Condition("if applicable to this battery (the data cannot tell; checked when given)")


def _all(duty: Duty) -> dict[str, Duty]:
    return dict.fromkeys(CATEGORIES, duty)


def _per(ev: Duty, lmt: Duty, industrial: Duty) -> dict[str, Duty]:
    return {"ev": ev, "lmt": lmt, "industrial": industrial}


def _given(number: int, what: str) -> Duty:
    return Duty("conditional", Condition(f"when {what} (data point {number}) is given", lambda c: c.given(number)))


def _pending(obligation: str | None, *acts: str) -> Duty:
    return Duty("pending", acts=acts, obligation=obligation)


_CONDITIONAL = Duty("conditional", _CANNOT_TELL)
_INDUSTRIAL_CYCLES = _per(MANDATORY, MANDATORY, _CONDITIONAL)
_SOH_NOT_EV = _per(NOT_TO_BE_FILLED, MANDATORY, _CONDITIONAL)

def _recycled(material: str) -> Duty:
    """Data points 20-23: the guidance makes them mandatory from Feb 2027 (while Art. 8(1) waits for
    its act, which ``obligations`` reports); each exists for a material the battery contains."""
    where = "the battery" if material == "lead" else "the active materials"
    return Duty("mandatory", Condition(f"when {where} contain {material}", lambda c: c.contains(material)))


_MARKING_CONDITION = Condition(
    "the battery contains cadmium or lead (Art. 13(5))", lambda c: c.contains("cadmium") or c.contains("lead")
)

_G = "generalProductInformation"
_T = "performanceAndDurability.batteryTechnicalProperties"
_BC = "performanceAndDurability.batteryCondition"
_CF = "carbonFootprint"
_C = "circularity"
_L = "labelsAndConformity"
_M = "materialComposition"


def _row(
    number: int, name: str, source: str, point: int, carriers: list[tuple[str, str | None]], duties: dict[str, Duty],
    *, dynamic: bool = False, same_as: int | None = None,
) -> DataPoint:
    return DataPoint(number, name, source, point, dynamic, tuple(Carrier(f, i) for f, i in carriers), duties, same_as)


DATA_POINTS: dict[int, DataPoint] = {
    row.number: row
    for row in [
        _row(1, "Unique identifier", "Art. 77(3)", 1, [(f"{_G}.batteryPassportIdentifier", "battery.serialNumber")], _all(MANDATORY)),
        _row(2, "Operator responsible for the passport", "Art. 77(3)", 1,
             [(f"{_G}.responsibleOperator", None)], _all(MANDATORY)),
        _row(3, "Manufacturer name", "Annex VI A(1)", 1, [(f"{_G}.manufacturerInformation.name", "manufacturer.name")], _all(MANDATORY)),
        _row(4, "Manufacturer postal address", "Annex VI A(1)", 1,
             [(f"{_G}.manufacturerInformation.postalAddress", "manufacturer.address")], _all(MANDATORY)),
        _row(5, "Manufacturer web and e-mail address", "Annex VI A(1)", 1,
             [(f"{_G}.manufacturerInformation.webAddress", "manufacturer.web"),
              (f"{_G}.manufacturerInformation.emailAddress", "manufacturer.email")], _all(OPTIONAL)),
        _row(6, "Battery category", "Annex VI A(2)", 1, [(f"{_G}.batteryCategory", "battery.category")], _all(MANDATORY)),
        _row(7, "Model identification and serial number", "Annex VI A(2)", 1,
             [(f"{_G}.batteryModel", "battery.model"), (f"{_G}.serialNumber", "battery.serialNumber")], _all(MANDATORY)),
        _row(8, "Place of manufacture", "Annex VI A(3)", 1, [(f"{_G}.manufacturingPlace", "manufacturingPlace")], _all(MANDATORY)),
        _row(9, "Date of manufacture", "Annex VI A(4)", 1, [(f"{_G}.manufacturingDate", "battery.manufacturingDate")], _all(MANDATORY)),
        _row(10, "Weight", "Annex VI A(5)", 1, [(f"{_G}.batteryMass", "battery.massKg")], _all(MANDATORY)),
        _row(11, "Capacity", "Annex VI A(6)", 1,
             [(f"{_T}.ratedCapacity", "battery.ratedCapacityAh")], _all(MANDATORY)),
        _row(12, "Chemistry", "Annex VI A(7)", 1, [(f"{_M}.batteryChemistry", "battery.chemistry")], _all(MANDATORY)),
        _row(13, "Hazardous substances", "Annex VI A(8)", 1,
             [(f"{_M}.hazardousSubstances", "materials.hazardousSubstances")], _all(MANDATORY)),
        _row(14, "Usable extinguishing agent", "Annex VI A(9)", 1,
             [(f"{_C}.extinguishingAgent", "circularity.extinguishingAgent")], _all(MANDATORY)),
        _row(15, "Critical raw materials above 0.1 % w/w", "Annex VI A(10)", 1,
             [(f"{_M}.criticalRawMaterials", "materials.composition")], _all(MANDATORY)),
        _row(16, "Material composition (aggregate of 12, 13 and 15)", "-", 1, [], _all(NOT_TO_BE_FILLED)),
        _row(17, "Carbon-footprint declaration", "Annex XIII 1(c), Art. 7(1)", 1,
             [(f"{_CF}.batteryCarbonFootprint", "carbonFootprint.kgCO2ePerKWhByLifecycleStage"),
              (f"{_CF}.carbonFootprintPerLifecycleStage", "carbonFootprint.kgCO2ePerKWhByLifecycleStage"),
              (f"{_CF}.carbonFootprintStudy", "carbonFootprint.studyUrl")],
             _all(_pending("carbon-footprint", "carbon-footprint-methodology", "carbon-footprint-declaration-format"))),
        _row(18, "Carbon-footprint label (performance class)", "Annex XIII 1(c), Art. 7(2)", 1,
             [(f"{_CF}.carbonFootprintPerformanceClass", "carbonFootprint.performanceClass")],
             _all(_pending("carbon-footprint-class", "carbon-footprint-classes", "carbon-footprint-label-format"))),
        _row(19, "Responsible-sourcing information (due-diligence report)", "Annex XIII 1(d), Art. 52(3)", 1,
             [("supplyChainDueDiligence.supplyChainDueDiligenceReport", "dueDiligence.reportUrl")],
             _all(_pending("due-diligence", "due-diligence-report-format"))),
        _row(20, "Recycled cobalt share in active materials", "Annex XIII 1(e), Art. 8(1)", 1,
             [(f"{_C}.recycledContent[cobalt]", "circularity.recycledContent[cobalt]")], _all(_recycled("cobalt"))),
        _row(21, "Recycled lithium share in active materials", "Annex XIII 1(e), Art. 8(1)", 1,
             [(f"{_C}.recycledContent[lithium]", "circularity.recycledContent[lithium]")], _all(_recycled("lithium"))),
        _row(22, "Recycled nickel share in active materials", "Annex XIII 1(e), Art. 8(1)", 1,
             [(f"{_C}.recycledContent[nickel]", "circularity.recycledContent[nickel]")], _all(_recycled("nickel"))),
        _row(23, "Recycled lead share", "Annex XIII 1(e), Art. 8(1)", 1,
             [(f"{_C}.recycledContent[lead]", "circularity.recycledContent[lead]")], _all(_recycled("lead"))),
        _row(24, "Share of renewable content", "Annex XIII 1(f)", 1,
             [(f"{_C}.renewableContent", "circularity.renewableContentPercent")], _all(MANDATORY)),
        _row(25, "Rated capacity (Ah)", "Annex XIII 1(g)", 1, [], _all(NOT_TO_BE_FILLED), same_as=11),
        _row(26, "Minimum voltage", "Annex XIII 1(h)", 1, [(f"{_T}.minimumVoltage", "performance.minimumVoltageV")], _all(MANDATORY)),
        _row(27, "Nominal voltage", "Annex XIII 1(h)", 1, [(f"{_T}.nominalVoltage", "battery.nominalVoltageV")], _all(MANDATORY)),
        _row(28, "Maximum voltage", "Annex XIII 1(h)", 1, [(f"{_T}.maximumVoltage", "performance.maximumVoltageV")], _all(MANDATORY)),
        _row(29, "Original power capability (W)", "Annex XIII 1(i)", 1,
             [(f"{_T}.originalPowerCapability", "performance.originalPowerCapabilityW")], _all(MANDATORY)),
        _row(30, "Power limits, with temperature range", "Annex XIII 1(i)", 1,
             [(f"{_T}.powerLimits", "performance.powerLimits")], _all(MANDATORY)),
        _row(31, "Expected lifetime in cycles", "Annex XIII 1(j)", 1,
             [(f"{_T}.expectedLifetime", "performance.expectedLifetimeCycles")], _INDUSTRIAL_CYCLES),
        _row(32, "Reference test of the expected lifetime in cycles", "Annex XIII 1(j)", 1,
             [(f"{_T}.cycleLifeReferenceTest", "performance.cycleLifeReferenceTest")],
             _per(MANDATORY, MANDATORY, _given(31, "the expected lifetime in cycles"))),
        _row(33, "Capacity threshold for exhaustion", "Annex XIII 1(k)", 1,
             [(f"{_T}.capacityThresholdForExhaustion", "performance.capacityThresholdForExhaustionPercent")],
             _per(MANDATORY, NOT_TO_BE_FILLED, NOT_TO_BE_FILLED)),
        _row(34, "Temperature range when not in use", "Annex XIII 1(l)", 1,
             [(f"{_T}.temperatureRangeIdleState", "performance.idleTemperatureRangeC")], _all(MANDATORY)),
        _row(35, "Commercial warranty period for the calendar life", "Annex XIII 1(m)", 1,
             [(f"{_G}.warrantyPeriod", "performance.commercialWarrantyYears")],
             _all(Duty("conditional", Condition("if a commercial warranty is given (the data cannot tell; checked when given)")))),
        _row(36, "Initial round-trip energy efficiency", "Annex XIII 1(n)", 1,
             [(f"{_T}.initialRoundTripEfficiency", "performance.initialRoundTripEfficiencyPercent")], _INDUSTRIAL_CYCLES),
        _row(37, "Round-trip energy efficiency at 50 % of cycle life", "Annex XIII 1(n)", 1,
             [(f"{_T}.roundTripEfficiencyAt50PercentCycleLife", "performance.roundTripEfficiencyAt50PercentCycleLifePercent")],
             _per(MANDATORY, MANDATORY, _given(36, "the initial round-trip efficiency"))),
        _row(38, "Internal cell and pack resistance", "Annex XIII 1(o)", 1,
             [(f"{_T}.initialInternalResistance", "performance.internalResistanceOhm")], _all(MANDATORY)),
        _row(39, "C-rate of the cycle-life test", "Annex XIII 1(p)", 1,
             [(f"{_T}.cycleLifeCRate", "performance.cycleLifeCRate")],
             _per(MANDATORY, MANDATORY, _given(31, "the expected lifetime in cycles"))),
        _row(40, "Markings of Art. 13(4) and their meaning", "Annex XIII 1(q), Art. 13(4)", 1,
             [(f"{_L}.markings.separateCollectionSymbol", "conformity.markings.separateCollectionSymbol"),
              (f"{_L}.markings.meaningOfLabels", "conformity.markings.meaningOfLabelsUrl")], _all(MANDATORY)),
        _row(41, "Markings of Art. 13(5) (Cd, Pb)", "Annex XIII 1(q), Art. 13(5)", 1,
             [(f"{_L}.markings.cadmiumSymbol", "conformity.markings.cadmiumSymbol"),
              (f"{_L}.markings.leadSymbol", "conformity.markings.leadSymbol")],
             _all(Duty("conditional", _MARKING_CONDITION))),
        _row(42, "EU declaration of conformity", "Annex XIII 1(r), Art. 18", 1,
             [(f"{_L}.declarationOfConformity", "conformity.declarationOfConformityUrl"),
              (f"{_L}.declarationOfConformityIdentifier", "conformity.declarationOfConformityId")], _all(MANDATORY)),
        _row(43, "Prevention and management of waste batteries (Art. 74)", "Annex XIII 1(s), Art. 74", 1,
             [(f"{_C}.endOfLifeInformation", "circularity.endOfLifeInformationUrl")], _all(MANDATORY)),
        _row(44, "Instructions for use", "Annex XIII 1(t)", 1, [], _all(_pending(None, "omnibus-iv"))),
        _row(45, "Detailed composition", "Annex XIII 2(a)", 2, [(f"{_M}.batteryMaterials", "materials.composition")], _all(MANDATORY)),
        _row(46, "Part numbers for components", "Annex XIII 2(b)", 2,
             [(f"{_C}.componentPartNumbers", "circularity.componentPartNumbers")], _all(MANDATORY)),
        _row(47, "Contact details of sources for replacement spares", "Annex XIII 2(b)", 2,
             [(f"{_C}.sparePartSources", "circularity.sparePartSources")], _all(MANDATORY)),
        _row(48, "Dismantling information", "Annex XIII 2(c)", 2,
             [(f"{_C}.dismantlingAndRemovalInformation", "circularity.dismantlingInformationUrl")], _all(MANDATORY)),
        _row(49, "Safety measures", "Annex XIII 2(d)", 2, [(f"{_C}.safetyMeasures", "circularity.safetyMeasuresUrl")], _all(MANDATORY)),
        _row(50, "Results of test reports", "Annex XIII 3", 3, [(f"{_L}.resultOfTestReport", "conformity.testReportsUrl")], _all(MANDATORY)),
        _row(51, "Rated capacity (Ah), dynamic", "Annex XIII 4(a)", 4, [(f"{_T}.ratedCapacity", "battery.ratedCapacityAh")],
             _per(MANDATORY, MANDATORY, _CONDITIONAL), dynamic=True, same_as=11),
        _row(52, "Capacity fade", "Annex XIII 4(a)", 4, [(f"{_BC}.capacityFadePercent", None)],
             _INDUSTRIAL_CYCLES, dynamic=True),
        _row(53, "Power (W)", "Annex XIII 4(a)", 4, [(f"{_BC}.remainingPowerCapabilityW", "performance.originalPowerCapabilityW")],
             _INDUSTRIAL_CYCLES, dynamic=True),
        _row(54, "Power fade", "Annex XIII 4(a)", 4, [(f"{_BC}.powerFadePercent", None)],
             _INDUSTRIAL_CYCLES, dynamic=True),
        _row(55, "Internal resistance", "Annex XIII 4(a)", 4, [(f"{_BC}.internalResistanceOhm", "performance.internalResistanceOhm")],
             _INDUSTRIAL_CYCLES, dynamic=True),
        _row(56, "Internal resistance increase", "Annex XIII 4(a)", 4,
             [(f"{_BC}.internalResistanceIncreasePercent", None)], _INDUSTRIAL_CYCLES, dynamic=True),
        _row(57, "Round-trip energy efficiency", "Annex XIII 4(a)", 4,
             [(f"{_BC}.roundTripEfficiencyPercent", "performance.initialRoundTripEfficiencyPercent")], _all(_CONDITIONAL), dynamic=True),
        _row(58, "Round-trip energy efficiency fade", "Annex XIII 4(a)", 4,
             [(f"{_BC}.roundTripEfficiencyFadePercent", None)], _all(_CONDITIONAL), dynamic=True),
        _row(59, "Expected lifetime in cycles (reference conditions)", "Annex XIII 4(a)", 4,
             [(f"{_T}.expectedLifetime", "performance.expectedLifetimeCycles")], _INDUSTRIAL_CYCLES, dynamic=True, same_as=31),
        _row(60, "Expected lifetime in calendar years", "Annex XIII 4(a)", 4,
             [(f"{_T}.expectedLifetimeYears", "performance.expectedLifetimeYears")], _INDUSTRIAL_CYCLES, dynamic=True),
        _row(61, "State of certified energy (SOCE)", "Annex XIII 4(b), Art. 14", 4,
             [(f"{_BC}.stateOfCertifiedEnergyPercent", None)],
             _per(MANDATORY, NOT_TO_BE_FILLED, NOT_TO_BE_FILLED), dynamic=True),
        _row(62, "Remaining capacity", "Annex XIII 4(b), Art. 14", 4, [(f"{_BC}.remainingCapacityAh", "battery.ratedCapacityAh")],
             _SOH_NOT_EV, dynamic=True),
        _row(63, "Remaining power capability", "Annex XIII 4(b), Art. 14", 4,
             [(f"{_BC}.remainingPowerCapabilityW", "performance.originalPowerCapabilityW")], _SOH_NOT_EV, dynamic=True, same_as=53),
        _row(64, "Remaining round-trip efficiency", "Annex XIII 4(b), Art. 14", 4,
             [(f"{_BC}.roundTripEfficiencyPercent", "performance.initialRoundTripEfficiencyPercent")],
             _SOH_NOT_EV, dynamic=True, same_as=57),
        _row(65, "Self-discharge rate", "Annex XIII 4(b), Art. 14", 4,
             [(f"{_BC}.selfDischargeRatePercentPerMonth", "performance.selfDischargeRatePercentPerMonth")], _SOH_NOT_EV, dynamic=True),
        _row(66, "Ohmic resistance", "Annex XIII 4(b), Art. 14", 4,
             [(f"{_BC}.internalResistanceOhm", "performance.internalResistanceOhm")], _SOH_NOT_EV, dynamic=True, same_as=55),
        _row(67, "Battery status", "Annex XIII 4(c)", 4, [(f"{_G}.batteryStatus", "battery.status")], _all(MANDATORY), dynamic=True),
        _row(68, "Number of charge-discharge cycles", "Annex XIII 4(d)", 4, [(f"{_BC}.fullCycles", None)],
             _all(_CONDITIONAL), dynamic=True),
        _row(69, "Negative events", "Annex XIII 4(d)", 4, [(f"{_BC}.negativeEvents", None)], _all(_CONDITIONAL), dynamic=True),
        _row(70, "Operating environmental conditions", "Annex XIII 4(d)", 4,
             [(f"{_BC}.timeAtExtremeTemperatures", None)], _all(_CONDITIONAL), dynamic=True),
        _row(71, "State of charge", "Annex XIII 4(d)", 4, [(f"{_BC}.stateOfChargePercent", None)],
             _all(_CONDITIONAL), dynamic=True),
    ]
}


def data_points_of_field(path: str) -> list[DataPoint]:
    """The rows one passport field carries (several where data points name the same value)."""
    return [row for row in DATA_POINTS.values() if any(c.field == path for c in row.carriers)]


def obligation_summary(numbers: tuple[int, ...]) -> dict[str, str]:
    """``x-obligation`` of a field: per category, the duties of the data points it carries."""
    return {
        category: "; ".join(f"{n}: {DATA_POINTS[n].duty(category).describe()}" for n in numbers) for category in CATEGORIES
    }
