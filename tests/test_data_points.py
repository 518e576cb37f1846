"""The data-point table against the Commission's guidance, and what build and verify make of it."""

from __future__ import annotations

import copy
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from conftest import DEMO, FIRST_USER_EXAMPLE, FIXTURES, REFERENCE, USER_EXAMPLE, acts_in_force, load

from batterypass import InvalidInputError, build_passport, obligations, parse_build_data
from batterypass.cli.main import main
from batterypass.law.acts import parse_acts
from batterypass.model.access import POINT_TIER, Access
from batterypass.model.data_points import CATEGORIES, DATA_POINTS

GUIDANCE = load(REFERENCE / "ec-guidance" / "ec-guidance-datapoints.json")["dataPoints"]
_STATUS = {"mandatory": "mandatory", "optional": "optional", "conditional": "conditional", "pending": "pending",
           "notToBeFilled": "not-to-be-filled"}
_TIER = {"public": Access.PUBLIC, "legitimateInterest": Access.LEGITIMATE_INTEREST,
         "notifiedBodiesAndAuthorities": Access.AUTHORITY}
#: A complete passport's build data per category of the guidance.
COMPLETE = {"ev": USER_EXAMPLE, "lmt": FIXTURES / "lmt-ebike.json", "industrial": FIXTURES / "industrial-stationary.json"}


def _source(text: str | None) -> str:
    return re.sub(r"\s+", "", (text or "-").removeprefix("BR ").replace("Article", "Art."))


def test_every_guidance_data_point_has_a_row_that_agrees_with_it():
    assert sorted(DATA_POINTS) == sorted(point["nr"] for point in GUIDANCE) == list(range(1, 72))
    for point in GUIDANCE:
        row = DATA_POINTS[point["nr"]]
        assert _source(row.source).startswith(_source(point["source"])), (row.number, row.source, point["source"])
        assert POINT_TIER[row.annex_point] is _TIER[point["accessTier"]], row.number
        assert row.dynamic is (point["lifecycle"] == "dynamic"), row.number
        for category in CATEGORIES:
            assert row.duty(category).status == _STATUS[point["applicability"][category]["status"]], (row.number, category)


def test_rows_name_real_fields_and_inputs():
    passport = build_passport(load(USER_EXAMPLE)).model_dump(mode="json")
    build = parse_build_data(load(USER_EXAMPLE)).model_dump(mode="json")
    for row in DATA_POINTS.values():
        for carrier in row.carriers:
            for document, path in ((passport, carrier.field), (build, carrier.input)):
                if path is None:
                    continue
                node = document
                for part in re.sub(r"\[[^\]]+\]", "", path).split("."):
                    assert isinstance(node, dict) and part in node, (row.number, path)
                    node = node[part]


def _single_model(annotation):
    """The model class an annotation holds, alone or with None; None for anything else (a list,
    a dict, a string, a union of models)."""
    import types
    import typing

    from pydantic import BaseModel

    options = [annotation]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
    model = options[0] if len(options) == 1 else None
    if typing.get_origin(model) is None and isinstance(model, type) and issubclass(model, BaseModel):
        return model
    return None


def _class_attribute(model, name: str) -> bool:
    return any(name in vars(klass) for klass in model.__mro__)


def test_every_step_of_a_path_read_as_an_attribute_is_a_field_holding_a_model():
    """The rules read a validated model's paths as attributes, a section at once: that is reading
    its fields only while every step but the last names a field that holds a model (or nothing),
    the last names a field, and no class on the way has an attribute (a property, a method) of
    that name. A list, dict or string on the way has attributes of its own."""
    from batterypass.law.data_point_rules import _compiled
    from batterypass.model.build_data import BuildData
    from batterypass.model.passport import Passport
    from batterypass.model.views import passport_view_model

    passports = [Passport, *(passport_view_model(audience) for audience in Access)]
    checked = 0
    for row in DATA_POINTS.values():
        for carrier in row.carriers:
            for root, path in [*((model, carrier.field) for model in passports), (BuildData, carrier.input)]:
                if path is None or _compiled(path).dotted is None:
                    continue
                model, *steps = root, *path.split(".")
                for step in steps[:-1]:
                    assert step in model.model_fields and not _class_attribute(model, step), (row.number, path, step)
                    model = _single_model(model.model_fields[step].annotation)
                    assert model is not None, (row.number, path, step)
                assert steps[-1] in model.model_fields and not _class_attribute(model, steps[-1]), (row.number, path)
                checked += 1
    assert checked > 300


def _delete(data: dict, path: str) -> bool:
    *parents, last = path.split(".")
    node = data
    for part in parents:
        node = node.get(part)
        if not isinstance(node, dict):
            return False
    return node.pop(last, None) is not None


def _required_inputs(category: str):
    for row in DATA_POINTS.values():
        duty = row.duty(category)
        # Scoped mandatory rows (recycled shares of a material the battery contains) have their own test.
        holds = (duty.status == "mandatory" and duty.condition is None) or (
            duty.status == "conditional" and duty.condition.test and row.number in (32, 37, 39)
        )
        for carrier in row.carriers:
            if holds and carrier.input and "[" not in carrier.input:
                yield pytest.param(category, row.number, carrier.input, id=f"{category}-{row.number}-{carrier.input}")


@pytest.mark.parametrize(("category", "number", "path"), [p for c in CATEGORIES for p in _required_inputs(c)])
def test_removing_a_required_data_point_names_it(category, number, path):
    data = load(COMPLETE[category])
    build_passport(data)  # complete as it is
    if not _delete(data, path):
        pytest.fail(f"{path} is not in the {category} example")
    try:
        parsed = parse_build_data(data)
    except InvalidInputError as exc:
        problems = exc.problems
    else:
        node = parsed.model_dump()
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node not in (None, []):  # the model's default fills it (status "original")
            assert path == "battery.status", path
            return
        with pytest.raises(InvalidInputError) as info:
            build_passport(data)
        problems = info.value.problems
    assert any(p.path == f"$.{path}" and f"data point {number} " in p.message for p in problems), problems


def test_first_user_example_is_refused_naming_exactly_the_data_points_it_lacks():
    with pytest.raises(InvalidInputError) as info:
        build_passport(load(FIRST_USER_EXAMPLE))
    numbers = sorted(int(re.search(r"data point (\d+)", p.message)[1]) for p in info.value.problems)
    # power limits, cycle-life reference test, RTE at 50 %, C-rate, markings, DoC id, part numbers,
    # safety measures, expected lifetime in years: what examples/README.md says it lacks
    assert numbers == [30, 32, 37, 39, 40, 42, 46, 49, 60]


def test_draft_lists_what_is_missing_and_is_not_signed(runner, tmp_path):
    result = runner.invoke(main, ["build", str(FIRST_USER_EXAMPLE), "--out", str(tmp_path), "--draft", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["draft"] is True and summary["signed"] is False and len(summary["missing"]) == 9
    written = json.loads((tmp_path / summary["files"]["draft"].rsplit("/", 1)[1]).read_text())
    assert written["draft"] is True and "DRAFT" in written["note"] and "proof" not in written
    assert written["passport"]["generalProductInformation"]["batteryModel"] == "Aurora P75 NMC811 traction pack"
    assert [p["path"] for p in written["missing"]] == [p["path"] for p in summary["missing"]]
    assert list(tmp_path.iterdir()) == [tmp_path / summary["files"]["draft"].rsplit("/", 1)[1]]
    result = runner.invoke(main, ["build", str(FIRST_USER_EXAMPLE), "--out", str(tmp_path), "--draft",
                                  "--key", str(DEMO / "issuer-ed25519" / "private.pem")])
    assert result.exit_code == 2 and "--draft" in result.output


def test_not_to_be_filled_is_refused():
    data = load(COMPLETE["lmt"])
    data["performance"]["capacityThresholdForExhaustionPercent"] = 70.0  # EV only (data point 33)
    with pytest.raises(InvalidInputError, match=r"data point 33 .*not to be filled for lmt"):
        build_passport(data)
    data = load(USER_EXAMPLE)
    data["performance"]["selfDischargeRatePercentPerMonth"] = 2.0  # not for EV (data point 65)
    with pytest.raises(InvalidInputError, match=r"data point 65 .*not to be filled for ev"):
        build_passport(data)


def test_condition_at_placing_on_market_is_derived_per_category():
    ev = build_passport(load(USER_EXAMPLE)).performanceAndDurability.batteryCondition
    assert ev.source == "placing-on-market" and ev.recordedAt.date().isoformat() == "2027-04-15"
    assert (ev.capacityFadePercent, ev.powerFadePercent, ev.internalResistanceIncreasePercent) == (0, 0, 0)
    assert ev.stateOfCertifiedEnergyPercent == 100 and ev.remainingCapacityAh is None  # 62: not for EV
    assert ev.remainingPowerCapabilityW == 250000 and ev.internalResistanceOhm.pack == 0.085
    lmt = build_passport(load(COMPLETE["lmt"])).performanceAndDurability.batteryCondition
    assert lmt.stateOfCertifiedEnergyPercent is None and lmt.remainingCapacityAh == 14.0
    assert lmt.selfDischargeRatePercentPerMonth == 3.0


def test_second_life_example_builds_with_its_self_discharge_rate():
    passport = build_passport(load(REFERENCE.parent / "examples" / "build-data.second-life.json"))
    assert passport.performanceAndDurability.batteryCondition.selfDischargeRatePercentPerMonth == 2.5


def test_responsible_operator_defaults_to_the_manufacturer_and_a_mandate_needs_its_reference():
    operator = build_passport(load(USER_EXAMPLE)).generalProductInformation.responsibleOperator
    assert (operator.identifier, operator.role) == ("LEI:5299001ABCDEFGHIJK06", "manufacturer")
    data = load(USER_EXAMPLE)
    data["responsibleOperator"] = {"identifier": "EORI:DE123456789", "name": "Passport Services GmbH", "role": "mandated-operator"}
    with pytest.raises(InvalidInputError, match=r"responsibleOperator.mandateReference: is required .*Art. 77\(4\)"):
        build_passport(data)
    data["responsibleOperator"]["mandateReference"] = "MANDATE-2027-004"
    assert build_passport(data).generalProductInformation.responsibleOperator.mandateReference == "MANDATE-2027-004"


def test_ev_without_carbon_footprint_signs_and_verifies_until_the_acts_are_in_force(runner, tmp_path):
    data = load(USER_EXAMPLE)
    del data["carbonFootprint"]
    source = tmp_path / "ev.json"
    source.write_text(json.dumps(data))
    demo = DEMO
    result = runner.invoke(main, ["build", str(source), "--out", str(tmp_path / "out"), "--key", str(demo / "issuer-ed25519" / "private.pem"),
                                  "--no-qr", "--json"])
    assert result.exit_code == 0, result.output
    signed = json.loads(result.output)["files"]["passport"]
    result = runner.invoke(main, ["verify", signed, "--trust", str(demo / "trust"), "--json"])
    assert result.exit_code == 0 and json.loads(result.output)["status"] == "valid", result.output
    result = runner.invoke(main, ["obligations", str(source), "--json"])
    footprint = {o["key"]: o for o in json.loads(result.output)["obligations"]}["carbon-footprint"]
    assert footprint["state"] == "pending" and "carbon-footprint-methodology" in footprint["pendingActs"]

    acts = tmp_path / "acts.json"
    acts.write_text(json.dumps(acts_in_force("2025-01-01", "carbon-footprint-methodology", "carbon-footprint-declaration-format")))
    result = runner.invoke(main, ["build", str(source), "--out", str(tmp_path / "again"), "--no-qr", "--acts", str(acts), "--json"])
    assert result.exit_code == 1
    problems = json.loads(result.output)["problems"]
    assert any("data point 17" in p["message"] and "Art. 7(1)" in p["message"] for p in problems), problems
    result = runner.invoke(main, ["verify", signed, "--trust", str(demo / "trust"), "--acts", str(acts), "--json"])
    assert json.loads(result.output)["status"] == "invalid"


def test_lmt_in_2034_without_recycled_content_is_refused_for_the_materials_it_contains():
    data = load(COMPLETE["lmt"])
    data["battery"]["manufacturingDate"] = "2034-02"
    data["battery"]["placedOnMarketDate"] = "2034-03-01"
    build_passport(data)
    del data["circularity"]["recycledContent"]
    with pytest.raises(InvalidInputError) as info:
        build_passport(data)
    named = {int(re.search(r"data point (\d+)", p.message)[1]) for p in info.value.problems}
    assert named == {20, 21, 22}  # cobalt, lithium, nickel in the NMC cathode; no lead anywhere
    assert all("Art. 8(1)" in p.message for p in info.value.problems)


@pytest.mark.parametrize(("category", "expected"), [("ev", {20, 21, 22}), ("lmt", {20, 21, 22}), ("industrial", {21})])
def test_recycled_shares_are_required_for_the_materials_each_battery_contains(category, expected):
    data = load(COMPLETE[category])  # NMC811, NMC622, LFP; none with lead
    del data["circularity"]["recycledContent"]
    with pytest.raises(InvalidInputError) as info:
        build_passport(data)
    assert {int(re.search(r"data point (\d+)", p.message)[1]) for p in info.value.problems} == expected
    data = load(COMPLETE[category])
    data["materials"]["composition"].append(
        {"component": "other", "name": "Lead solder", "massKg": 0.001, "critical": False}
    )
    data["circularity"]["recycledContent"] = [e for e in data["circularity"]["recycledContent"] if e["material"] != "lead"]
    with pytest.raises(InvalidInputError, match=r"data point 23 .*lead"):
        build_passport(data)


def test_art_8_1_covers_lmt_from_18_august_2033_once_its_act_is_in_force():
    data = load(COMPLETE["lmt"])
    acts = parse_acts(acts_in_force("2026-01-01", "recycled-content-methodology"))
    for day, state in (("2033-08-17", "not-applicable"), ("2033-08-18", "applies")):
        data["battery"]["placedOnMarketDate"] = day
        found = {o.key: o for o in obligations(parse_build_data(data), acts=acts)}["recycled-content"]
        assert found.state == state and found.article == "Art. 8(1)"
    assert {o.key: o for o in obligations(parse_build_data(data))}["recycled-content"].state == "pending"


def test_subsidiary_under_40m_in_a_group_above_it_is_not_exempt():
    data = load(COMPLETE["industrial"])
    data["manufacturer"]["annualNetTurnoverEur"] = 25_000_000
    assert {o.key: o for o in obligations(parse_build_data(data))}["due-diligence"].state == "not-applicable"
    data["manufacturer"]["groupNetTurnoverEur"] = 900_000_000
    dd = {o.key: o for o in obligations(parse_build_data(data))}["due-diligence"]
    assert dd.state == "applies" and "group" in dd.reason and "Art. 47(2)" in dd.reason


def test_repurposed_battery_is_outside_due_diligence():
    data = load(REFERENCE.parent / "examples" / "build-data.second-life.json")
    dd = {o.key: o for o in obligations(parse_build_data(data))}["due-diligence"]
    assert dd.state == "not-applicable" and "repurposed" in dd.reason and "Chapter VII" in dd.reason


def test_performance_class_is_an_opaque_label_with_its_methodology():
    data = load(USER_EXAMPLE)
    data["carbonFootprint"]["performanceClass"] = "Class 3 (draft methodology)"
    data["carbonFootprint"]["performanceClassMethodology"] = "C(2027) 1234"
    footprint = build_passport(data).carbonFootprint
    assert footprint.carbonFootprintPerformanceClass == "Class 3 (draft methodology)"
    assert footprint.carbonFootprintPerformanceClassMethodology == "C(2027) 1234"


def test_passport_schema_carries_data_points_and_obligations():
    schema = load(FIXTURES.parent / "schemas" / "passport.schema.json")
    annotated: set[int] = set()

    def walk(node):
        if isinstance(node, dict):
            if "x-data-point" in node:
                numbers = node["x-data-point"] if isinstance(node["x-data-point"], list) else [node["x-data-point"]]
                annotated.update(numbers)
                assert set(node["x-obligation"]) == set(CATEGORIES)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    carried = {row.number for row in DATA_POINTS.values() if row.carriers}
    assert carried <= annotated


def test_obligations_json_keeps_applies_and_adds_state(runner):
    result = runner.invoke(main, ["obligations", str(USER_EXAMPLE), "--json"])
    entries = json.loads(result.output)["obligations"]
    assert all(e["state"] in ("applies", "pending", "not-applicable") and e["applies"] is (e["state"] == "applies") for e in entries)


def test_a_missing_data_point_on_a_received_passport_fails_verification():
    from batterypass.law.passport_content import check_passport_subject

    subject = build_passport(load(USER_EXAMPLE)).model_dump(mode="json", exclude_none=True)
    check_passport_subject(subject)
    broken = copy.deepcopy(subject)
    del broken["performanceAndDurability"]["batteryTechnicalProperties"]["powerLimits"]
    with pytest.raises(InvalidInputError, match=r"credentialSubject.performanceAndDurability.batteryTechnicalProperties"
                                                r".powerLimits: is required: data point 30"):
        check_passport_subject(broken)


def test_art_74_information_item_by_item():
    data = load(USER_EXAMPLE)
    data["circularity"]["wasteInformation"] = {
        "wastePreventionUrl": "https://aurora-cells.example/recycling/prevention",
        "collectionPointsUrl": "https://aurora-cells.example/recycling/points",
    }
    waste = build_passport(data).circularity.wasteInformation
    assert waste.wastePrevention.endswith("/prevention") and waste.collectionPoints.endswith("/points")
    assert waste.separateCollection is None
    data["circularity"]["wasteInformation"]["separateCollectionUrl"] = "ftp://example.org/x"
    with pytest.raises(InvalidInputError, match=r"wasteInformation.separateCollectionUrl"):
        build_passport(data)


def _optional_paths(document, prefix=()):
    """Every member path of ``document`` (objects only), parents before children."""
    for name, value in document.items():
        yield (*prefix, name)
        if isinstance(value, dict):
            yield from _optional_paths(value, (*prefix, name))


@pytest.mark.parametrize("category", sorted(COMPLETE))
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_the_rules_read_a_validated_model_as_they_would_read_its_json(category, data):
    """The data-point rules look fields up on the model itself (no dump per document): what they
    find must be what they would find in the model's JSON, for passports and build data with any
    members taken out (those whose removal still validates)."""
    from dataclasses import replace
    from datetime import date as _date

    from batterypass.law.acts import BUILT_IN
    from batterypass.law.data_point_rules import data_point_problems
    from batterypass.law.rules import BatteryFacts
    from batterypass.model.passport import Passport

    build_data = load(COMPLETE[category])
    passport_json = build_passport(build_data).model_dump(mode="json", exclude_none=True)
    for document, parse in ((build_data, parse_build_data), (passport_json, Passport.model_validate)):
        paths = list(_optional_paths(document))
        removed = data.draw(st.lists(st.sampled_from(paths), max_size=6, unique=True))
        changed = copy.deepcopy(document)
        for path in removed:
            parent = changed
            for name in path[:-1]:
                parent = parent.get(name) if isinstance(parent, dict) else None
            if isinstance(parent, dict):
                parent.pop(path[-1], None)
        try:
            model = parse(changed)
            view = BatteryFacts.of(model).view
        except (InvalidInputError, ValueError):
            continue  # a required member (or the capacity) went: nothing for the rules to read
        as_json = replace(view, document=model.model_dump(mode="json", exclude_none=True))
        for applies in (lambda key: True, lambda key: False):
            assert data_point_problems(view, applies, BUILT_IN, _date(2030, 1, 1)) == data_point_problems(
                as_json, applies, BUILT_IN, _date(2030, 1, 1)
            )
