from __future__ import annotations

import base64
import datetime as dt
import re

import pytest
from conftest import DEMO_MATERIAL
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from batterypass.securing.data_integrity import proof_verification_method, verify_proof
from batterypass.errors import InvalidInputError
from batterypass.securing.jose import parse_compact, unwrap_envelope, vc_payload, verify_signature
from batterypass.securing.keys import (
    IssuerIdentity,
    KeyAlgorithmError,
    did_document,
    generate_issuer_key,
    identity_from_did_document,
    public_key_from_did_key,
)
from batterypass.securing.credential import utc_timestamp
from batterypass.securing.signing import ENVELOPES, SigningError, sign_credential, x5c_from_pem

CREDENTIAL = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential", "BatteryPassport"],
    "issuer": {"id": "did:web:placeholder.example", "name": "Acme Cells GmbH"},
    "validFrom": "2025-01-01T00:00:00Z",
    "credentialSubject": {"id": "urn:uuid:0d8c", "batteryCategory": "ev", "ratedCapacityAh": 52.5},
}
ISSUER = "did:web:acme.example"


def _identity(key, issuer_id=ISSUER) -> IssuerIdentity:
    return identity_from_did_document(did_document(issuer_id, key), key)


certificate = DEMO_MATERIAL.certificate
_pem = DEMO_MATERIAL.pem_chain


def _certificate(subject: str, public_key, issuer, issuer_key, ca: bool) -> x509.Certificate:
    now = dt.datetime.now(dt.timezone.utc)
    return certificate(subject, public_key, issuer, issuer_key, ca=ca,
                       not_before=now - dt.timedelta(days=1), not_after=now + dt.timedelta(days=30))


@pytest.fixture(scope="module")
def chain():
    """(signing key, leaf, root) with the leaf certifying the P-256 signing key."""
    key = generate_issuer_key("p256")
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = _certificate("Acme Root", root_key.public_key(), None, root_key, ca=True)
    leaf = _certificate("Acme Passport Signer", key.public_key, root, root_key, ca=False)
    return key, leaf, root


def test_envelopes():
    assert ENVELOPES == ("data-integrity", "jose")


def test_utc_timestamp_format():
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", utc_timestamp())


def test_data_integrity_ed25519():
    key = generate_issuer_key("ed25519")
    identity = _identity(key)
    signed = sign_credential(CREDENTIAL, key, identity, created="2025-02-03T04:05:06Z")
    assert signed["issuer"] == {"id": ISSUER, "name": "Acme Cells GmbH"}
    assert signed["proof"]["created"] == "2025-02-03T04:05:06Z"
    assert proof_verification_method(signed) == identity.verification_method
    verify_proof(signed, key.public_key)
    assert CREDENTIAL["issuer"]["id"] == "did:web:placeholder.example"
    assert "proof" not in CREDENTIAL


def test_data_integrity_did_key_identity_and_default_created():
    key = generate_issuer_key("ed25519")
    identity = _identity(key, None)
    signed = sign_credential({**CREDENTIAL, "issuer": "did:example:old"}, key, identity)
    assert signed["issuer"] == identity.id
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", signed["proof"]["created"])
    verify_proof(signed, public_key_from_did_key(proof_verification_method(signed)))


def test_data_integrity_refuses_p256():
    key = generate_issuer_key("p256")
    with pytest.raises(KeyAlgorithmError, match="--envelope jose"):
        sign_credential(CREDENTIAL, key, _identity(key))


@pytest.mark.parametrize("algorithm", ["ed25519", "p256"])
def test_jose(algorithm):
    key = generate_issuer_key(algorithm)
    identity = _identity(key)
    enveloped = sign_credential(CREDENTIAL, key, identity, envelope="jose")
    assert enveloped["type"] == "EnvelopedVerifiableCredential"
    parsed = parse_compact(unwrap_envelope(enveloped))
    assert parsed.header["kid"] == identity.verification_method
    assert parsed.header["alg"] == key.jws_alg
    assert "x5c" not in parsed.header
    verify_signature(parsed, key.public_key)
    credential = vc_payload(parsed)
    assert credential["issuer"] == {"id": ISSUER, "name": "Acme Cells GmbH"}
    assert credential["credentialSubject"] == CREDENTIAL["credentialSubject"]


def test_jose_with_certificate_chain(chain):
    key, leaf, root = chain
    enveloped = sign_credential(CREDENTIAL, key, _identity(key), envelope="jose", cert_chain_pem=_pem(leaf, root))
    parsed = parse_compact(unwrap_envelope(enveloped))
    verify_signature(parsed, key.public_key)
    der = [base64.b64decode(value, validate=True) for value in parsed.header["x5c"]]
    assert der == [c.public_bytes(serialization.Encoding.DER) for c in (leaf, root)]


def test_x5c_leaf_must_certify_the_signing_key(chain):
    _, leaf, root = chain
    other = generate_issuer_key("p256")
    with pytest.raises(SigningError, match="leaf"):
        x5c_from_pem(_pem(leaf, root), other)


def test_x5c_chain_order(chain):
    key, leaf, root = chain
    with pytest.raises(SigningError, match="leaf"):
        x5c_from_pem(_pem(root, leaf), key)
    stranger_key = ec.generate_private_key(ec.SECP256R1())
    stranger = _certificate("Other Root", stranger_key.public_key(), None, stranger_key, ca=True)
    with pytest.raises(SigningError, match="not issued by certificate 2"):
        x5c_from_pem(_pem(leaf, stranger), key)


def test_x5c_needs_p256_and_pem(chain):
    _, leaf, root = chain
    with pytest.raises(KeyAlgorithmError, match="P-256"):
        x5c_from_pem(_pem(leaf, root), generate_issuer_key("ed25519"))
    with pytest.raises(SigningError, match="PEM"):
        x5c_from_pem(b"not a certificate", generate_issuer_key("p256"))


def test_certificate_chain_only_with_jose(chain):
    key = generate_issuer_key("ed25519")
    _, leaf, root = chain
    with pytest.raises(SigningError, match="jose"):
        sign_credential(CREDENTIAL, key, _identity(key), cert_chain_pem=_pem(leaf, root))


def test_rejections():
    key = generate_issuer_key("ed25519")
    with pytest.raises(SigningError, match="unknown envelope"):
        sign_credential(CREDENTIAL, key, _identity(key), envelope="cose")
    with pytest.raises(InvalidInputError, match="already signed"):
        sign_credential({**CREDENTIAL, "proof": {}}, key, _identity(key))
    with pytest.raises(InvalidInputError):
        sign_credential(["not", "a", "credential"], key, _identity(key))  # type: ignore[arg-type]
