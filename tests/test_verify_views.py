"""Audience views verify as views: nothing required of a full passport, nothing beyond their audience."""

from __future__ import annotations

import json

import pytest

from batterypass import TrustStore, build_passport, verify, view_for
from batterypass.model.views import disclosure_problems

from resolver_support import AUDIENCES, TRUST, fixture, signed_view


@pytest.mark.parametrize("audience", AUDIENCES)
def test_each_audience_view_verifies(audience):
    result = verify(signed_view(fixture(), audience), TrustStore.load(TRUST))
    assert result.status.value == "valid", result.reasons
    assert any(c.name == "content" and c.passed and audience in c.detail for c in result.checks)


@pytest.mark.parametrize("audience, cut_for", [("public", "legitimate-interest"), ("public", "authority"),
                                               ("authority", "legitimate-interest"), ("legitimate-interest", "authority")])
def test_a_view_holding_another_audiences_data_is_invalid(audience, cut_for):
    data = fixture()
    body = signed_view(data, audience, subject=json.loads(signed_view(data, cut_for))["credentialSubject"])
    result = verify(body, TrustStore.load(TRUST))
    assert result.status.value == "invalid"
    assert any(f"data in {'an' if audience == 'authority' else 'a'} {audience} view: $.credentialSubject." in r for r in result.reasons)


def test_unknown_members_are_over_disclosure():
    data = fixture()
    subject = json.loads(signed_view(data, "public"))["credentialSubject"]
    subject["generalProductInformation"]["ownerName"] = "Jane Doe"
    result = verify(signed_view(data, "public", subject=subject), TrustStore.load(TRUST))
    assert result.status.value == "invalid"
    assert "not a field of the battery passport: $.credentialSubject.generalProductInformation.ownerName" in result.reasons


@pytest.mark.parametrize("name", ["ev-pack.json", "lmt-ebike.json", "industrial-stationary.json"])
def test_what_view_for_cuts_has_no_disclosure_problem(name):
    passport = build_passport(fixture(name))
    full = json.loads(passport.model_dump_json(exclude_none=True))
    for audience in AUDIENCES:
        assert disclosure_problems(view_for(passport, audience), audience) == []
    assert any("point 4" in p.message for p in disclosure_problems(full, "public"))  # status, state of health


def _flood_view(data, key=None) -> bytes:
    """A public view with 60,000 keys the model does not know, compact (the review's flood-view.json, review 8)."""
    from batterypass.securing.keys import did_key_identity, generate_issuer_key
    from batterypass.securing.signing import sign_credential

    subject = view_for(build_passport(data), "public")
    subject.update({f"k{n}": 0 for n in range(60_000)})
    credential = json.loads(signed_view(data, "public", subject=subject))
    if key is None:
        return json.dumps(credential).encode()
    del credential["proof"]
    return json.dumps(sign_credential(credential, key, did_key_identity(key), created=credential["validFrom"])).encode()


def test_over_disclosure_problems_are_capped(runner):
    from batterypass.errors import MAX_PROBLEMS

    result = verify(_flood_view(fixture()), TrustStore.load(TRUST))
    assert result.status.value == "invalid" and len(result.reasons) <= MAX_PROBLEMS + 1
    assert "more problem(s), not listed" in result.reasons[-1]


def test_a_strangers_view_is_not_examined_nor_published(tmp_path):
    from batterypass.resolver.publishing import Refusal, admit
    from batterypass.securing.keys import generate_issuer_key

    body = _flood_view(fixture(), generate_issuer_key())
    result = verify(body, TrustStore.load(TRUST))
    assert result.status.value == "unknown-issuer" and len(result.reasons) == 1, result.reasons[:3]
    content = next(c for c in result.checks if c.name == "content")
    assert content.passed is None and "issuer is not established" in content.detail
    with pytest.raises(Refusal) as refused:
        admit(body, TrustStore.load(TRUST))
    assert refused.value.verdict == "unknown-issuer" and len(refused.value.reasons) == 1
    # The known issuer's over-disclosing view is still refused as what it is, capped.
    with pytest.raises(Refusal) as refused:
        admit(_flood_view(fixture()), TrustStore.load(TRUST))
    assert refused.value.verdict == "over-disclosing" and len(refused.value.reasons) <= 1002
