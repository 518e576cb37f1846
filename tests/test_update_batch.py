"""A fleet's nightly update: one change per passport, in bulk, resumable like batch."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

from batterypass.cli import main

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
