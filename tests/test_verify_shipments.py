"""``verify`` for a shipment: directories, standard input, a summary, --quiet, one JSON object;
``validate`` never calls a signed document valid without saying its signature was not checked."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone

import pytest

from conftest import DEMO, FIXTURES, GOOD_FIXTURES, load

from batterypass import Access, Signer, issue_passport
from batterypass.cli.main import main

TRUST = str(DEMO / "trust")
ISSUED = datetime(2026, 11, 1, tzinfo=timezone.utc)  # the past, for the real clock verify uses


@pytest.fixture(scope="module")
def shipment(tmp_path_factory):
    """Three signed passports, an audience-view file beside one, a tampered one, and QR files."""
    out = tmp_path_factory.mktemp("shipment")
    signer = Signer.from_files(DEMO / "issuer-ed25519" / "private.pem")
    paths = [
        issue_passport(load(FIXTURES / name), out, signer=signer, issued_at=ISSUED, views=(Access.PUBLIC,) if n == 0 else ()).files["passport"]
        for n, name in enumerate(GOOD_FIXTURES)
    ]
    tampered = json.loads(paths[1].read_text())
    tampered["credentialSubject"]["generalProductInformation"]["batteryMass"] = 1
    (out / "tampered.json").write_text(json.dumps(tampered))
    return out


def _json(result):
    return json.loads(result.stdout)


def test_verify_a_directory_reads_every_credential_file_and_sums_up(runner, shipment):
    result = runner.invoke(main, ["verify", str(shipment), "--trust", TRUST, "--json"])
    body = _json(result)
    assert result.exit_code == 1 and body["status"] == "invalid"
    files = sorted(entry["file"].rsplit("/", 1)[1] for entry in body["results"])
    expected = sorted(p.name for p in shipment.iterdir() if p.suffix == ".json")
    assert files == expected and len(files) == 5  # the audience view included, no QR image
    assert body["summary"] == {"total": 5, "byStatus": {"valid": 4, "invalid": 1}}


def test_quiet_prints_only_failures_and_the_summary(runner, shipment):
    result = runner.invoke(main, ["verify", str(shipment), "--trust", TRUST, "--quiet"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"{shipment / 'tampered.json'}: INVALID"
    assert not any(line.endswith(": VALID") for line in lines)
    assert lines[-1] == "5 credential(s): 4 valid, 1 invalid"
    assert lines[-2].startswith("  next: treat as forged")
    # Without --quiet every verdict is shown, each once.
    full = runner.invoke(main, ["verify", str(shipment), "--trust", TRUST]).stdout.splitlines()
    assert sum(line.endswith(": VALID") for line in full) == 4 and full[-1] == lines[-1]


def test_verbose_adds_every_check(runner, shipment):
    quiet = runner.invoke(main, ["verify", str(shipment / "tampered.json"), "--trust", TRUST]).stdout
    verbose = runner.invoke(main, ["verify", str(shipment / "tampered.json"), "--trust", TRUST, "-v"]).stdout
    assert "[FAIL] signature" in verbose and "[FAIL]" not in quiet


def test_verify_stdin_takes_paths_and_documents(runner, shipment):
    files = sorted(p for p in shipment.iterdir() if p.suffix == ".json")
    paths = "\n".join(str(p) for p in files) + "\n"
    by_path = _json(runner.invoke(main, ["verify", "-", "--trust", TRUST, "--json"], input=paths))
    assert by_path["summary"] == {"total": 5, "byStatus": {"valid": 4, "invalid": 1}}
    # JSONL: one credential a line (named by line); a directory path among them expands.
    lines = [json.dumps(json.loads(p.read_text())) for p in files] + ["", str(shipment)]
    result = runner.invoke(main, ["verify", "-", "--trust", TRUST, "--json"], input="\n".join(lines) + "\n")
    body = _json(result)
    assert [entry["file"] for entry in body["results"][:5]] == [f"stdin:{n}" for n in range(1, 6)]
    assert body["summary"] == {"total": 10, "byStatus": {"valid": 8, "invalid": 2}}
    # A path that does not exist is that line's invalid verdict, not a crash.
    result = runner.invoke(main, ["verify", "-", "--trust", TRUST, "--json"], input="/no/such/file.json\n")
    assert result.exit_code == 1 and "cannot read file" in _json(result)["results"][0]["reasons"][0]


def test_paths_on_stdin_are_named_as_on_the_command_line(runner, shipment, monkeypatch):
    # "./a.json" and "a.json" are one file: --compare must find the pair it names however the
    # list spells them, and a name no file can have (a NUL) is that line's verdict.
    monkeypatch.chdir(shipment)
    first, second = sorted(p.name for p in shipment.iterdir() if p.suffix == ".json")[:2]
    result = runner.invoke(main, ["verify", "-", "--trust", TRUST, "--json", "--compare", first, second], input=f"./{first}\n{second}\n")
    body = _json(result)
    assert [entry["file"] for entry in body["results"]] == [first, second]
    assert body["comparison"]["first"] == first
    result = runner.invoke(main, ["verify", "-", "--trust", TRUST, "--json"], input="a\0b.json\n")
    assert result.exit_code == 1 and "NUL" in _json(result)["results"][0]["reasons"][0]


def test_nothing_to_verify_is_a_usage_error_never_valid(runner, tmp_path):
    """`find lot ... | verify - && release` must not release on a typo (review 5)."""
    result = runner.invoke(main, ["verify", str(tmp_path), "--trust", TRUST])
    assert result.exit_code == 2 and "nothing to verify: no credential found in " + str(tmp_path) in result.stderr
    assert "valid" not in result.stdout.lower()
    for given in ("", "\n\n"):
        result = runner.invoke(main, ["verify", "-", "--trust", TRUST, "--json"], input=given)
        body = _json(result)
        assert result.exit_code == 2 and body["status"] == "usage-error", body
        assert "standard input" in body["error"]


def test_verify_stdin_takes_a_passport_as_build_writes_it(runner, shipment):
    """A pretty-printed document on standard input is one credential, as for validate (review 14)."""
    passport = next(p for p in sorted(shipment.iterdir()) if p.suffix == ".json" and p.name != "tampered.json")
    result = runner.invoke(main, ["verify", "-", "--trust", TRUST, "--json"], input=passport.read_text())
    body = _json(result)
    assert result.exit_code == 0 and body["summary"] == {"total": 1, "byStatus": {"valid": 1}}
    assert body["results"][0]["file"] == "stdin"
    assert runner.invoke(main, ["validate", "-"], input=passport.read_text()).exit_code == 0
    # Blank lines before it change nothing; the tampered one is one invalid verdict, not one a line.
    result = runner.invoke(main, ["verify", "-", "--trust", TRUST, "--json"], input="\n\n" + (shipment / "tampered.json").read_text())
    assert json.loads((shipment / "tampered.json").read_text())  # written compact: JSONL of one line
    assert _json(result)["summary"] == {"total": 1, "byStatus": {"invalid": 1}}
    pretty = json.dumps(json.loads((shipment / "tampered.json").read_text()), indent=2)
    result = runner.invoke(main, ["verify", "-", "--trust", TRUST, "--json"], input="\n" + pretty)
    assert _json(result)["summary"] == {"total": 1, "byStatus": {"invalid": 1}}
    assert _json(result)["results"][0]["file"] == "stdin"


def test_validate_never_calls_a_signed_document_valid_without_saying_the_signature_was_not_checked(runner, shipment):
    tampered = shipment / "tampered.json"
    # The tampered mass is still a valid mass: the content is fine, the signature is not.
    result = runner.invoke(main, ["validate", str(tampered)])
    assert result.exit_code == 0
    last = result.stdout.splitlines()[-1]
    assert "content valid, signature NOT checked" in last and "batterypass verify" in last
    body = _json(runner.invoke(main, ["validate", str(tampered), "--json"]))
    assert body["valid"] is True and body["signatureChecked"] is False and body["envelope"] == "data-integrity"
    assert runner.invoke(main, ["verify", str(tampered), "--trust", TRUST]).exit_code == 1


def test_a_malformed_trust_document_is_named_and_skipped_not_fatal(runner, shipment, tmp_path):
    trust = tmp_path / "trust"
    shutil.copytree(DEMO / "trust", trust)
    (trust / "broken.json").write_text('{"id": "did:web:broken.example", "verificationMethod": 7}')
    (trust / "truncated.json").write_text('{"id": ')
    result = runner.invoke(main, ["verify", str(shipment / "tampered.json"), str(shipment), "--trust", str(trust), "--json"])
    body = _json(result)
    assert body["summary"]["byStatus"] == {"valid": 4, "invalid": 2}
    assert [entry["file"] for entry in body["trustStoreSkipped"]] == [str(trust / "broken.json"), str(trust / "truncated.json")]
    assert "$.verificationMethod" in [p["path"] for p in body["trustStoreSkipped"][0]["problems"]]
    assert f"warning: trust store: {trust / 'broken.json'}: $.verificationMethod" in result.stderr
    # A store with nothing usable left is still the verifier's usage error.
    only_broken = tmp_path / "only-broken"
    only_broken.mkdir()
    for name in ("broken.json", "truncated.json"):
        shutil.copy(trust / name, only_broken)
    result = runner.invoke(main, ["verify", str(shipment), "--trust", str(only_broken)])
    assert result.exit_code == 2 and "broken.json: $.verificationMethod" in result.stderr
    assert "truncated.json: $: malformed JSON" in result.stderr


def test_a_deeply_nested_first_line_on_stdin_is_a_verdict_not_a_traceback(runner):
    result = runner.invoke(main, ["verify", "-", "--trust", TRUST, "--json"], input='{"a":' + "[" * 200_000 + "\n")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    body = _json(result)
    assert result.exit_code == 1 and body["status"] == "invalid", body
