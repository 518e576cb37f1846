"""IDTA-02035 AAS: the environment and the AASX package pass the official aas-test-engines."""

from __future__ import annotations

import contextlib
import io
import json

import jsonschema
import pytest
from aas_test_engines import file as aas_check

from conftest import FIXTURES, GOOD_FIXTURES, REFERENCE, load

from batterypass import build_passport, passport_credential
from batterypass.cli import main
from batterypass.formats.aas import PARTS, value_only
from batterypass.formats.convert import convert


def _credential(fixture: str) -> dict:
    return passport_credential(build_passport(load(FIXTURES / fixture)))


@pytest.mark.parametrize("fixture", GOOD_FIXTURES)
def test_environment_passes_the_aas_test_engines(fixture):
    credential = _credential(fixture)
    conversion = convert(credential, "native", "aas")
    result = aas_check.check_json_data(conversion.document)
    assert result.ok(), _dump(result)
    submodels = {submodel["idShort"]: submodel for submodel in conversion.document["submodels"]}
    assert set(submodels) == {id_short for id_short, _ in PARTS.values()}  # one submodel per part 1-7
    assert conversion.document["assetAdministrationShells"][0]["assetInformation"]["globalAssetId"] == credential["id"]
    nameplate = {e["idShort"]: e for e in submodels["Nameplate"]["submodelElements"]}
    assert nameplate["SerialNumber"]["value"] == credential["credentialSubject"]["generalProductInformation"]["serialNumber"]
    lost = {note.path for note in conversion.losses}
    assert "$.supplyChainDueDiligence.rawMaterialOrigin" in lost or "supplyChainDueDiligence" not in credential["credentialSubject"]


def test_convert_writes_an_aasx_package_that_passes(runner, tmp_path):
    passport = tmp_path / "passport.json"
    passport.write_text(json.dumps(_credential("ev-pack.json")))
    out = tmp_path / "battery.aasx"
    result = runner.invoke(main, ["convert", str(passport), "--from", "native", "--to", "aas", "--out", str(out)])
    assert result.exit_code == 0, result.output
    checked = aas_check.check_aasx_file(io.BytesIO(out.read_bytes()))
    assert checked.ok(), _dump(checked)
    as_json = tmp_path / "battery.json"
    assert runner.invoke(main, ["convert", str(passport), "--from", "native", "--to", "aas", "--out", str(as_json)]).exit_code == 0
    assert aas_check.check_json_data(json.loads(as_json.read_text())).ok()
    validate = runner.invoke(main, ["validate", str(as_json), "--json"])
    assert json.loads(validate.output)["kind"] == "aas document"


def _dump(result) -> str:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        result.dump()
    return buffer.getvalue()


def test_an_aasx_package_imports_back_as_a_draft(runner, tmp_path):
    passport = tmp_path / "passport.json"
    passport.write_text(json.dumps(_credential("ev-pack.json")))
    package = tmp_path / "battery.aasx"
    assert runner.invoke(main, ["convert", str(passport), "--from", "native", "--to", "aas", "--out", str(package)]).exit_code == 0
    result = runner.invoke(main, ["convert", str(package), "--from", "aas", "--to", "native", "--draft", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["document"]["battery"]["serialNumber"] == "P90-2027-004711"
    assert report["document"]["materials"]["composition"][0]["massKg"] > 0
    # The nameplate has no address for the manufacturing place: build asks for it.
    assert {p["path"] for p in report["problems"]} == {"$.manufacturingPlace.address"}
    broken = tmp_path / "broken.aasx"
    broken.write_bytes(b"PK\x03\x04 not a package")
    refused = runner.invoke(main, ["convert", str(broken), "--from", "aas", "--to", "native"])
    assert refused.exit_code == 1 and "Traceback" not in refused.output


IDTA = REFERENCE / "idta-02035"
#: Submodel idShort -> the IDTA-02035 part's value-only example and schema (folder, file stem).
IDTA_PARTS = {
    "Nameplate": ("digital_nameplate-1.0.0", "NameplateBattery"),
    "HandoverDocumentation": ("handover_documentation-1.0.0", "HandoverDocumentationBattery"),
    "ProductCondition": ("product_condition-1.0.1", "ProductConditionBattery"),
    "CarbonFootprint": ("carbon_footprint-1.0.0", "CarbonFootprintBattery"),
    "TechnicalData": ("technical_data-1.0.1", "TechnicalDataBattery"),
    "MaterialComposition": ("material_composition-1.0.1", "MaterialCompositionBattery"),
    "Circularity": ("circularity-1.0.0", "CircularityBattery"),
}


@pytest.mark.parametrize("fixture", GOOD_FIXTURES)
def test_each_part_meets_its_idta_value_only_schema_in_everything_it_writes(fixture):
    """What the templates require and a passport does not hold yet (dynamic values, markings,
    document metadata) are the schemas' only complaints."""
    environment = convert(_credential(fixture), "native", "aas").document
    content = value_only(environment)
    for id_short, (folder, stem) in IDTA_PARTS.items():
        schema = load(IDTA / folder / f"{stem}-schema.json")
        validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
        errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(content.get(id_short, {})) if e.validator != "required"]
        assert errors == [], id_short


def test_the_idta_example_payloads_import_as_a_draft():
    example = {id_short: load(IDTA / folder / f"{stem}.json") for id_short, (folder, stem) in IDTA_PARTS.items()}
    conversion = convert(example, "aas", "native", draft=True)
    data = conversion.document
    assert data["battery"]["serialNumber"] == "A12345-X75EN"
    assert data["battery"]["chemistry"]["shortName"] == "NMC"
    assert data["materials"]["composition"][0]["name"] == "Lithium"
    assert data["performance"]["commercialWarrantyYears"] == 8  # P96M
    assert data["circularity"]["recycledContent"][0]["material"] == "cobalt"
    # The examples' values are random (negative renewable content, "C4 - landfill" per piece):
    # build names each one, and what build data has no place for is listed.
    assert "$.circularity.renewableContentPercent" in {p.path for p in conversion.problems}
    assert any("C4 - landfill" in note.reason for note in conversion.losses)


def test_an_aasx_package_that_unpacks_past_the_document_limit_is_refused_unread(runner, tmp_path):
    import zipfile

    from batterypass.jsonio import MAX_DOCUMENT_BYTES

    bomb = tmp_path / "bomb.aasx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("aasx/data.json", b" " * (MAX_DOCUMENT_BYTES + 1))
    assert bomb.stat().st_size < 100_000
    refused = runner.invoke(main, ["convert", str(bomb), "--from", "aas", "--to", "native"])
    assert refused.exit_code == 1 and "over the" in refused.output and "Traceback" not in refused.output
