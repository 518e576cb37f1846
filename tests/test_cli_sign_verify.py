"""keygen, build --key and verify through the command line, as manufacturers and customs use them."""

from __future__ import annotations

import base64
import json
import os
import stat
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import DEMO, FIXTURES, load
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, load_pem_private_key

from batterypass import QrOptions, Signer, issue_passport
from batterypass.cli.main import main
from batterypass.securing.keys import load_issuer_key
from batterypass.securing.status_list import make_status_list

ED25519_KEY = DEMO / "issuer-ed25519" / "private.pem"
P256_KEY = DEMO / "issuer-p256" / "private.pem"
P256_CHAIN = DEMO / "issuer-p256" / "cert-chain.pem"
TRUST = DEMO / "trust"


def build(runner, out: Path, *extra: str, fixture: str = "ev-pack.json") -> dict:
    result = runner.invoke(main, ["build", str(FIXTURES / fixture), "--out", str(out), "--json", *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def verify(runner, *args: str) -> tuple[int, dict]:
    result = runner.invoke(main, ["verify", *args, "--json"])
    return result.exit_code, json.loads(result.output)


def test_keygen_writes_protected_key_and_did_document(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("BP_TEST_PASSPHRASE", "correct horse battery staple")
    result = runner.invoke(
        main,
        ["keygen", "--out", str(tmp_path / "k"), "--issuer", "did:web:cells.example", "--passphrase-env", "BP_TEST_PASSPHRASE", "--json"],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    private = Path(summary["files"]["privateKey"])
    assert stat.S_IMODE(os.stat(private).st_mode) == 0o600
    assert b"ENCRYPTED PRIVATE KEY" in private.read_bytes()
    # Nothing of the private key reaches the output: not its PEM body, not its raw bytes.
    key = load_issuer_key(private, b"correct horse battery staple")
    pem = key.export_private_pem(None)
    pem_body = [line for line in pem.decode().splitlines() if "-----" not in line]
    raw = load_pem_private_key(pem, None).private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    secrets = [*pem_body, raw.hex(), base64.urlsafe_b64encode(raw).decode().rstrip("=")]
    assert not [secret for secret in secrets if secret in result.output]
    assert "PRIVATE" not in result.output
    did = json.loads(Path(summary["files"]["didDocument"]).read_text())
    assert did["id"] == "did:web:cells.example" == summary["issuer"]
    assert did["assertionMethod"] == [summary["verificationMethod"]]
    jwk = json.loads(Path(summary["files"]["publicJwk"]).read_text())
    assert jwk["kid"] == summary["kid"] and "d" not in jwk


def test_keygen_refuses_to_overwrite(runner, tmp_path):
    assert runner.invoke(main, ["keygen", "--out", str(tmp_path)]).exit_code == 0
    before = (tmp_path / "private.pem").read_bytes()
    result = runner.invoke(main, ["keygen", "--out", str(tmp_path)])
    assert result.exit_code == 1 and "refusing to overwrite" in result.output
    assert (tmp_path / "private.pem").read_bytes() == before


def test_encrypted_key_needs_its_passphrase(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("BP_TEST_PASSPHRASE", "s3cret")
    runner.invoke(main, ["keygen", "--out", str(tmp_path / "k"), "--passphrase-env", "BP_TEST_PASSPHRASE"])
    key = str(tmp_path / "k" / "private.pem")
    without = runner.invoke(main, ["build", str(FIXTURES / "ev-pack.json"), "--out", str(tmp_path / "o"), "--key", key])
    assert without.exit_code == 1 and "passphrase" in without.output
    monkeypatch.setenv("BP_WRONG", "nope")
    wrong = runner.invoke(main, ["build", str(FIXTURES / "ev-pack.json"), "--out", str(tmp_path / "o"), "--key", key, "--passphrase-env", "BP_WRONG"])
    assert wrong.exit_code == 1 and "s3cret" not in wrong.output
    assert not (tmp_path / "o").exists()
    ok = build(runner, tmp_path / "o", "--key", key, "--passphrase-env", "BP_TEST_PASSPHRASE")
    assert ok["signed"] is True


@pytest.mark.parametrize(
    "extra",
    [
        ["--key", str(ED25519_KEY)],
        ["--key", str(ED25519_KEY), "--envelope", "jose"],
        ["--key", str(P256_KEY), "--envelope", "jose", "--cert-chain", str(P256_CHAIN)],
    ],
    ids=["data-integrity", "jose-eddsa", "jose-es256-x5c"],
)
def test_signed_passport_verifies_with_the_demo_trust_store(runner, tmp_path, extra):
    summary = build(runner, tmp_path, *extra)
    code, body = verify(runner, summary["files"]["passport"], "--trust", str(TRUST))
    assert code == 0, body
    [result] = body["results"]
    assert result["status"] == "valid" and result["contentChecked"] is True
    assert result["passportId"] == summary["passportId"]
    assert result["issuer"] == "did:web:aurora-cells.example"
    assert result["battery"]["manufacturer"] == "Aurora Cells GmbH"


def test_self_made_issuer_is_unknown_until_its_did_document_is_in_the_trust_store(runner, tmp_path):
    runner.invoke(main, ["keygen", "--out", str(tmp_path / "k"), "--issuer", "did:web:other.example"])
    summary = build(runner, tmp_path / "o", "--key", str(tmp_path / "k" / "private.pem"))
    passport = summary["files"]["passport"]
    code, body = verify(runner, passport, "--trust", str(TRUST))
    assert code == 3 and body["status"] == "unknown-issuer"
    assert any("did:web:other.example" in r for r in body["results"][0]["reasons"])
    code, _ = verify(runner, passport, "--trust", str(tmp_path / "k" / "did.json"))
    assert code == 0


def test_default_issuer_is_the_keys_did_key(runner, tmp_path):
    result = runner.invoke(main, ["keygen", "--out", str(tmp_path / "k"), "--json"])
    assert json.loads(result.output)["issuer"].startswith("did:key:z6Mk")
    summary = build(runner, tmp_path / "o", "--key", str(tmp_path / "k" / "private.pem"))
    document = json.loads(Path(summary["files"]["passport"]).read_text())
    assert document["issuer"]["id"].startswith("did:key:z6Mk")
    code, body = verify(runner, summary["files"]["passport"], "--trust", str(TRUST))
    assert code == 3  # resolvable from the identifier, but not trusted


def test_key_without_its_did_document_refuses_to_sign(runner, tmp_path):
    runner.invoke(main, ["keygen", "--out", str(tmp_path / "k"), "--issuer", "did:web:cells.example"])
    (tmp_path / "k" / "did.json").unlink()
    result = runner.invoke(main, ["build", str(FIXTURES / "ev-pack.json"), "--out", str(tmp_path / "o"), "--key", str(tmp_path / "k" / "private.pem")])
    assert result.exit_code == 1 and "did.json: missing" in result.output
    assert not (tmp_path / "o").exists()


def test_tampered_passport_is_invalid(runner, tmp_path):
    summary = build(runner, tmp_path, "--key", str(ED25519_KEY))
    path = Path(summary["files"]["passport"])
    document = json.loads(path.read_text())
    document["credentialSubject"]["carbonFootprint"]["batteryCarbonFootprint"] = 12.3
    path.write_text(json.dumps(document))
    code, body = verify(runner, str(path), "--trust", str(TRUST))
    assert code == 1 and body["status"] == "invalid"
    assert "battery" not in body["results"][0] or body["results"][0]["battery"] is None


def test_expired_passport(runner, tmp_path):
    summary = build(runner, tmp_path, "--key", str(ED25519_KEY))
    path = Path(summary["files"]["passport"])
    unsigned = issue_passport(load(FIXTURES / "ev-pack.json"), tmp_path / "u", qr_options=QrOptions(enabled=False))
    credential = dict(unsigned.document, validUntil="2026-01-01T00:00:00Z", validFrom="2025-01-01T00:00:00Z")
    signer = Signer.from_files(ED25519_KEY)
    path.write_text(json.dumps(signer.sign(credential, created="2025-01-01T00:00:00Z")))
    code, body = verify(runner, str(path), "--trust", str(TRUST))
    assert code == 4 and body["status"] == "expired"


def revocable_passport(tmp_path: Path, revoked: bool) -> tuple[Path, Path]:
    """A passport with a credentialStatus entry, and the issuer's signed status list."""
    signer = Signer.from_files(ED25519_KEY)
    list_url = "https://aurora-cells.example/status/1"
    unsigned = issue_passport(load(FIXTURES / "ev-pack.json"), tmp_path / "u", qr_options=QrOptions(enabled=False))
    credential = dict(
        unsigned.document,
        credentialStatus={
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "94567",
            "statusListCredential": list_url,
        },
    )
    now = datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    passport = tmp_path / "passport.json"
    passport.write_text(json.dumps(signer.sign(credential, created=now)))
    status = make_status_list([94567] if revoked else [], list_id=list_url, issuer=signer.identity.id)
    status_file = tmp_path / "status.json"
    status_file.write_text(json.dumps(signer.sign(status, created=now)))
    return passport, status_file


def test_revoked_passport(runner, tmp_path):
    passport, status_file = revocable_passport(tmp_path, revoked=True)
    code, body = verify(runner, str(passport), "--trust", str(TRUST), "--status-list", str(status_file))
    assert code == 5 and body["status"] == "revoked"
    passport, status_file = revocable_passport(tmp_path / "b", revoked=False)
    code, _ = verify(runner, str(passport), "--trust", str(TRUST), "--status-list", str(status_file))
    assert code == 0


def test_status_unknown_only_when_required(runner, tmp_path):
    passport, _ = revocable_passport(tmp_path, revoked=False)
    assert verify(runner, str(passport), "--trust", str(TRUST))[0] == 0
    code, body = verify(runner, str(passport), "--trust", str(TRUST), "--require-status")
    assert code == 6 and body["status"] == "status-unknown"


def test_several_files_worst_exit_code(runner, tmp_path):
    good = build(runner, tmp_path / "a", "--key", str(ED25519_KEY))["files"]["passport"]
    runner.invoke(main, ["keygen", "--out", str(tmp_path / "k")])
    untrusted = build(runner, tmp_path / "b", "--key", str(tmp_path / "k" / "private.pem"))["files"]["passport"]
    garbage = tmp_path / "garbage.json"
    garbage.write_text('{"a": 1, "a": 2}')
    code, body = verify(runner, good, untrusted, "--trust", str(TRUST))
    assert code == 3 and [r["status"] for r in body["results"]] == ["valid", "unknown-issuer"]
    code, body = verify(runner, good, untrusted, str(garbage), "--trust", str(TRUST))
    assert code == 1 and body["results"][2]["status"] == "invalid"


def test_human_verdict_says_why(runner, tmp_path):
    runner.invoke(main, ["keygen", "--out", str(tmp_path / "k")])
    passport = build(runner, tmp_path / "o", "--key", str(tmp_path / "k" / "private.pem"))["files"]["passport"]
    result = runner.invoke(main, ["verify", passport, "--trust", str(TRUST)])
    assert result.exit_code == 3
    assert ": UNKNOWN-ISSUER" in result.output and "why:" in result.output


def test_broken_trust_store_is_a_usage_error(runner, tmp_path):
    passport = build(runner, tmp_path, "--key", str(ED25519_KEY))["files"]["passport"]
    broken = tmp_path / "trust.json"
    broken.write_text('{"id": "did:web:x.example", "verificationMethod": [{"id": "#k", "type": "Nope"}]}')
    result = runner.invoke(main, ["verify", passport, "--trust", str(broken)])
    assert result.exit_code == 2
    assert "verificationMethod[0].type" in result.output


def test_verify_requires_trust(runner, tmp_path):
    result = runner.invoke(main, ["verify", str(FIXTURES / "ev-pack.json")])
    assert result.exit_code == 2


def test_certificate_must_be_valid_when_signing(runner, tmp_path):
    extra = ["--key", str(P256_KEY), "--envelope", "jose", "--cert-chain", str(P256_CHAIN), "--issued-at", "2099-01-01T00:00:00Z", "--allow-future"]
    result = runner.invoke(main, ["build", str(FIXTURES / "ev-pack.json"), "--out", str(tmp_path / "o"), *extra])
    assert result.exit_code == 1 and "not at the signing time" in result.output
    assert not (tmp_path / "o").exists()


def test_private_key_in_a_trust_store_is_refused_with_a_reason(runner, tmp_path):
    runner.invoke(main, ["keygen", "--out", str(tmp_path / "k")])
    passport = build(runner, tmp_path / "o", "--key", str(tmp_path / "k" / "private.pem"))["files"]["passport"]
    result = runner.invoke(main, ["verify", passport, "--trust", str(tmp_path / "k")])
    assert result.exit_code == 2 and "holds a private key" in result.output
