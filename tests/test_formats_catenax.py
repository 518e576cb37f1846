"""Catena-X battery_pass 6.1: exports against its published schema, its example imports, validate names it."""

from __future__ import annotations

import json

import jsonschema
import pytest

from conftest import FIXTURES, GOOD_FIXTURES, REFERENCE, cycle_records, issue_and_update, load

from batterypass import InvalidInputError, build_passport, passport_credential
from batterypass.cli import main
from batterypass.formats.convert import convert

CATENAX = REFERENCE / "catenax-battery-pass-6.1.0"
EXAMPLE = CATENAX / "BatteryPass.json"


def _validator() -> jsonschema.Validator:
    return jsonschema.Draft4Validator(load(CATENAX / "BatteryPass-schema.json"), format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize("fixture", GOOD_FIXTURES)
def test_export_meets_the_schema_in_everything_it_writes(fixture):
    """The aspect also requires what our passports do not hold (dynamic values, BPNs, document
    lists): those are the schema's only complaints."""
    credential = passport_credential(build_passport(load(FIXTURES / fixture)))
    conversion = convert(credential, "native", "catenax-6.1")
    errors = list(_validator().iter_errors(conversion.document))
    assert [f"{list(e.path)}: {e.message}" for e in errors if e.validator != "required"] == []
    document = conversion.document
    assert document["metadata"]["passportIdentifier"] == credential["id"]
    assert document["characteristics"]["physicalDimension"]["weight"]["unit"] == "unit:kilogram"
    lost = {note.path for note in conversion.losses}
    assert "$.generalProductInformation.manufacturerInformation.identifier" in lost  # not a BPNL
    mass = credential["credentialSubject"]["generalProductInformation"]["batteryMass"]
    first = credential["credentialSubject"]["materialComposition"]["batteryMaterials"][0]["batteryMaterialMass"]
    assert document["materials"]["composition"][0]["concentration"] == pytest.approx(first / mass * 100)  # kg -> %


def test_negative_stage_footprints_are_reported_not_written():
    credential = passport_credential(build_passport(load(FIXTURES / "ev-pack.json")))
    conversion = convert(credential, "native", "catenax-6.1")
    values = [entry["value"] for entry in conversion.document["sustainability"]["carbonFootprint"]]
    assert min(values) >= 0
    assert any("not negative" in note.reason for note in conversion.losses)


def test_the_published_example_is_valid_and_imports_as_a_draft():
    example = load(EXAMPLE)
    assert list(_validator().iter_errors(example)) == []
    with pytest.raises(InvalidInputError):
        convert(example, "catenax-6.1", "native")
    conversion = convert(example, "catenax-6.1", "native", draft=True)
    data = conversion.document
    assert data["battery"]["serialNumber"] == "SN12345678" and data["battery"]["category"] == "sli"
    assert data["battery"]["massKg"] == pytest.approx(0.02)  # 20 g
    assert data["performance"]["internalResistanceOhm"] == {"cell": 0.025, "pack": 0.55}
    assert data["manufacturer"]["identifier"] == "BPNLLJMv5rieVicu"
    assert {"$.manufacturer.address", "$.manufacturer.email", "$.manufacturer.name"} <= {p.path for p in conversion.problems}
    assert any("Housing" in note.reason for note in conversion.losses)


def test_validate_names_a_catenax_payload(runner):
    result = runner.invoke(main, ["validate", str(EXAMPLE), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["kind"] == "catenax-6.1 document"
    assert "Catena-X battery_pass 6.1" in report["problems"][0]["message"] and "--from catenax-6.1" in report["problems"][0]["message"]


def test_a_later_version_exports_with_its_version(tmp_path):
    credentials = [i.document for i in issue_and_update(tmp_path, cycle_records(2))]
    metadata = [convert(c, "native", "catenax-6.1").document["metadata"] for c in credentials]
    assert [m["version"] for m in metadata] == ["1.0.0", "2.0.0", "3.0.0"]
    assert {m["passportIdentifier"] for m in metadata} == {credentials[0]["credentialSubject"]["id"]}

