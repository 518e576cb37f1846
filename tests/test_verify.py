"""The verdict: envelopes, trust, validity, status lists, content, and their precedence."""

from __future__ import annotations

import base64
import copy
import functools
import gzip
import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone

import pytest
from cryptography import x509

from conftest import DEMO, REFERENCE, ROOT

from batterypass.issuing.assemble import build_passport
from batterypass.securing.credential import passport_credential
from batterypass.errors import InvalidInputError
from batterypass.securing.jose import compact_json, envelope, unwrap_envelope
from batterypass.jsonio import MAX_DOCUMENT_BYTES
from batterypass.securing.keys import (
    IssuerIdentity,
    b64url_encode,
    did_document,
    did_key_from_public_key,
    did_key_verification_method,
    generate_issuer_key,
    identity_from_did_document,
    load_signer,
)
from batterypass.securing.signing import sign_credential
from batterypass.securing.status_list import (
    MAX_BITSTRING_BYTES,
    MIN_BITSTRING_BYTES,
    decode_bitstring,
    encode_bitstring,
    make_status_list,
    status_entries,
    status_list_from_credential,
)
from batterypass.verifying.trust import TrustStore
from batterypass.verifying.verification import Status, verify

SIGNED_JCS = REFERENCE / "test-vectors" / "w3c-vc-di-eddsa" / "eddsa-jcs-2022" / "signedJCS.json"
W3C_ISSUER = "https://vc.example/issuers/5678"
W3C_METHOD = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"

ISSUER = "did:web:aurora-cells.example"
NOW = datetime(2027, 6, 1, tzinfo=timezone.utc)
LIST_URL = "https://aurora-cells.example/status/1"

CREDENTIAL = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "id": "urn:uuid:6a1f6d52-9d3b-4d0c-8d52-0c3f5e2b7a10",
    "type": ["VerifiableCredential", "ProductPassport"],
    "issuer": {"id": "did:web:placeholder.example", "name": "Aurora Cells GmbH"},
    "validFrom": "2027-01-01T00:00:00Z",
    "credentialSubject": {"id": "urn:epc:id:sgtin:4012345.000001.1", "product": {"name": "cell", "massKg": 2.5}},
}


def _issuer(algorithm: str = "ed25519", issuer: str = ISSUER):
    key = generate_issuer_key(algorithm)
    document = did_document(issuer, key)
    return key, identity_from_did_document(document, key), document


def _sign(credential=CREDENTIAL, envelope_name="data-integrity", algorithm="ed25519", **changes):
    """A signed copy of ``credential`` (with ``changes``) and a trust store that trusts its issuer."""
    key, identity, document = _issuer(algorithm)
    unsigned = {**copy.deepcopy(credential), **changes}
    secured = sign_credential(unsigned, key, identity, envelope=envelope_name, created="2027-02-01T00:00:00Z")
    return secured, TrustStore.from_documents([document])


def _token(secured: dict) -> str:
    return unwrap_envelope(secured)


def _reassemble(header: dict, payload: dict, signature: str) -> str:
    return ".".join([b64url_encode(compact_json(header)), b64url_encode(compact_json(payload)), signature])


def _parts(token: str) -> tuple[dict, dict, str]:
    header, payload, signature = token.split(".")
    decode = lambda s: json.loads(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))  # noqa: E731
    return decode(header), decode(payload), signature


# --------------------------------------------------------------------------- W3C vector


def test_w3c_vector_is_valid_when_its_did_key_is_pinned_to_the_issuer():
    trust = TrustStore.from_documents([{"id": W3C_ISSUER, "assertionMethod": [W3C_METHOD]}])
    result = verify(SIGNED_JCS.read_bytes(), trust, now=NOW)
    assert result.status is Status.VALID, result.reasons
    assert result.exit_code == 0
    assert result.envelope == "data-integrity" and result.issuer == W3C_ISSUER
    assert result.content_checked is False and result.passport is None
    content = next(c for c in result.checks if c.name == "content")
    assert content.passed is None and content.detail == "not a battery passport credential, not checked"
    assert result.credential["credentialSubject"]["alumniOf"] == "The School of Examples"
    assert "proof" not in result.credential


def test_w3c_vector_is_from_an_unknown_issuer_without_a_trust_entry():
    result = verify(SIGNED_JCS.read_bytes(), TrustStore.empty(), now=NOW)
    assert result.status is Status.UNKNOWN_ISSUER and result.exit_code == 3
    assert "no trust-store entry ties it to issuer https://vc.example/issuers/5678" in result.reasons[0]
    assert next(c for c in result.checks if c.name == "signature").passed is True
    assert result.credential is None


def test_w3c_vector_altered_is_invalid():
    altered = SIGNED_JCS.read_bytes().replace(b"The School of Examples", b"The School of Exemples")
    trust = TrustStore.from_documents([{"id": W3C_ISSUER, "assertionMethod": [W3C_METHOD]}])
    result = verify(altered, trust, now=NOW)
    assert result.status is Status.INVALID
    assert "signature does not verify" in result.reasons[0]


# --------------------------------------------------------------------------- envelopes


@pytest.mark.parametrize("algorithm", ["ed25519", "p256"])
@pytest.mark.parametrize("bare", [False, True])
def test_jose_envelope_and_bare_jws(algorithm, bare):
    secured, trust = _sign(envelope_name="jose", algorithm=algorithm)
    document = _token(secured) if bare else secured
    result = verify(document, trust, now=NOW)
    assert result.status is Status.VALID, result.reasons
    assert result.envelope == "jose"
    assert result.credential["issuer"]["id"] == ISSUER
    # Bytes with surrounding whitespace, as read from a file.
    as_bytes = (f"{_token(secured)}\n" if bare else json.dumps(secured)).encode()
    assert verify(as_bytes, trust, now=NOW).status is Status.VALID


def test_x5c_chain_with_demo_material():
    key, identity = load_signer(DEMO / "issuer-p256" / "private.pem")
    chain_pem = (DEMO / "issuer-p256" / "cert-chain.pem").read_bytes()
    leaf_start = x509.load_pem_x509_certificates(chain_pem)[0].not_valid_before_utc
    issued = (leaf_start + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    secured = sign_credential({**CREDENTIAL, "validFrom": issued}, key, identity, envelope="jose", cert_chain_pem=chain_pem)
    now = leaf_start + timedelta(days=2)
    result = verify(secured, TrustStore.load(DEMO / "trust"), now=now)
    assert result.status is Status.VALID, result.reasons
    assert "trusted root" in next(c for c in result.checks if c.name == "trust").detail
    # Without the root, the same chain is untrusted; the signature itself still verifies.
    # The issuer is known by its DID document, which does not list the certificate's key.
    did_only = TrustStore.load(DEMO / "trust" / "aurora-cells.did.json")
    result = verify(secured, did_only, now=now)
    assert result.status is Status.UNLISTED_KEY
    assert next(c for c in result.checks if c.name == "signature").passed is True
    # Signed (validFrom) after the leaf expired: expired, exit 4.
    late = (leaf_start + timedelta(days=3700)).strftime("%Y-%m-%dT%H:%M:%SZ")
    secured = sign_credential({**CREDENTIAL, "validFrom": late}, key, identity, envelope="jose", cert_chain_pem=chain_pem)
    result = verify(secured, TrustStore.load(DEMO / "trust"), now=leaf_start + timedelta(days=3701))
    assert result.status is Status.EXPIRED and result.exit_code == 4


@pytest.mark.parametrize("alg", ["none", "HS256", "HS512", "EDDSA", "RS256 "])
def test_disallowed_algorithms_are_invalid(alg):
    secured, trust = _sign(envelope_name="jose")
    header, payload, _ = _parts(_token(secured))
    header["alg"] = alg
    signing_input = ".".join([b64url_encode(compact_json(header)), b64url_encode(compact_json(payload))])
    mac = hmac.new(b"secret", signing_input.encode(), hashlib.sha256).digest()
    for signature in ("", b64url_encode(mac)):
        result = verify(f"{signing_input}.{signature}", trust, now=NOW)
        assert result.status is Status.INVALID
        assert result.credential is None


def test_kid_must_belong_to_the_issuer():
    key, _, document = _issuer()
    other_kid = "did:web:other.example#" + key.kid
    secured = sign_credential(CREDENTIAL, key, IssuerIdentity(ISSUER, other_kid), envelope="jose")
    result = verify(secured, TrustStore.from_documents([document]), now=NOW)
    assert result.status is Status.INVALID
    assert "does not belong to issuer" in result.reasons[0]


def test_jws_without_kid_or_x5c_is_invalid():
    secured, trust = _sign(envelope_name="jose")
    header, payload, signature = _parts(_token(secured))
    del header["kid"]
    result = verify(_reassemble(header, payload, signature), trust, now=NOW)
    assert result.status is Status.INVALID and "neither kid nor x5c" in result.reasons[0]


def test_relative_kid_is_taken_relative_to_the_issuer():
    key, identity, document = _issuer()
    relative = IssuerIdentity(ISSUER, "#" + identity.verification_method.partition("#")[2])
    secured = sign_credential(CREDENTIAL, key, relative, envelope="jose")
    assert verify(secured, TrustStore.from_documents([document]), now=NOW).status is Status.VALID


# --------------------------------------------------------------------------- malformed input


def test_duplicate_keys_anywhere_are_invalid():
    secured, trust = _sign()
    text = json.dumps(secured)
    top = text.replace('"validFrom"', '"validFrom": "2020-01-01T00:00:00Z", "validFrom"', 1)
    nested = text.replace('"name": "cell"', '"name": "cell", "name": "cell"')
    for document in (top, nested, top.encode()):
        result = verify(document, trust, now=NOW)
        assert result.status is Status.INVALID
        assert "duplicate key" in result.reasons[0]


def test_duplicate_keys_in_jws_payload_are_invalid():
    secured, trust = _sign(envelope_name="jose")
    header, payload, signature = _token(secured).split(".")
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    doubled = raw.replace('"validFrom"', '"validFrom":"2020-01-01T00:00:00Z","validFrom"', 1)
    result = verify(f"{header}.{b64url_encode(doubled.encode())}.{signature}", trust, now=NOW)
    assert result.status is Status.INVALID and "duplicate key" in result.reasons[0]


def test_oversize_input_is_invalid():
    secured, trust = _sign()
    padded = json.dumps({**secured, "padding": "x" * MAX_DOCUMENT_BYTES}).encode()
    result = verify(padded, trust, now=NOW)
    assert result.status is Status.INVALID and "limit" in result.reasons[0]
    assert verify("ey" + "A" * (2 * MAX_DOCUMENT_BYTES), trust, now=NOW).status is Status.INVALID


@pytest.mark.parametrize(
    "document",
    [b"", b"hello", b"[1, 2]", b"\xff\xfe", "eyJhbGciOiJFZERTQSJ9", {"@context": [], "type": "VerifiableCredential"}, [1], 42],
)
def test_malformed_documents_are_invalid(document):
    result = verify(document, TrustStore.empty(), now=NOW)
    assert result.status is Status.INVALID and result.exit_code == 1
    assert result.reasons


def test_unsigned_credential_is_invalid():
    result = verify(CREDENTIAL, TrustStore.empty(), now=NOW)
    assert result.status is Status.INVALID and "not a secured credential" in result.reasons[0]


def test_credential_shape_is_checked():
    secured, trust = _sign(**{"@context": ["https://www.w3.org/2018/credentials/v1"], "validUntil": "soon"})
    result = verify(secured, trust, now=NOW)
    assert result.status is Status.INVALID
    assert any("$.@context" in r for r in result.reasons) and any("$.validUntil" in r for r in result.reasons)


def test_proof_over_a_different_document_is_invalid():
    secured, trust = _sign()
    other, _ = _sign(credentialSubject={"id": "urn:other"})
    swapped = {**other, "proof": secured["proof"]}
    result = verify(swapped, trust, now=NOW)
    assert result.status is Status.INVALID and "signature does not verify" in result.reasons[0]


def test_invalid_outranks_untrusted_and_keeps_both_reasons():
    key = generate_issuer_key()
    did = did_key_from_public_key(key.public_key)
    secured = sign_credential(CREDENTIAL, key, IssuerIdentity(did, did_key_verification_method(did)))
    secured["credentialSubject"]["product"]["massKg"] = 3.0
    result = verify(secured, TrustStore.empty(), now=NOW)
    assert result.status is Status.INVALID
    assert len(result.reasons) == 2
    assert "signature does not verify" in result.reasons[0] and "no trust-store entry" in result.reasons[1]
    assert result.issuer == did  # claimed, to say which document failed


def test_naive_now_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        verify(CREDENTIAL, TrustStore.empty(), now=datetime(2027, 1, 1))


# --------------------------------------------------------------------------- validity and rotation


def test_expired_and_not_yet_valid():
    secured, trust = _sign(validUntil="2027-05-01T00:00:00Z")
    result = verify(secured, trust, now=NOW)
    assert result.status is Status.EXPIRED and result.exit_code == 4
    assert result.reasons == ("expired: validUntil was 2027-05-01T00:00:00+00:00",)
    assert verify(secured, trust, now=datetime(2027, 4, 1, tzinfo=timezone.utc)).status is Status.VALID
    early = verify(secured, trust, now=datetime(2026, 12, 1, tzinfo=timezone.utc))
    assert early.status is Status.NOT_YET_VALID and early.exit_code == 8 and "not yet valid" in early.reasons[0]


def test_jwt_exp_claim_is_honoured():
    secured, trust = _sign(envelope_name="jose", exp=int(datetime(2027, 5, 1, tzinfo=timezone.utc).timestamp()))
    assert verify(secured, trust, now=NOW).status is Status.EXPIRED


def test_rotated_key_keeps_old_passports_valid():
    key, identity, document = _issuer()
    document["verificationMethod"][0]["validUntil"] = "2027-03-01T00:00:00Z"
    trust = TrustStore.from_documents([document])
    old = sign_credential(CREDENTIAL, key, identity, created="2027-02-01T00:00:00Z")
    assert verify(old, trust, now=NOW).status is Status.VALID
    forged_later = sign_credential(CREDENTIAL, key, identity, created="2027-04-01T00:00:00Z")
    result = verify(forged_later, trust, now=NOW)
    assert result.status is Status.UNLISTED_KEY and "retired" in result.reasons[0]


# --------------------------------------------------------------------------- status lists


def _with_status(index: int, purpose: str = "revocation", **extra) -> dict:
    entry = {"type": "BitstringStatusListEntry", "statusPurpose": purpose, "statusListIndex": str(index),
             "statusListCredential": LIST_URL, **extra}
    return {**CREDENTIAL, "credentialStatus": entry}


def _signed_pair(set_bits=(7,), purpose="revocation"):
    """A signed credential pointing at index 7 and a signed status list, same issuer."""
    key, identity, document = _issuer()
    credential = sign_credential(_with_status(7, purpose), key, identity, created="2027-02-01T00:00:00Z")
    status_list = make_status_list(set_bits, list_id=LIST_URL, issuer=ISSUER, purpose=purpose)
    signed_list = sign_credential(status_list, key, identity, created="2027-05-25T00:00:00Z")
    return credential, signed_list, TrustStore.from_documents([document])


def test_revoked_via_status_list():
    credential, status_list, trust = _signed_pair()
    result = verify(credential, trust, now=NOW, status_lists=[status_list])
    assert result.status is Status.REVOKED and result.exit_code == 5
    assert result.reasons[0].startswith("revoked: revocation entry 7 of " + LIST_URL)


def test_suspended_counts_as_revoked():
    credential, status_list, trust = _signed_pair(purpose="suspension")
    result = verify(credential, trust, now=NOW, status_lists=[status_list])
    assert result.status is Status.REVOKED and result.reasons[0].startswith("suspended")


def test_clear_bit_is_valid():
    credential, status_list, trust = _signed_pair(set_bits=(6, 8))
    result = verify(credential, trust, now=NOW, status_lists=[status_list], require_status=True)
    assert result.status is Status.VALID, result.reasons
    assert next(c for c in result.checks if c.name == "status").passed is True


def test_status_unknown_only_when_required():
    credential, _, trust = _signed_pair()
    relaxed = verify(credential, trust, now=NOW)
    assert relaxed.status is Status.VALID
    assert next(c for c in relaxed.checks if c.name == "status").passed is None
    strict = verify(credential, trust, now=NOW, require_status=True)
    assert strict.status is Status.STATUS_UNKNOWN and strict.exit_code == 6
    no_status, trust = _sign()
    assert verify(no_status, trust, now=NOW, require_status=True).status is Status.STATUS_UNKNOWN


def test_unsigned_or_foreign_status_lists_are_not_believed():
    key, identity, document = _issuer()
    stranger_key, stranger_identity, stranger_document = _issuer(issuer="did:web:stranger.example")
    trust = TrustStore.from_documents([document, stranger_document])
    credential = sign_credential(_with_status(7), key, identity, created="2027-02-01T00:00:00Z")
    unsigned = make_status_list([7], list_id=LIST_URL, issuer=ISSUER)
    result = verify(credential, trust, now=NOW, status_lists=[unsigned], require_status=True)
    assert result.status is Status.STATUS_UNKNOWN
    assert "status list [0] is invalid: not a secured credential" in result.reasons[0]
    foreign = sign_credential(make_status_list([7], list_id=LIST_URL, issuer=ISSUER), stranger_key, stranger_identity)
    result = verify(credential, trust, now=NOW, status_lists=[foreign], require_status=True)
    assert result.status is Status.STATUS_UNKNOWN
    assert "issued by did:web:stranger.example, not by did:web:aurora-cells.example" in result.reasons[0]


def test_expired_status_list_is_not_used():
    key, identity, document = _issuer()
    credential = sign_credential(_with_status(7), key, identity, created="2027-02-01T00:00:00Z")
    stale = make_status_list([], list_id=LIST_URL, issuer=ISSUER, valid_until=datetime(2027, 5, 1, tzinfo=timezone.utc))
    signed = sign_credential(stale, key, identity)
    result = verify(credential, TrustStore.from_documents([document]), now=NOW, status_lists=[signed], require_status=True)
    assert result.status is Status.STATUS_UNKNOWN and "is expired" in result.reasons[0]


def test_malformed_credential_status_is_invalid():
    secured, trust = _sign(credentialStatus={"type": "StatusList2021Entry", "statusListIndex": "1"})
    result = verify(secured, trust, now=NOW)
    assert result.status is Status.INVALID and "$.credentialStatus.type" in result.reasons[0]


def test_w3c_example_encoded_list_decodes_to_16384_zero_bytes():
    example = json.loads((REFERENCE / "test-vectors" / "w3c-bitstring-status-list" / "example_encodedList.json").read_text())
    bits = decode_bitstring(example["encodedList"])
    assert bits == bytes(16384)


def test_bit_order_is_most_significant_first():
    credential = make_status_list([0, 9, 131071], list_id=LIST_URL, issuer=ISSUER)
    decoded = status_list_from_credential(credential)
    assert decoded.bits[0] == 0x80 and decoded.bits[1] == 0x40 and decoded.bits[-1] == 0x01
    assert [i for i in range(decoded.size) if decoded.is_set(i)] == [0, 9, 131071]
    with pytest.raises(IndexError):
        decoded.is_set(131072)


def test_status_list_size_limits():
    with pytest.raises(ValueError, match="at least"):
        decode_bitstring(encode_bitstring(bytes(MIN_BITSTRING_BYTES - 1)))
    bomb = encode_bitstring(bytes(MAX_BITSTRING_BYTES + 1))
    assert len(bomb) < 40_000
    with pytest.raises(ValueError, match="expands beyond"):
        decode_bitstring(bomb)
    for bad in ("zabc", "u!!!", "u" + base64.urlsafe_b64encode(b"not gzip").decode().rstrip("="), 42):
        with pytest.raises(ValueError):
            decode_bitstring(bad)
    with pytest.raises(ValueError):
        make_status_list([], size=1000, list_id=LIST_URL, issuer=ISSUER)
    with pytest.raises(ValueError):
        make_status_list([131072], list_id=LIST_URL, issuer=ISSUER)


def test_encoded_list_is_gzip_multibase():
    encoded = make_status_list([3], list_id=LIST_URL, issuer=ISSUER)["credentialSubject"]["encodedList"]
    assert encoded.startswith("u") and "=" not in encoded
    assert gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "==="))[0] == 0x10


def test_status_entries_accept_string_and_integer_indexes():
    assert status_entries(_with_status(60))[0].index == 60
    as_int = {**CREDENTIAL, "credentialStatus": [{**_with_status(0)["credentialStatus"], "statusListIndex": 61}]}
    assert status_entries(as_int)[0].index == 61
    with pytest.raises(InvalidInputError) as exc:
        status_entries({"credentialStatus": [{**_with_status(0)["credentialStatus"], "statusListIndex": "-1"}]})
    assert exc.value.problems[0].path == "$.credentialStatus[0].statusListIndex"


# --------------------------------------------------------------------------- battery passports


def _passport_credential() -> dict:
    fixture = json.loads((ROOT / "fixtures" / "ev-pack.json").read_text(encoding="utf-8"))
    return passport_credential(build_passport(fixture), issued_at=datetime(2027, 2, 1, tzinfo=timezone.utc))


def test_battery_passport_is_content_checked_and_summarised():
    secured, trust = _sign(_passport_credential())
    result = verify(secured, trust, now=NOW)
    assert result.status is Status.VALID, result.reasons
    assert result.content_checked and result.passport is not None
    assert result.passport_id == result.passport.id == secured["id"]
    report = result.to_dict()
    assert set(report) == {"status", "exitCode", "reasons", "checks", "envelope", "issuer", "passportId", "audience", "battery", "contentChecked", "nextStep", "operator"}
    assert report["status"] == "valid" and report["exitCode"] == 0
    assert report["battery"]["manufacturer"] and report["battery"]["batteryCategory"] == "ev"
    json.dumps(report)


@pytest.mark.parametrize(("extra", "refusal"), [
    (functools.reduce(lambda inner, _: {"x": inner}, range(70), {}), "nested deeper than 64 levels"),
    (list(range(10_001)), "holds 10001 items, more than the 10000 allowed"),
])
def test_a_passport_beyond_the_models_bounds_is_refused_read_from_a_file_too(extra, refusal):
    # A file is read in one pass that also shows most passports within the bounds (and the
    # walk is skipped): one beyond them must still be refused, for the same reason as parsed.
    credential = _passport_credential()
    credential["credentialSubject"]["unexpected"] = extra
    secured, trust = _sign(credential)
    for document in (secured, json.dumps(secured).encode()):
        result = verify(document, trust, now=NOW)
        assert result.status is Status.INVALID
        assert refusal in result.reasons[0]


def test_battery_passport_with_bad_content_is_invalid_and_hands_nothing_on():
    credential = _passport_credential()
    credential["credentialSubject"]["generalProductInformation"]["batteryMass"] = -1
    secured, trust = _sign(credential)
    result = verify(secured, trust, now=NOW)
    assert result.status is Status.INVALID and result.content_checked
    assert result.reasons[0].startswith("schema violation at $.credentialSubject.generalProductInformation.batteryMass")
    assert result.passport is None and result.credential is None
    assert result.to_dict()["battery"] is None
    assert result.passport_id == credential["credentialSubject"]["id"]


def test_status_values_and_exit_codes_are_stable():
    assert {s.value: s.exit_code for s in Status} == {
        "valid": 0, "invalid": 1, "unknown-issuer": 3, "expired": 4, "revoked": 5, "status-unknown": 6,
        "unlisted-key": 7, "not-yet-valid": 8, "unsupported": 9,
    }


def test_enveloped_jws_must_be_well_formed():
    secured, trust = _sign(envelope_name="jose")
    assert verify({**secured, "id": "data:application/jwt," + _token(secured)}, trust, now=NOW).status is Status.INVALID
    assert verify(envelope(_token(secured)), trust, now=NOW).status is Status.VALID
