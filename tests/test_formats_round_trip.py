"""Round trips native -> format -> native keep everything the format can carry (property tests)."""

from __future__ import annotations

import copy
import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, GOOD_FIXTURES, json_leaves, load

from batterypass import InvalidInputError, build_passport, passport_credential
from batterypass.formats.convert import convert


# Values a pipeline varies, within what build accepts; everything else from a fixture.
_variations = st.fixed_dictionaries(
    {
        "fixture": st.sampled_from(GOOD_FIXTURES),
        "serial": st.from_regex(r"[A-Z0-9][A-Z0-9-]{0,19}", fullmatch=True),
        "model": st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1, max_size=40).filter(str.strip),
        "mass": st.floats(0.1, 5000).map(lambda x: round(x, 3)),
        "capacity": st.one_of(st.integers(1, 1000).map(float), st.floats(0.5, 1000).map(lambda x: round(x, 3))),
        "renewable": st.none() | st.floats(0, 100).map(lambda x: round(x, 2)),
        "idle": st.tuples(st.integers(-40, 0), st.integers(1, 80)),
        "stages": st.lists(st.floats(-10, 100).map(lambda x: round(x, 2)), min_size=4, max_size=4),
        "manufactured": st.sampled_from(["2027-01", "2027-01-15", "2026-12-31"]),
    }
)


def _varied(v: dict) -> dict:
    data = load(FIXTURES / v["fixture"])
    battery = data["battery"]
    battery.update(serialNumber=v["serial"], model=v["model"], massKg=v["mass"], manufacturingDate=v["manufactured"])
    battery["ratedCapacityAh"] = v["capacity"]
    battery.pop("ratedEnergyKWh", None)
    if v["renewable"] is not None and "circularity" in data:
        data["circularity"]["renewableContentPercent"] = v["renewable"]
    if "performance" in data:
        data["performance"]["idleTemperatureRangeC"] = {"min": v["idle"][0], "max": v["idle"][1]}
    if "carbonFootprint" in data:
        stages = dict(zip(["rawMaterialAcquisition", "mainProduction", "distribution", "endOfLifeAndRecycling"], v["stages"]))
        data["carbonFootprint"]["kgCO2ePerKWhByLifecycleStage"] = stages
        data["carbonFootprint"].pop("totalKgCO2ePerKWh", None)
    return data


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(variation=_variations, fmt=st.sampled_from(["batterypass-ready", "battery-pass-1.2", "catenax-6.1", "untp-dpp", "aas"]))
def test_round_trip_keeps_everything_the_format_carries(variation, fmt):
    data = _varied(variation)
    try:
        passport = build_passport(data, voluntary=True)
    except InvalidInputError:
        assume(False)
    credential = passport_credential(passport)
    exported = convert(credential, "native", fmt)
    imported = convert(exported.document, fmt, "native", draft=True)
    # Complete what build asks for, and only that, from the original: what the format lost.
    # (Build reports field problems first, problems across fields once those are fixed.)
    completed, problems = copy.deepcopy(imported.document), imported.problems
    for _ in range(5):  # a part missing as a whole asks for its members one round at a time
        for problem in problems:
            *parents, last = re.findall(r"[^.\[\]]+", problem.path.removeprefix("$."))
            target, original = completed, data
            for name in parents:
                key = int(name) if name.isdigit() else name
                target, original = (target[key] if isinstance(target, list) else target.setdefault(key, {})), original[key]
            key = int(last) if last.isdigit() else last
            if isinstance(original, dict) and key not in original:
                # Asked for one of several ways (energy, or Ah x V): what the original gave instead.
                target.update({k: copy.deepcopy(v) for k, v in original.items() if k not in target})
            else:
                target[key] = copy.deepcopy(original[key])
        try:
            again = build_passport(completed, voluntary=True).model_dump(mode="json", exclude_none=True)
            break
        except InvalidInputError as exc:
            problems = exc.problems
    else:
        pytest.fail(f"the imported build data stays incomplete: {problems}")
    lost = {note.path for note in exported.losses}
    after = dict(json_leaves(again))
    for path, value in json_leaves(credential["credentialSubject"]):
        if not any(path == p or path.startswith(p + ".") or path.startswith(p + "[") for p in lost):
            assert after.get(_same_share(path, credential["credentialSubject"], again)) == value, path


def _same_share(path: str, before: dict, after: dict) -> str:
    """``path`` in ``after``: recycled-content shares are matched by material (the format keeps no order)."""
    prefix = "$.circularity.recycledContent["
    if not path.startswith(prefix):
        return path
    index, rest = path.removeprefix(prefix).split("]", 1)
    material = before["circularity"]["recycledContent"][int(index)]["recycledMaterial"]
    materials = [share["recycledMaterial"] for share in after["circularity"]["recycledContent"]]
    return f"{prefix}{materials.index(material)}]{rest}" if material in materials else path


@pytest.mark.parametrize("fmt", ["batterypass-ready", "battery-pass-1.2", "catenax-6.1", "untp-dpp", "aas"])
def test_a_responsible_operator_other_than_the_manufacturer_is_reported_not_dropped(fmt):
    data = load(FIXTURES / "ev-pack.json")
    operator = "$.generalProductInformation.responsibleOperator"
    assert operator not in {n.path for n in convert(passport_credential(build_passport(data)), "native", fmt).losses}
    data["responsibleOperator"] = {"identifier": "EORI:DE123456789012345", "name": "Aurora Import GmbH", "role": "importer"}
    losses = convert(passport_credential(build_passport(data)), "native", fmt).losses
    reasons = [n.reason for n in losses if n.path == operator]
    assert len(reasons) == 1 and "responsible operator" in reasons[0]


def _with_issue_9_links() -> dict:
    data = load(FIXTURES / "ev-pack.json")
    data["carbonFootprint"]["absoluteKgCO2e"] = 5832
    data["dueDiligence"]["thirdPartyAssurancesUrl"] = "https://aurora-cells.example/assurances"
    data["circularity"]["wasteInformation"] = {
        "wastePreventionUrl": "https://aurora-cells.example/waste/prevention",
        "separateCollectionUrl": "https://aurora-cells.example/waste/collection",
        "collectionPointsUrl": "https://aurora-cells.example/waste/points",
    }
    return data


@pytest.mark.parametrize("fmt", ["batterypass-ready", "battery-pass-1.2", "aas"])
def test_issue_9_links_and_absolute_footprint_travel_where_the_format_has_a_place(fmt):
    data = _with_issue_9_links()
    exported = convert(passport_credential(build_passport(data)), "native", fmt)
    assert "$.circularity.wasteInformation.collectionPoints" in {n.path for n in exported.losses}  # its one place holds endOfLifeInformation
    back = convert(exported.document, fmt, "native", draft=True).document
    if fmt == "aas":  # not carried to IDTA-02035: reported
        lost = {n.path for n in exported.losses}
        assert {"$.carbonFootprint.absoluteCarbonFootprint", "$.supplyChainDueDiligence.thirdPartyAssurances"} <= lost
    else:
        assert back["carbonFootprint"]["absoluteKgCO2e"] == 5832
        assert back["dueDiligence"]["thirdPartyAssurancesUrl"] == data["dueDiligence"]["thirdPartyAssurancesUrl"]
    assert back["circularity"]["safetyMeasuresUrl"] == data["circularity"]["safetyMeasuresUrl"]
    assert back["circularity"]["wasteInformation"] == {
        key: value for key, value in data["circularity"]["wasteInformation"].items() if key != "collectionPointsUrl"
    }
