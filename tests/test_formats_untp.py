"""UNTP DPP: exports pass `dppvalidator validate` (UNTP DPP 0.6.1, strict)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, GOOD_FIXTURES, cycle_records, issue_and_update, load

from batterypass import build_passport, passport_credential
from batterypass.cli import main
from batterypass.formats.convert import convert

DPPVALIDATOR = shutil.which("dppvalidator", path=str(Path(sys.executable).parent))


@pytest.mark.parametrize("fixture", GOOD_FIXTURES)
def test_export_passes_dppvalidator(fixture, tmp_path):
    credential = passport_credential(build_passport(load(FIXTURES / fixture)))
    conversion = convert(credential, "native", "untp-dpp")
    exported = tmp_path / "untp.json"
    exported.write_text(json.dumps(conversion.document))
    assert DPPVALIDATOR, "dppvalidator is part of the test extra"
    run = subprocess.run([DPPVALIDATOR, "validate", str(exported), "--schema-version", "0.6.1", "--strict", "--format", "json"],
                         capture_output=True, text=True, timeout=120)
    verdict = json.loads(run.stdout)
    assert run.returncode == 0 and verdict["valid"] is True and verdict["errors"] == [], run.stdout
    subject = conversion.document["credentialSubject"]
    assert subject["id"] == credential["id"]
    assert subject["product"]["dimensions"]["weight"]["unit"] == "KGM"
    lost = {note.path for note in conversion.losses}
    assert "$.performanceAndDurability.batteryTechnicalProperties" in lost


def test_untp_imports_as_a_draft_and_validate_names_it(runner, tmp_path):
    document = tmp_path / "untp.json"
    document.write_text(json.dumps(convert(passport_credential(build_passport(load(FIXTURES / "ev-pack.json"))), "native", "untp-dpp").document))
    refused = runner.invoke(main, ["convert", str(document), "--from", "untp-dpp", "--to", "native"])
    assert refused.exit_code == 1 and "--draft" in refused.output
    draft = runner.invoke(main, ["convert", str(document), "--from", "untp-dpp", "--to", "native", "--draft", "--json"])
    assert draft.exit_code == 0
    report = json.loads(draft.output)
    assert report["document"]["battery"]["serialNumber"] == "P90-2027-004711"
    assert report["document"]["carbonFootprint"]["studyUrl"].startswith("https://")
    assert "$.materials.composition[0].component" in {p["path"] for p in report["problems"]}
    result = runner.invoke(main, ["validate", str(document), "--json"])
    assert result.exit_code == 1
    message = json.loads(result.output)["problems"][0]["message"]
    assert "UNTP Digital Product Passport" in message and "--input-format untp-dpp" in message


def test_each_version_exports_as_a_credential_of_its_own(tmp_path):
    """A later version is a credential of its own, with the id our own credential of it has,
    about the same product passport; the history itself is reported lost."""
    first, second = (i.document for i in issue_and_update(tmp_path, cycle_records(1)))
    exported = [convert(c, "native", "untp-dpp") for c in (first, second)]
    assert [e.document["id"] for e in exported] == [first["id"], second["id"]] and first["id"] != second["id"]
    assert {e.document["credentialSubject"]["id"] for e in exported} == {first["credentialSubject"]["id"]}
    assert {"$.lifecycle.supersedes.id", "$.lifecycle.changedAt"} <= {note.path for note in exported[1].losses}

