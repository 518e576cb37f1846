"""``batch`` and :func:`batterypass.issuing.batch.build_many`: many passports, bad items isolated,
resumable, the same files as ``build`` whatever the number of jobs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, ROOT, load

from batterypass import InvalidInputError, Problem, QrOptions, Signer
from batterypass.issuing.batch import CHUNK_SIZE, REPORT_NAME, ItemResult, _claimed_passport_id, build_many, read_items
from batterypass.cli.main import main
from batterypass.issuing.issuance import issue_passport, passport_files

KEY = ROOT / "keys" / "demo" / "issuer-ed25519" / "private.pem"
TRUST = ROOT / "keys" / "demo" / "trust"
ISSUED = datetime(2025, 6, 1, 8, tzinfo=timezone.utc)
ISSUED_AT = "2025-06-01T08:00:00Z"
# Bad build data that parses as JSON, each with the problems ``validate`` reports for it.
BAD = [f"bad/{name}.json" for name in ("gtin-check-digit", "negative-mass", "missing-fields", "typo-key", "wrong-types")]
CLI = [sys.executable, "-c", "from batterypass.cli.main import main; main()"]


def item(serial: str, fixture: str = "ev-pack.json") -> dict[str, Any]:
    """A fixture with its own serial number, so that its passport id is its own."""
    data = load(FIXTURES / fixture)
    if isinstance(data.get("battery"), dict) and isinstance(data["battery"].get("serialNumber"), str):
        data["battery"]["serialNumber"] = serial
    return data


def write_jsonl(path: Path, lines: list[dict[str, Any] | str]) -> Path:
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines), encoding="utf-8")
    return path


def run_batch(runner, *args: Any) -> tuple[Any, dict[str, Any]]:
    result = runner.invoke(main, ["batch", *map(str, args), "--issued-at", ISSUED_AT, "--json"])
    return result, json.loads(result.stdout)


def full_passports(directory: Path) -> list[Path]:
    """The full passport credentials in ``directory`` (``<uuid>.json``, not ``<uuid>.<audience>.json``)."""
    return [path for path in directory.glob("*.json") if path.name.count(".") == 1]


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file by name; the report with its directory name taken out, so that runs compare."""
    files = {path.name: path.read_bytes() for path in directory.iterdir()}
    if REPORT_NAME in files:
        files[REPORT_NAME] = files[REPORT_NAME].replace(str(directory).encode(), b"OUT")
    return files


def validate_problems(runner, tmp_path: Path, data: dict[str, Any]) -> list[dict[str, str]]:
    path = tmp_path / "validate-me.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return json.loads(runner.invoke(main, ["validate", str(path), "--json"]).stdout)["problems"]


def by_path(problems: list[dict[str, str]]) -> list[tuple[str, str]]:
    return sorted((p["path"], p["message"]) for p in problems)


# --------------------------------------------------------------------------- the CLI


def test_good_items_are_written_as_build_writes_them_and_bad_ones_reported(runner, tmp_path):
    good = [item(f"G-{n}") for n in range(3)]
    bad = [item(f"B-{n}", name) for n, name in enumerate(BAD)]
    lines: list[dict[str, Any] | str] = [good[0], *bad, "", "{not json", good[1], load(FIXTURES / "portable-aa.json"), "  ", good[2]]
    lots = write_jsonl(tmp_path / "lots.jsonl", lines)
    out = tmp_path / "out"

    result, summary = run_batch(runner, lots, "--out", out, "--key", KEY, "-j", "1")

    assert result.exit_code == 1
    assert (summary["total"], summary["ok"], summary["failed"], summary["skipped"], summary["notRequired"]) == (10, 3, 6, 0, 1)
    failures = {f["source"]: f for f in summary["failures"]}
    assert list(failures) == [f"lots.jsonl:{n}" for n in (2, 3, 4, 5, 6, 8)]  # blank lines 7 and 12 count
    for number, data in enumerate(bad, start=2):
        assert by_path(failures[f"lots.jsonl:{number}"]["problems"]) == by_path(validate_problems(runner, tmp_path, data))
    assert failures["lots.jsonl:8"]["problems"][0]["path"] == "$"
    assert "malformed JSON" in failures["lots.jsonl:8"]["problems"][0]["message"]
    [not_required] = summary["notRequiredItems"]
    assert not_required["source"] == "lots.jsonl:10" and not_required["status"] == "not-required"
    assert "no battery passport required" in not_required["error"]

    # Exactly what `build` writes for each good item, with the same options.
    built = tmp_path / "built"
    for n, data in enumerate(good):
        path = tmp_path / f"good-{n}.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        built_result = runner.invoke(main, ["build", str(path), "--out", str(built), "--key", str(KEY), "--issued-at", ISSUED_AT])
        assert built_result.exit_code == 0, built_result.output
    written = snapshot(out)
    assert written.pop(REPORT_NAME)
    assert written == snapshot(built)


def test_report_has_every_item_in_input_order_and_passports_alone_match_json(runner, tmp_path):
    lots = write_jsonl(tmp_path / "lots.jsonl", [item("R-1"), item("R-2", "bad/negative-mass.json"), item("R-3")])
    out = tmp_path / "out"

    _, summary = run_batch(runner, lots, "--out", out, "--key", KEY, "-j", "2")

    report = [json.loads(line) for line in (out / REPORT_NAME).read_text(encoding="utf-8").splitlines()]
    assert [(r["source"], r["status"]) for r in report] == [("lots.jsonl:1", "ok"), ("lots.jsonl:2", "failed"), ("lots.jsonl:3", "ok")]
    assert report[1]["problems"] == summary["failures"][0]["problems"]
    views = {"publicView", "legitimateInterestView", "authorityView"}
    assert set(report[0]["files"]) == {"qrSvg", "qrPng", *views, "passport"} and report[0]["passportId"].startswith("urn:uuid:")
    assert summary["report"] == str(out / REPORT_NAME)
    # `verify OUT/*.json` sees the passports and their views, nothing else.
    passports = sorted(str(path) for path in out.glob("*.json"))
    assert len(passports) == 2 * 4
    verdict = runner.invoke(main, ["verify", *passports, "--trust", str(TRUST), "--json"])
    assert verdict.exit_code == 0, verdict.output


def test_all_good_exits_0_and_prints_no_progress_bar_with_json(runner, tmp_path):
    lots = write_jsonl(tmp_path / "lots.jsonl", [item("P-1"), item("P-2")])
    result, summary = run_batch(runner, lots, "--out", tmp_path / "out", "--no-qr")
    assert result.exit_code == 0
    assert summary == {"total": 2, "ok": 2, "failed": 0, "skipped": 0, "reissued": 0, "notRequired": 0, "failures": [], "failuresNotListed": 0, "notRequiredItems": [], "report": str(tmp_path / "out" / REPORT_NAME)}
    assert result.stderr == ""


def test_human_output_names_each_problem_and_counts(runner, tmp_path):
    lots = write_jsonl(tmp_path / "lots.jsonl", [item("H-1"), item("H-2", "bad/gtin-check-digit.json")])
    result = runner.invoke(main, ["batch", str(lots), "--out", str(tmp_path / "out"), "--no-qr"])
    assert result.exit_code == 1
    assert "error: lots.jsonl:2: $.battery.gtin: check digit" in result.stderr
    assert "2 item(s): 1 issued, 0 already issued, 0 not required, 1 failed" in result.stdout


def test_second_item_for_the_same_battery_fails_and_leaves_the_first_alone(runner, tmp_path):
    first, second = item("D-1"), item("D-1")
    second["battery"]["model"] = "another model, same serial"
    lots = write_jsonl(tmp_path / "lots.jsonl", [first, item("D-2"), second])
    out = tmp_path / "out"

    result, summary = run_batch(runner, lots, "--out", out, "--no-qr", "-j", "2")

    assert result.exit_code == 1
    (failure,) = summary["failures"]
    assert failure["source"] == "lots.jsonl:3" and "same passport id as lots.jsonl:1" in failure["error"]
    expected = issue_passport(first, tmp_path / "expected", qr_options=QrOptions(enabled=False), issued_at=ISSUED)
    assert (out / expected.files["passport"].name).read_bytes() == expected.files["passport"].read_bytes()


def test_voluntary_issues_what_needs_no_passport(runner, tmp_path):
    lots = write_jsonl(tmp_path / "lots.jsonl", [load(FIXTURES / "industrial-1.5kwh.json")])
    result, refused = run_batch(runner, lots, "--out", tmp_path / "out", "--no-qr")
    assert result.exit_code == 0 and refused["failed"] == 0  # reported, not a failure
    assert "no battery passport required" in refused["notRequiredItems"][0]["error"]
    strict, _ = run_batch(runner, lots, "--out", tmp_path / "out", "--no-qr", "--strict")
    assert strict.exit_code == 1
    result, summary = run_batch(runner, lots, "--out", tmp_path / "out", "--no-qr", "--voluntary")
    assert result.exit_code == 0 and summary["ok"] == 1


def test_directory_input_in_name_order_with_file_names_as_sources(runner, tmp_path):
    lot = tmp_path / "lot"
    lot.mkdir()
    for name, data in {"b.json": item("DIR-B"), "a.json": item("DIR-A"), "c.json": item("DIR-C", "bad/negative-mass.json")}.items():
        (lot / name).write_text(json.dumps(data), encoding="utf-8")
    (lot / "notes.txt").write_text("not an item")
    (lot / "broken.json").write_text("{", encoding="utf-8")
    out = tmp_path / "out"

    result, summary = run_batch(runner, lot, "--out", out, "--no-qr")

    assert result.exit_code == 1
    report = [json.loads(line) for line in (out / REPORT_NAME).read_text(encoding="utf-8").splitlines()]
    assert [r["source"] for r in report] == ["a.json", "b.json", "broken.json", "c.json"]
    assert [f["source"] for f in summary["failures"]] == ["broken.json", "c.json"]


def test_output_directory_must_not_be_the_input_directory(runner, tmp_path):
    result = runner.invoke(main, ["batch", str(tmp_path), "--out", str(tmp_path)])
    assert result.exit_code == 2


def test_stdin_input(runner, tmp_path):
    data = "\n".join([json.dumps(item("S-1")), "", "[1, 2]", json.dumps(item("S-2"))]) + "\n"
    result = runner.invoke(main, ["batch", "-", "--out", str(tmp_path / "out"), "--no-qr", "--json"], input=data)
    summary = json.loads(result.stdout)
    assert result.exit_code == 1
    assert (summary["ok"], [f["source"] for f in summary["failures"]]) == (2, ["stdin:3"])


def test_a_key_that_cannot_sign_fails_the_batch_once_before_any_item(runner, tmp_path):
    lots = write_jsonl(tmp_path / "lots.jsonl", [item("K-1"), item("K-2")])
    p256 = ROOT / "keys" / "demo" / "issuer-p256" / "private.pem"
    result = runner.invoke(main, ["batch", str(lots), "--out", str(tmp_path / "out"), "--key", str(p256)])
    assert result.exit_code == 1
    assert result.stderr.count("error:") == 1 and "Ed25519" in result.stderr
    assert not list((tmp_path / "out").glob("*.json"))


# --------------------------------------------------------------------------- resuming


def test_rerun_skips_everything_and_touches_nothing(runner, tmp_path):
    lots = write_jsonl(tmp_path / "lots.jsonl", [item(f"RR-{n}") for n in range(3)])
    out = tmp_path / "out"
    run_batch(runner, lots, "--out", out, "--key", KEY)
    before = {path.name: (path.stat().st_mtime_ns, path.read_bytes()) for path in out.iterdir() if path.name != REPORT_NAME}

    # A later run, at another time: the passports issued earlier stay as they are.
    result = runner.invoke(main, ["batch", str(lots), "--out", str(out), "--key", str(KEY), "--json"])

    summary = json.loads(result.stdout)
    assert result.exit_code == 0 and (summary["skipped"], summary["ok"]) == (3, 0)
    after = {path.name: (path.stat().st_mtime_ns, path.read_bytes()) for path in out.iterdir() if path.name != REPORT_NAME}
    assert after == before


def test_rerun_reissues_what_changed_or_is_incomplete(runner, tmp_path):
    items = [item(f"RC-{n}") for n in range(4)]
    lots = write_jsonl(tmp_path / "lots.jsonl", items)
    out = tmp_path / "out"
    _, first = run_batch(runner, lots, "--out", out, "--key", KEY)
    report = [json.loads(line) for line in (out / REPORT_NAME).read_text(encoding="utf-8").splitlines()]
    items[0]["battery"]["model"] = "renamed"  # content changed
    write_jsonl(lots, items)
    Path(report[1]["files"]["qrPng"]).unlink()  # incomplete set
    Path(report[2]["files"]["qrSvg"]).write_bytes(b"")  # emptied by a power loss

    _, summary = run_batch(runner, lots, "--out", out, "--key", KEY)

    statuses = [json.loads(line)["status"] for line in (out / REPORT_NAME).read_text(encoding="utf-8").splitlines()]
    assert statuses == ["ok", "ok", "ok", "skipped"]
    assert json.loads(Path(report[0]["files"]["passport"]).read_text())["credentialSubject"]["generalProductInformation"][
        "batteryModel"
    ] == "renamed"
    # Unsigned now: the signed passports are not what this run would issue, and another
    # issuer's (the demo issuer's) signed passports are only replaced when asked for.
    result, refused = run_batch(runner, lots, "--out", out)
    assert result.exit_code == 1 and refused["failed"] == 4
    assert "is signed by did:web:aurora-cells.example; this run issues as https://" in refused["failures"][0]["error"]
    _, unsigned = run_batch(runner, lots, "--out", out, "--replace-other-issuer")
    assert unsigned["ok"] == 4


def test_stray_temporary_files_are_removed_and_nothing_else(runner, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    strays = [out / f".0f9b2f6c-7a3e-5b1e-9c1d-1f2e3d4c5b6a{name}.k2j4h5g6.tmp" for name in (".json", ".v2.public.json", ".authority.json")]
    for stray in strays:
        stray.write_text("{half")
    kept = [out / "notes.txt", out / ".keep", out / ".notes.tmp", out / ".0f9b2f6c-7a3e-5b1e-9c1d-1f2e3d4c5b6a.private.json.k2j4h5g6.tmp"]
    for path in kept:
        path.write_text("mine")
    run_batch(runner, write_jsonl(tmp_path / "lots.jsonl", [item("T-1")]), "--out", out, "--no-qr")
    assert not any(stray.exists() for stray in strays)
    assert all(path.exists() for path in kept)


def test_killed_batch_resumes_to_the_files_of_one_clean_run(tmp_path):
    lots = write_jsonl(tmp_path / "lots.jsonl", [item(f"KILL-{n:04d}") for n in range(300)])
    args = ["batch", str(lots), "--key", str(KEY), "--issued-at", ISSUED_AT, "-j", "2", "--json"]
    killed = tmp_path / "killed"
    process = subprocess.Popen([*CLI, *args, "--out", str(killed)], stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while len(full_passports(killed)) < 20:
            assert process.poll() is None, "the batch ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.005)
        workers = _children(process.pid)
        process.send_signal(signal.SIGKILL)  # the batch process alone, as `kill -9 PID` does
        process.wait()
        # Its workers die with it rather than wait for work forever (Linux only: PR_SET_PDEATHSIG).
        while sys.platform == "linux" and any(_alive(pid) for pid in workers):
            assert time.monotonic() < deadline, "worker processes outlived the batch"
            time.sleep(0.01)
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert not (killed / REPORT_NAME).exists()
    assert len(full_passports(killed)) < 300

    resumed = subprocess.run([*CLI, *args, "--out", str(killed)], capture_output=True, check=True)
    clean = tmp_path / "clean"
    subprocess.run([*CLI, *args, "--out", str(clean)], capture_output=True, check=True)

    summary = json.loads(resumed.stdout)
    assert summary["skipped"] >= 20 and summary["skipped"] + summary["ok"] == 300
    resumed_files, clean_files = snapshot(killed), snapshot(clean)
    # The reports differ in what was skipped, nothing else.
    assert resumed_files.pop(REPORT_NAME).replace(b'"skipped"', b'"ok"') == clean_files.pop(REPORT_NAME)
    assert resumed_files == clean_files
    assert not [path.name for path in killed.iterdir() if path.name.endswith(".tmp")]


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc; empty where there is none)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


# --------------------------------------------------------------------------- parallelism


def test_one_job_and_two_jobs_write_the_same_bytes(runner, tmp_path):
    lines: list[dict[str, Any] | str] = [item(f"J-{n:03d}") for n in range(40)]
    lines[7] = item("J-bad", "bad/gtin-check-digit.json")
    lines[23] = "{"
    lots = write_jsonl(tmp_path / "lots.jsonl", lines)
    one, two = tmp_path / "one", tmp_path / "two"
    run_batch(runner, lots, "--out", one, "--key", KEY, "-j", "1")
    run_batch(runner, lots, "--out", two, "--key", KEY, "-j", "2")
    assert len(snapshot(one)) == 38 * 6 + 1  # QR SVG and PNG, three views, the passport; the report
    assert snapshot(one) == snapshot(two)


# --------------------------------------------------------------------------- the library


@pytest.mark.parametrize("jobs", [1, 2])
def test_build_many_takes_items_as_results_are_taken(tmp_path, jobs):
    taken: list[int] = []

    def items():
        for n in range(200):
            taken.append(n)
            yield item(f"LAZY-{n}")

    results = build_many(items(), tmp_path, qr_options=QrOptions(enabled=False), jobs=jobs)
    first = next(results)
    assert first == ItemResult("item 1", "ok", first.passport_id, first.files)
    assert len(taken) <= (1 if jobs == 1 else CHUNK_SIZE * (2 * jobs + 1))
    results.close()
    assert len(taken) < 200


def test_build_many_item_forms_and_results(tmp_path):
    signer = Signer.from_files(KEY)
    unreadable = InvalidInputError([Problem("$", "cannot read file: Permission denied")])
    items = [
        ("erp:1", item("API-1")),
        ("erp:2", json.dumps(item("API-2")).encode()),
        ("erp:3", '{"battery": 1, "battery": 2}'),
        ("erp:4", unreadable),
        ("erp:5", item("API-5", "bad/negative-mass.json")),
    ]
    results = list(build_many(items, tmp_path, signer=signer, issued_at=ISSUED, report=tmp_path / "report.jsonl"))

    assert [r.status for r in results] == ["ok", "ok", "failed", "failed", "failed"]
    assert results[0].files == passport_files(results[0].passport_id, tmp_path)
    assert results[2].problems[0].message == "duplicate key 'battery'"
    assert results[3].problems == tuple(unreadable.problems)
    assert results[4].problems[0].path == "$.battery.massKg" and results[4].error is None
    assert [json.loads(line)["source"] for line in (tmp_path / "report.jsonl").read_text().splitlines()] == [
        f"erp:{n}" for n in range(1, 6)
    ]


def test_read_items_refuses_an_endless_line_and_keeps_counting(tmp_path):
    lots = tmp_path / "lots.jsonl"
    lots.write_bytes(b'{"a": "' + b"x" * 1_100_000 + b'"}\n{}\n')
    (first, error), (second, data) = list(read_items(lots))
    assert (first, second) == ("lots.jsonl:1", "lots.jsonl:2")
    assert isinstance(error, InvalidInputError) and "limit" in error.problems[0].message
    assert data == b"{}\n"


# --------------------------------------------------------------------------- what batch relies on


@pytest.mark.parametrize("fixture", ["ev-pack.json", "lmt-ebike.json", "industrial-stationary.json"])
def test_claimed_passport_id_is_the_id_build_assigns(fixture, tmp_path):
    data = load(FIXTURES / fixture)
    issued = issue_passport(data, tmp_path, qr_options=QrOptions(enabled=False))
    assert _claimed_passport_id(data) == issued.passport_id


def test_passport_files_are_the_files_issue_passport_writes(tmp_path):
    for options in (QrOptions(), QrOptions(enabled=False), QrOptions(formats=("png",))):
        issued = issue_passport(load(FIXTURES / "ev-pack.json"), tmp_path, qr_options=options)
        assert issued.files == passport_files(issued.passport_id, tmp_path, options)


def test_bad_print_options_fail_the_batch_once_before_any_item(runner, tmp_path):
    lot = tmp_path / "lot.jsonl"
    lot.write_text("\n".join(json.dumps(load(FIXTURES / "ev-pack.json")) for _ in range(3)) + "\n")
    result = runner.invoke(main, ["batch", str(lot), "--out", str(tmp_path / "out"), "--module-mm", "2", "-j", "1"])
    assert result.exit_code == 2  # a usage error, before any item
    assert result.output.count("Error:") == 1 and "0.396<=x<=0.99" in result.output
    assert not (tmp_path / "out").exists()


def test_a_single_pretty_printed_json_file_is_one_item(runner, tmp_path):
    result, body = run_batch(runner, FIXTURES / "ev-pack.json", "--out", tmp_path / "out", "-j", "1")
    assert result.exit_code == 0 and (body["total"], body["ok"]) == (1, 1)


def test_a_new_resolver_reissues_instead_of_skipping(runner, tmp_path):
    lot = write_jsonl(tmp_path / "lot.jsonl", [load(FIXTURES / "lmt-ebike.json")])
    first, body = run_batch(runner, lot, "--out", tmp_path / "out", "-j", "1")
    assert body["ok"] == 1, body
    again, body = run_batch(runner, lot, "--out", tmp_path / "out", "-j", "1")
    assert body["skipped"] == 1
    moved, body = run_batch(runner, lot, "--out", tmp_path / "out", "-j", "1", "--resolver", "https://dpp.velo.example")
    assert body["ok"] == 1 and body["skipped"] == 0
