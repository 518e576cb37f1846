"""Hostile documents found in review: each must get a verdict (never a traceback), and never "valid"."""

from __future__ import annotations

import copy
import json
import time
from datetime import datetime, timezone

import base58
import pytest

from conftest import DEMO, ROOT, acts_in_force

from batterypass.issuing.assemble import build_passport
from batterypass.law.acts import parse_acts
from batterypass.securing.credential import passport_credential
from batterypass.securing.data_integrity import add_proof, hash_data
from batterypass.securing.jose import compact_json, sign_compact
from batterypass.securing.keys import b64url_encode, load_signer
from batterypass.securing.signing import sign_credential
from batterypass.securing.status_list import make_status_list
from batterypass.verifying.trust import TrustStore
from batterypass.verifying.verification import Status, check_status_lists, verify

NOW = datetime(2027, 6, 1, tzinfo=timezone.utc)
LIST_URL = "https://aurora-cells.example/status/1"
KEY, IDENTITY = load_signer(DEMO / "issuer-ed25519" / "private.pem")
TRUST = TrustStore.load(DEMO / "trust")


def passport(**changes) -> dict:
    data = json.loads((ROOT / "fixtures" / "ev-pack.json").read_text())
    credential = passport_credential(build_passport(data), issued_at=datetime(2027, 2, 1, tzinfo=timezone.utc))
    credential = {**credential, **changes}
    credential["issuer"] = {"id": IDENTITY.id, "name": "Aurora Cells GmbH"}
    return credential


def data_integrity(credential: dict, created: str = "2027-02-01T00:00:00Z") -> dict:
    return add_proof(credential, KEY, IDENTITY.verification_method, created)


def jws(credential: dict, **header) -> str:
    protected = {"alg": "EdDSA", "typ": "vc+jwt", "cty": "vc", "kid": IDENTITY.verification_method, **header}
    return sign_compact(protected, compact_json(credential), KEY)


def status(index: str = "7") -> dict:
    return {"type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": index,
            "statusListCredential": LIST_URL}


def test_baseline_is_valid():
    assert verify(data_integrity(passport()), TRUST, now=NOW).status is Status.VALID
    assert verify(jws(passport()), TRUST, now=NOW).status is Status.VALID


def test_huge_status_list_index_is_invalid_not_a_crash():
    result = verify(data_integrity(passport(credentialStatus=status("9" * 5000))), TRUST, now=NOW)
    assert result.status is Status.INVALID and any("statusListIndex" in r for r in result.reasons)


@pytest.mark.parametrize("valid_from", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+01:00"])
def test_dates_beyond_the_calendar_are_invalid_not_a_crash(valid_from):
    result = verify(jws(passport(validFrom=valid_from)), TRUST, now=NOW)
    assert result.status is Status.INVALID


def test_lone_surrogate_is_invalid_not_a_crash():
    text = json.dumps(data_integrity(passport())).replace('"@context"', '"\\udfff": 1, "@context"', 1)
    result = verify(text.encode(), TRUST, now=NOW)
    assert result.status is Status.INVALID and "surrogate" in result.reasons[0]


def test_long_base58_values_are_refused_before_decoding():
    secured = data_integrity(passport())
    secured["proof"]["proofValue"] = "z" + "2" * 300_000
    started = time.perf_counter()
    result = verify(secured, TRUST, now=NOW)
    assert result.status is Status.INVALID
    assert time.perf_counter() - started < 5  # quadratic decoding would take about a minute
    # A kid within the identifier limit reaches the did:key decoder, which refuses it unread.
    forged_kid = "did:key:z" + "2" * 2000
    result = verify(jws({**passport(), "issuer": forged_kid}, kid=forged_kid), TRUST, now=NOW)
    assert result.status is Status.UNKNOWN_ISSUER
    assert any("at most 64 characters" in reason for reason in result.reasons), result.reasons
    # Over the limit, identifiers are refused outright and never quoted whole.
    huge = "did:key:z" + "2" * 300_000
    result = verify(jws({**passport(), "issuer": huge}, kid=huge), TRUST, now=NOW)
    assert result.status is Status.INVALID
    assert all(len(reason) < 5000 for reason in result.reasons)


def test_context_appended_after_signing_is_invalid():
    secured = data_integrity(passport())
    secured["@context"] = [*secured["@context"], {"@vocab": "https://evil.example/#"}]
    assert verify(secured, TRUST, now=NOW).status is Status.INVALID


def signed_list(revoked: list[int], valid_from: datetime) -> dict:
    unsigned = make_status_list(revoked, list_id=LIST_URL, issuer=IDENTITY.id, valid_from=valid_from)
    return sign_credential(unsigned, KEY, IDENTITY, created="2027-05-01T00:00:00Z")


@pytest.mark.parametrize("order", ["old-first", "new-first"])
def test_an_older_status_list_cannot_undo_a_revocation(order):
    old = signed_list([], datetime(2027, 3, 1, tzinfo=timezone.utc))
    new = signed_list([7], datetime(2027, 5, 1, tzinfo=timezone.utc))
    lists = [old, new] if order == "old-first" else [new, old]
    result = verify(data_integrity(passport(credentialStatus=status())), TRUST, now=NOW, status_lists=lists)
    assert result.status is Status.REVOKED


def test_status_lists_checked_once_give_the_same_verdicts():
    lists = [signed_list([7], datetime(2027, 5, 1, tzinfo=timezone.utc))]
    checked = check_status_lists(lists, TRUST, now=NOW)
    secured = data_integrity(passport(credentialStatus=status()))
    assert verify(secured, TRUST, now=NOW, status_lists=checked).status is Status.REVOKED
    clear = data_integrity(passport(credentialStatus=status("8")))
    assert verify(clear, TRUST, now=NOW, status_lists=checked).status is Status.VALID


def test_signing_time_in_the_future_is_not_yet_valid():
    secured = data_integrity(passport(), created="2030-01-01T00:00:00Z")
    assert verify(secured, TRUST, now=NOW).status is Status.NOT_YET_VALID


def test_expired_proof():
    # A proof whose options carry "expires", signed the eddsa-jcs-2022 way.
    credential = passport()
    options = {**{k: v for k, v in data_integrity(credential)["proof"].items() if k != "proofValue"},
               "expires": "2027-03-01T00:00:00Z"}
    signature = KEY.sign(hash_data(options, credential))
    signed = {**credential, "proof": {**options, "proofValue": "z" + base58.b58encode(signature).decode()}}
    result = verify(signed, TRUST, now=NOW)
    assert result.status is Status.EXPIRED and any("proof expired" in r for r in result.reasons)


def test_ev_passport_without_carbon_footprint_is_valid_until_the_acts_are_in_force():
    credential = passport()
    del credential["credentialSubject"]["carbonFootprint"]
    secured = data_integrity(credential)
    assert verify(secured, TRUST, now=NOW).status is Status.VALID  # pending: never fails by its absence
    result = verify(secured, TRUST, now=NOW, acts=parse_acts(acts_in_force("2025-01-01")))
    assert result.status is Status.INVALID
    assert any("$.credentialSubject.carbonFootprint" in r and "data point 17" in r and "Art. 7(1)" in r for r in result.reasons)


def test_battery_identifier_must_match_gtin_and_serial():
    credential = passport()
    credential["credentialSubject"]["generalProductInformation"]["batteryIdentifier"] = "(01)04012345000016(21)OTHER"
    result = verify(data_integrity(credential), TRUST, now=NOW)
    assert result.status is Status.INVALID and any("batteryIdentifier" in r for r in result.reasons)


@pytest.mark.parametrize("claim", [{"iss": "did:web:evil.example"}, {"jti": "urn:other"}, {"sub": "urn:other"}])
def test_jwt_claims_must_not_contradict_the_credential(claim):
    assert verify(jws({**passport(), **claim}), TRUST, now=NOW).status is Status.INVALID


def test_unencoded_payload_header_is_refused():
    # Signed over the encoded payload, but saying b64=false: readers would disagree on what
    # was signed. (joserfc will not make such a token, so it is put together by hand.)
    header = {"alg": "EdDSA", "typ": "vc+jwt", "kid": IDENTITY.verification_method, "b64": False}
    signing_input = f"{b64url_encode(compact_json(header))}.{b64url_encode(compact_json(passport()))}"
    token = f"{signing_input}.{b64url_encode(KEY.sign(signing_input.encode()))}"
    assert verify(token, TRUST, now=NOW).status is Status.INVALID


def test_verdicts_survive_any_single_value_replaced_by_junk():
    junk = [None, [], {}, "", 10**20, 1e308, -1.0, True, "x" * 5000, [[[]]], "２０２７-01-01"]
    credential = passport(credentialStatus=status())
    for key in list(credential):
        for value in junk:
            forged = copy.deepcopy(credential)
            forged[key] = value
            result = verify(jws(forged), TRUST, now=NOW)  # must return, whatever it decides
            assert isinstance(result.status, Status)


def test_envelope_members_outside_the_jws_are_refused():
    from batterypass.securing.jose import envelope

    wrapped = {**envelope(jws(passport())), "credentialSubject": {"evil": 1}}
    result = verify(wrapped, TRUST, now=NOW)
    assert result.status is Status.INVALID and "outside the signed JWS" in result.reasons[0]


def test_revoked_outranks_expired():
    unsigned = passport(credentialStatus=status(), validUntil="2027-03-01T00:00:00Z")
    lists = [signed_list([7], datetime(2027, 5, 1, tzinfo=timezone.utc))]
    result = verify(data_integrity(unsigned), TRUST, now=NOW, status_lists=lists)
    assert result.status is Status.REVOKED
    assert [r.split(":")[0] for r in result.reasons] == ["revoked", "expired"]
