"""GS1 EPCIS 2.0 events become condition records: the published example events, and generated ones."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batterypass import InvalidInputError, build_passport
from batterypass.cli import main
from batterypass.formats.epcis import changes_from_epcis
from batterypass.model.dynamic import BatteryCondition

from conftest import DEMO, FIXTURES, REFERENCE, load

EVENTS = REFERENCE / "epcis-battery-events"


def the_events_battery() -> dict:
    """The EV pack of our fixtures, carrying the GTIN and serial the example events name."""
    data = load(FIXTURES / "ev-pack.json")
    data["battery"].update(gtin="09521234000013", serialNumber="BAT2024-001")
    return data


PASSPORT = build_passport(the_events_battery())


def only_change(name: str) -> tuple[dict, list[str]]:
    changes, notes = changes_from_epcis(load(EVENTS / name), PASSPORT, name)
    assert len(changes) == 1
    BatteryCondition.model_validate({"recordedAt": changes[0]["recordedAt"], "source": changes[0]["source"], **changes[0]["dynamic"]})
    return changes[0], notes


def test_state_of_health_event():
    change, notes = only_change("state-of-health.jsonld")
    assert change["recordedAt"] == "2025-06-15T09:30:00.000Z" and change["source"] == "bms"
    assert change["dynamic"] == {
        "stateOfCertifiedEnergyPercent": 94.2,  # an EV battery's state of health is its SOCE (Annex VII Part B)
        "stateOfChargePercent": 78.5,
        "remainingCapacityAh": 263.8,
        "fullCycles": 847,
        "capacityFadePercent": 5.8,
        "internalResistanceOhm": {"pack": 2.4},
        "energyThroughputKWh": 12108.0,
    }
    assert any("hasRemainingEnergy" in n for n in notes) and any("Temperature" in n for n in notes)


def test_state_of_certified_energy_in_kwh_is_a_share_of_the_rated_energy():
    change, _ = only_change("state-of-certified-energy.jsonld")
    rated = PASSPORT.performanceAndDurability.batteryTechnicalProperties.ratedEnergy
    assert change["dynamic"]["stateOfCertifiedEnergyPercent"] == round(13.2 / rated * 100, 3)
    assert change["dynamic"]["roundTripEfficiencyPercent"] == 95.8


def test_negative_event():
    change, _ = only_change("negative-event.jsonld")
    assert change["dynamic"]["negativeEvents"] == [
        {"kind": "PhysicalDamage", "date": "2025-02-20", "description": "Physical damage from forklift impact during warehouse handling."}
    ]


def test_temperature_excursion_is_a_negative_event():
    change, _ = only_change("temperature-extreme.jsonld")
    assert change["dynamic"]["negativeEvents"][0]["description"] == "52.3 degC for 45 min"
    assert change["dynamic"]["stateOfChargePercent"] == 65.0


def test_commissioning_is_a_test_record():
    change, _ = only_change("commissioning.jsonld")
    assert change["source"] == "test" and change["dynamic"]["fullCycles"] == 0


def test_an_ownership_transfer_says_what_it_lacks():
    with pytest.raises(InvalidInputError) as caught:
        changes_from_epcis(load(EVENTS / "ownership-transfer.jsonld"), PASSPORT, "ownership-transfer.jsonld")
    assert caught.value.problems[0].path == "$.epcisBody.eventList[0]"
    assert "carries no condition value" in caught.value.problems[0].message


def test_an_event_about_another_battery_is_refused():
    other = build_passport(load(FIXTURES / "ev-pack.json"))
    with pytest.raises(InvalidInputError) as caught:
        changes_from_epcis(load(EVENTS / "state-of-health.jsonld"), other)
    assert caught.value.problems[0].path == "$.epcisBody.eventList[0].epcList"


def test_update_reads_an_epcis_document(runner, tmp_path):
    (tmp_path / "build.json").write_text(json.dumps(the_events_battery()))
    key = DEMO / "issuer-ed25519" / "private.pem"
    built = json.loads(runner.invoke(main, ["build", str(tmp_path / "build.json"), "--out", str(tmp_path), "--no-qr", "--key", str(key), "--json"]).stdout)
    document = load(EVENTS / "state-of-health.jsonld")
    later = copy.deepcopy(document["epcisBody"]["eventList"][0])
    later["eventTime"] = "2025-12-15T09:30:00.000Z"
    document["epcisBody"]["eventList"].insert(0, later)  # out of order: issued in time order
    (tmp_path / "events.jsonld").write_text(json.dumps(document))
    result = runner.invoke(main, ["update", built["files"]["passport"], "--data", str(tmp_path / "events.jsonld"), "--key", str(key),
                                  "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert [v["version"] for v in summary["versions"]] == [2, 3]
    v3 = json.loads((tmp_path / summary["files"]["passport"].split("/")[-1]).read_text())
    record = v3["credentialSubject"]["lifecycle"]["conditionRecords"][0]
    assert record["recordedAt"].startswith("2025-12-15")
    # An event carries a few values: they become the battery's condition, the rest keep theirs.
    condition = v3["credentialSubject"]["performanceAndDurability"]["batteryCondition"]
    before = json.loads(Path(built["files"]["passport"]).read_text())["credentialSubject"]["performanceAndDurability"]["batteryCondition"]
    assert condition["recordedAt"] == record["recordedAt"] and condition["source"] == record["source"]
    assert all(condition[k] == v for k, v in record.items() if k in before or k in condition)
    assert set(before) - set(record) and all(condition[k] == before[k] for k in set(before) - set(record))
    history = runner.invoke(main, ["history", str(tmp_path), "--trust", str(DEMO / "trust"), "--json"])
    assert history.exit_code == 0, history.output
    assert json.loads(history.stdout)["passports"][0]["currentVersion"] == 3


percent = st.floats(min_value=0, max_value=100, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    soc=percent,
    fade=percent,
    cycles=st.integers(min_value=0, max_value=2**40),
    as_text=st.booleans(),
)
def test_sensor_values_arrive_unchanged(soc, fade, cycles, as_text):
    document = load(EVENTS / "state-of-health.jsonld")
    reports = document["epcisBody"]["eventList"][0]["sensorElementList"][0]["sensorReport"]
    values = {"eubat:hasStateOfCharge": soc, "eubat:hasCapacityFade": fade, "eubat:hasCycleCount": cycles}
    for report in reports:
        if report["type"] in values:
            value = values[report["type"]]
            report["value"] = repr(value) if as_text else value
    (change,), _ = changes_from_epcis(document, PASSPORT)
    assert change["dynamic"]["stateOfChargePercent"] == soc
    assert change["dynamic"]["capacityFadePercent"] == fade
    assert change["dynamic"]["fullCycles"] == cycles


@settings(max_examples=60, deadline=None)
@given(value=st.one_of(st.text(max_size=20), st.none(), st.booleans(), st.lists(st.integers(), max_size=2)))
def test_a_value_that_is_not_a_number_is_named(value):
    document = load(EVENTS / "state-of-health.jsonld")
    report = document["epcisBody"]["eventList"][0]["sensorElementList"][0]["sensorReport"][1]
    report["value"] = value
    try:
        float(value)  # type: ignore[arg-type]
        return  # a numeric string is a number
    except (TypeError, ValueError):
        pass
    with pytest.raises(InvalidInputError) as caught:
        changes_from_epcis(document, PASSPORT)
    assert caught.value.problems[0].path == "$.epcisBody.eventList[0].sensorElementList[0].sensorReport[1].value"


def _two_events() -> dict:
    document = load(EVENTS / "state-of-health.jsonld")
    first = document["epcisBody"]["eventList"][0]
    second = copy.deepcopy(first)
    first["eventTime"] = "2025-06-15T09:30:00Z"
    second["eventTime"] = "2025-06-15T11:00:00+02:00"  # 09:00 UTC: the earlier event
    document["epcisBody"]["eventList"] = [first, second]
    return document


def test_events_are_put_in_time_order_not_text_order():
    changes, _ = changes_from_epcis(_two_events(), PASSPORT, "two.json")
    assert [c["recordedAt"] for c in changes] == ["2025-06-15T11:00:00+02:00", "2025-06-15T09:30:00Z"]


@pytest.mark.parametrize(("where", "value", "expected"), [
    ("eventTime", "yesterday", "is not a date and time"),
    ("eventTime", "2025-06-15T09:30:00", "is not a date and time"),  # no offset: no instant
    ("value", 10**400, "is not a number"),  # no double holds it: refused, not a traceback
])
def test_unusable_event_values_are_named(where, value, expected):
    document = _two_events()
    event = document["epcisBody"]["eventList"][0]
    if where == "eventTime":
        event["eventTime"] = value
    else:
        event["sensorElementList"][0]["sensorReport"][0]["value"] = value
    with pytest.raises(InvalidInputError, match=expected):
        changes_from_epcis(document, PASSPORT, "bad.json")


def test_an_epcis_document_with_a_bad_later_event_writes_no_version(runner, tmp_path):
    """The events are checked together before any version is written: a refused later event
    leaves no earlier version behind (which a corrected rerun would then meet as recorded)."""
    (tmp_path / "build.json").write_text(json.dumps(the_events_battery()))
    key = DEMO / "issuer-ed25519" / "private.pem"
    built = json.loads(runner.invoke(main, ["build", str(tmp_path / "build.json"), "--out", str(tmp_path), "--no-qr", "--key", str(key), "--json"]).stdout)
    document = load(EVENTS / "state-of-health.jsonld")
    future = copy.deepcopy(document["epcisBody"]["eventList"][0])
    future["eventTime"] = "2099-01-01T00:00:00.000Z"  # after the version that would state it
    document["epcisBody"]["eventList"].append(future)
    (tmp_path / "events.jsonld").write_text(json.dumps(document))
    before = sorted(p.name for p in tmp_path.iterdir())
    update = ["update", built["files"]["passport"], "--data", str(tmp_path / "events.jsonld"), "--key", str(key), "--out", str(tmp_path)]
    result = runner.invoke(main, [*update, "--json"])
    assert result.exit_code == 1, result.output
    failure = json.loads(result.stdout)
    assert "change 2 of 2" in failure["source"] and "in the future" in failure["problems"][0]["message"], failure
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    # The document mended, the same command writes both versions.
    document["epcisBody"]["eventList"][-1]["eventTime"] = "2025-12-15T09:30:00.000Z"
    (tmp_path / "events.jsonld").write_text(json.dumps(document))
    result = runner.invoke(main, [*update, "--json"])
    assert result.exit_code == 0, result.output
    assert [v["version"] for v in json.loads(result.stdout)["versions"]] == [2, 3]
