"""The public API an ERP integration uses: build, sign, verify, with typed results and errors."""

from __future__ import annotations

import copy
import json

import pytest
from conftest import DEMO, FIXTURES, USER_EXAMPLE, load

import batterypass
from batterypass import (
    InvalidInputError,
    Signer,
    issue_passport,
    Passport,
    Status,
    TrustStore,
    build_passport,
    generate_issuer_key,
    load_signer,
    sign,
    verify,
)



@pytest.fixture(scope="module")
def trust():
    return TrustStore.load(DEMO / "trust")


@pytest.mark.parametrize("envelope", ["data-integrity", "jose"])
def test_build_sign_verify_round_trip(trust, envelope):
    key, identity = load_signer(DEMO / "issuer-ed25519" / "private.pem")
    passport = build_passport(load(USER_EXAMPLE))
    signed = sign(passport, key, identity=identity, envelope=envelope)
    result = verify(signed, trust)
    assert result.status is Status.VALID, result.reasons
    assert isinstance(result.passport, Passport) and result.passport == passport
    assert result.issuer == "did:web:aurora-cells.example"


def test_verify_accepts_file_bytes(trust):
    key, identity = load_signer(DEMO / "issuer-ed25519" / "private.pem")
    signed = sign(build_passport(load(USER_EXAMPLE)), key, identity=identity)
    assert verify(json.dumps(signed).encode(), trust).status is Status.VALID


def test_failed_document_never_returns_its_passport(trust):
    key, identity = load_signer(DEMO / "issuer-ed25519" / "private.pem")
    signed = sign(build_passport(load(USER_EXAMPLE)), key, identity=identity)
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["generalProductInformation"]["batteryMass"] = 1.0
    result = verify(tampered, trust)
    assert result.status is Status.INVALID
    assert result.passport is None and result.credential is None
    assert any("signature" in reason for reason in result.reasons)


def test_a_keys_own_did_key_is_not_trusted(trust):
    key = generate_issuer_key()
    result = verify(sign(build_passport(load(USER_EXAMPLE)), key), trust)
    assert result.status is Status.UNKNOWN_ISSUER and result.passport is None


def test_errors_are_typed_and_carry_problems():
    with pytest.raises(InvalidInputError) as info:
        build_passport(load(FIXTURES / "bad" / "negative-mass.json"))
    assert [(p.path, p.message) for p in info.value.problems] == [("$.battery.massKg", "must be greater than 0")]
    assert isinstance(info.value, batterypass.BatteryPassError)


def test_public_api_is_small_and_importable():
    for name in batterypass.__all__:
        assert getattr(batterypass, name) is not None


def test_a_passport_lives_through_the_library(tmp_path):
    """build, update and end of life from Python, then the history verified."""
    from datetime import datetime, timezone

    from batterypass import end_of_life, update_passport, verify_history

    signer = Signer.from_files(DEMO / "issuer-ed25519" / "private.pem")
    issued = issue_passport(load(FIXTURES / "ev-pack.json"), tmp_path, signer=signer, issued_at=datetime(2027, 9, 1, tzinfo=timezone.utc))
    change = load(USER_EXAMPLE.parent / "update.state-of-health.json")
    second = update_passport(issued.files["passport"], change, tmp_path, signer=signer, issued_at=datetime(2029, 3, 2, tzinfo=timezone.utc))
    assert second.passport.version == 2 and second.passport.lifecycle.conditionRecords[0].fullCycles == 310
    final = end_of_life(second.files["passport"], "recycled", tmp_path, signer=signer, issued_at=datetime(2035, 1, 1, tzinfo=timezone.utc))
    (history,) = verify_history([tmp_path], TrustStore.load(DEMO / "trust"), now=datetime(2036, 1, 1, tzinfo=timezone.utc))
    assert history.status is Status.VALID and history.current == 3 and history.ceased
    assert final.summary()["version"] == 3


def test_changes_in_turn_are_all_checked_before_a_version_is_written(tmp_path):
    """Several changes from one document (an EPCIS document's events): a refused later change
    leaves no earlier version written; each one is made on the version before it."""
    from datetime import datetime, timezone

    from batterypass.issuing.lifecycle import update_passport_in_turn

    issued = issue_passport(load(FIXTURES / "ev-pack.json"), tmp_path, issued_at=datetime(2027, 9, 1, tzinfo=timezone.utc))
    change = load(USER_EXAMPLE.parent / "update.state-of-health.json")
    future = {**change, "recordedAt": "2099-01-01T00:00:00Z"}  # after the version's own time: refused
    next_day = {**change, "recordedAt": "2029-03-02T10:00:00Z"}
    before = sorted(tmp_path.iterdir())
    moment = datetime(2029, 3, 2, tzinfo=timezone.utc)
    with pytest.raises(InvalidInputError) as info:
        update_passport_in_turn(issued.files["passport"], [change, future], tmp_path, issued_at=moment, source="events.json")
    assert info.value.source == "events.json (change 2 of 2)"
    assert sorted(tmp_path.iterdir()) == before
    moment = datetime(2029, 3, 3, tzinfo=timezone.utc)
    versions = update_passport_in_turn(issued.files["passport"], [change, next_day], tmp_path, issued_at=moment)
    assert [v.passport.version for v in versions] == [2, 3]
    assert versions[1].passport.lifecycle.supersedes.id == versions[0].document["id"]
