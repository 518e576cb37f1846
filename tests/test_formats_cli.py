"""The format conventions of the other commands: validate names foreign formats, build and batch take --input-format."""

from __future__ import annotations

import json

from conftest import FIXTURES, REFERENCE, load

from batterypass import build_passport, passport_credential
from batterypass.cli import main
from batterypass.formats.convert import convert

READY_EXAMPLE = REFERENCE / "batterypass-ready-1.0" / "examples" / "ev.gefeg.json"


def test_validate_names_a_batterypass_ready_file_and_how_to_convert_it(runner):
    result = runner.invoke(main, ["validate", str(READY_EXAMPLE), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["kind"] == "batterypass-ready document"
    assert "BatteryPass-Ready" in report["problems"][0]["message"]
    assert f"batterypass convert {READY_EXAMPLE} --from batterypass-ready --to native" in report["problems"][0]["message"]
    human = runner.invoke(main, ["validate", str(READY_EXAMPLE)])
    assert "credentialSubject" not in human.output and "--input-format batterypass-ready" in human.output


def test_validate_still_judges_our_own_files(runner):
    assert runner.invoke(main, ["validate", str(FIXTURES / "ev-pack.json")]).exit_code == 0
    broken = runner.invoke(main, ["validate", str(FIXTURES / "bad" / sorted(p.name for p in (FIXTURES / "bad").iterdir())[0])])
    assert broken.exit_code == 1 and "convert" not in broken.output


def test_build_from_a_format_that_lacks_required_data_names_what_is_missing(runner, tmp_path):
    ready = tmp_path / "ready.json"
    ready.write_text(json.dumps(convert(passport_credential(build_passport(load(FIXTURES / "ev-pack.json"))), "native", "batterypass-ready").document))
    out = tmp_path / "out"
    result = runner.invoke(main, ["build", str(ready), "--input-format", "batterypass-ready", "--out", str(out), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    paths = [p["path"] for p in report["problems"]]
    assert "$.materials.composition" in paths and "$.conformity.declarationOfConformityId" in paths
    assert all("not in the batterypass-ready document" in p["message"] for p in report["problems"])
    assert not out.exists()
    native = runner.invoke(main, ["build", str(ready), "--out", str(out)])  # read as build data: refused
    assert native.exit_code == 1 and not out.exists()


def test_batch_with_an_input_format_reports_each_item(runner, tmp_path):
    ready = tmp_path / "in"
    ready.mkdir()
    (ready / "a.json").write_text(json.dumps(load(READY_EXAMPLE)))
    (ready / "b.json").write_text(json.dumps({"not": "a passport"}))
    result = runner.invoke(main, ["batch", str(ready), "--input-format", "batterypass-ready", "--out", str(tmp_path / "out"), "--json", "-j", "1"])
    assert result.exit_code == 1
    summary = json.loads(result.output)
    assert summary["failed"] == 2
    by_source = {f["source"]: f for f in summary["failures"]}
    assert any("$.manufacturer.address" in str(p) for p in by_source["a.json"]["problems"])
    assert "is not a batterypass-ready document" in str(by_source["b.json"]["problems"])



def test_build_draft_from_an_import_that_lacks_data_points_lists_them(runner, tmp_path):
    credential = json.dumps(passport_credential(build_passport(load(FIXTURES / "ev-pack.json"))))
    exported = runner.invoke(main, ["convert", "-", "--from", "native", "--to", "batterypass-ready", "--json"], input=credential)
    assert exported.exit_code == 0, exported.output
    ready = json.dumps(json.loads(exported.stdout)["document"])
    out = tmp_path / "out"
    result = runner.invoke(main, ["build", "-", "--input-format", "batterypass-ready", "--draft", "--out", str(out), "--json"], input=ready)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["draft"] is True and report["signed"] is False
    assert "$.conformity.declarationOfConformityId" in [p["path"] for p in report["missing"]]
    assert report["conversion"]["from"] == "batterypass-ready" and report["conversion"]["losses"]
    assert [path.name for path in out.iterdir()] == [report["files"]["draft"].rsplit("/", 1)[1]]
    refused = runner.invoke(main, ["build", "-", "--input-format", "batterypass-ready", "--out", str(tmp_path / "no")], input=ready)
    assert refused.exit_code == 1 and not (tmp_path / "no").exists()
    # Build data that is not whole (no manufacturer address) is refused even as a draft.
    example = runner.invoke(main, ["build", str(READY_EXAMPLE), "--input-format", "batterypass-ready", "--draft", "--out", str(out)])
    assert example.exit_code == 1 and "$.manufacturer.address" in example.stderr


def test_a_battery_pass_export_into_a_used_directory_leaves_no_other_batterys_submodels(runner, tmp_path):
    """Reading the directory back must give this battery, not a merge with an earlier export (review)."""
    from batterypass.formats import battery_pass_12

    out = tmp_path / "bp"
    out.mkdir()
    for submodel in battery_pass_12.SUBMODELS:
        (out / f"{submodel}.json").write_text("{}")
    passport = tmp_path / "passport.json"
    document = passport_credential(build_passport(load(FIXTURES / "lmt-ebike.json")))
    passport.write_text(json.dumps(document))
    assert runner.invoke(main, ["convert", str(passport), "--from", "native", "--to", "battery-pass-1.2", "--out", str(out)]).exit_code == 0
    written = {p.stem for p in out.glob("*.json")}
    assert written == set(json.loads(runner.invoke(main, ["convert", str(passport), "--from", "native", "--to", "battery-pass-1.2"]).stdout))
