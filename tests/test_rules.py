"""Applicability and obligations (Art. 7, 8, 47-52, 77) by category, capacity and date."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta

import pytest
from conftest import FIXTURES, USER_EXAMPLE, acts_in_force, load

from batterypass import InvalidInputError, obligations, parse_build_data, passport_requirement
from batterypass.law.acts import parse_acts
from batterypass.cli.main import main


def battery(**changes):
    data = load(FIXTURES / "industrial-stationary.json")
    for key, value in changes.items():
        if value is None:
            data["battery"].pop(key, None)
        else:
            data["battery"][key] = value
    return parse_build_data(data)


def by_key(build, acts=None):
    return {o.key: o for o in obligations(build, acts=acts)}


#: Every act in force long ago: the Regulation's floor dates are then the starts.
ALL_ACTS_LONG_AGO = parse_acts(acts_in_force("2020-01-01"))


@pytest.mark.parametrize(
    ("category", "kwh", "required"),
    [
        ("industrial", 2.0, False),  # "strictly above 2 kWh"
        ("industrial", 2.001, True),
        ("industrial", 1.5, False),
        ("lmt", 0.3, True),
        ("ev", 0.5, True),
        ("portable", 5.0, False),
        ("sli", 3.0, False),
    ],
)
def test_passport_threshold(category, kwh, required):
    build = battery(category=category, ratedEnergyKWh=kwh, ratedCapacityAh=None, nominalVoltageV=None)
    requirement = passport_requirement(build)
    assert requirement.required is required
    assert "Art. 77(1)" in requirement.reason and category in requirement.reason


def test_no_passport_before_18_february_2027():
    assert passport_requirement(battery(placedOnMarketDate="2027-02-17")).required is False
    assert passport_requirement(battery(placedOnMarketDate="2027-02-18")).required is True


def test_capacity_from_ah_times_volts():
    build = battery(ratedEnergyKWh=None, ratedCapacityAh=50.0, nominalVoltageV=48.0)
    assert passport_requirement(build).required is True  # 2.4 kWh
    build = battery(ratedEnergyKWh=None, ratedCapacityAh=40.0, nominalVoltageV=50.0)
    assert passport_requirement(build).required is False  # exactly 2.0 kWh


def test_capacity_disagreement_over_one_percent_is_an_error():
    # 280 Ah x 896 V = 250.88 kWh; 250 kWh is within 1 %, 253.5 kWh is not
    passport_requirement(battery(ratedEnergyKWh=250.0))
    with pytest.raises(InvalidInputError, match=r"ratedEnergyKWh: 253.5 kWh disagrees"):
        passport_requirement(battery(ratedEnergyKWh=253.5))


def test_capacity_missing_is_an_error():
    with pytest.raises(InvalidInputError, match="ratedEnergyKWh: is required unless"):
        passport_requirement(battery(ratedEnergyKWh=None, nominalVoltageV=None))


@pytest.mark.parametrize(
    ("changes", "declaration_from", "class_from"),
    [
        ({"category": "ev"}, "2025-02-18", "2026-08-18"),
        ({"category": "industrial"}, "2026-02-18", "2027-08-18"),
        ({"category": "lmt"}, "2028-08-18", "2030-02-18"),
        ({"category": "industrial", "exclusivelyExternalStorage": True}, "2030-08-18", "2032-02-18"),
    ],
)
def test_carbon_footprint_dates(changes, declaration_from, class_from):
    def applies(key, day):
        return by_key(battery(**changes, placedOnMarketDate=day), ALL_ACTS_LONG_AGO)[key].applies

    for key, start in (("carbon-footprint", declaration_from), ("carbon-footprint-class", class_from)):
        day_before = (date.fromisoformat(start) - timedelta(days=1)).isoformat()
        assert applies(key, day_before) is False
        assert applies(key, start) is True


def test_non_rechargeable_industrial_needs_passport_but_no_carbon_footprint():
    build = battery(rechargeable=False)
    assert passport_requirement(build).required
    assert by_key(build)["carbon-footprint"].applies is False


def test_due_diligence_start_and_turnover_exemption():
    assert by_key(battery(placedOnMarketDate="2027-08-17"))["due-diligence"].applies is False
    assert by_key(battery(placedOnMarketDate="2027-08-18"))["due-diligence"].applies is True
    data = load(FIXTURES / "industrial-stationary.json")
    data["manufacturer"]["annualNetTurnoverEur"] = 39_999_999
    dd = by_key(parse_build_data(data))["due-diligence"]
    assert dd.applies is False and "Art. 47(2)" in dd.reason
    data["manufacturer"]["annualNetTurnoverEur"] = 40_000_000
    assert by_key(parse_build_data(data))["due-diligence"].applies is True


def test_due_diligence_report_is_a_pending_data_point_while_art_48_applies():
    from batterypass import build_passport

    data = load(FIXTURES / "industrial-stationary.json")
    del data["dueDiligence"]
    dd = by_key(parse_build_data(data))["due-diligence"]
    assert dd.state == "applies" and dd.met is False  # the Regulation's obligation, listed
    build_passport(data)  # the passport: data point 19 is pending on its implementing act
    in_force = parse_acts(acts_in_force("2027-01-01", "due-diligence-report-format"))
    with pytest.raises(InvalidInputError) as info:
        build_passport(data, acts=in_force)
    [problem] = info.value.problems
    assert problem.path == "$.dueDiligence.reportUrl" and "data point 19" in problem.message and "Art. 52(3)" in problem.message


def test_optional_section_missing_is_fine():
    from batterypass import build_passport

    data = load(USER_EXAMPLE)  # placed 2027-04-15: due diligence not yet due
    del data["dueDiligence"]
    build_passport(data)


def test_obligations_cli_json(runner):
    result = runner.invoke(main, ["obligations", str(USER_EXAMPLE), "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["passportRequired"] is True
    found = {o["key"]: o for o in body["obligations"]}
    assert found["carbon-footprint"] == {
        **found["carbon-footprint"], "applies": False, "state": "pending", "met": None, "article": "Art. 7(1)",
        "pendingActs": ["carbon-footprint-methodology", "carbon-footprint-declaration-format"],
    }
    assert found["carbon-footprint"]["wouldApplyFrom"] >= "2025-02-18"
    assert found["due-diligence"]["applies"] is False and found["due-diligence"]["state"] == "not-applicable"
    assert found["due-diligence"]["met"] is None
    assert found["passport-data-points"] == {**found["passport-data-points"], "state": "applies", "met": True}


def test_obligations_cli_shows_unmet(runner, tmp_path):
    data = load(USER_EXAMPLE)
    data = copy.deepcopy(data)
    del data["carbonFootprint"]
    path = tmp_path / "b.json"
    path.write_text(json.dumps(data))
    result = runner.invoke(main, ["obligations", str(path)])
    assert result.exit_code == 0
    assert "[pending] Carbon-footprint declaration (Art. 7(1))" in result.output
    acts = tmp_path / "acts.json"
    acts.write_text(json.dumps(acts_in_force("2025-01-01")))
    result = runner.invoke(main, ["obligations", str(path), "--acts", str(acts)])
    assert result.exit_code == 0
    assert "[MISSING] Carbon-footprint declaration (Art. 7(1))" in result.output
    assert "missing $.carbonFootprint.kgCO2ePerKWhByLifecycleStage: is required: data point 17" in result.output
