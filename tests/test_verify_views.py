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
    body = signed_view(data, audience, subject=view_for(build_passport(data), cut_for))
    result = verify(body, TrustStore.load(TRUST))
    assert result.status.value == "invalid"
    assert any(r.startswith("over-disclosure at $.credentialSubject.") for r in result.reasons)


def test_unknown_members_are_over_disclosure():
    data = fixture()
    subject = view_for(build_passport(data), "public")
    subject["generalProductInformation"]["ownerName"] = "Jane Doe"
    result = verify(signed_view(data, "public", subject=subject), TrustStore.load(TRUST))
    assert result.status.value == "invalid"
    assert "over-disclosure at $.credentialSubject.generalProductInformation.ownerName: not a field of the battery passport" in result.reasons


@pytest.mark.parametrize("name", ["ev-pack.json", "lmt-ebike.json", "industrial-stationary.json"])
def test_what_view_for_cuts_has_no_disclosure_problem(name):
    passport = build_passport(fixture(name))
    full = json.loads(passport.model_dump_json(exclude_none=True))
    for audience in AUDIENCES:
        assert disclosure_problems(view_for(passport, audience), audience) == []
    assert any("point 4" in p.message for p in disclosure_problems(full, "public"))  # status, state of health
