"""Verdicts a customs officer can act on: each situation its own status, exit code and next step."""

from __future__ import annotations

import copy
import json
import re
from datetime import datetime, timezone

import base58

from conftest import DEMO, ROOT

from batterypass import Status, TrustStore, build_passport, generate_issuer_key, sign, verify
from batterypass.cli.main import main
from batterypass.securing.credential import passport_credential
from batterypass.securing.data_integrity import hash_data
from batterypass.securing.keys import IssuerIdentity, b64url_decode, b64url_encode, did_key_identity, did_document, identity_from_did_document, load_signer

NOW = datetime(2027, 6, 1, tzinfo=timezone.utc)
ISSUED = datetime(2027, 2, 1, tzinfo=timezone.utc)
TRUST = TrustStore.load(DEMO / "trust")
KNOWN_ISSUER = "did:web:aurora-cells.example"


def passport():
    return build_passport(json.loads((ROOT / "fixtures" / "ev-pack.json").read_text()))


def tamper(secured: dict) -> dict:
    forged = copy.deepcopy(secured)
    forged["credentialSubject"]["generalProductInformation"]["batteryMass"] = 1
    return forged


def test_unknown_did_web_issuer_is_unknown_issuer_and_says_the_signature_was_not_checked():
    key = generate_issuer_key()
    document = did_document("did:web:other.example", key)
    secured = sign(passport(), key, identity=identity_from_did_document(document, key), issued_at=ISSUED)
    for copy_ in (secured, tamper(secured)):
        result = verify(copy_, TRUST, now=NOW)
        assert result.status is Status.UNKNOWN_ISSUER and result.exit_code == 3
        assert "signature was not checked" in result.reasons[0]
        assert "trust store" in result.status.next_step
    # Once its DID document is trusted, the untouched one is valid and the tampered one forged.
    trust = TrustStore.from_documents([document])
    assert verify(secured, trust, now=NOW).status is Status.VALID
    assert verify(tamper(secured), trust, now=NOW).status is Status.INVALID


def test_tampered_credential_from_an_unknown_did_key_issuer_is_invalid_not_untrusted():
    key = generate_issuer_key()
    secured = sign(passport(), key, issued_at=ISSUED)
    assert verify(secured, TRUST, now=NOW).status is Status.UNKNOWN_ISSUER
    assert "the signature verifies" in verify(secured, TRUST, now=NOW).reasons[0]
    result = verify(tamper(secured), TRUST, now=NOW)
    assert result.status is Status.INVALID and result.status.next_step.startswith("treat as forged")


def test_known_issuer_with_a_key_it_never_listed_is_unlisted_key():
    intruder = generate_issuer_key()
    # A key the demo issuer's document does not define, named under the issuer's DID...
    named = IssuerIdentity(KNOWN_ISSUER, KNOWN_ISSUER + "#intruder")
    result = verify(sign(passport(), intruder, identity=named, issued_at=ISSUED), TRUST, now=NOW)
    assert result.status is Status.UNLISTED_KEY and result.exit_code == 7
    # ...or resolvable from its did:key: the signature verifies, the issuer never listed it.
    own = IssuerIdentity(KNOWN_ISSUER, did_key_identity(intruder).verification_method)
    result = verify(sign(passport(), intruder, identity=own, issued_at=ISSUED), TRUST, now=NOW)
    assert result.status is Status.UNLISTED_KEY and "the signature verifies" in result.reasons[0]
    assert "treat as forged" in result.status.next_step


def test_future_valid_from_is_not_yet_valid_not_expired():
    key, identity = load_signer(DEMO / "issuer-ed25519" / "private.pem")
    secured = sign(passport(), key, identity=identity, issued_at=datetime(2027, 9, 1, tzinfo=timezone.utc))
    result = verify(secured, TRUST, now=NOW)
    assert result.status is Status.NOT_YET_VALID and result.exit_code == 8
    assert "clock" in result.status.next_step


def _ecdsa_jcs_2019(credential: dict) -> dict:
    """A credential secured the W3C vc-di-ecdsa way (ecdsa-jcs-2019, P-256): genuine, not ours."""
    key = generate_issuer_key("p256")
    identity = did_key_identity(key)
    document = {**credential, "issuer": identity.id}
    config = {
        "type": "DataIntegrityProof",
        "cryptosuite": "ecdsa-jcs-2019",
        "created": "2027-02-01T00:00:00Z",
        "verificationMethod": identity.verification_method,
        "proofPurpose": "assertionMethod",
        "@context": document["@context"],
    }
    signature = key.sign(hash_data(config, document))  # ECDSA P-256 with SHA-256, r || s
    return {**document, "proof": {**config, "proofValue": "z" + base58.b58encode(signature).decode()}}


def test_unimplemented_cryptosuite_is_unsupported_not_invalid():
    secured = _ecdsa_jcs_2019(passport_credential(passport(), ISSUED))
    result = verify(secured, TRUST, now=NOW)
    assert result.status is Status.UNSUPPORTED and result.exit_code == 9
    assert "ecdsa-jcs-2019 is not supported" in result.reasons[0]
    # A made-up cryptosuite name is not a suite we lack: it is wrong.
    secured["proof"]["cryptosuite"] = "eddsa-jcs-2023"
    assert verify(secured, TRUST, now=NOW).status is Status.INVALID


def test_unimplemented_jws_algorithm_is_unsupported():
    key, identity = load_signer(DEMO / "issuer-ed25519" / "private.pem")
    token = sign(passport(), key, identity=identity, envelope="jose", issued_at=ISSUED)["id"].split(",", 1)[1]
    header = json.loads(b64url_decode(token.split(".")[0]))
    for alg, expected in (("ES384", Status.UNSUPPORTED), ("HS256", Status.INVALID), ("none", Status.INVALID)):
        forged = ".".join([b64url_encode(json.dumps({**header, "alg": alg}).encode()), *token.split(".")[1:]])
        assert verify(forged, TRUST, now=NOW).status is expected, alg


def test_every_status_has_a_next_step_and_the_cli_ends_each_verdict_with_it(runner, tmp_path):
    assert all(status.next_step for status in Status)
    key = generate_issuer_key()
    path = tmp_path / "p.json"
    path.write_text(json.dumps(sign(passport(), key, issued_at=ISSUED)))
    result = runner.invoke(main, ["verify", str(path), "--trust", str(DEMO / "trust")])
    assert result.exit_code == 3
    verdict_lines = result.output.rstrip("\n").split("\n")
    verdict_lines = verdict_lines[: next(i for i, line in enumerate(verdict_lines) if not line.startswith((str(path), " ")))]
    assert verdict_lines[-1].strip() == f"next: {Status.UNKNOWN_ISSUER.next_step}"


def test_readme_verdict_table_matches_the_status_enum():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("**Verdicts**"):]
    section = section[: section.index("\n\n", section.index("| exit |"))]
    rows = re.findall(r"^\| (\d+) \|\s*(?:`([a-z-]+)`)?\s*\|", section, re.MULTILINE)
    documented = {status: int(code) for code, status in rows if status}
    assert documented == {status.value: status.exit_code for status in Status}
    assert ("2", "") in rows  # the usage error keeps its own code
