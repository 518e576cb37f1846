"""Forged views are refused: restricted data in a view (re-signed by the issuer: invalid by
content; not re-signed: invalid by signature), a field changed in one view only (the
comparison names it), an audience changed after signing."""

from __future__ import annotations

import copy

import pytest
from conftest import DEMO, USER_EXAMPLE, load

from batterypass import (
    Access,
    InvalidInputError,
    Signer,
    Status,
    TrustStore,
    build_passport,
    compare_credentials,
    issue_views,
    passport_credential,
    verify,
)
from batterypass.securing.credential import AUDIENCE_CREDENTIAL_TYPES

SUBJECT = "$.credentialSubject"


@pytest.fixture(scope="module")
def signer():
    return Signer.from_files(DEMO / "issuer-ed25519" / "private.pem")


@pytest.fixture(scope="module")
def trust():
    return TrustStore.load(DEMO / "trust")


@pytest.fixture(scope="module")
def issued(signer):
    passport = build_passport(load(USER_EXAMPLE))
    credential = passport_credential(passport)
    full = signer.sign(credential, created=credential["validFrom"])
    return credential, full, issue_views(passport, signer, credential=credential)


def unsigned(document):
    return {key: value for key, value in document.items() if key != "proof"}


def resign(signer, document):
    return signer.sign(unsigned(document), created=document["validFrom"])


@pytest.mark.parametrize(
    ("audience", "section", "field", "point", "words"),
    [
        ("public", "materialComposition", "batteryMaterials", 2, "a public view"),
        ("public", "labelsAndConformity", "resultOfTestReport", 3, "a public view"),
        ("public", "generalProductInformation", "batteryStatus", 4, "a public view"),
        ("legitimate-interest", "labelsAndConformity", "resultOfTestReport", 3, "a legitimate-interest view"),
        ("authority", "generalProductInformation", "batteryStatus", 4, "an authority view"),
    ],
)
def test_restricted_field_added_and_re_signed_is_invalid_by_content(signer, trust, issued, audience, section, field, point, words):
    credential, _, views = issued
    forged = copy.deepcopy(unsigned(views[audience]))
    forged["credentialSubject"][section][field] = credential["credentialSubject"][section][field]
    result = verify(resign(signer, forged), trust)
    assert result.status is Status.INVALID and result.passport is None
    assert f"point {point} data in {words}: {SUBJECT}.{section}.{field}" in result.reasons
    assert result.audience == audience


def test_restricted_field_added_without_re_signing_is_invalid_by_signature(trust, issued):
    credential, _, views = issued
    forged = copy.deepcopy(views["public"])
    forged["credentialSubject"]["materialComposition"]["batteryMaterials"] = credential["credentialSubject"]["materialComposition"]["batteryMaterials"]
    result = verify(forged, trust)
    assert result.status is Status.INVALID
    assert any("signature" in reason for reason in result.reasons)
    assert not any("point 2" in reason for reason in result.reasons)  # content of an unsigned claim is not judged


def test_audience_relabelled_after_signing_is_invalid(signer, trust, issued):
    """A legitimate-interest view re-typed as public: its point 2 and 4 data betray it."""
    _, _, views = issued
    relabelled = copy.deepcopy(unsigned(views["legitimate-interest"]))
    relabelled["type"][-1] = AUDIENCE_CREDENTIAL_TYPES[Access.PUBLIC]
    assert verify(relabelled | {"proof": views["legitimate-interest"]["proof"]}, trust).status is Status.INVALID
    result = verify(resign(signer, relabelled), trust)
    assert result.status is Status.INVALID
    assert f"point 2 data in a public view: {SUBJECT}.materialComposition.batteryMaterials" in result.reasons
    assert f"point 4 data in a public view: {SUBJECT}.generalProductInformation.batteryStatus" in result.reasons
    [content] = [check for check in result.checks if check.name == "content"]
    assert content.passed is False and content.detail.startswith("the public view holds ") and "its audience may not see" in content.detail


def test_a_credential_stating_two_audiences_is_invalid(signer, trust, issued):
    _, _, views = issued
    both = copy.deepcopy(unsigned(views["public"]))
    both["type"].append(AUDIENCE_CREDENTIAL_TYPES[Access.AUTHORITY])
    result = verify(resign(signer, both), trust)
    assert result.status is Status.INVALID
    assert any("$.type" in reason and "2 audiences" in reason for reason in result.reasons)


def test_a_view_missing_what_its_audience_must_see_is_invalid(signer, trust, issued):
    _, _, views = issued
    thin = copy.deepcopy(unsigned(views["legitimate-interest"]))
    del thin["credentialSubject"]["materialComposition"]["batteryMaterials"]  # required, and point 2 is theirs
    result = verify(resign(signer, thin), trust)
    assert result.status is Status.INVALID
    assert f"schema violation at {SUBJECT}.materialComposition.batteryMaterials: is required" in result.reasons


def test_public_field_changed_in_one_view_only_is_named_by_the_comparison(signer, trust, issued):
    _, full, views = issued
    changed = copy.deepcopy(unsigned(views["public"]))
    changed["credentialSubject"]["generalProductInformation"]["batteryMass"] = 1.5
    forged = resign(signer, changed)
    assert verify(forged, trust).status is Status.VALID  # each credential alone looks fine
    for other in (full, views["legitimate-interest"], views["authority"]):
        comparison = compare_credentials(forged, other)
        assert not comparison.agree
        [difference] = comparison.differences
        assert difference.path == f"{SUBJECT}.generalProductInformation.batteryMass"
        assert difference.first == 1.5 and difference.second == full_mass(full)


def full_mass(full):
    return full["credentialSubject"]["generalProductInformation"]["batteryMass"]


def test_a_public_field_dropped_from_one_view_is_a_difference(signer, issued):
    _, _, views = issued
    thin = copy.deepcopy(unsigned(views["authority"]))
    del thin["credentialSubject"]["generalProductInformation"]["warrantyPeriod"]
    [difference] = compare_credentials(views["public"], resign(signer, thin)).differences
    assert difference.path == f"{SUBJECT}.generalProductInformation.warrantyPeriod"
    assert difference.to_dict() == {"path": difference.path, "first": difference.first}


def test_views_of_one_version_agree_and_another_version_does_not(signer, issued):
    credential, full, views = issued
    audiences = [full, *views.values()]
    for first in audiences:
        for second in audiences:
            assert compare_credentials(first, second).agree
    later = resign(signer, unsigned(views["public"]) | {"validFrom": "2030-01-01T00:00:00Z"})
    [difference] = compare_credentials(later, views["authority"]).differences
    assert difference.path == "$.validFrom"


def test_two_passports_are_one_difference_at_the_passport_id(signer, issued):
    _, _, views = issued
    data = load(USER_EXAMPLE)
    data["battery"]["serialNumber"] = "OTHER-1"
    other = issue_views(build_passport(data), signer, audiences=(Access.PUBLIC,))[Access.PUBLIC]
    [difference] = compare_credentials(views["public"], other).differences
    assert difference.path == f"{SUBJECT}.id"


def test_comparing_a_credential_that_is_no_passport_is_an_error(issued):
    _, _, views = issued
    with pytest.raises(InvalidInputError, match="not a battery passport"):
        compare_credentials(views["public"], {"type": ["VerifiableCredential"], "credentialSubject": {}})


def test_comparing_hostile_nesting_is_refused_not_crashed(signer, issued):
    _, _, views = issued
    deep: list = []
    for _ in range(500):
        deep = [deep]
    a, b = views["public"] | {"evidence": deep}, views["authority"] | {"evidence": deep}
    with pytest.raises(InvalidInputError, match="nested deeper than 64 levels"):
        compare_credentials(a, b)
