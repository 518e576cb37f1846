"""A fleet's nightly update: one change per passport, in bulk, resumable like batch."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

from batterypass.cli import main
from batterypass.issuing.issuance import passport_file_stem

from conftest import DEMO, FIXTURES, load

#: Last night, by this machine's clock: a record may not lie in the future.
LAST_NIGHT = (datetime.now(timezone.utc) - timedelta(hours=12)).replace(microsecond=0).isoformat()
KEY = DEMO / "issuer-ed25519" / "private.pem"
CLI = [sys.executable, "-c", "from batterypass.cli import main; main()"]


def fleet(runner, tmp_path, count):
    base = load(FIXTURES / "ev-pack.json")
    with (tmp_path / "fleet.jsonl").open("w") as fh:
        for n in range(count):
            item = json.loads(json.dumps(base))
            item["battery"]["serialNumber"] = f"FLEET-{n:05d}"
            fh.write(json.dumps(item) + "\n")
    result = runner.invoke(main, ["batch", str(tmp_path / "fleet.jsonl"), "--out", str(tmp_path / "out"), "--no-qr", "--key", str(KEY),
                                  "-j", "1", "--json"])
    assert result.exit_code == 0, result.output
    ids = [json.loads(line)["passportId"] for line in (tmp_path / "out" / "batch-report.jsonl").read_text().splitlines()]
    changes = tmp_path / "nightly.jsonl"
    with changes.open("w") as fh:
        for n, passport_id in enumerate(ids):
            fh.write(json.dumps({"passportId": passport_id, "recordedAt": LAST_NIGHT, "source": "bms",
                                 "dynamic": {"fullCycles": n, "stateOfChargePercent": 50.0}}) + "\n")
    return ids, changes


def test_nightly_update_then_rerun_skips(runner, tmp_path):
    ids, changes = fleet(runner, tmp_path, 12)
    with changes.open("a") as fh:
        fh.write(json.dumps({"passportId": ids[0], "recordedAt": LAST_NIGHT, "source": "bms", "dynamic": {}}) + "\n")
        fh.write(json.dumps({"passportId": "urn:uuid:00000000-0000-0000-0000-000000000000", "recordedAt": LAST_NIGHT,
                             "source": "bms", "dynamic": {}}) + "\n")
        fh.write(json.dumps({"recordedAt": LAST_NIGHT}) + "\n")
        fh.write(json.dumps({"passportId": ids[1][:-1], "recordedAt": 5}) + "\n")
    result = runner.invoke(main, ["update-batch", str(changes), "--out", str(tmp_path / "out"), "--key", str(KEY), "-j", "2", "--json"])
    assert result.exit_code == 1, result.output
    summary = json.loads(result.stdout)
    assert (summary["ok"], summary["failed"], summary["skipped"]) == (12, 4, 0)
    errors = {f["source"].rsplit(":", 1)[1]: f for f in summary["failures"]}
    assert "one change per passport" in errors["13"]["error"]
    assert "no passport" in errors["14"]["error"]
    assert errors["15"]["problems"][0]["path"] == "$.passportId"
    assert len(list((tmp_path / "out").glob("*.v2.json"))) == 12
    lost_view = sorted((tmp_path / "out").glob("*.v2.public.json"))[0]
    lost_view.unlink()  # as a run killed between a version and its views leaves it
    again = json.loads(runner.invoke(main, ["update-batch", str(changes), "--out", str(tmp_path / "out"), "--key", str(KEY), "--json"]).stdout)
    assert (again["ok"], again["skipped"]) == (0, 12)
    assert lost_view.exists()
    assert not list((tmp_path / "out").glob("*.v3.json"))
    history = runner.invoke(main, ["history", str(tmp_path / "out"), "--trust", str(DEMO / "trust"), "--json"])
    assert history.exit_code == 0, history.output
    assert {p["currentVersion"] for p in json.loads(history.stdout)["passports"]} == {2}


def test_a_killed_nightly_update_resumes_without_forks(runner, tmp_path):
    ids, changes = fleet(runner, tmp_path, 300)
    command = [*CLI, "update-batch", str(changes), "--out", str(tmp_path / "out"), "--key", str(KEY), "-j", "2", "--json"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while len(list((tmp_path / "out").glob("*.v2.json"))) < 30 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert 0 < len(list((tmp_path / "out").glob("*.v2.json"))) < 300, "the run was to be killed mid-way"
    assert subprocess.run(command, stdout=subprocess.DEVNULL, timeout=300).returncode == 0
    assert len(list((tmp_path / "out").glob("*.v2.json"))) == 300
    assert all(len(list((tmp_path / "out").glob(f"*.v2.{audience}.json"))) == 300 for audience in ("public", "legitimate-interest", "authority"))
    assert not list((tmp_path / "out").glob("*.v3.json")) and not list((tmp_path / "out").glob(".*.tmp"))


def test_a_disk_error_or_a_bug_fails_its_item_and_the_rest_go_on(runner, tmp_path, monkeypatch):
    from batterypass.issuing import lifecycle

    ids, changes = fleet(runner, tmp_path, 3)
    real = lifecycle.write_passport

    def failing(passport, *args, **kwargs):
        if passport.id == ids[0]:
            raise OSError(28, "No space left on device", str(tmp_path / "out" / "x.json"))
        if passport.id == ids[1]:
            raise RuntimeError("a bug")
        return real(passport, *args, **kwargs)

    monkeypatch.setattr(lifecycle, "write_passport", failing)
    result = runner.invoke(main, ["update-batch", str(changes), "--out", str(tmp_path / "out"), "--key", str(KEY), "-j", "1", "--json"])
    summary = json.loads(result.stdout)
    assert result.exit_code == 1 and (summary["ok"], summary["failed"]) == (1, 2)
    errors = [failure["error"] for failure in summary["failures"]]
    assert "cannot write" in errors[0] and "No space left on device" in errors[0]
    assert "internal error" in errors[1] and "RuntimeError: a bug" in errors[1]


def _subject(path):
    return json.loads(path.read_text())["credentialSubject"]


def _rewrite_subject(path, change):
    document = json.loads(path.read_text())
    change(document["credentialSubject"])
    path.write_text(json.dumps(document))


def test_a_version_another_tool_wrote_is_updated_as_its_model_reads(runner, tmp_path):
    """A stored passport that leaves defaults out and spells absent members as null (as another
    tool may write it) is the same passport to the model: its next version is the same."""
    ids, changes = fleet(runner, tmp_path, 1)
    plain = tmp_path / "plain"
    shutil.copytree(tmp_path / "out", plain)

    def as_another_tool_writes_it(subject):
        for name in ("type", "passportVersion"):
            del subject[name]
        del subject["generalProductInformation"]["voluntary"]
        subject["lifecycle"] = None
        condition = subject["performanceAndDurability"]["batteryCondition"]
        del condition["negativeEvents"]
        condition["stateOfChargePercent"] = None  # the change states it
        condition["remainingCapacityAh"] = None  # the change leaves it absent

    first = tmp_path / "out" / f"{passport_file_stem(ids[0])}.json"
    _rewrite_subject(first, as_another_tool_writes_it)
    for directory in (tmp_path / "out", plain):
        result = runner.invoke(main, ["update-batch", str(changes), "--out", str(directory), "--key", str(KEY), "--json"])
        assert result.exit_code == 0, result.output
    new, expected = (_subject(d / f"{passport_file_stem(ids[0], 2)}.json") for d in (tmp_path / "out", plain))
    for subject in (new, expected):  # each pins the bytes of the version it follows, which differ
        del subject["lifecycle"]["supersedes"]["digestSRI"]
    assert new == expected
    assert new["performanceAndDurability"]["batteryCondition"]["stateOfChargePercent"] == 50.0
    assert "remainingCapacityAh" not in new["performanceAndDurability"]["batteryCondition"]


def test_an_invalid_current_version_fails_its_item_naming_the_file_even_where_the_change_overwrites_it(runner, tmp_path):
    ids, changes = fleet(runner, tmp_path, 2)
    broken = tmp_path / "out" / f"{passport_file_stem(ids[0])}.json"
    _rewrite_subject(broken, lambda subject: subject["performanceAndDurability"]["batteryCondition"].update(stateOfChargePercent=150.0))
    result = runner.invoke(main, ["update-batch", str(changes), "--out", str(tmp_path / "out"), "--key", str(KEY), "--json"])
    summary = json.loads(result.stdout)
    assert result.exit_code == 1 and (summary["ok"], summary["failed"]) == (1, 1)
    failure = summary["failures"][0]
    assert failure["passportId"] == ids[0] and str(broken) in failure["error"]
    assert [p["path"] for p in failure["problems"]] == ["$.credentialSubject.performanceAndDurability.batteryCondition.stateOfChargePercent"]
    assert not (tmp_path / "out" / f"{passport_file_stem(ids[0], 2)}.json").exists()


def test_a_rerun_is_told_from_a_new_change_recorded_alike(runner, tmp_path):
    """A change whose version would look the same as the current one in its lifecycle (time,
    kinds, reason) but not in its data is a new version; only the very same change is skipped."""
    ids, _ = fleet(runner, tmp_path, 1)

    def night(warranty):
        changes = tmp_path / f"warranty-{warranty}.jsonl"
        changes.write_text(json.dumps({"passportId": ids[0], "recordedAt": LAST_NIGHT, "reason": "warranty misprinted",
                                       "corrections": {"generalProductInformation": {"warrantyPeriod": warranty}}}) + "\n")
        result = runner.invoke(main, ["update-batch", str(changes), "--out", str(tmp_path / "out"), "--key", str(KEY), "--json"])
        assert result.exit_code == 0, result.output
        summary = json.loads(result.stdout)
        return summary["ok"], summary["skipped"]

    assert [night(9), night(9), night(10), night(10)] == [(1, 0), (0, 1), (1, 0), (0, 1)]
    assert _subject(tmp_path / "out" / f"{passport_file_stem(ids[0], 3)}.json")["generalProductInformation"]["warrantyPeriod"] == 10
