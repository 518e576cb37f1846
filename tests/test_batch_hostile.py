"""Batches against stale reruns, floods, file-system errors and each other (issue 8, items 3, 4, 8, 10)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, load

from batterypass.cli.main import main
from batterypass.issuing import batch as batch_module
from batterypass.issuing.batch import REPORT_NAME, build_many
from batterypass.securing.keys import generate_issuer_key, write_key_directory

ISSUER = "did:web:cells.example"
ISSUED_AT = "2026-06-01T08:00:00Z"


def item(serial: str) -> dict[str, Any]:
    data = load(FIXTURES / "ev-pack.json")
    data["battery"]["serialNumber"] = serial
    return data


def jsonl(path: Path, lines: list[Any]) -> Path:
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))
    return path


def run(runner, lots: Path, out: Path, *extra: str) -> tuple[int, dict]:
    result = runner.invoke(main, ["batch", str(lots), "--out", str(out), "--no-qr", "-j", "1",
                                  "--issued-at", ISSUED_AT, "--json", *extra])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, json.loads(result.stdout)


def report(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / REPORT_NAME).read_text().splitlines()]


def new_key(directory: Path) -> Path:
    write_key_directory(directory, generate_issuer_key("ed25519"), ISSUER)
    return directory / "private.pem"


def verify(runner, passports: list[Path], trust: Path) -> int:
    return runner.invoke(main, ["verify", *map(str, passports), "--trust", str(trust)]).exit_code


def test_rerun_after_key_replacement_reissues_everything_the_old_key_signed(runner, tmp_path):
    lots, out = jsonl(tmp_path / "lots.jsonl", [item("R-1"), item("R-2")]), tmp_path / "out"
    old_key, new = new_key(tmp_path / "old"), tmp_path / "new"
    assert run(runner, lots, out, "--key", str(old_key))[0] == 0
    new_key_path = new_key(new)
    code, summary = run(runner, lots, out, "--key", str(new_key_path))
    assert code == 0 and (summary["ok"], summary["skipped"], summary["reissued"]) == (2, 0, 2)
    assert all("would not verify" in line["reissued"] and "not by the current key" in line["reissued"] for line in report(out))
    passports = sorted(out.glob("*.json"))
    assert verify(runner, passports, new / "did.json") == 0
    # Now they are what the current key signs: the next rerun skips them.
    assert run(runner, lots, out, "--key", str(new_key_path))[1]["skipped"] == 2


def test_rerun_reissues_a_passport_with_a_corrupted_proof(runner, tmp_path):
    lots, out, key = jsonl(tmp_path / "lots.jsonl", [item("C-1"), item("C-2")]), tmp_path / "out", new_key(tmp_path / "k")
    run(runner, lots, out, "--key", str(key))
    victim = sorted(out.glob("*.json"))[0]
    document = json.loads(victim.read_text())
    value = document["proof"]["proofValue"]
    document["proof"]["proofValue"] = value[:-3] + ("A" if value[-3] != "A" else "B") + value[-2:]
    victim.write_text(json.dumps(document))
    assert verify(runner, [victim], tmp_path / "k" / "did.json") == 1
    code, summary = run(runner, lots, out, "--key", str(key))
    assert (summary["ok"], summary["skipped"], summary["reissued"]) == (1, 1, 1)
    assert "signature does not verify" in next(line["reissued"] for line in report(out) if "reissued" in line)
    assert verify(runner, sorted(out.glob("*.json")), tmp_path / "k" / "did.json") == 0


FLOOD = {**item("F-1")}
FLOOD["materials"] = {**FLOOD["materials"], "composition": [{}] * 330_000}


def test_problem_flood_is_cut_in_validate_and_batch(runner, tmp_path):
    flood = tmp_path / "flood.json"
    flood.write_text(json.dumps(FLOOD, separators=(",", ":")))
    assert flood.stat().st_size < 1_000_000
    result = runner.invoke(main, ["validate", str(flood), "--json"])
    body = json.loads(result.stdout)
    assert result.exit_code == 1 and len(body["problems"]) == 1
    assert "holds 330000 items, more than the 10000 allowed" in body["problems"][0]["message"]
    # Within the array limit, problems stop at 1,000 and say how many more there were.
    many = {**item("F-2"), "materials": {**FLOOD["materials"], "composition": [{}] * 10_000}}
    many_file = tmp_path / "many.json"
    many_file.write_text(json.dumps(many))
    problems = json.loads(runner.invoke(main, ["validate", str(many_file), "--json"]).stdout)["problems"]
    assert len(problems) == 1001 and problems[-1]["message"].startswith("and ") and "more problem(s)" in problems[-1]["message"]
    lots = jsonl(tmp_path / "lots.jsonl", [json.dumps(FLOOD, separators=(",", ":"))] * 3 + [json.dumps(many)] * 3 + [item("F-3")])
    code, summary = run(runner, lots, tmp_path / "out")
    assert code == 1 and (summary["failed"], summary["ok"]) == (6, 1)
    assert (tmp_path / "out" / REPORT_NAME).stat().st_size < 1_000_000


def test_failures_kept_in_memory_are_capped_and_the_report_holds_all(runner, tmp_path, monkeypatch):
    monkeypatch.setattr(batch_module, "MAX_FAILURES_KEPT", 3)
    lots = jsonl(tmp_path / "lots.jsonl", ["{not json"] * 5 + [item("K-1")])
    code, summary = run(runner, lots, tmp_path / "out")
    assert code == 1 and summary["failed"] == 5 and len(summary["failures"]) == 3 and summary["failuresNotListed"] == 2
    assert [line["status"] for line in report(tmp_path / "out")] == ["failed"] * 5 + ["ok"]
    human = runner.invoke(main, ["batch", str(lots), "--out", str(tmp_path / "out2"), "--no-qr", "-j", "1"])
    assert "and 2 more failed item(s)" in human.stderr


def test_an_os_error_fails_one_item_and_the_rest_go_on(runner, tmp_path):
    out = tmp_path / "out"
    first, = build_many([item("O-0")], out, qr_options=batch_module.QrOptions(enabled=False))
    blocked = out / Path(first.files["passport"]).name
    blocked.unlink()
    blocked.mkdir()  # a directory where the passport file should go
    (blocked / "keep").write_text("x")
    lots = jsonl(tmp_path / "lots.jsonl", [item("O-0"), item("O-1")])
    for jobs in ("1", "2"):
        code, summary = run(runner, lots, out, "-j", jobs)
        assert code == 1 and (summary["failed"], summary["ok"] + summary["skipped"]) == (1, 1)
        assert "cannot write" in summary["failures"][0]["error"]
        assert [line["status"] for line in report(out)][0] == "failed"


def test_a_second_batch_on_the_same_directory_is_refused(runner, tmp_path):
    out = tmp_path / "out"
    first = build_many([item("L-1"), item("L-2")], out, qr_options=batch_module.QrOptions(enabled=False), report=out / REPORT_NAME)
    assert next(first).status == "ok"  # the first batch is running, its lock held
    code = runner.invoke(main, ["batch", str(jsonl(tmp_path / "l.jsonl", [item("L-3")])), "--out", str(out), "--no-qr"])
    assert code.exit_code == 1 and "another batch is writing into this directory" in code.stderr
    assert [r.status for r in first] == ["ok"]  # the first goes on and publishes its report
    assert len(report(out)) == 2


def test_cleanup_removes_only_batch_temporary_files(runner, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    ours = out / ".0473f57c-1600-5b5c-9c47-5f0c1e0ba1f5.json.abcd_123.tmp"
    theirs = [out / ".notes.abcd1234.tmp", out / ".editor.json.abcd1234.tmp"]
    for path in (ours, *theirs):
        path.write_text("x")
    run(runner, jsonl(tmp_path / "l.jsonl", [item("T-1")]), out)
    assert not ours.exists() and all(path.exists() for path in theirs)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_corrected_row_after_an_invalid_one_of_the_same_battery_is_issued(runner, tmp_path, jobs):
    bad = item("D-1")
    bad["battery"]["massKg"] = -1
    lots = jsonl(tmp_path / "lots.jsonl", [bad, item("D-1"), item("D-1")])
    code, summary = run(runner, lots, tmp_path / "out", "-j", jobs)
    statuses = [line["status"] for line in report(tmp_path / "out")]
    assert statuses == ["failed", "ok", "failed"], report(tmp_path / "out")
    assert "same passport id as lots.jsonl:2" in report(tmp_path / "out")[2]["error"]
