"""Building passports through the library API and the ``build`` command."""

from __future__ import annotations

import copy
import json
import os
import re
import uuid
from pathlib import Path

import pytest
from conftest import FIXTURES, GOOD_FIXTURES, NOT_REQUIRED_FIXTURES, USER_EXAMPLE, load

from batterypass import (
    InvalidInputError,
    Passport,
    PassportNotRequiredError,
    build_passport,
    issue_passport,
    passport_credential,
)
from batterypass.cli.main import main
from batterypass.law.identifiers import PASSPORT_ID_NAMESPACE


def test_user_example_is_accepted_as_is(user_example):
    passport = build_passport(user_example)
    assert isinstance(passport, Passport)
    # 48.2 + 21.4 + 1.1 - 2.3: computed from the stages, not copied
    assert passport.carbonFootprint.batteryCarbonFootprint == 68.4
    general = passport.generalProductInformation
    assert general.batteryIdentifier == "(01)04012345678901(21)P75-2027-000123"
    assert general.manufacturingPlace.postalAddress.addressLocality == "Dresden"
    assert passport.performanceAndDurability.batteryTechnicalProperties.ratedEnergy == 75.0
    assert {s.material for s in passport.supplyChainDueDiligence.rawMaterialOrigin} == {
        "cobalt", "lithium", "nickel", "natural graphite"
    }


def test_passport_id_is_uuid5_of_manufacturer_gtin_and_serial(user_example):
    passport = build_passport(user_example)
    expected = uuid.uuid5(PASSPORT_ID_NAMESPACE, "LEI:5299001ABCDEFGHIJK06\x0004012345678901\x00P75-2027-000123")
    assert passport.id == f"urn:uuid:{expected}"
    assert uuid.UUID(passport.id.removeprefix("urn:uuid:")).version == 5
    assert build_passport(copy.deepcopy(user_example)).id == passport.id
    other = copy.deepcopy(user_example)
    other["battery"]["serialNumber"] = "P75-2027-000124"
    assert build_passport(other).id != passport.id
    # GS1 serials are unique per GTIN: another product line may reuse the serial
    other = copy.deepcopy(user_example)
    other["battery"]["gtin"] = "04012345000016"
    assert build_passport(other).id != passport.id


def test_credential_has_vc2_shape(user_example):
    passport = build_passport(user_example)
    credential = passport_credential(passport)
    assert credential["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert credential["type"][0] == "VerifiableCredential"
    assert credential["id"] == passport.id == credential["credentialSubject"]["id"]
    assert credential["issuer"]["name"] == "Aurora Cells GmbH"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", credential["validFrom"])


@pytest.mark.parametrize("name", GOOD_FIXTURES)
def test_good_fixtures_build(name, tmp_path):
    issued = issue_passport(load(FIXTURES / name), tmp_path)
    written = json.loads(issued.files["passport"].read_text())
    assert written["credentialSubject"]["id"] == issued.passport_id
    assert Passport.model_validate(written["credentialSubject"]) == issued.passport


def test_lmt_half_kwh_needs_a_passport_but_no_carbon_footprint_yet():
    passport = build_passport(load(FIXTURES / "lmt-ebike.json"))
    assert passport.performanceAndDurability.batteryTechnicalProperties.ratedEnergy == pytest.approx(0.504)
    assert passport.carbonFootprint is None
    assert passport.generalProductInformation.gtin is None
    # ISO/IEC 15459: issuing agency code + company identification number + serial
    assert passport.generalProductInformation.batteryIdentifier == "UN123456789VB36-27-000815"


@pytest.mark.parametrize("name", NOT_REQUIRED_FIXTURES)
def test_no_passport_required_is_refused_unless_voluntary(name):
    with pytest.raises(PassportNotRequiredError, match=r"Art\. 77\(1\)"):
        build_passport(load(FIXTURES / name))


def test_voluntary_passport_is_marked():
    passport = build_passport(load(FIXTURES / "industrial-1.5kwh.json"), voluntary=True)
    assert passport.generalProductInformation.voluntary is True


def test_voluntary_passport_needs_passport_content():
    with pytest.raises(InvalidInputError) as info:
        build_passport(load(FIXTURES / "portable-aa.json"), voluntary=True)
    sections = {p.path.split(".")[1] for p in info.value.problems}
    assert {"materials", "circularity", "conformity", "performance"} <= sections
    assert all("data point" in p.message for p in info.value.problems)


def test_cli_build_json_summary(runner, tmp_path):
    result = runner.invoke(main, ["build", str(USER_EXAMPLE), "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["passportId"].startswith("urn:uuid:")
    assert set(summary["files"]) == {"passport", "qrSvg", "qrPng"}
    for path in summary["files"].values():
        assert Path(path).is_file()
    assert summary["url"] == "https://aurora-cells.example/01/04012345678901/21/P75-2027-000123"
    # nothing but the announced files, no temporary leftovers
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(Path(p).name for p in summary["files"].values())


@pytest.mark.parametrize("name", NOT_REQUIRED_FIXTURES)
def test_cli_build_not_required_writes_nothing(runner, tmp_path, name):
    out = tmp_path / "out"
    result = runner.invoke(main, ["build", str(FIXTURES / name), "--out", str(out)])
    assert result.exit_code == 1
    assert "Art. 77(1)" in result.output and "capacity" in result.output
    assert not out.exists()


def test_cli_build_voluntary(runner, tmp_path):
    result = runner.invoke(
        main, ["build", str(FIXTURES / "industrial-1.5kwh.json"), "--out", str(tmp_path), "--voluntary", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["voluntary"] is True


def test_cli_build_issued_at_is_reproducible(runner, tmp_path):
    args = ["build", str(FIXTURES / "ev-pack.json"), "--issued-at", "2026-09-01T08:00:00Z", "--no-qr", "--json"]
    first = json.loads(runner.invoke(main, [*args, "--out", str(tmp_path / "a")]).output)
    second = json.loads(runner.invoke(main, [*args, "--out", str(tmp_path / "b")]).output)
    a, b = Path(first["files"]["passport"]).read_bytes(), Path(second["files"]["passport"]).read_bytes()
    assert a == b
    assert json.loads(a)["validFrom"] == "2026-09-01T08:00:00Z"


def test_build_failure_leaves_existing_output_untouched(runner, tmp_path):
    ok = runner.invoke(main, ["build", str(FIXTURES / "ev-pack.json"), "--out", str(tmp_path), "--json"])
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    bad = runner.invoke(main, ["build", str(FIXTURES / "bad" / "carbon-footprint-total-mismatch.json"), "--out", str(tmp_path)])
    assert ok.exit_code == 0 and bad.exit_code == 1
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_files_are_written_with_plain_permissions(tmp_path):
    issued = issue_passport(load(FIXTURES / "ev-pack.json"), tmp_path)
    assert oct(os.stat(issued.files["passport"]).st_mode & 0o777) == "0o644"
