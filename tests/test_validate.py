"""``validate`` detects build data or a passport and reports every problem with its path."""

from __future__ import annotations

import json

from conftest import FIXTURES, USER_EXAMPLE, load

from batterypass import QrOptions, issue_passport
from batterypass.cli.main import main


def test_validate_clean_build_data(runner):
    result = runner.invoke(main, ["validate", str(USER_EXAMPLE), "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["kind"] == "build-data" and body["valid"] is True and body["problems"] == []
    assert "Art. 77(1)" in body["notes"][0]


def test_validate_build_data_that_needs_no_passport_is_still_valid(runner):
    result = runner.invoke(main, ["validate", str(FIXTURES / "portable-aa.json")])
    assert result.exit_code == 0
    assert "need no passport" in result.output


def test_validate_passport(runner, tmp_path):
    issued = issue_passport(load(FIXTURES / "ev-pack.json"), tmp_path, qr_options=QrOptions(enabled=False))
    result = runner.invoke(main, ["validate", str(issued.files["passport"]), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["kind"] == "credential"


def test_validate_passport_with_broken_content(runner, tmp_path):
    issued = issue_passport(load(FIXTURES / "ev-pack.json"), tmp_path, qr_options=QrOptions(enabled=False))
    document = json.loads(issued.files["passport"].read_text())
    subject = document["credentialSubject"]
    subject["carbonFootprint"]["batteryCarbonFootprint"] = 12.0
    subject["generalProductInformation"]["batteryMass"] = -1
    subject["unexpected"] = True
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(document))
    result = runner.invoke(main, ["validate", str(path), "--json"])
    assert result.exit_code == 1
    paths = {p["path"] for p in json.loads(result.output)["problems"]}
    assert {"$.credentialSubject.generalProductInformation.batteryMass", "$.credentialSubject.unexpected"} <= paths
    # the model errors come first; once the shape is right the derived total is checked too
    del subject["unexpected"]
    subject["generalProductInformation"]["batteryMass"] = 540.0
    path.write_text(json.dumps(document))
    result = runner.invoke(main, ["validate", str(path), "--json"])
    assert [p["path"] for p in json.loads(result.output)["problems"]] == [
        "$.credentialSubject.carbonFootprint.batteryCarbonFootprint"
    ]


def test_validate_non_object(runner, tmp_path):
    path = tmp_path / "list.json"
    path.write_text("[1, 2]")
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 1
    assert "$: must be a JSON object" in result.output


def test_validate_bare_passport(runner, tmp_path):
    issued = issue_passport(load(FIXTURES / "ev-pack.json"), tmp_path, qr_options=QrOptions(enabled=False))
    bare = issued.document["credentialSubject"]
    path = tmp_path / "bare.json"
    path.write_text(json.dumps(bare))
    result = runner.invoke(main, ["validate", str(path), "--json"])
    assert result.exit_code == 0 and json.loads(result.output)["kind"] == "passport"
    bare["generalProductInformation"]["batteryMass"] = 0
    path.write_text(json.dumps(bare))
    result = runner.invoke(main, ["validate", str(path), "--json"])
    assert [p["path"] for p in json.loads(result.output)["problems"]] == ["$.generalProductInformation.batteryMass"]


def test_validate_notes_a_missing_qr_resolver(runner, tmp_path):
    data = load(FIXTURES / "lmt-ebike.json")
    data["manufacturer"]["web"] = "http://velo-energy.example"
    path = tmp_path / "b.json"
    path.write_text(json.dumps(data))
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 0 and "no https resolver for the QR link" in result.output
    data["passport"] = {"resolverUrl": "http://dpp.velo-energy.example"}
    path.write_text(json.dumps(data))
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 1 and "$.passport.resolverUrl: resolver base must be an https:// URL" in result.output
