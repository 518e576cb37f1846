from __future__ import annotations

import json
import os
import pickle
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from conftest import VECTORS

from batterypass.errors import KeyFileError
from batterypass.securing.keys import (
    ALGORITHMS,
    IssuerIdentity,
    KeyFormatError,
    did_document,
    did_key_from_public_key,
    did_key_verification_method,
    generate_issuer_key,
    identity_from_did_document,
    issuer_key_from_jwk,
    issuer_key_from_multibase,
    jwk_from_public_key,
    jwk_thumbprint,
    load_issuer_key,
    load_signer,
    multibase_from_public_key,
    public_key_from_did_key,
    public_key_from_jwk,
    public_key_from_multibase,
    same_public_key,
    validate_issuer_id,
    verification_method_public_key,
    write_key_directory,
)



@pytest.fixture(scope="module")
def jose_vectors() -> dict:
    return json.loads((VECTORS / "jose-rfc" / "jose_rfc_vectors.json").read_text())


@pytest.fixture(scope="module")
def di_key_pair() -> dict:
    return json.loads((VECTORS / "w3c-vc-di-eddsa" / "keyPair.json").read_text())


@pytest.fixture(params=ALGORITHMS)
def key(request):
    return generate_issuer_key(request.param)


# ---------------------------------------------------------------- JWK and thumbprints


def test_rfc8037_thumbprint(jose_vectors):
    vector = jose_vectors["rfc8037_A4_ed25519"]
    key = issuer_key_from_jwk(vector["jwk_private"])
    assert key.kid == vector["jwk_thumbprint_sha256"] == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    assert jwk_thumbprint(vector["jwk_private"]) == vector["jwk_thumbprint_sha256"]
    public = key.public_jwk
    assert "d" not in public
    assert public == {k: v for k, v in vector["jwk_private"].items() if k != "d"} | {"kid": key.kid}


def test_rfc7515_p256_jwk(jose_vectors):
    jwk = jose_vectors["rfc7515_A3_es256"]["jwk_private"]
    key = issuer_key_from_jwk(jwk)
    assert (key.algorithm, key.jws_alg) == ("p256", "ES256")
    assert jwk_from_public_key(key.public_key) == {k: jwk[k] for k in ("kty", "crv", "x", "y")}


def test_jwk_round_trip_ignores_private_member(key):
    jwk = key.public_jwk
    assert same_public_key(public_key_from_jwk(jwk), key.public_key)
    assert same_public_key(public_key_from_jwk({**jwk, "d": "ignored"}), key.public_key)
    assert jwk["kid"] == jwk_thumbprint(jwk) == key.kid


@pytest.mark.parametrize(
    "jwk",
    [
        {"kty": "RSA", "n": "AQAB", "e": "AQAB"},
        {"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"},
        {"kty": "OKP", "crv": "X25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
        {"kty": "oct", "k": "c2VjcmV0"},
        {"kty": "OKP", "crv": "Ed25519"},
        {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo="},
        {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
        {"kty": "OKP", "crv": "Ed25519", "x": "AAAA"},
        {
            "kty": "EC",
            "crv": "P-256",
            "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
            "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5aA",
        },
        ["not", "an", "object"],
    ],
    ids=["rsa", "p384", "x25519", "oct", "no-x", "padded", "std-alphabet", "short", "off-curve", "list"],
)
def test_public_key_from_jwk_rejects(jwk):
    with pytest.raises(KeyFormatError) as info:
        public_key_from_jwk(jwk)
    assert isinstance(info.value, ValueError)


def test_private_jwk_must_be_consistent(jose_vectors):
    jwk = dict(jose_vectors["rfc8037_A4_ed25519"]["jwk_private"])
    with pytest.raises(KeyFormatError, match="no private member"):
        issuer_key_from_jwk({k: v for k, v in jwk.items() if k != "d"})
    other = generate_issuer_key("ed25519").public_jwk["x"]
    with pytest.raises(KeyFormatError, match="do not match") as info:
        issuer_key_from_jwk({**jwk, "x": other})
    assert jwk["d"] not in str(info.value)


# ---------------------------------------------------------------- Multikey and did:key


def test_multikey_reproduces_vc_di_eddsa_key_pair(di_key_pair):
    key = issuer_key_from_multibase(di_key_pair["privateKeyMultibase"])
    assert multibase_from_public_key(key.public_key) == di_key_pair["publicKeyMultibase"]
    did = did_key_from_public_key(key.public_key)
    assert did == "did:key:" + di_key_pair["publicKeyMultibase"]
    config = json.loads((VECTORS / "w3c-vc-di-eddsa" / "eddsa-jcs-2022" / "proofConfigJCS.json").read_text())
    assert did_key_verification_method(did) == config["verificationMethod"]
    assert same_public_key(public_key_from_did_key(config["verificationMethod"]), key.public_key)


def test_multikey_round_trip(key):
    value = multibase_from_public_key(key.public_key)
    assert value.startswith("z6Mk" if key.algorithm == "ed25519" else "zDn")
    assert same_public_key(public_key_from_multibase(value), key.public_key)
    did = did_key_from_public_key(key.public_key)
    assert same_public_key(public_key_from_did_key(did), key.public_key)
    assert did_key_verification_method(did) == f"{did}#{value}"


@pytest.mark.parametrize(
    "value",
    [
        "6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",  # no multibase prefix
        "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ",  # truncated
        "z0OIl",  # not base58btc
        "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq",  # a private key
        "",
    ],
)
def test_public_key_from_multibase_rejects(value):
    with pytest.raises(KeyFormatError):
        public_key_from_multibase(value)


def test_did_key_rejects(di_key_pair):
    mb = di_key_pair["publicKeyMultibase"]
    other = multibase_from_public_key(generate_issuer_key().public_key)
    for bad in (f"did:web:example.com#{mb}", f"did:key:{mb}#{other}", mb):
        with pytest.raises(KeyFormatError):
            public_key_from_did_key(bad)


def test_private_multibase_rejects_public_key(di_key_pair):
    with pytest.raises(KeyFormatError):
        issuer_key_from_multibase(di_key_pair["publicKeyMultibase"])


# ---------------------------------------------------------------- IssuerKey


def test_sign_verifies_with_public_key(key):
    signature = key.sign(b"message")
    assert len(signature) == 64
    if key.algorithm == "ed25519":
        key.public_key.verify(signature, b"message")
    else:
        der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
        key.public_key.verify(der, b"message", ec.ECDSA(hashes.SHA256()))


def test_repr_and_pickle_do_not_leak(key):
    text = repr(key)
    assert text == f"IssuerKey(algorithm={key.algorithm!r}, kid={key.kid!r})"
    with pytest.raises(TypeError):
        pickle.dumps(key)


def test_unknown_algorithm():
    with pytest.raises(KeyFileError, match="rsa"):
        generate_issuer_key("rsa")


def test_pem_round_trip(tmp_path, key):
    path = tmp_path / "k.pem"
    path.write_bytes(key.export_private_pem())
    assert load_issuer_key(path).kid == key.kid
    path.write_bytes(key.export_private_pem(b"correct horse"))
    assert b"ENCRYPTED" in path.read_bytes()
    assert load_issuer_key(path, b"correct horse").kid == key.kid


def _load_error(path: Path, passphrase: bytes | None = None) -> str:
    with pytest.raises(KeyFileError) as info:
        load_issuer_key(path, passphrase)
    return str(info.value)


def test_load_errors(tmp_path):
    key = generate_issuer_key()
    assert "no such key file" in _load_error(tmp_path / "missing.pem")
    (tmp_path / "junk").write_bytes(b"hello")
    assert "not a PEM file" in _load_error(tmp_path / "junk")
    public = key.public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    (tmp_path / "pub.pem").write_bytes(public)
    assert "PUBLIC KEY, not a private key" in _load_error(tmp_path / "pub.pem")
    (tmp_path / "enc.pem").write_bytes(key.export_private_pem(b"secret-pass"))
    assert "passphrase is needed" in _load_error(tmp_path / "enc.pem")
    message = _load_error(tmp_path / "enc.pem", b"wrong-pass")
    assert "wrong passphrase" in message and "wrong-pass" not in message and "secret-pass" not in message
    (tmp_path / "plain.pem").write_bytes(key.export_private_pem())
    assert "not encrypted" in _load_error(tmp_path / "plain.pem", b"pass")
    corrupt = key.export_private_pem().replace(b"MC4CAQ", b"MC4CAA")
    (tmp_path / "corrupt.pem").write_bytes(corrupt)
    assert "malformed" in _load_error(tmp_path / "corrupt.pem")


@pytest.mark.parametrize(
    "private_key",
    [
        lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
        lambda: ec.generate_private_key(ec.SECP384R1()),
    ],
    ids=["rsa", "p384"],
)
def test_load_rejects_unsupported_keys(tmp_path, private_key):
    pem = private_key().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (tmp_path / "k.pem").write_bytes(pem)
    message = _load_error(tmp_path / "k.pem")
    assert "unsupported" in message and "Ed25519 or P-256" in message
    assert "PRIVATE" not in message


# ---------------------------------------------------------------- identity


@pytest.mark.parametrize(
    "issuer_id",
    ["did:web:example.com", "did:web:example.com%3A8443:issuers:acme", "https://acme.example/issuer"],
)
def test_validate_issuer_id_accepts(issuer_id):
    assert validate_issuer_id(issuer_id) == issuer_id


@pytest.mark.parametrize(
    "issuer_id",
    ["did:example:123", "http://acme.example", "https://", "did:web:exa mple.com", "did:key:zNope", "", None, 3],
)
def test_validate_issuer_id_rejects(issuer_id):
    with pytest.raises(KeyFormatError):
        validate_issuer_id(issuer_id)


def test_did_document_did_web(key):
    doc = did_document("did:web:acme.example", key)
    method_id = f"did:web:acme.example#{key.kid}"
    assert doc["@context"] == ["https://www.w3.org/ns/did/v1", "https://www.w3.org/ns/cid/v1"]
    assert doc["id"] == "did:web:acme.example"
    assert doc["verificationMethod"] == [
        {"id": method_id, "type": "JsonWebKey", "controller": "did:web:acme.example", "publicKeyJwk": key.public_jwk}
    ]
    assert doc["assertionMethod"] == [method_id]
    assert identity_from_did_document(doc, key) == IssuerIdentity("did:web:acme.example", method_id)


def test_did_document_https_and_did_key(key):
    https = did_document("https://acme.example/issuer", key)
    assert https["@context"] == ["https://www.w3.org/ns/cid/v1"]
    default = did_document(None, key)
    did = did_key_from_public_key(key.public_key)
    assert default["id"] == did
    assert default["assertionMethod"] == [did_key_verification_method(did)]
    with pytest.raises(KeyFileError, match="different key"):
        did_document(did_key_from_public_key(generate_issuer_key().public_key), key)


def test_identity_resolves_relative_references_and_multikey():
    key = generate_issuer_key()
    old = generate_issuer_key()
    doc = {
        "id": "did:web:acme.example",
        "verificationMethod": [
            {"id": "#old", "type": "Multikey", "publicKeyMultibase": multibase_from_public_key(old.public_key)},
            {"id": "#new", "type": "Multikey", "publicKeyMultibase": multibase_from_public_key(key.public_key)},
        ],
        "assertionMethod": ["#old", "#new"],
    }
    assert identity_from_did_document(doc, key) == IssuerIdentity("did:web:acme.example", "did:web:acme.example#new")


def test_identity_requires_assertion_method(key):
    doc = did_document("did:web:acme.example", key)
    with pytest.raises(KeyFileError, match="no assertionMethod"):
        identity_from_did_document({**doc, "assertionMethod": []}, key)
    with pytest.raises(KeyFileError, match="no assertionMethod"):
        identity_from_did_document(doc, generate_issuer_key(key.algorithm))


# ---------------------------------------------------------------- key directory


def test_write_key_directory_and_load_signer(tmp_path, key):
    keydir = tmp_path / "keys"
    paths = write_key_directory(keydir, key, "did:web:acme.example", passphrase=b"pw")
    assert {p.name for p in paths.values()} == {"private.pem", "public.jwk.json", "did.json"}
    assert stat.S_IMODE(os.stat(paths["private_key"]).st_mode) == 0o600
    assert json.loads(paths["public_jwk"].read_text()) == key.public_jwk
    loaded, identity = load_signer(paths["private_key"], b"pw")
    assert loaded.kid == key.kid
    assert identity == IssuerIdentity("did:web:acme.example", f"did:web:acme.example#{key.kid}")
    with pytest.raises(KeyFileError, match="refusing to overwrite"):
        write_key_directory(keydir, generate_issuer_key(), "did:web:acme.example")
    assert load_issuer_key(paths["private_key"], b"pw").kid == key.kid


def test_write_key_directory_validates_before_writing(tmp_path, key):
    with pytest.raises(KeyFormatError):
        write_key_directory(tmp_path / "k", key, "did:example:nope")
    assert not (tmp_path / "k").exists()


def test_load_signer_without_did_document_is_an_error(tmp_path, key):
    # Falling back to the key's did:key would silently change who signs.
    (tmp_path / "private.pem").write_bytes(key.export_private_pem())
    with pytest.raises(KeyFileError, match="did.json: missing"):
        load_signer(tmp_path / "private.pem")


def test_load_signer_rejects_foreign_did_document(tmp_path, key):
    write_key_directory(tmp_path, generate_issuer_key(key.algorithm), "did:web:acme.example")
    (tmp_path / "private.pem").write_bytes(key.export_private_pem())
    with pytest.raises(KeyFileError, match="did.json"):
        load_signer(tmp_path / "private.pem")


def test_verification_method_public_key():
    key = generate_issuer_key("p256")
    assert same_public_key(verification_method_public_key({"publicKeyJwk": key.public_jwk}), key.public_key)
    with pytest.raises(KeyFormatError, match="private key"):
        verification_method_public_key({"publicKeyJwk": {**key.public_jwk, "d": "AAAA"}})
    with pytest.raises(KeyFormatError, match="neither"):
        verification_method_public_key({"type": "JsonWebKey"})


def test_same_public_key_is_false_for_unsupported_keys():
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    assert not same_public_key(rsa_key, generate_issuer_key().public_key)
