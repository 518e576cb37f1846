"""The published JSON Schemas match the models and carry the Annex XIII access tiers."""

from __future__ import annotations

import json

import jsonschema
import pytest
from conftest import FIXTURES, GOOD_FIXTURES, ROOT, USER_EXAMPLE, load

from batterypass import QrOptions, issue_passport
from batterypass.model.access import AUDIENCE_POINTS, Access
from batterypass.model.views import view_for
from batterypass.model.schemas import rendered_schemas


@pytest.mark.parametrize("name", sorted(rendered_schemas()))
def test_committed_schema_matches_models(name):
    committed = (ROOT / "schemas" / name).read_bytes()
    assert committed == rendered_schemas()[name], f"schemas/{name} is stale: run `batterypass schemas --out schemas`"


def schema(name):
    return json.loads((ROOT / "schemas" / name).read_text())


def test_user_example_valid_against_published_build_schema():
    jsonschema.Draft202012Validator(schema("build-data.schema.json")).validate(load(USER_EXAMPLE))


@pytest.mark.parametrize("name", GOOD_FIXTURES)
def test_built_passports_valid_against_published_passport_schema(name, tmp_path):
    issued = issue_passport(load(FIXTURES / name), tmp_path, qr_options=QrOptions(enabled=False))
    jsonschema.Draft202012Validator(schema("passport.schema.json")).validate(issued.document["credentialSubject"])


def test_every_passport_property_has_an_access_tier():
    passport_schema = schema("passport.schema.json")
    definitions = [passport_schema, *passport_schema["$defs"].values()]
    checked = 0
    for definition in definitions:
        if definition.get("title") == "PostalAddress":
            continue  # an address takes the tier of the field that holds it
        for name, prop in definition.get("properties", {}).items():
            assert prop.get("x-access") in {a.value for a in Access}, (definition.get("title"), name)
            # Annex XIII data carries its point; voluntary sourcing data says it is voluntary instead
            assert (prop.get("x-annex-xiii-point") in (1, 2, 3, 4)) is (prop.get("x-basis") != "voluntary"), name
            checked += 1
    assert checked > 80


def test_tiers_follow_annex_xiii():
    passport_schema = schema("passport.schema.json")
    defs = passport_schema["$defs"]
    assert defs["LabelsAndConformity"]["properties"]["resultOfTestReport"]["x-access"] == "authority"
    assert defs["BatteryMaterial"]["properties"]["batteryMaterialMass"]["x-access"] == "legitimate-interest"
    assert defs["CarbonFootprint"]["properties"]["batteryCarbonFootprint"]["x-access"] == "public"
    # audiences are not a ranking: authorities do not see point 4, legitimate interest not point 3
    assert 4 not in AUDIENCE_POINTS[Access.AUTHORITY] and 3 not in AUDIENCE_POINTS[Access.LEGITIMATE_INTEREST]


@pytest.mark.parametrize(
    ("audience", "sees_materials", "sees_status", "sees_test_reports"),
    [("public", False, False, False), ("legitimate-interest", True, True, False), ("authority", True, False, True)],
)
def test_audience_views_follow_the_tiers(user_example_passport, audience, sees_materials, sees_status, sees_test_reports):
    view = view_for(user_example_passport, audience)
    assert ("batteryMaterials" in view["materialComposition"]) is sees_materials
    assert ("batteryStatus" in view["generalProductInformation"]) is sees_status
    assert ("resultOfTestReport" in view["labelsAndConformity"]) is sees_test_reports
    assert ("sparePartSources" in view["circularity"]) is sees_materials  # point 2, like the detailed composition
    # what every audience sees: the label data and the carbon footprint
    assert view["generalProductInformation"]["manufacturerInformation"]["postalAddress"]["addressCountry"] == "DE"
    assert view["carbonFootprint"]["batteryCarbonFootprint"] == 68.4


@pytest.fixture(scope="module")
def user_example_passport():
    from batterypass import build_passport

    return build_passport(load(USER_EXAMPLE))
