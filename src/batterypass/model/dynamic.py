"""The battery's condition: Annex XIII point 4, per battery, at placing on the market and at each change.

These are the guidance's dynamic data points 51-71 (performance values, state of health under
Art. 14 and Annex VII, cycles, negative events, operating conditions, state of charge). At
build they hold the values at placing on the market (derived from the static data where the
data determine them); each life-time update (``update.state-of-health.json``) records new
values with the time they were recorded and where they came from. Member names are those of
the update's ``dynamic`` object, so an update maps onto the model one to one.

All of it is legitimate-interest data (Annex XIII point 4), never public.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime

from .access import annex
from .types import Count, IsoDate, NonEmptyStr, NonNegativeNumber, Percent, PositiveNumber, StrictModel

#: Where a condition record's values come from: the battery management system, a service
#: or test measurement, or derived from the static data at placing on the market.
ConditionSource = Literal["bms", "service", "test", "placing-on-market"]


class InternalResistance(StrictModel):
    cell: PositiveNumber | None = annex(4, "Internal resistance of a cell in ohm", default=None)
    pack: PositiveNumber | None = annex(4, "Internal resistance of the pack in ohm", default=None)


class ExtremeTemperatureTime(StrictModel):
    aboveMaxHours: NonNegativeNumber = annex(4, "Hours spent above the upper operating temperature limit")
    belowMinHours: NonNegativeNumber = annex(4, "Hours spent below the lower operating temperature limit")


class NegativeEvent(StrictModel):
    kind: NonEmptyStr = annex(4, "Kind of event, e.g. accident, deep discharge, overheating")
    date: IsoDate = annex(4, "Date of the event")
    description: NonEmptyStr = annex(4, "What happened and what was done")


class BatteryCondition(StrictModel):
    """One record of the battery's condition (Annex XIII point 4, data points 51-71)."""

    recordedAt: AwareDatetime = annex(4, "When these values were recorded (date-time with time zone)")
    source: ConditionSource = annex(4, "Where the values come from")
    stateOfCertifiedEnergyPercent: Percent | None = annex(4, "State of certified energy (SOCE) in % (EV, Art. 14)", data_point=61, default=None)
    remainingCapacityAh: PositiveNumber | None = annex(4, "Remaining capacity in Ah", data_point=62, default=None)
    capacityFadePercent: Percent | None = annex(4, "Capacity fade in %", data_point=52, default=None)
    remainingPowerCapabilityW: PositiveNumber | None = annex(4, "Remaining power capability in W", data_point=(53, 63), default=None)
    powerFadePercent: Percent | None = annex(4, "Power fade in %", data_point=54, default=None)
    internalResistanceOhm: InternalResistance | None = annex(4, "Internal (ohmic) resistance", data_point=(55, 66), default=None)
    internalResistanceIncreasePercent: NonNegativeNumber | None = annex(4, "Internal resistance increase in %", data_point=56, default=None)
    roundTripEfficiencyPercent: Percent | None = annex(4, "Remaining round-trip energy efficiency in %", data_point=(57, 64), default=None)
    roundTripEfficiencyFadePercent: Percent | None = annex(4, "Round-trip energy efficiency fade in %", data_point=58, default=None)
    selfDischargeRatePercentPerMonth: NonNegativeNumber | None = annex(4, "Self-discharge rate in % per month (evolution)", data_point=65, default=None)
    fullCycles: Count | None = annex(4, "Number of full charge-discharge cycles", data_point=68, default=None)
    energyThroughputKWh: NonNegativeNumber | None = annex(4, "Energy throughput in kWh", default=None)
    stateOfChargePercent: Percent | None = annex(4, "State of charge in %", data_point=71, default=None)
    timeAtExtremeTemperatures: ExtremeTemperatureTime | None = annex(4, "Time spent at extreme temperatures", data_point=70, default=None)
    negativeEvents: list[NegativeEvent] = annex(4, "Negative events such as accidents", data_point=69, default=[])


__all__ = ["BatteryCondition", "ConditionSource", "ExtremeTemperatureTime", "InternalResistance", "NegativeEvent"]
