"""GS1 EPCIS 2.0 events as passport updates: what factories and fleets already send.

Contract: :func:`changes_from_epcis` takes an ``EPCISDocument`` (JSON-LD, as parsed JSON)
and the passport it is about, and returns one change per event, in the shape of
``update.state-of-health.json`` (``recordedAt``, ``source``, ``dynamic``), in event-time
order. It raises :class:`~batterypass.errors.InvalidInputError` naming the event
(``$.epcisBody.eventList[i]``) when an event is not about this battery, carries nothing the
passport records, or has a value that is not a number in the unit expected. Sensor reports
with no passport member (a temperature reading alone, remaining energy) are left out and
named in the returned notes.

Mapping (openepcis ``eubat:`` battery vocabulary, UN/CEFACT Rec. 20 units):

==================================  =====  =========================================
sensorReport type                   uom    passport (BatteryCondition) member
==================================  =====  =========================================
eubat:hasStateOfCharge              P1     stateOfChargePercent
eubat:hasRemainingCapacity          AMH    remainingCapacityAh
eubat:hasCapacityFade               P1     capacityFadePercent
eubat:hasCycleCount                 -      fullCycles
eubat:hasEnergyThroughput           KWH    energyThroughputKWh
eubat:hasRemainingRoundTripEfficiency P1   roundTripEfficiencyPercent
eubat:hasInternalResistance         OHM    internalResistanceOhm.cell / .pack (hasComponentLocation)
eubat:hasStateOfCertifiedEnergy     P1     stateOfCertifiedEnergyPercent
eubat:hasStateOfCertifiedEnergy     KWH    stateOfCertifiedEnergyPercent (of the passport's rated energy)
eubat:hasStateOfHealth              P1     stateOfCertifiedEnergyPercent, EV only (Annex VII Part B:
                                           an EV battery's state of health is its SOCE)
==================================  =====  =========================================

An event with ``disposition`` ``damaged`` or an ``eubat:hasEventType`` is a negative event
(kind, date, ``eubat:note``); a ``Temperature`` report with ``eubat:exposureDurationMinutes``
is an excursion, recorded as a negative event, since the passport keeps time at extreme
temperatures as running totals that one event cannot state. The source is ``bms`` when the
sensor's device id names a BMS, ``test`` at commissioning, else ``service``.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from ..errors import InvalidInputError, Problem, shorten
from ..law import identifiers
from ..model.passport import Passport

#: Most events read from one document.
MAX_EVENTS = 10_000

_PERCENT = {
    "eubat:hasStateOfCharge": "stateOfChargePercent",
    "eubat:hasCapacityFade": "capacityFadePercent",
    "eubat:hasRemainingRoundTripEfficiency": "roundTripEfficiencyPercent",
}
_UNIT_MEMBERS = {
    "eubat:hasRemainingCapacity": ("AMH", "remainingCapacityAh"),
    "eubat:hasEnergyThroughput": ("KWH", "energyThroughputKWh"),
}
_COMPONENTS = {"eubat:Casing": "pack", "eubat:Pack": "pack", "eubat:Cell": "cell"}


def is_epcis_document(data: Any) -> bool:
    return isinstance(data, dict) and data.get("type") == "EPCISDocument"


def _number(report: dict[str, Any], path: str) -> float:
    value = report.get("value")
    try:
        number = float(value) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None
    except (ValueError, OverflowError):  # not a number, or an integer no double can hold
        number = None
    if number is None or not math.isfinite(number):
        raise InvalidInputError([Problem(f"{path}.value", f"{shorten(report.get('value'))} is not a number")])
    return number


def _unit(report: dict[str, Any], expected: str, path: str) -> None:
    if report.get("uom") != expected:
        raise InvalidInputError([Problem(f"{path}.uom", f"{report.get('uom')!r}: expected {expected}")])


def _names_battery(event: dict[str, Any], passport: Passport) -> bool:
    general = passport.generalProductInformation
    wanted = {general.batteryIdentifier, passport.id}
    if general.gtin:
        wanted.add(f"(01){general.gtin}(21){general.serialNumber}")
    for epc in event.get("epcList") or []:
        if not isinstance(epc, str):
            continue
        if epc in wanted:
            return True
        parts = epc.split("/")
        # GS1 Digital Link: https://host/01/<GTIN>/21/<serial>
        if "01" in parts and "21" in parts and general.gtin:
            gtin = parts[parts.index("01") + 1] if parts.index("01") + 1 < len(parts) else ""
            serial = unquote(parts[parts.index("21") + 1]) if parts.index("21") + 1 < len(parts) else ""
            if gtin.isdigit() and identifiers.gtin14(gtin) == general.gtin and serial == general.serialNumber:
                return True
    return False


def _change(event: dict[str, Any], passport: Passport, path: str, notes: list[str]) -> dict[str, Any]:
    dynamic: dict[str, Any] = {}
    events: list[dict[str, str]] = []
    source = "test" if event.get("bizStep") == "commissioning" else "service"
    time = event.get("eventTime")
    if not isinstance(time, str):
        raise InvalidInputError([Problem(f"{path}.eventTime", "is missing")])
    try:
        if datetime.fromisoformat(time).tzinfo is None:
            raise ValueError
    except ValueError:
        raise InvalidInputError([Problem(f"{path}.eventTime", f"{shorten(time)} is not a date and time with its offset")]) from None
    for e, element in enumerate(event.get("sensorElementList") or []):
        metadata = element.get("sensorMetadata") or {} if isinstance(element, dict) else {}
        if "bms" in str(metadata.get("deviceID", "")).lower():
            source = "bms"
        reports = element.get("sensorReport") or [] if isinstance(element, dict) else []
        by_type = {r.get("type"): (r, f"{path}.sensorElementList[{e}].sensorReport[{i}]") for i, r in enumerate(reports) if isinstance(r, dict)}
        for kind, (report, where) in by_type.items():
            if kind in _PERCENT:
                _unit(report, "P1", where)
                dynamic[_PERCENT[kind]] = _number(report, where)
            elif kind in _UNIT_MEMBERS:
                unit, member = _UNIT_MEMBERS[kind]
                _unit(report, unit, where)
                dynamic[member] = _number(report, where)
            elif kind == "eubat:hasCycleCount":
                count = _number(report, where)
                if count != int(count):
                    raise InvalidInputError([Problem(f"{where}.value", "a cycle count is a whole number")])
                dynamic["fullCycles"] = int(count)
            elif kind == "eubat:hasInternalResistance":
                _unit(report, "OHM", where)
                location = report.get("eubat:hasComponentLocation")
                location = location.get("@id") if isinstance(location, dict) else location
                level = _COMPONENTS.get(location, "pack")
                dynamic.setdefault("internalResistanceOhm", {})[level] = _number(report, where)
            elif kind == "eubat:hasStateOfCertifiedEnergy":
                value = _number(report, where)
                if report.get("uom") == "KWH":
                    rated = passport.performanceAndDurability.batteryTechnicalProperties.ratedEnergy if passport.performanceAndDurability else None
                    if not rated:
                        raise InvalidInputError([Problem(where, "energy in kWh needs the passport's rated energy")])
                    value = round(value / rated * 100, 3)
                else:
                    _unit(report, "P1", where)
                dynamic["stateOfCertifiedEnergyPercent"] = value
            elif kind == "eubat:hasStateOfHealth" and passport.generalProductInformation.batteryCategory == "ev":
                _unit(report, "P1", where)
                dynamic.setdefault("stateOfCertifiedEnergyPercent", _number(report, where))
            elif kind == "Temperature" and "eubat:exposureDurationMinutes" in by_type:
                _unit(report, "CEL", where)
                minutes = _number(*by_type["eubat:exposureDurationMinutes"])
                events.append({"kind": "temperature excursion", "date": time[:10],
                               "description": f"{_number(report, where):g} degC for {minutes:g} min"})
            elif kind != "eubat:exposureDurationMinutes":
                notes.append(f"{where}: {kind} has no place in the passport, left out")
    kind = event.get("eubat:hasEventType")
    if isinstance(kind, str) or event.get("disposition") == "damaged":
        note = event.get("eubat:note")
        events.append({"kind": kind if isinstance(kind, str) else "damage", "date": time[:10],
                       "description": note if isinstance(note, str) and note else f"EPCIS event {event.get('eventID')}"})
    if events:
        dynamic["negativeEvents"] = events
    if not dynamic:
        raise InvalidInputError([Problem(path, f"the {event.get('bizStep', 'unnamed')} event carries no condition value the passport records (state of health, charge, capacity, cycles, energy throughput, resistance, round-trip efficiency, negative event)")])
    return {"recordedAt": time, "source": source, "dynamic": dynamic}


def changes_from_epcis(document: Any, passport: Passport, source: str | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    """The passport changes the events of ``document`` state, in time order, and notes on what was left out."""
    body = document.get("epcisBody") if isinstance(document, dict) else None
    event_list = body.get("eventList") if isinstance(body, dict) else None
    if not isinstance(event_list, list) or not event_list:
        raise InvalidInputError([Problem("$.epcisBody.eventList", "must be a non-empty array of events")], source)
    if len(event_list) > MAX_EVENTS:
        raise InvalidInputError([Problem("$.epcisBody.eventList", f"more than {MAX_EVENTS} events")], source)
    changes, notes, problems = [], [], []
    for i, event in enumerate(event_list):
        path = f"$.epcisBody.eventList[{i}]"
        if not isinstance(event, dict):
            problems.append(Problem(path, "must be a JSON object"))
            continue
        if not _names_battery(event, passport):
            problems.append(Problem(f"{path}.epcList", f"does not name this battery ({passport.generalProductInformation.batteryIdentifier})"))
            continue
        try:
            changes.append(_change(event, passport, path, notes))
        except InvalidInputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InvalidInputError(problems, source)
    # In time order, not text order: event times carry their own offsets.
    return sorted(changes, key=lambda change: datetime.fromisoformat(change["recordedAt"])), notes
