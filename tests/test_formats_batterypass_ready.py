"""BatteryPass-Ready: exports pass the consortium's per-category schemas, its example imports, round trips keep what it carries."""

from __future__ import annotations

import json

import jsonschema
import pytest

from conftest import FIXTURES, GOOD_FIXTURES, REFERENCE, json_leaves, load

from batterypass import InvalidInputError, build_passport, passport_credential
from batterypass.cli import main
from batterypass.formats.batterypass_ready import schema_name
from batterypass.formats.convert import convert

READY = REFERENCE / "batterypass-ready-1.0"
EXAMPLE = READY / "examples" / "ev.gefeg.json"


def _validator(name: str) -> jsonschema.Validator:
    schema = load(READY / "schemas" / f"{name}.schema.json")
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def _credential(fixture: str) -> dict:
    return passport_credential(build_passport(load(FIXTURES / fixture)))


@pytest.mark.parametrize("fixture", GOOD_FIXTURES)
def test_export_of_every_category_meets_its_schema_in_everything_it_writes(fixture):
    """Types, units, enums and formats as the consortium's schema says. The schema also requires
    data points our passports do not hold yet (dynamic values, labels): those are its only complaints."""
    credential = _credential(fixture)
    exported = convert(credential, "native", "batterypass-ready").document
    name = schema_name(credential["credentialSubject"])
    errors = list(_validator(name).iter_errors(exported))
    assert [e.message for e in errors if e.validator != "required"] == []
    written = dict(json_leaves(exported))
    assert len(written) > 40
    ids = exported["Battery_Passport"]["IdentifiersAndProductData"]
    assert ids["BatteryMass"] == {"gramKgValue": credential["credentialSubject"]["generalProductInformation"]["batteryMass"], "gramKg": "kg"}
    assert ids["UniqueBatteryPassportIdentifierUniqueDPPIdentifier"] == credential["id"]
    assert ids["Date-timeOfLatestUpdateOfDPP"] == credential["validFrom"]


def test_schema_choice_follows_the_category():
    assert schema_name({"generalProductInformation": {"batteryCategory": "ev"}}) == "EV"
    assert schema_name({"generalProductInformation": {"batteryCategory": "lmt"}}) == "LMT"
    assert schema_name({"generalProductInformation": {"batteryCategory": "industrial"}}) == "OtherIndustrial2kWh"
    stationary = {"generalProductInformation": {"batteryCategory": "industrial", "exclusivelyExternalStorage": True}}
    assert schema_name(stationary) == "StationaryIndustrial2kWh"


def test_the_consortium_example_is_valid_and_imports_as_a_draft():
    example = load(EXAMPLE)
    assert list(_validator("EV").iter_errors(example)) == []
    with pytest.raises(InvalidInputError) as refused:
        convert(example, "batterypass-ready", "native", origin="ev.gefeg.json")
    conversion = convert(example, "batterypass-ready", "native", draft=True)
    # The example's addresses are "Stuttgart, DE" and it names no e-mail: build needs them.
    assert sorted(p.path for p in conversion.problems) == ["$.manufacturer.address", "$.manufacturer.email", "$.manufacturingPlace.address"]
    assert [p.path for p in refused.value.problems] == [p.path for p in conversion.problems]
    data = conversion.document
    assert data["battery"]["gtin"] == "09521234010012" and data["battery"]["serialNumber"] == "EV-2025-000142"
    assert data["battery"]["massKg"] == 450 and data["battery"]["ratedCapacityAh"] == 190
    assert data["passport"]["resolverUrl"] == "https://id.gs1.org"
    assert data["carbonFootprint"]["kgCO2ePerKWhByLifecycleStage"]["mainProduction"] == 38
    lost = {note.path for note in conversion.losses}
    # Every value of the example is either imported or reported.
    imported = {"$.Battery_Passport.IdentifiersAndProductData.BatteryMass.gramKgValue"}
    assert imported.isdisjoint(lost)
    assert "$.Battery_Passport.PerformanceAndDurability.StateOfCertifiedEnergySOCE.percentageValue" in lost
    assert "$.Battery_Passport.CircularityAndResourceEfficiency.RecycledLeadShare" in lost


def test_units_convert_explicitly():
    example = load(EXAMPLE)
    ids = example["Battery_Passport"]["IdentifiersAndProductData"]
    ids["BatteryMass"] = {"gramKgValue": 450500, "gramKg": "g"}
    example["Battery_Passport"]["PerformanceAndDurability"]["RatedCapacity"] = {"amperehourMiliamperehourValue": 190500, "ampereHourMiliamperehour": "mAh"}
    data = convert(example, "batterypass-ready", "native", draft=True).document
    assert data["battery"]["massKg"] == 450.5
    assert data["battery"]["ratedCapacityAh"] == 190.5
    build = load(FIXTURES / "lmt-ebike.json")
    build["battery"]["ratedCapacityAh"] = 13.6
    build["battery"].pop("ratedEnergyKWh")  # Ah x V, so that capacity and energy agree
    exported = convert(passport_credential(build_passport(build)), "native", "batterypass-ready").document
    assert exported["Battery_Passport"]["PerformanceAndDurability"]["RatedCapacity"] == {
        "amperehourMiliamperehourValue": 13600, "ampereHourMiliamperehour": "mAh"
    }


def test_what_the_format_cannot_carry_is_reported():
    conversion = convert(_credential("ev-pack.json"), "native", "batterypass-ready")
    lost = {note.path: note.reason for note in conversion.losses}
    assert "whole ohms" in lost["$.performanceAndDurability.batteryTechnicalProperties.initialInternalResistance[0]"]
    assert "$.supplyChainDueDiligence.rawMaterialOrigin" in lost
    assert "$.generalProductInformation.warrantyPeriod" in lost
    assert "$.materialComposition.batteryMaterials[0].batteryMaterialMass" in lost


def test_convert_command_writes_the_export_and_reports_losses(runner, tmp_path):
    passport = tmp_path / "passport.json"
    passport.write_text(json.dumps(_credential("ev-pack.json")))
    out = tmp_path / "ready.json"
    result = runner.invoke(main, ["convert", str(passport), "--from", "native", "--to", "batterypass-ready", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["out"] == str(out) and report["from"] == "native" and report["to"] == "batterypass-ready"
    assert any(loss["path"] == "$.supplyChainDueDiligence.rawMaterialOrigin" for loss in report["losses"])
    assert list(_validator("EV").iter_errors(json.loads(out.read_text())))  # only required-ness complaints (see above)
    back = runner.invoke(main, ["convert", str(out), "--from", "batterypass-ready", "--to", "native"])
    assert back.exit_code == 1 and "$.materials" in back.output and "--draft" in back.output
    draft = runner.invoke(main, ["convert", str(out), "--from", "batterypass-ready", "--to", "native", "--draft", "--json"])
    assert draft.exit_code == 0
    assert json.loads(draft.output)["document"]["battery"]["serialNumber"] == "P90-2027-004711"


def test_convert_command_refuses_what_it_cannot_convert(runner, tmp_path):
    build = str(FIXTURES / "ev-pack.json")
    result = runner.invoke(main, ["convert", build, "--from", "native", "--to", "batterypass-ready"])
    assert result.exit_code == 1 and "is build data" in result.output and "Traceback" not in result.output
    assert runner.invoke(main, ["convert", build, "--from", "native", "--to", "native"]).exit_code == 2
    assert runner.invoke(main, ["convert", build, "--from", "native", "--to", "xml"]).exit_code == 2
    wrong = runner.invoke(main, ["convert", build, "--from", "batterypass-ready", "--to", "native"])
    assert wrong.exit_code == 1 and "is not a batterypass-ready document" in wrong.output
    assert not list(tmp_path.iterdir())



def test_issue_9_data_points_meet_the_schema_in_the_formats_units():
    build = load(FIXTURES / "ev-pack.json")
    build["carbonFootprint"]["absoluteKgCO2e"] = 5832
    build["dueDiligence"]["thirdPartyAssurancesUrl"] = "https://aurora-cells.example/assurances"
    build["circularity"]["wasteInformation"] = {"wastePreventionUrl": "https://aurora-cells.example/waste/prevention"}
    exported = convert(passport_credential(build_passport(build)), "native", "batterypass-ready").document
    assert [e.message for e in _validator("EV").iter_errors(exported) if e.validator != "required"] == []
    ready = exported["Battery_Passport"]
    assert ready["BatteryCarbonFootprint"]["AbsoluteBatteryCarbonFootprint"] == {"kgCO2-equivalentValue": 5832, "kgCO2-equivalent": "kgCO2-eq"}
    assert ready["PerformanceAndDurability"]["C-rateOfRelevantCycle-lifeTest"] == {
        "amperePerAmpereHourValue": build["performance"]["cycleLifeCRate"], "amperePerAmpereHour": "A/Ah"
    }
    back = convert(exported, "batterypass-ready", "native", draft=True).document
    for key in ("cycleLifeReferenceTest", "cycleLifeCRate", "expectedLifetimeYears", "roundTripEfficiencyAt50PercentCycleLifePercent"):
        assert back["performance"][key] == build["performance"][key], key
    build["carbonFootprint"]["absoluteKgCO2e"] = 5832.5
    fraction = convert(passport_credential(build_passport(build)), "native", "batterypass-ready")
    assert "$.carbonFootprint.absoluteCarbonFootprint" in {n.path for n in fraction.losses}
