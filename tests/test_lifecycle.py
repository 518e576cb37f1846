"""A passport's life through the CLI: build, updates, second life, waste, recycled, and the history.

The dates lie years ahead of the test machine's clock, as a battery's life does: versions are
issued with --issued-at and the history is judged with --at.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from batterypass.cli import main
from batterypass.issuing.issuance import passport_file_stem

from conftest import DEMO, FIXTURES, SHARED, issue_and_update, load

MAKER_KEY = DEMO / "issuer-ed25519" / "private.pem"
REVOLT = "LEI:724500ABCDEFGHIJ0K18"  # the repurposer of build-data.second-life.json
PRO = "LEI:98450000BATTERYPRO1"



def full_versions(entry: dict) -> list[dict]:
    """A history entry's full credentials, one per version (the audience views are listed beside them)."""
    return [v for v in entry["versions"] if v["audience"] is None]


def full_credential_files(directory: Path, pattern: str = "*.json") -> list[Path]:
    """The full credentials in ``directory``: not the audience views ``<stem>.<audience>.json`` written beside them."""
    views = (".public.json", ".legitimate-interest.json", ".authority.json")
    return sorted(p for p in directory.glob(pattern) if not p.name.endswith(views))


def run(runner, *args, code=0):
    # The life is played out in years to come: every --issued-at here is meant to be in the future.
    extra = ["--allow-future"] if "--issued-at" in args else []
    result = runner.invoke(main, [str(a) for a in args] + extra, catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


def run_json(runner, *args, code=0):
    return json.loads(run(runner, *args, "--json", code=code).stdout)


def second_life_data() -> dict:
    """The repurposer's example build data, with what the current build model does not read yet left out."""
    data = load(SHARED / "examples" / "build-data.second-life.json")
    allowed = {"circularity": ("componentPartNumbers", "safetyMeasuresUrl"), "conformity": ("declarationOfConformityId", "markings"),
               "performance": ("cycleLifeCRate", "cycleLifeReferenceTest", "expectedLifetimeYears", "powerLimits",
                               "roundTripEfficiencyAt50PercentCycleLifePercent", "selfDischargeRatePercentPerMonth")}
    from batterypass.model.build_data import BuildData
    for section, names in allowed.items():
        model = BuildData.model_fields[section].annotation.__args__[0]
        for name in names:
            if name not in model.model_fields:
                data[section].pop(name, None)
    if "ratedEnergyKWh" not in BuildData.model_fields["battery"].annotation.model_fields:
        data["battery"].pop("ratedEnergyKWh")
    data["carbonFootprint"].setdefault("performanceClass", "B")
    return data


def state_of_health(recorded_at: str, soce: float, cycles: int) -> dict:
    change = load(SHARED / "examples" / "update.state-of-health.json")
    change["recordedAt"] = recorded_at
    change["dynamic"].update(stateOfCertifiedEnergyPercent=soce, fullCycles=cycles)
    return change


@pytest.fixture(scope="module")
def life(tmp_path_factory):
    """The whole life: EV pack built 2027, three updates, made with a second pack into stationary
    storage by a repurposer in 2031, which becomes waste and is recycled."""
    from click.testing import CliRunner

    runner = CliRunner()
    root = tmp_path_factory.mktemp("life")
    trust = root / "trust"
    shutil.copytree(DEMO / "trust", trust)
    for name, issuer, operator in (("revolt", "did:web:revolt-storage.example", REVOLT),
                                   ("pro", "did:web:battery-pro.example", PRO),
                                   ("intruder", "did:web:intruder.example", "LEI:9845001NTRUDER00042")):
        run(runner, "keygen", "--out", root / name, "--issuer", issuer, "--operator", operator)
        shutil.copy(root / name / "did.json", trust / f"{name}.did.json")
    repurposer_key = root / "revolt" / "private.pem"

    ev, ev2, storage = root / "ev", root / "ev2", root / "storage"
    first = run_json(runner, "build", FIXTURES / "ev-pack.json", "--out", ev, "--key", MAKER_KEY, "--issued-at", "2027-09-01T08:00:00Z")
    other = load(FIXTURES / "ev-pack.json")
    other["battery"]["serialNumber"] = "P90-2027-004712"
    (root / "ev2.json").write_text(json.dumps(other))
    second = run_json(runner, "build", root / "ev2.json", "--out", ev2, "--key", MAKER_KEY, "--issued-at", "2027-09-02T08:00:00Z")
    current = Path(first["files"]["passport"])
    for year, soce, cycles in ((2028, 98.5, 110), (2029, 96.5, 310), (2030, 93.0, 520)):
        change = root / f"soh-{year}.json"
        change.write_text(json.dumps(state_of_health(f"{year}-03-01T10:00:00Z", soce, cycles)))
        summary = run_json(runner, "update", current, "--data", change, "--key", MAKER_KEY, "--out", ev,
                           "--issued-at", f"{year}-03-02T00:00:00Z")
        current = Path(summary["files"]["passport"])
    (root / "second-life.json").write_text(json.dumps(second_life_data()))
    made = run_json(runner, "second-life", current, second["files"]["passport"], "--data", root / "second-life.json",
                    "--key", repurposer_key, "--out", storage, "--issued-at", "2031-04-01T00:00:00Z")
    # Waste: responsibility passes to the repurposer's producer responsibility organisation,
    # which signs the transfer (as incoming operator, Art. 77(8)) and the final version.
    waste = run_json(runner, "end-of-life", made["files"]["passport"], "--status", "waste", "--key", root / "pro" / "private.pem",
                     "--operator", PRO, "--operator-name", "Battery PRO", "--operator-role", "producer-responsibility-organisation",
                     "--out", storage, "--issued-at", "2040-05-01T00:00:00Z")
    recycled = run_json(runner, "end-of-life", waste["files"]["passport"], "--status", "recycled", "--key",
                        root / "pro" / "private.pem", "--out", storage, "--issued-at", "2040-09-01T00:00:00Z")
    return {"root": root, "trust": trust, "runner": runner, "ev": ev, "ev2": ev2, "storage": storage, "first": first,
            "second": second, "made": made, "recycled": recycled, "repurposer_key": repurposer_key}


def history(life, *paths, code=0, at="2041-01-01T00:00:00Z"):
    return run_json(life["runner"], "history", *paths, "--trust", life["trust"], "--at", at, code=code)


def test_the_whole_life_is_valid(life):
    report = history(life, life["ev"], life["ev2"], life["storage"])
    assert report["status"] == "valid", report
    by_id = {p["passportId"]: p for p in report["passports"]}
    ev = by_id[life["first"]["passportId"]]
    assert ev["currentVersion"] == 5 and ev["status"] == "valid"
    assert [v["version"] for v in full_versions(ev)] == [1, 2, 3, 4, 5]
    assert [v["superseded"] for v in full_versions(ev)] == [True, True, True, True, False]
    assert all(v["status"] == "valid" for v in full_versions(ev))
    assert full_versions(ev)[-1]["batteryStatus"] == "repurposed"
    assert by_id[life["second"]["passportId"]]["currentVersion"] == 2
    storage = by_id[life["made"]["passportId"]]
    assert storage["currentVersion"] == 3 and storage["ceased"]
    assert [v["changes"] for v in full_versions(storage)] == [["responsibility"], ["status", "responsibility"], ["ceased"]]
    assert [v["operator"] for v in full_versions(storage)] == [REVOLT, PRO, PRO]
    assert [v["issuer"] for v in full_versions(storage)] == ["did:web:revolt-storage.example"] + ["did:web:battery-pro.example"] * 2
    # The originals' status change is the repurposer's: responsibility passed to it (Art. 77(7)).
    assert [v["operator"] for v in full_versions(ev)][-1] == REVOLT


def test_history_says_who_signed_for_whom(life):
    result = run(life["runner"], "history", life["storage"], "--trust", life["trust"], "--at", "2041-01-01T00:00:00Z")
    assert f"signed by did:web:battery-pro.example for operator {PRO}" in result.stdout
    # Issued in 2031, so not yet valid by this machine's clock (exit 8); -v shows who signed all the same.
    verdict = run(life["runner"], "verify", "-v", life["made"]["files"]["passport"], "--trust", life["trust"], code=8)
    assert f"signed by did:web:revolt-storage.example for operator {REVOLT}" in verdict.stdout


def test_a_version_signed_by_an_operator_not_responsible_is_refused(life, tmp_path):
    """The intruder's key is trusted (for its own company), but the passport is the repurposer's."""
    storage = copy_of(life, tmp_path, "storage")
    for later in sorted(storage.glob("*.v*.json")):
        later.unlink()
    change = tmp_path / "soh.json"
    change.write_text(json.dumps(state_of_health("2032-01-01T00:00:00Z", 90.0, 100)))
    run(life["runner"], "update", storage / Path(life["made"]["files"]["passport"]).name, "--data", change, "--key",
        life["root"] / "intruder" / "private.pem", "--out", storage, "--issued-at", "2032-01-02T00:00:00Z")
    report = history(life, storage, code=3)
    assert report["status"] == "unknown-issuer"
    assert any(f"may sign for LEI:9845001NTRUDER00042, not for {REVOLT}" in r for r in report["passports"][0]["reasons"])
    # Before waste, the producer responsibility organisation is not responsible either.
    pro_storage = copy_of(life, tmp_path / "pro", "storage")
    for later in sorted(pro_storage.glob("*.v*.json")):
        later.unlink()
    change.write_text(json.dumps(state_of_health("2032-01-01T00:00:00Z", 90.0, 100)))
    run(life["runner"], "update", pro_storage / Path(life["made"]["files"]["passport"]).name, "--data", change, "--key",
        life["root"] / "pro" / "private.pem", "--out", pro_storage, "--issued-at", "2032-01-02T00:00:00Z")
    assert history(life, pro_storage, code=3)["status"] == "unknown-issuer"


def test_versions_keep_the_passport_id_and_get_their_own(life):
    files = full_credential_files(life["ev"])
    credentials = [json.loads(f.read_text()) for f in files]
    assert {c["credentialSubject"]["id"] for c in credentials} == {life["first"]["passportId"]}
    assert len({c["id"] for c in credentials}) == len(files) == 5
    v2 = json.loads((life["ev"] / f"{passport_file_stem(life['first']['passportId'], 2)}.json").read_text())
    link = v2["credentialSubject"]["lifecycle"]["supersedes"]
    assert link["id"] == life["first"]["passportId"] and link["digestSRI"].startswith("sha256-")
    assert v2["credentialSubject"]["lifecycle"]["conditionRecords"][0]["source"] == "bms"


def test_each_update_states_the_latest_condition_as_the_batterys(life):
    """Annex XIII point 4 is the condition now: batteryCondition follows the records, version by version."""
    first = json.loads(Path(life["first"]["files"]["passport"]).read_text())["credentialSubject"]
    assert first["performanceAndDurability"]["batteryCondition"]["source"] == "placing-on-market"
    for number, (soce, cycles) in zip((2, 3, 4), ((98.5, 110), (96.5, 310), (93.0, 520))):
        subject = json.loads((life["ev"] / f"{passport_file_stem(life['first']['passportId'], number)}.json").read_text())["credentialSubject"]
        condition = subject["performanceAndDurability"]["batteryCondition"]
        record = subject["lifecycle"]["conditionRecords"][-1]
        assert (condition["stateOfCertifiedEnergyPercent"], condition["fullCycles"], condition["source"]) == (soce, cycles, "bms")
        assert condition["recordedAt"] == record["recordedAt"]
        # The record keeps what the BMS sent; the condition leaves out what the guidance says
        # not to fill for an EV battery (data point 62, remaining capacity).
        assert "remainingCapacityAh" in record and "remainingCapacityAh" not in condition
        assert all(condition[k] == v for k, v in record.items() if k != "remainingCapacityAh")


def test_second_life_links_to_both_originals(life):
    made = json.loads(Path(life["made"]["files"]["passport"]).read_text())
    lifecycle = made["credentialSubject"]["lifecycle"]
    assert {o["passportId"] for o in lifecycle["originalPassports"]} == {life["first"]["passportId"], life["second"]["passportId"]}
    assert {o["operation"] for o in lifecycle["originalPassports"]} == {"repurposing"}
    assert "Art. 77(7)" in lifecycle["responsibilityArticle"]
    assert made["issuer"]["id"] == "did:web:revolt-storage.example"
    assert {o["passportId"] for o in life["made"]["originals"]} == {life["first"]["passportId"], life["second"]["passportId"]}


def copy_of(life, tmp_path, name="ev"):
    target = tmp_path / name
    shutil.copytree(life[name], target)
    return target


def test_a_removed_version_is_a_gap(life, tmp_path):
    ev = copy_of(life, tmp_path)
    (ev / f"{passport_file_stem(life['first']['passportId'], 3)}.json").unlink()
    report = history(life, ev, code=1)
    assert report["status"] == "invalid"
    assert any("version 3 is missing" in r for r in report["passports"][0]["reasons"])


def test_an_altered_version_is_caught_by_its_signature_and_its_successor(life, tmp_path):
    ev = copy_of(life, tmp_path)
    path = ev / f"{passport_file_stem(life['first']['passportId'], 2)}.json"
    document = json.loads(path.read_text())
    document["credentialSubject"]["lifecycle"]["conditionRecords"][0]["fullCycles"] = 3
    path.write_text(json.dumps(document))
    reasons = history(life, ev, code=1)["passports"][0]["reasons"]
    assert any("signature" in r for r in reasons), reasons


def test_a_re_signed_version_breaks_the_digest_link(life, tmp_path):
    """A version replaced by another signed one (valid on its own) no longer matches its successor's link."""
    ev = copy_of(life, tmp_path)
    runner = life["runner"]
    stem = passport_file_stem(life["first"]["passportId"], 2)
    (ev / f"{stem}.json").unlink()
    change = tmp_path / "other.json"
    change.write_text(json.dumps(state_of_health("2028-03-01T10:00:00Z", 50.0, 9999)))
    run(runner, "update", ev / f"{passport_file_stem(life['first']['passportId'])}.json", "--data", change, "--key", MAKER_KEY,
        "--out", ev, "--issued-at", "2028-03-02T00:00:00Z")
    reasons = history(life, ev, code=1)["passports"][0]["reasons"]
    assert any("digest differs" in r for r in reasons), reasons


def test_two_versions_with_one_number_are_a_fork(life, tmp_path):
    ev = copy_of(life, tmp_path)
    fork = tmp_path / "fork"
    change = tmp_path / "other.json"
    change.write_text(json.dumps(state_of_health("2028-04-01T10:00:00Z", 97.0, 120)))
    run(life["runner"], "update", ev / f"{passport_file_stem(life['first']['passportId'])}.json", "--data", change,
        "--key", MAKER_KEY, "--out", fork, "--issued-at", "2028-04-02T00:00:00Z")
    reasons = history(life, ev, *fork.glob("*.json"), code=1)["passports"][0]["reasons"]
    assert any("version 2 exists as different credentials" in r for r in reasons), reasons


def test_updating_a_superseded_version_is_refused(life, tmp_path):
    ev = copy_of(life, tmp_path)
    change = tmp_path / "late.json"
    change.write_text(json.dumps(state_of_health("2030-06-01T10:00:00Z", 90.0, 600)))
    result = run(life["runner"], "update", ev / f"{passport_file_stem(life['first']['passportId'], 2)}.json", "--data", change,
                 "--key", MAKER_KEY, "--out", ev, "--issued-at", "2030-06-02T00:00:00Z", code=1)
    assert "version 3 already exists" in result.stderr


def test_nothing_follows_recycled(life, tmp_path):
    storage = copy_of(life, tmp_path, "storage")
    change = tmp_path / "after.json"
    change.write_text(json.dumps(state_of_health("2040-10-01T10:00:00Z", 10.0, 5000)))
    result = run(life["runner"], "update", life["recycled"]["files"]["passport"], "--data", change, "--key",
                 life["repurposer_key"], "--out", storage, "--issued-at", "2040-10-02T00:00:00Z", code=1)
    assert "ceased" in result.stderr
    assert len(full_credential_files(storage)) == 3


def test_a_record_in_the_future_is_refused(life, tmp_path):
    change = tmp_path / "future.json"
    change.write_text(json.dumps(state_of_health("2031-04-30T23:00:00Z", 90.0, 600)))
    current = life["ev2"] / f"{passport_file_stem(life['second']['passportId'], 2)}.json"
    out = tmp_path / "out"
    result = run(life["runner"], "update", current, "--data", change, "--key", MAKER_KEY, "--out", out,
                 "--issued-at", "2031-05-01T00:00:00Z")  # fine: issued after the record
    result = run(life["runner"], "update", current, "--data", change, "--key", MAKER_KEY, "--out", tmp_path / "o2", code=1)
    assert "$.recordedAt" in result.stderr and "in the future" in result.stderr


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"recordedAt": "2031-01-01T00:00:00Z", "status": "re-used"}, "$"),  # a status change needs a reason
        ({"recordedAt": "2031-01-01T00:00:00Z", "source": "bms", "dynamic": {"fullCycles": -1}}, "$.dynamic.fullCycles"),
        ({"recordedAt": "2031-01-01", "source": "bms", "dynamic": {}}, "$.recordedAt"),
        ({"recordedAt": "2031-01-01T00:00:00Z", "corrections": {"id": "urn:uuid:x"}, "reason": "typo"}, "$.corrections.id"),
        ({"recordedAt": "2031-01-01T00:00:00Z", "status": "waste", "reason": "broken"}, "$.status"),
        # Responsibility and status do not move by a correction (review): end-of-life, second-life, status do.
        ({"recordedAt": "2031-01-01T00:00:00Z", "reason": "typo", "corrections": {"generalProductInformation": {
            "responsibleOperator": {"identifier": "LEI:9845001NTRUDER00042", "name": "Intruder", "role": "producer"}}}},
         "$.corrections.generalProductInformation"),
        ({"recordedAt": "2031-01-01T00:00:00Z", "reason": "typo", "corrections": {"generalProductInformation": {"batteryStatus": "waste"}}},
         "$.corrections.generalProductInformation.batteryStatus"),
    ],
)
def test_bad_changes_name_the_field_and_write_nothing(life, tmp_path, change, path):
    data = tmp_path / "change.json"
    data.write_text(json.dumps(change))
    out = tmp_path / "out"
    result = run(life["runner"], "update", life["second"]["files"]["passport"], "--data", data, "--key", MAKER_KEY,
                 "--out", out, "--issued-at", "2031-05-01T00:00:00Z", "--json", code=1)
    assert path in {p["path"] for p in json.loads(result.stdout)["problems"]}
    assert not out.exists() or not list(out.iterdir())


def test_a_correction_is_a_version_with_its_reason(life, tmp_path):
    data = tmp_path / "fix.json"
    data.write_text(json.dumps({"recordedAt": "2031-01-01T00:00:00Z", "reason": "warranty misprinted",
                                "corrections": {"generalProductInformation": {"warrantyPeriod": 9}}}))
    summary = run_json(life["runner"], "update", life["second"]["files"]["passport"], "--data", data, "--key", MAKER_KEY,
                       "--out", tmp_path, "--issued-at", "2031-01-02T00:00:00Z")
    subject = json.loads(Path(summary["files"]["passport"]).read_text())["credentialSubject"]
    assert subject["generalProductInformation"]["warrantyPeriod"] == 9
    assert subject["lifecycle"]["changes"] == ["correction"] and subject["lifecycle"]["reason"] == "warranty misprinted"


def test_a_remanufactured_battery_with_the_originals_gtin_and_serial_gets_a_new_id(life, tmp_path):
    original = load(FIXTURES / "ev-pack.json")
    data = dict(original, battery=dict(original["battery"], status="remanufactured", placedOnMarketDate="2031-06-01",
                                      manufacturingDate="2031-05"))
    build = tmp_path / "reman.json"
    build.write_text(json.dumps(data))
    stale = run(life["runner"], "second-life", life["second"]["files"]["passport"], "--data", build, "--key", MAKER_KEY,
                "--out", tmp_path / "stale", "--issued-at", "2031-06-01T00:00:00Z", code=1)
    assert "name the current version" in stale.stderr and not (tmp_path / "stale").exists()  # nothing written
    ev2 = copy_of(life, tmp_path, "ev2")
    made = run_json(life["runner"], "second-life", ev2 / f"{passport_file_stem(life['second']['passportId'], 2)}.json", "--data", build, "--key", MAKER_KEY,
                    "--out", tmp_path / "reman", "--issued-at", "2031-06-01T00:00:00Z")
    assert made["passportId"] not in (life["first"]["passportId"], life["second"]["passportId"])
    subject = json.loads(Path(made["files"]["passport"]).read_text())["credentialSubject"]
    assert subject["lifecycle"]["originalPassports"][0]["operation"] == "remanufacturing"


def test_a_second_life_link_to_an_altered_original_is_caught(life, tmp_path):
    ev2 = copy_of(life, tmp_path, "ev2")
    # A passport with a life is not rebuilt over its first version: changes are versions.
    refused = run(life["runner"], "build", life["root"] / "ev2.json", "--out", ev2, "--key", MAKER_KEY, code=1)
    assert "already has later versions" in refused.stderr
    # The original's version 1 replaced by another validly signed one (issued at another time).
    run(life["runner"], "build", life["root"] / "ev2.json", "--out", tmp_path / "again", "--key", MAKER_KEY,
        "--issued-at", "2027-09-03T08:00:00Z", "--no-qr")
    shutil.copy(tmp_path / "again" / f"{passport_file_stem(life['second']['passportId'])}.json", ev2)
    report = history(life, ev2, life["storage"], code=1)
    storage = next(p for p in report["passports"] if p["passportId"] == life["made"]["passportId"])
    assert any(f"the original {life['second']['passportId']}" in r and "digest differs" in r for r in storage["reasons"]), storage


def write(path: Path, data: dict) -> Path:
    path.write_text(json.dumps(data))
    return path


def test_keygen_lists_operators_in_the_did_document(life, tmp_path):
    summary = run_json(life["runner"], "keygen", "--out", tmp_path / "k", "--issuer", "did:web:x.example",
                       "--operator", "LEI:5299001ABCDEFGHIJK06", "--operator", "GLN:4012345000009")
    assert summary["operators"] == ["LEI:5299001ABCDEFGHIJK06", "GLN:4012345000009"]
    document = json.loads((tmp_path / "k" / "did.json").read_text())
    assert document["alsoKnownAs"] == ["urn:batterypass:operator:LEI:5299001ABCDEFGHIJK06", "urn:batterypass:operator:GLN:4012345000009"]
    assert "blanks" in run(life["runner"], "keygen", "--out", tmp_path / "k2", "--operator", " LEI:1", code=1).stderr
    assert not (tmp_path / "k2").exists()


def test_a_trust_document_with_bad_also_known_as_is_refused(life, tmp_path):
    document = json.loads((life["trust"] / "revolt.did.json").read_text())
    document["alsoKnownAs"] = "LEI:1"
    write(tmp_path / "bad.did.json", document)
    result = run(life["runner"], "verify", life["made"]["files"]["passport"], "--trust", tmp_path / "bad.did.json", code=2)
    assert "$.alsoKnownAs" in result.stderr


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["update", "{passport}", "--data", "{garbage}", "--key", MAKER_KEY, "--out", "{out}"], 1, "malformed JSON"),
        (["update", "{garbage}", "--data", "{change}", "--key", MAKER_KEY, "--out", "{out}"], 1, "malformed JSON"),
        (["update", "{passport}", "--data", "{list}", "--key", MAKER_KEY, "--out", "{out}"], 1, "must be a JSON object"),
        (["end-of-life", "{passport}", "--status", "waste", "--operator", "X", "--key", MAKER_KEY, "--out", "{out}"], 2, "--operator-name"),
        (["end-of-life", "{passport}", "--status", "recycled", "--operator", "X", "--operator-name", "Y", "--operator-role", "producer",
          "--key", MAKER_KEY, "--out", "{out}"], 2, "at waste"),
        (["history", "{out}", "--trust", "{garbage}"], 2, "malformed JSON"),
        (["history", "{passport}", "--trust", DEMO / "trust", "--at", "yesterday"], 2, "--at"),
        (["history", "{garbage}", "--trust", DEMO / "trust"], 1, "malformed JSON"),
        (["second-life", "{passport}", "--data", "{change}", "--key", MAKER_KEY, "--out", "{out}"], 1, "$.battery"),
        (["status-list", "create", "--purpose", "revocation", "--url", "https://x.example/1", "--size", "999999999",
          "--key", MAKER_KEY, "--out", "{out}/l.json"], 2, "--size"),
        (["revoke", "{passport}", "--list", "{change}", "--key", MAKER_KEY], 1, "revocation list"),
    ],
)
def test_bad_input_gives_a_message_and_an_exit_code(life, tmp_path, args, code, says):
    places = {"passport": life["second"]["files"]["passport"], "out": tmp_path / "out",
              "garbage": write_text(tmp_path / "garbage.json", "{not json"), "list": write(tmp_path / "list.json", []),
              "change": write(tmp_path / "change.json", state_of_health("2031-01-01T00:00:00Z", 90.0, 1))}
    (tmp_path / "out").mkdir()
    result = life["runner"].invoke(main, [str(a).format(**places) for a in args])
    assert result.exit_code == code, result.output
    assert says in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not [p for p in (tmp_path / "out").iterdir()]


def write_text(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_an_outgoing_operators_countersignature_is_shown(life, tmp_path):
    storage = copy_of(life, tmp_path, "storage")
    waste = storage / f"{passport_file_stem(life['made']['passportId'], 2)}.json"
    runner = life["runner"]
    written = run_json(runner, "countersign", waste, "--key", life["repurposer_key"], "--out", storage,
                       "--issued-at", "2040-05-02T00:00:00Z")["files"]["countersignature"]
    intruder = tmp_path / "intruder"
    run(runner, "countersign", waste, "--key", life["root"] / "intruder" / "private.pem", "--out", intruder, "--issued-at", "2040-05-02T00:00:00Z")
    report = history(life, storage, *intruder.glob("*.json"))
    assert report["status"] == "valid"  # a countersignature is welcome, never required
    (version,) = [v for v in full_versions(report["passports"][0]) if v["version"] == 2]
    shown = {c["issuer"]: c for c in version["countersignatures"]}
    assert shown["did:web:revolt-storage.example"]["accepted"] and shown["did:web:revolt-storage.example"]["file"] == written
    assert shown["did:web:revolt-storage.example"]["detail"] == f"countersigned by did:web:revolt-storage.example for operator {REVOLT} (outgoing)"
    assert not shown["did:web:intruder.example"]["accepted"]
    text = run(runner, "history", storage, "--trust", life["trust"], "--at", "2041-01-01T00:00:00Z").stdout
    assert f"countersigned by did:web:revolt-storage.example for operator {REVOLT} (outgoing)" in text
    # Only a transfer of responsibility is countersigned.
    refused = run(runner, "countersign", storage / f"{passport_file_stem(life['made']['passportId'], 3)}.json", "--key",
                  life["repurposer_key"], "--out", storage, code=1)
    assert "not a transfer of responsibility" in refused.stderr


def test_history_text_shows_escapes_from_a_forged_version_never_obeys_them(life, tmp_path):
    forged = tmp_path / "forged"
    forged.mkdir()
    original = Path(life["made"]["files"]["passport"])
    document = json.loads(original.read_text())
    document["issuer"] = {"id": "did:web:evil.example\x1b[2K\r\x1b[32mVALID\u202e", "name": "x"}
    document["credentialSubject"]["lifecycle"] = {"bogus": "\x1b]0;title\x07"}
    (forged / original.name).write_text(json.dumps(document))
    result = life["runner"].invoke(main, ["history", str(forged), "--trust", str(life["trust"]), "--at", "2041-01-01T00:00:00Z"])
    assert result.exit_code != 0 and result.output
    assert not any(ord(char) < 32 and char != "\n" for char in result.output) and "\u202e" not in result.output


def test_negative_events_add_up_and_a_later_record_never_takes_them_away(tmp_path):
    """An accident stays in the passport's condition when the next nightly record (cycles only)
    comes in; a second event joins it; the same event reported again is not doubled. Every
    record keeps what it stated."""
    crash = {"kind": "accident", "date": "2027-12-20", "description": "rear impact, housing dented"}
    flood = {"kind": "water ingress", "date": "2028-03-02", "description": "parked in a flooded garage"}
    changes = [
        {"recordedAt": "2028-01-01T00:00:00Z", "source": "service", "dynamic": {"negativeEvents": [crash]}},
        {"recordedAt": "2028-02-01T00:00:00Z", "source": "bms", "dynamic": {"fullCycles": 50}},
        {"recordedAt": "2028-03-05T00:00:00Z", "source": "service", "dynamic": {"negativeEvents": [crash, flood]}},
    ]
    versions = issue_and_update(tmp_path, changes)
    conditions = [v.document["credentialSubject"]["performanceAndDurability"]["batteryCondition"] for v in versions[1:]]
    assert [c["negativeEvents"] for c in conditions] == [[crash], [crash], [crash, flood]]
    assert conditions[1]["fullCycles"] == 50 == conditions[2]["fullCycles"]
    records = versions[-1].document["credentialSubject"]["lifecycle"]["conditionRecords"]
    assert records[-1]["negativeEvents"] == [crash, flood]
