from __future__ import annotations

import copy
import json

import base58
import pytest
import rfc8785
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import VECTORS

from batterypass.securing.data_integrity import (
    ProofError,
    add_proof,
    canonical_json,
    hash_data,
    proof_config,
    proof_verification_method,
    verify_proof,
)
from batterypass.errors import InvalidInputError
from batterypass.securing.keys import (
    KeyAlgorithmError,
    did_key_from_public_key,
    did_key_verification_method,
    generate_issuer_key,
    issuer_key_from_multibase,
    public_key_from_did_key,
)

DI = VECTORS / "w3c-vc-di-eddsa"
JCS = DI / "eddsa-jcs-2022"
RFC8785 = VECTORS / "rfc8785" / "testdata"

ED_KEY = generate_issuer_key("ed25519")
ED_METHOD = did_key_verification_method(did_key_from_public_key(ED_KEY.public_key))


def _text(name: str) -> str:
    return (JCS / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def vector() -> dict:
    key_pair = json.loads((DI / "keyPair.json").read_text())
    config = json.loads(_text("proofConfigJCS.json"))
    return {
        "key": issuer_key_from_multibase(key_pair["privateKeyMultibase"]),
        "unsigned": json.loads((DI / "unsigned.json").read_text()),
        "signed_text": _text("signedJCS.json"),
        "signed": json.loads(_text("signedJCS.json")),
        "config": config,
        "method": config["verificationMethod"],
        "created": config["created"],
    }


# ---------------------------------------------------------------- W3C test vectors, byte for byte


def test_canonical_document(vector):
    assert canonical_json(vector["unsigned"]) == _text("canonDocJCS.txt").encode("utf-8")


def test_proof_config(vector):
    config = proof_config(vector["unsigned"], vector["method"], vector["created"])
    assert config == vector["config"]
    assert canonical_json(config) == _text("proofCanonJCS.txt").encode("utf-8")


def test_hashes(vector):
    data = hash_data(vector["config"], vector["unsigned"])
    assert data[:32].hex() == _text("proofHashJCS.txt")
    assert data[32:].hex() == _text("docHashJCS.txt")
    assert data.hex() == _text("combinedHashJCS.txt")


def test_signature(vector):
    signature = vector["key"].sign(hash_data(vector["config"], vector["unsigned"]))
    assert signature.hex() == _text("sigHexJCS.txt")
    assert "z" + base58.b58encode(signature).decode() == _text("sigBTC58JCS.txt")


def test_add_proof_reproduces_signed_vector(vector):
    unsigned_before = copy.deepcopy(vector["unsigned"])
    signed = add_proof(vector["unsigned"], vector["key"], vector["method"], vector["created"])
    assert signed == vector["signed"]
    # Same member order too: the serialisation matches the published file byte for byte.
    assert json.dumps(signed, indent=2) == vector["signed_text"]
    assert vector["unsigned"] == unsigned_before
    assert "proof" not in vector["unsigned"]


def test_verify_signed_vector_with_did_key(vector):
    signed = vector["signed"]
    method = proof_verification_method(signed)
    assert method == vector["method"]
    verify_proof(signed, public_key_from_did_key(method))


# ---------------------------------------------------------------- tampering


def _tampered(signed: dict, change) -> dict:
    doc = copy.deepcopy(signed)
    change(doc)
    return doc


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["credentialSubject"].__setitem__("alumniOf", "Another School"),
        lambda d: d["proof"].__setitem__("created", "2023-02-24T23:36:39Z"),
        lambda d: d.__setitem__("validFrom", "2024-01-01T00:00:00Z"),
        lambda d: d["credentialSubject"].__setitem__("extra", True),
        lambda d: d.__delitem__("name"),
        lambda d: d["proof"].__setitem__("verificationMethod", d["proof"]["verificationMethod"] + "x"),
        lambda d: d["proof"].__setitem__("expires", "2030-01-01T00:00:00Z"),
    ],
    ids=["subject", "created", "validFrom", "added-member", "removed-member", "method", "added-proof-member"],
)
def test_tampering_fails(vector, change):
    with pytest.raises(ProofError, match="does not verify"):
        verify_proof(_tampered(vector["signed"], change), public_key_from_did_key(vector["method"]))


def test_proof_moved_to_another_document_fails(vector):
    other = add_proof({**vector["unsigned"], "name": "Other"}, vector["key"], vector["method"], vector["created"])
    swapped = {**vector["signed"], "proof": other["proof"]}
    with pytest.raises(ProofError, match="does not verify"):
        verify_proof(swapped, public_key_from_did_key(vector["method"]))


def test_wrong_key_fails(vector):
    with pytest.raises(ProofError, match="does not verify"):
        verify_proof(vector["signed"], ED_KEY.public_key)


def test_p256_public_key_rejected(vector):
    with pytest.raises(ProofError, match="Ed25519"):
        verify_proof(vector["signed"], generate_issuer_key("p256").public_key)


def test_p256_signing_key_rejected(vector):
    with pytest.raises(KeyAlgorithmError, match="jose"):
        add_proof(vector["unsigned"], generate_issuer_key("p256"), "did:web:x#k", vector["created"])


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda d: d.__delitem__("proof"), "no proof"),
        (lambda d: d.__setitem__("proof", [d["proof"], d["proof"]]), "several proofs"),
        (lambda d: d.__setitem__("proof", "z123"), "not a JSON object"),
        (lambda d: d["proof"].__setitem__("type", "Ed25519Signature2020"), "proof type"),
        (lambda d: d["proof"].__setitem__("cryptosuite", "eddsa-rdfc-2022"), "cryptosuite"),
        (lambda d: d["proof"].__setitem__("proofPurpose", "authentication"), "proof purpose"),
        (lambda d: d["proof"].__delitem__("verificationMethod"), "verificationMethod"),
        (lambda d: d["proof"].__setitem__("created", "yesterday"), "created"),
        (lambda d: d["proof"].__setitem__("@context", ["https://example.org/other"]), "differs from the proof @context"),
        (lambda d: d.__setitem__("@context", d["@context"][1:]), "differs from the proof @context"),
        (lambda d: d["proof"].__setitem__("@context", 42), "proof @context"),
        (lambda d: d["proof"].__delitem__("proofValue"), "proofValue"),
        (lambda d: d["proof"].__setitem__("proofValue", "u" + d["proof"]["proofValue"][1:]), "base58btc"),
        (lambda d: d["proof"].__setitem__("proofValue", d["proof"]["proofValue"][:-4]), "64"),
        (lambda d: d["proof"].__setitem__("proofValue", "z0OIl"), "base58btc"),
    ],
)
def test_malformed_proofs(vector, change, reason):
    doc = _tampered(vector["signed"], change)
    with pytest.raises(ProofError, match=reason):
        verify_proof(doc, public_key_from_did_key(vector["method"]))


def test_not_an_object():
    with pytest.raises(ProofError, match="not a JSON object"):
        proof_verification_method(["proof"])


def test_context_appended_after_signing_is_refused(vector):
    # The suite would accept it (the hash is taken under the proof's @context), but the
    # appended entry is not signed and could redefine terms: we fail closed.
    doc = _tampered(vector["signed"], lambda d: d["@context"].append({"@vocab": "https://evil.example/#"}))
    with pytest.raises(ProofError, match="entries added after signing"):
        verify_proof(doc, public_key_from_did_key(vector["method"]))


# ---------------------------------------------------------------- JCS domain


@pytest.mark.parametrize(
    ("value", "message"),
    [(2**53, r"2\^53"), (-(2**53), r"2\^53"), (float("nan"), "finite"), (float("inf"), "finite")],
)
def test_values_jcs_cannot_sign(value, message):
    with pytest.raises(InvalidInputError, match=message):
        add_proof({"x": value}, ED_KEY, ED_METHOD, "2025-01-01T00:00:00Z")


def test_unverifiable_number_is_a_proof_error():
    signed = add_proof({"x": 1}, ED_KEY, ED_METHOD, "2025-01-01T00:00:00Z")
    with pytest.raises(ProofError, match="canonicalised"):
        verify_proof({**signed, "x": 2**60}, ED_KEY.public_key)


@pytest.mark.parametrize(
    ("document", "created"),
    [({"proof": {}}, "2025-01-01T00:00:00Z"), ({"@context": 5}, "2025-01-01T00:00:00Z"), ({}, "2025-01-01 00:00")],
)
def test_add_proof_rejects_bad_input(document, created):
    with pytest.raises(InvalidInputError):
        add_proof(document, ED_KEY, ED_METHOD, created)


def test_add_proof_does_not_alias_input():
    document = {"@context": ["https://www.w3.org/ns/credentials/v2"], "a": {"b": [1]}}
    signed = add_proof(document, ED_KEY, ED_METHOD, "2025-01-01T00:00:00Z")
    signed["a"]["b"].append(2)
    signed["proof"]["@context"].append("x")
    assert document == {"@context": ["https://www.w3.org/ns/credentials/v2"], "a": {"b": [1]}}
    assert signed["@context"] == ["https://www.w3.org/ns/credentials/v2"]


@pytest.mark.parametrize("name", sorted(p.name for p in (RFC8785 / "input").glob("*.json")))
def test_rfc8785_conformance(name):
    source = json.loads((RFC8785 / "input" / name).read_text(encoding="utf-8"))
    expected = (RFC8785 / "output" / name).read_bytes()
    assert canonical_json(source) == expected == rfc8785.dumps(source)
    hex_digits = "".join((RFC8785 / "outhex" / name.replace(".json", ".txt")).read_text().split())
    assert canonical_json(source).hex() == hex_digits.lower()


def test_rfc8785_vectors_present():
    assert len(list((RFC8785 / "input").glob("*.json"))) == 6


# ---------------------------------------------------------------- properties

_SAFE = 2**53 - 1
_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-_SAFE, max_value=_SAFE),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
)
_json = st.recursive(
    _leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
_documents = st.fixed_dictionaries(
    {"@context": st.just(["https://www.w3.org/ns/credentials/v2"]), "credentialSubject": _json}
)


def _leaf_paths(value, path=()):
    if isinstance(value, dict) and value:
        for k, v in value.items():
            yield from _leaf_paths(v, (*path, k))
    elif isinstance(value, list) and value:
        for i, v in enumerate(value):
            yield from _leaf_paths(v, (*path, i))
    else:
        yield path


def _replace(document, path, new):
    doc = copy.deepcopy(document)
    target = doc
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return doc


@settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=_documents, data=st.data())
def test_sign_verify_and_any_leaf_change_breaks(document, data):
    signed = add_proof(document, ED_KEY, ED_METHOD, "2025-01-01T00:00:00Z")
    verify_proof(signed, ED_KEY.public_key)
    # Round trip through JSON text, as a verifier would receive it.
    verify_proof(json.loads(json.dumps(signed)), ED_KEY.public_key)

    path = ("credentialSubject", *data.draw(st.sampled_from(list(_leaf_paths(document["credentialSubject"])))))
    old = document
    for step in path:
        old = old[step]
    new = data.draw(_leaves.filter(lambda v: rfc8785.dumps(v) != rfc8785.dumps(old)))
    with pytest.raises(ProofError, match="does not verify"):
        verify_proof(_replace(signed, path, new), ED_KEY.public_key)
