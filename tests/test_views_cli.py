"""The views from the command line: build and batch write them (--views), `view` cuts one
later with the issuer's key, `verify` names each credential's audience and compares two."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import DEMO, FIXTURES, load

from batterypass import Signer
from batterypass.cli.main import main

KEY = DEMO / "issuer-ed25519" / "private.pem"
P256_KEY = DEMO / "issuer-p256" / "private.pem"
P256_CHAIN = DEMO / "issuer-p256" / "cert-chain.pem"
TRUST = DEMO / "trust"
ISSUED_AT = "2026-09-01T08:00:00Z"
VIEW_FILES = {"publicView": "public", "legitimateInterestView": "legitimate-interest", "authorityView": "authority"}


def run(runner, *args) -> tuple[int, dict | str]:
    result = runner.invoke(main, [str(a) for a in args])
    try:
        return result.exit_code, json.loads(result.stdout)
    except ValueError:
        return result.exit_code, result.output


def build(runner, out: Path, *extra) -> dict:
    code, summary = run(runner, "build", FIXTURES / "ev-pack.json", "--out", out, "--key", KEY, "--issued-at", ISSUED_AT, "--json", *extra)
    assert code == 0, summary
    return summary


@pytest.mark.parametrize(("choice", "expected"), [("all", set(VIEW_FILES)), ("public", {"publicView"}), ("none", set())])
def test_build_writes_the_views_asked_for_and_lists_them(runner, tmp_path, choice, expected):
    summary = build(runner, tmp_path, "--views", choice)
    files = summary["files"]
    assert set(files) == {"qrSvg", "qrPng", "passport", *expected}
    stem = files["passport"].removesuffix(".json")
    for key in expected:
        assert files[key] == f"{stem}.{VIEW_FILES[key]}.json"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(Path(p).name for p in files.values())


def test_build_default_is_every_view_and_each_verifies_with_its_audience(runner, tmp_path):
    files = build(runner, tmp_path)["files"]
    code, body = run(runner, "verify", *(files[k] for k in ("passport", *VIEW_FILES)), "--trust", TRUST, "--json")
    assert code == 0, body
    assert [r["audience"] for r in body["results"]] == ["full", "public", "legitimate-interest", "authority"]
    code, text = run(runner, "verify", files["publicView"], "--trust", TRUST)
    assert code == 0 and "audience public view (Annex XIII point 1)" in text


def test_validate_and_qr_read_a_public_view(runner, tmp_path):
    files = build(runner, tmp_path)["files"]
    code, report = run(runner, "validate", files["publicView"], "--json")
    assert code == 0 and report["valid"], report
    code, summary = run(runner, "qr", files["publicView"], "--out", tmp_path / "label.svg", "--json")
    assert code == 0 and summary["url"].startswith("https://")


@pytest.mark.parametrize("audience", ["public", "legitimate-interest", "authority"])
def test_view_command_cuts_the_view_build_wrote(runner, tmp_path, audience):
    files = build(runner, tmp_path / "built")["files"]
    out = tmp_path / "cut.json"
    code, summary = run(runner, "view", files["passport"], "--audience", audience, "--key", KEY, "--out", out, "--json")
    assert code == 0, summary
    assert summary["files"] == {"view": str(out)} and summary["audience"] == audience
    cut, built = load(out), load(Path(files[{v: k for k, v in VIEW_FILES.items()}[audience]]))
    # Same credential, same version; only the proof's time (made now) differs.
    assert {k: v for k, v in cut.items() if k != "proof"} == {k: v for k, v in built.items() if k != "proof"}
    code, body = run(runner, "verify", "--compare", out, files["passport"], "--trust", TRUST, "--json")
    assert code == 0 and body["comparison"]["agree"] is True, body


def test_view_command_writes_beside_the_passport_by_default(runner, tmp_path):
    files = build(runner, tmp_path, "--views", "none")["files"]
    code, _ = run(runner, "view", files["passport"], "--audience", "authority", "--key", KEY)
    assert code == 0
    view = Path(files["passport"].removesuffix(".json") + ".authority.json")
    code, body = run(runner, "verify", view, "--trust", TRUST, "--json")
    assert code == 0 and body["results"][0]["audience"] == "authority"


def test_view_command_in_the_jose_envelope(runner, tmp_path):
    code, summary = run(runner, "build", FIXTURES / "ev-pack.json", "--out", tmp_path, "--key", P256_KEY, "--envelope", "jose",
                        "--cert-chain", P256_CHAIN, "--views", "none", "--json")
    assert code == 0, summary
    out = tmp_path / "p.json"
    code, _ = run(runner, "view", summary["files"]["passport"], "--audience", "public", "--key", P256_KEY, "--cert-chain", P256_CHAIN, "--out", out)
    assert code == 0
    code, body = run(runner, "verify", out, "--trust", TRUST, "--json")
    assert code == 0 and body["results"][0]["envelope"] == "jose" and body["results"][0]["audience"] == "public", body


def test_view_reads_standard_input_and_writes_standard_output(runner, tmp_path):
    files = build(runner, tmp_path)["files"]
    passport = Path(files["passport"]).read_bytes()
    result = runner.invoke(main, ["view", "-", "--audience", "public", "--key", str(KEY), "--out", "-"], input=passport)
    assert result.exit_code == 0, result.output
    view = json.loads(result.stdout)
    assert view["credentialSubject"] == load(Path(files["publicView"]))["credentialSubject"] and "proof" in view
    code, text = run(runner, "view", "-", "--audience", "public", "--key", KEY)
    assert code == 2 and "give --out" in text


def test_only_the_issuer_can_cut_a_view(runner, tmp_path):
    files = build(runner, tmp_path)["files"]
    # Another key (its own did.json) is not the issuer.
    code, other = run(runner, "keygen", "--out", tmp_path / "other", "--issuer", "did:web:aurora-cells.example", "--json")
    assert code == 0
    code, text = run(runner, "view", files["passport"], "--audience", "public", "--key", other["files"]["privateKey"])
    assert code == 1 and "only its issuer can cut a view" in text and "Traceback" not in text
    # A view is not a full passport; nor is an unsigned one.
    code, text = run(runner, "view", files["publicView"], "--audience", "public", "--key", KEY)
    assert code == 1 and "already a view" in text
    unsigned = run(runner, "build", FIXTURES / "ev-pack.json", "--out", tmp_path / "u", "--views", "none", "--json")[1]
    code, text = run(runner, "view", unsigned["files"]["passport"], "--audience", "public", "--key", KEY)
    assert code == 1 and "unsigned" in text
    code, text = run(runner, "view", files["passport"], "--audience", "public", "--key", KEY, "--out", files["passport"])
    assert code == 2
    assert not any(name.endswith(".tmp") for name in os.listdir(tmp_path))


def test_verify_compare_names_the_field_changed_in_one_view(runner, tmp_path):
    files = build(runner, tmp_path)["files"]
    # The issuer (or a bug) signs a public view whose mass differs from the other views'.
    forged_source = load(Path(files["publicView"]))
    forged_source.pop("proof")
    forged_source["credentialSubject"]["generalProductInformation"]["batteryMass"] = 1.5
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(Signer.from_files(KEY).sign(forged_source, created=ISSUED_AT)))
    code, body = run(runner, "verify", "--compare", forged, files["authorityView"], "--trust", TRUST, "--json")
    assert code == 1 and body["status"] == "invalid"
    assert [r["status"] for r in body["results"]] == ["valid", "valid"]
    comparison = body["comparison"]
    path = "$.credentialSubject.generalProductInformation.batteryMass"
    assert comparison["agree"] is False and comparison["differences"][0]["path"] == path
    assert comparison["audiences"] == ["public", "authority"]
    code, text = run(runner, "verify", "--compare", forged, files["authorityView"], "--trust", TRUST)
    assert code == 1 and "DIFFER" in text and f"{path} differs: 1.5 in {forged}" in text


def test_the_public_view_and_the_full_passport_agree_though_the_sourcing_data_is_not_public(runner, tmp_path):
    """The voluntary sourcing data the build data keeps from the public is in the full passport
    only: that is what the view is for, not a difference; a directory source holds the pair."""
    files = build(runner, tmp_path)["files"]
    full = load(Path(files["passport"]))["credentialSubject"]["supplyChainDueDiligence"]
    assert full["rawMaterialOrigin"] and full["voluntaryDataAudience"] == "legitimate-interest"
    assert "rawMaterialOrigin" not in load(Path(files["publicView"]))["credentialSubject"]["supplyChainDueDiligence"]
    code, body = run(runner, "verify", tmp_path, "--compare", files["publicView"], files["passport"], "--trust", TRUST, "--json")
    assert code == 0 and body["comparison"]["agree"] is True and body["comparison"]["audiences"] == ["public", "full"], body
    assert body["summary"]["total"] == 4  # each credential verified once, the compared ones included


def test_verify_compare_does_not_compare_what_did_not_verify(runner, tmp_path):
    files = build(runner, tmp_path)["files"]
    tampered = tmp_path / "tampered.json"
    document = load(Path(files["publicView"]))
    document["credentialSubject"]["generalProductInformation"]["batteryMass"] = 1.5
    tampered.write_text(json.dumps(document))
    code, body = run(runner, "verify", "--compare", tampered, files["passport"], "--trust", TRUST, "--json")
    assert code == 1 and body["comparison"]["agree"] is None and "did not verify" in body["comparison"]["reason"]


def test_verify_compare_of_two_valid_credentials_it_cannot_compare_fails(runner, tmp_path):
    """`verify --compare A B && ship` must not ship when A and B were never compared (review)."""
    view = build(runner, tmp_path / "a")["files"]["publicView"]
    status_list = tmp_path / "list.json"
    code, text = run(runner, "status-list", "create", "--purpose", "revocation", "--url", "https://id.example/lists/1",
                     "--out", status_list, "--key", KEY)
    assert code == 0, text
    code, body = run(runner, "verify", "--compare", view, status_list, "--trust", TRUST, "--json")
    assert [r["status"] for r in body["results"]] == ["valid", "valid"]
    assert body["comparison"]["agree"] is None and code == 1 and body["status"] == "invalid", body


def test_verify_needs_files_or_a_comparison(runner):
    code, text = run(runner, "verify", "--trust", TRUST)
    assert code == 2 and "--compare" in text


def test_batch_writes_views_and_resumes_when_one_is_missing(runner, tmp_path):
    lots = tmp_path / "lots.jsonl"
    items = []
    for n in range(3):
        data = load(FIXTURES / "ev-pack.json")
        data["battery"]["serialNumber"] = f"V-{n}"
        items.append(json.dumps(data))
    lots.write_text("\n".join(items) + "\n")
    out = tmp_path / "out"
    args = ["batch", lots, "--out", out, "--key", KEY, "--issued-at", ISSUED_AT, "-j", "1", "--json"]
    code, summary = run(runner, *args)
    assert code == 0 and summary["ok"] == 3, summary
    report = [json.loads(line) for line in (out / "batch-report.jsonl").read_text().splitlines()]
    assert all(set(VIEW_FILES) <= set(r["files"]) for r in report)
    Path(report[1]["files"]["authorityView"]).unlink()
    code, summary = run(runner, *args)
    assert code == 0 and (summary["ok"], summary["skipped"]) == (1, 2)
    assert Path(report[1]["files"]["authorityView"]).exists()
    code, summary = run(runner, *args[:-1], "--views", "none", "--json")
    assert code == 0 and summary["skipped"] == 3
