"""Bad input never produces a traceback: one clear message per problem, with its JSON path, exit 1."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES, load
from hypothesis import given, settings
from hypothesis import strategies as st

from batterypass import InvalidInputError, build_passport
from batterypass.cli.main import main

BAD = FIXTURES / "bad"

# fixture -> the (path, message fragment) pairs its problems must include
EXPECTED = {
    "malformed.json": [("$", "malformed JSON")],
    "duplicate-key.json": [("$", "duplicate key 'massKg'")],
    "negative-mass.json": [("$.battery.massKg", "greater than 0")],
    "wrong-types.json": [("$.battery.massKg", "valid number"), ("$.battery.rechargeable", "valid boolean")],
    "unknown-category.json": [("$.battery.category", "'ev', 'lmt', 'industrial', 'portable' or 'sli'")],
    "typo-key.json": [("$.battery.serialNumbr", "did you mean 'serialNumber'"), ("$.battery.serialNumber", "is required")],
    "missing-fields.json": [("$.manufacturer.email", "is required"), ("$.battery.placedOnMarketDate", "is required")],
    "absurd-capacity.json": [("$.battery.ratedCapacityAh", "less than or equal")],
    "carbon-footprint-total-mismatch.json": [("$.carbonFootprint.totalKgCO2ePerKWh", "sum of the life-cycle stages, 64.8")],
    "ev-without-power-limits.json": [("$.performance.powerLimits", "data point 30")],
    "origin-shares-not-100.json": [("$.materials.rawMaterialOrigin[0].sharePercent", "lithium add up to 90 %")],
    "cas-check-digit.json": [("$.materials.composition[0].casNumber", "check digit is 9, expected 8")],
    "gtin-check-digit.json": [("$.battery.gtin", "check digit is 8, expected 6")],
    "country-and-date.json": [("$.manufacturer.address.country", "ISO 3166-1"), ("$.battery.placedOnMarketDate", "ISO 8601")],
    "capacity-mismatch.json": [("$.battery.ratedEnergyKWh", "more than 1 %")],
    "recycled-over-100.json": [("$.circularity.recycledContent[0].postConsumerPercent", "less than or equal to 100")],
}


def test_every_bad_fixture_is_covered():
    assert sorted(p.name for p in BAD.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_cli_build_reports_each_problem_with_path(runner, tmp_path, name):
    result = runner.invoke(main, ["build", str(BAD / name), "--out", str(tmp_path / "out"), "--json"])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    body = json.loads(result.output)
    found = {(p["path"], p["message"]) for p in body["problems"]}
    for path, fragment in EXPECTED[name]:
        assert any(p == path and fragment in m for p, m in found), (path, fragment, found)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_cli_validate_reports_the_same_problems(runner, name):
    result = runner.invoke(main, ["validate", str(BAD / name)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    for path, fragment in EXPECTED[name]:
        assert f"{path}: " in result.output and fragment in result.output


def test_human_error_names_file_and_path(runner, tmp_path):
    result = runner.invoke(main, ["build", str(BAD / "negative-mass.json"), "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert f"error: {BAD / 'negative-mass.json'}: $.battery.massKg: must be greater than 0" in result.output


def test_all_problems_reported_at_once():
    data = load(FIXTURES / "lmt-ebike.json")
    data["battery"]["massKg"] = 0
    data["manufacturer"]["email"] = "not-an-address"
    data["materials"]["composition"][1]["casNumber"] = "7782-42-6"
    with pytest.raises(InvalidInputError) as info:
        build_passport(data)
    assert {p.path for p in info.value.problems} == {
        "$.battery.massKg",
        "$.manufacturer.email",
        "$.materials.composition[1].casNumber",
    }


def test_missing_file_is_a_usage_error(runner, tmp_path):
    result = runner.invoke(main, ["build", str(tmp_path / "nope.json"), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_future_audit_date_rejected():
    data = load(FIXTURES / "industrial-stationary.json")
    data["dueDiligence"]["thirdPartyVerification"]["date"] = "2999-01-01"
    with pytest.raises(InvalidInputError, match=r"thirdPartyVerification\.date: 2999-01-01 is in the future"):
        build_passport(data)


def test_unknown_irma_level_rejected():
    data = load(FIXTURES / "industrial-stationary.json")
    data["materials"]["rawMaterialOrigin"][0]["assurance"]["level"] = "IRMA 60"
    with pytest.raises(InvalidInputError, match="not an IRMA level"):
        build_passport(data)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=25,
)


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_arbitrary_json_gives_problems_not_tracebacks(value):
    try:
        build_passport(value)
    except InvalidInputError as exc:
        assert exc.problems and all(p.path.startswith("$") for p in exc.problems)


@settings(max_examples=100, deadline=None)
@given(path=st.sampled_from(["battery", "manufacturer", "materials", "carbonFootprint", "performance"]), value=json_values)
def test_replacing_a_section_with_junk_gives_problems_at_that_section(user_example_data, path, value):
    data = json.loads(json.dumps(user_example_data))
    data[path] = value
    try:
        build_passport(data)
    except InvalidInputError as exc:
        assert any(p.path.startswith(f"$.{path}") for p in exc.problems)


@pytest.fixture(scope="module")
def user_example_data():
    from conftest import USER_EXAMPLE

    return load(USER_EXAMPLE)


def test_manufactured_after_placing_on_market_is_rejected():
    data = load(FIXTURES / "lmt-ebike.json")
    data["battery"]["manufacturingDate"] = "2027-06-02"
    with pytest.raises(InvalidInputError, match="manufacturingDate: 2027-06-02 is after placedOnMarketDate 2027-06-01"):
        build_passport(data)
    data["battery"]["manufacturingDate"] = "2027-06"  # the same month: fine
    build_passport(data)


@pytest.mark.parametrize(("key", "value"), [("gtin", "０４０１２３４５０００００１６"), ("manufacturingDate", "２０２７-05")])
def test_unicode_digits_are_not_digits(key, value):
    data = load(FIXTURES / "ev-pack.json")
    data["battery"][key] = value
    with pytest.raises(InvalidInputError) as info:
        build_passport(data)
    assert [p.path for p in info.value.problems] == [f"$.battery.{key}"]


@pytest.mark.parametrize(
    "args",
    [
        ["--resolver", "https://[x"],
        ["--issued-at", "9999-12-31T23:59:59-05:00"],
        ["--issued-at", "yesterday"],
        ["--module-mm", "nan"],
    ],
)
def test_odd_options_give_a_message_not_a_traceback(runner, tmp_path, args):
    result = runner.invoke(main, ["build", str(FIXTURES / "ev-pack.json"), "--out", str(tmp_path / "o"), *args])
    assert result.exit_code in (1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert not (tmp_path / "o").exists()
