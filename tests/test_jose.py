from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from conftest import VECTORS

from batterypass.securing.jose import (
    ALLOWED_ALGORITHMS,
    JoseError,
    ParsedJws,
    envelope,
    parse_compact,
    sign_compact,
    sign_vc_jwt,
    unwrap_envelope,
    vc_payload,
    verify_signature,
)
from batterypass.securing.keys import (
    KeyAlgorithmError,
    generate_issuer_key,
    issuer_key_from_jwk,
    public_key_from_jwk,
)

CREDENTIAL = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential"],
    "issuer": "did:web:acme.example",
    "credentialSubject": {"id": "urn:uuid:1", "name": "Zürich cell", "massKg": 12.5},
}


def b64(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def vectors() -> dict:
    return json.loads((VECTORS / "jose-rfc" / "jose_rfc_vectors.json").read_text())


@pytest.fixture(params=["ed25519", "p256"])
def key(request):
    return generate_issuer_key(request.param)


def _token_with_header(header_json: str, key) -> str:
    signing_input = f"{b64(header_json)}.{b64(json.dumps(CREDENTIAL))}"
    return f"{signing_input}.{b64(key.sign(signing_input.encode()))}"


# ---------------------------------------------------------------- RFC vectors


def test_rfc8037_a4_byte_exact(vectors):
    vector = vectors["rfc8037_A4_ed25519"]
    key = issuer_key_from_jwk(vector["jwk_private"])
    token = sign_compact(json.loads(vector["protected_header_json"]), vector["payload_utf8"].encode(), key)
    assert token == vector["jws_compact"]
    assert token.split(".")[0] == "eyJhbGciOiJFZERTQSJ9"
    parsed = parse_compact(token)
    assert parsed.header == {"alg": "EdDSA"}
    assert parsed.payload == vector["payload_utf8"].encode()
    verify_signature(parsed, key.public_key)
    assert key.kid == vector["jwk_thumbprint_sha256"]


def test_rfc7515_a3_es256_verifies(vectors):
    vector = vectors["rfc7515_A3_es256"]
    parsed = parse_compact(vector["jws_compact"])
    assert parsed.header == {"alg": "ES256"}
    assert b"\r\n" in parsed.payload
    verify_signature(parsed, public_key_from_jwk(vector["jwk_private"]))


def test_rfc7515_a3_tampered_payload_fails(vectors):
    vector = vectors["rfc7515_A3_es256"]
    header, _, signature = vector["jws_compact"].split(".")
    forged = b64(json.dumps({"iss": "eve"}))
    parsed = parse_compact(f"{header}.{forged}.{signature}")
    with pytest.raises(JoseError, match="does not verify"):
        verify_signature(parsed, public_key_from_jwk(vector["jwk_private"]))


# ---------------------------------------------------------------- round trips


def test_vc_jwt_round_trip(key):
    kid = f"did:web:acme.example#{key.kid}"
    token = sign_vc_jwt(CREDENTIAL, key, kid)
    parsed = parse_compact(token)
    assert parsed.header == {"alg": key.jws_alg, "typ": "vc+jwt", "cty": "vc", "kid": kid}
    assert list(parsed.header) == ["alg", "typ", "cty", "kid"]
    verify_signature(parsed, key.public_key)
    assert vc_payload(parsed) == CREDENTIAL
    assert parsed.payload == json.dumps(CREDENTIAL, separators=(",", ":"), ensure_ascii=False).encode()
    assert len(parsed.signature) == 64


def test_vc_jwt_x5c_header():
    key = generate_issuer_key("p256")
    parsed = parse_compact(sign_vc_jwt(CREDENTIAL, key, "k", x5c=["MIIB", "MIIC"]))
    assert parsed.header["x5c"] == ["MIIB", "MIIC"]


def test_ed25519_alias_accepted():
    key = generate_issuer_key("ed25519")
    parsed = parse_compact(sign_compact({"alg": "Ed25519", "typ": "vc+jwt"}, b"{}", key))
    verify_signature(parsed, key.public_key)
    assert set(ALLOWED_ALGORITHMS) == {"EdDSA", "Ed25519", "ES256"}


def test_sign_compact_refuses_mismatched_alg():
    with pytest.raises(KeyAlgorithmError, match="ES256"):
        sign_compact({"alg": "ES256"}, b"x", generate_issuer_key("ed25519"))
    with pytest.raises(KeyAlgorithmError, match="none"):
        sign_compact({"alg": "none"}, b"x", generate_issuer_key("ed25519"))


# ---------------------------------------------------------------- rejections


@pytest.mark.parametrize("alg", ["none", "HS256", "EDDSA", "es256"])
def test_disallowed_alg_rejected(alg):
    token = f"{b64(json.dumps({'alg': alg}))}.{b64('{}')}.{b64(b'x' * 64)}"
    with pytest.raises(JoseError, match=f"alg '{alg}' is not allowed") as raised:
        parse_compact(token)
    assert not raised.value.unsupported


@pytest.mark.parametrize("alg", ["RS256", "ES384", "PS256", "ES256K", "Ed448"])
def test_registered_but_unimplemented_alg_is_unsupported(alg):
    token = f"{b64(json.dumps({'alg': alg}))}.{b64('{}')}.{b64(b'x' * 64)}"
    with pytest.raises(JoseError, match=f"alg {alg} is not supported") as raised:
        parse_compact(token)
    assert raised.value.unsupported


def test_missing_alg_rejected():
    with pytest.raises(JoseError, match="alg None is not allowed"):
        parse_compact(f"{b64('{}')}.{b64('{}')}.{b64(b'x' * 64)}")


def test_alg_none_with_empty_signature_rejected():
    with pytest.raises(JoseError):
        parse_compact(f"{b64(json.dumps({'alg': 'none'}))}.{b64('{}')}.")


def test_duplicate_header_member_rejected():
    key = generate_issuer_key("ed25519")
    token = _token_with_header('{"alg":"EdDSA","alg":"none","typ":"vc+jwt"}', key)
    with pytest.raises(JoseError, match="duplicate key 'alg'"):
        parse_compact(token)


def test_crit_rejected():
    key = generate_issuer_key("ed25519")
    token = _token_with_header('{"alg":"EdDSA","b64":false,"crit":["b64"]}', key)
    with pytest.raises(JoseError, match="crit"):
        parse_compact(token)


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("a.b", "3 dot-separated parts"),
        ("a.b.c.d", "3 dot-separated parts"),
        ("eyJhbGciOiJFZERTQSJ9.e30=.AAAA", "base64url"),
        ("eyJhbGciOiJFZERTQSJ9.e30.AA+A", "base64url"),
        ("W10.e30.AAAA", "not a JSON object"),
        ("bm90IGpzb24.e30.AAAA", "malformed JSON"),
        ("eyJhbGciOiJFZERTQSJ9.e30.A", "base64url"),
    ],
)
def test_malformed_tokens(token, reason):
    with pytest.raises(JoseError, match=reason):
        parse_compact(token)


def test_oversize_token_rejected():
    with pytest.raises(JoseError, match="limit"):
        parse_compact("e" * 2_000_000)


def test_tampered_header_fails(key):
    token = sign_vc_jwt(CREDENTIAL, key, "did:web:acme.example#1")
    _, payload, signature = token.split(".")
    header = b64(json.dumps({"alg": key.jws_alg, "typ": "vc+jwt", "cty": "vc", "kid": "did:web:eve.example#1"}))
    with pytest.raises(JoseError, match="does not verify"):
        verify_signature(parse_compact(f"{header}.{payload}.{signature}"), key.public_key)


def test_tampered_payload_fails(key):
    header, _, signature = sign_vc_jwt(CREDENTIAL, key, "k").split(".")
    forged = b64(json.dumps({**CREDENTIAL, "issuer": "did:web:eve.example"}))
    with pytest.raises(JoseError, match="does not verify"):
        verify_signature(parse_compact(f"{header}.{forged}.{signature}"), key.public_key)


def test_wrong_key_fails(key):
    parsed = parse_compact(sign_vc_jwt(CREDENTIAL, key, "k"))
    with pytest.raises(JoseError, match="does not verify"):
        verify_signature(parsed, generate_issuer_key(key.algorithm).public_key)


def test_wrong_key_type_rejected(key):
    parsed = parse_compact(sign_vc_jwt(CREDENTIAL, key, "k"))
    other = generate_issuer_key("p256" if key.algorithm == "ed25519" else "ed25519")
    with pytest.raises(JoseError, match="needs an? (Ed25519|P-256) key"):
        verify_signature(parsed, other.public_key)


@pytest.mark.parametrize("length", [63, 65, 72])
def test_signature_of_wrong_length_rejected(key, length):
    header, payload, _ = sign_vc_jwt(CREDENTIAL, key, "k").split(".")
    signature = b64(bytes([1]) * length)
    parsed = parse_compact(f"{header}.{payload}.{signature}")
    with pytest.raises(JoseError, match=f"{length} bytes"):
        verify_signature(parsed, key.public_key)


def test_es256_der_signature_rejected():
    # A DER-encoded ECDSA signature (as some libraries wrongly emit) is not a JWS signature.
    key = generate_issuer_key("p256")
    header, payload, signature = sign_vc_jwt(CREDENTIAL, key, "k").split(".")
    raw = base64.urlsafe_b64decode(signature + "==")
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    with pytest.raises(JoseError, match="expected 64"):
        verify_signature(parse_compact(f"{header}.{payload}.{b64(der)}"), key.public_key)


@pytest.mark.parametrize(
    ("header", "payload", "reason"),
    [
        ({"alg": "EdDSA"}, b"{}", "typ is None"),
        ({"alg": "EdDSA", "typ": "JWT"}, b"{}", "typ is 'JWT'"),
        ({"alg": "EdDSA", "typ": "vc+jwt", "cty": "vp"}, b"{}", "cty is 'vp'"),
        ({"alg": "EdDSA", "typ": "vc+jwt"}, b"[1]", "not a JSON object"),
        ({"alg": "EdDSA", "typ": "vc+jwt"}, b'{"a":1,"a":2}', "duplicate key"),
        ({"alg": "EdDSA", "typ": "vc+jwt"}, b"{\"a\":NaN}", "NaN"),
    ],
)
def test_vc_payload_rejects(header, payload, reason):
    parsed = ParsedJws(token="", header=header, payload=payload, signature=b"")
    with pytest.raises(JoseError, match=reason):
        vc_payload(parsed)


# ---------------------------------------------------------------- envelope


def test_envelope_round_trip(key):
    token = sign_vc_jwt(CREDENTIAL, key, "k")
    wrapped = envelope(token)
    assert wrapped == {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": "EnvelopedVerifiableCredential",
        "id": "data:application/vc+jwt," + token,
    }
    assert unwrap_envelope(json.loads(json.dumps(wrapped))) == token


@pytest.mark.parametrize(
    "change",
    [
        {"type": "VerifiableCredential"},
        {"type": ["EnvelopedVerifiableCredential"]},
        {"id": "data:application/vc+sd-jwt,abc"},
        {"id": "data:application/vc+jwt;base64,abc"},
        {"id": "data:application/vc+jwt,"},
        {"id": 7},
        {"@context": ["https://www.w3.org/2018/credentials/v1"]},
        {"@context": "https://www.w3.org/ns/credentials/v2"},
    ],
)
def test_bad_envelope_rejected(change):
    with pytest.raises(JoseError):
        unwrap_envelope({**envelope("a.b.c"), **change})


def test_envelope_must_be_object():
    with pytest.raises(JoseError):
        unwrap_envelope("data:application/vc+jwt,a.b.c")
