"""``sign()`` signs a Passport, a passport as plain JSON, or a well-formed credential, and
nothing else: what it returns, its own ``verify()`` accepts."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, load

from batterypass import InvalidInputError, Status, TrustStore, build_passport, generate_issuer_key, sign, verify
from batterypass.securing.credential import passport_credential
from batterypass.securing.keys import did_document, identity_from_did_document

KEY = generate_issuer_key()
DOCUMENT = did_document("did:web:erp.example", KEY)
IDENTITY = identity_from_did_document(DOCUMENT, KEY)
TRUST = TrustStore.from_documents([DOCUMENT])
ISSUED = datetime(2027, 2, 1, tzinfo=timezone.utc)
NOW = datetime(2027, 6, 1, tzinfo=timezone.utc)
PASSPORT = build_passport(load(FIXTURES / "ev-pack.json"))


def _verdict(signed):
    return verify(signed, TRUST, now=NOW)


@pytest.mark.parametrize("envelope", ["data-integrity", "jose"])
def test_a_passport_as_plain_json_signs_like_the_model(envelope):
    as_erp_stores_it = json.loads(PASSPORT.model_dump_json(exclude_none=True))
    from_dict = sign(as_erp_stores_it, KEY, identity=IDENTITY, envelope=envelope, issued_at=ISSUED)
    from_model = sign(PASSPORT, KEY, identity=IDENTITY, envelope=envelope, issued_at=ISSUED)
    assert _verdict(from_dict).status is Status.VALID
    assert _verdict(from_dict).passport == _verdict(from_model).passport


def test_a_well_formed_credential_signs():
    credential = passport_credential(PASSPORT, ISSUED)
    assert _verdict(sign(credential, KEY, identity=IDENTITY, issued_at=ISSUED)).status is Status.VALID


def test_a_broken_passport_dict_is_refused_with_its_problems_at_passport_paths():
    broken = json.loads(PASSPORT.model_dump_json(exclude_none=True))
    broken["generalProductInformation"]["batteryMass"] = -1
    with pytest.raises(InvalidInputError) as raised:
        sign(broken, KEY, identity=IDENTITY)
    assert [p.path for p in raised.value.problems] == ["$.generalProductInformation.batteryMass"]


def test_a_passport_credential_with_bad_content_is_refused():
    credential = passport_credential(PASSPORT, ISSUED)
    credential["credentialSubject"]["generalProductInformation"]["batteryPassportIdentifier"] = "urn:uuid:other"
    with pytest.raises(InvalidInputError, match="batteryPassportIdentifier"):
        sign(credential, KEY, identity=IDENTITY)


@pytest.mark.parametrize(
    "document, path",
    [
        ({}, "$.generalProductInformation"),
        ({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"]}, "$.credentialSubject"),
        ({"type": "VerifiableCredential", "credentialSubject": {}}, "$.@context"),
        ({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
          "credentialSubject": {"id": "urn:x"}, "validFrom": "tomorrow"}, "$.validFrom"),
        ([], "$"),
        ("a passport", "$"),
        (None, "$"),
    ],
)
def test_anything_else_raises_invalid_input_with_the_problems(document, path):
    with pytest.raises(InvalidInputError) as raised:
        sign(document, KEY, identity=IDENTITY)
    assert path in [p.path for p in raised.value.problems]


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)
_documents = st.dictionaries(
    st.sampled_from(["@context", "type", "credentialSubject", "validFrom", "id", "generalProductInformation", "x"]),
    _json | st.just(["https://www.w3.org/ns/credentials/v2"]) | st.just(["VerifiableCredential"]),
    max_size=6,
)


@settings(max_examples=150, deadline=None)
@given(_documents)
def test_sign_either_refuses_or_returns_what_verify_accepts(document):
    try:
        signed = sign(document, KEY, identity=IDENTITY, issued_at=ISSUED)
    except InvalidInputError as exc:
        assert exc.problems
        return
    assert _verdict(signed).status is Status.VALID, _verdict(signed).reasons
