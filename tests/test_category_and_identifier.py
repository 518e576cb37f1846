"""Art. 3 category plausibility and ISO/IEC 15459 battery identifiers without a GTIN."""

from __future__ import annotations

import pytest
from conftest import FIXTURES, load
from hypothesis import given
from hypothesis import strategies as st

from batterypass import InvalidInputError, build_passport
from batterypass.law.passport_content import check_passport_subject


@pytest.mark.parametrize(("category", "mass", "article"), [("portable", 40.0, "Art. 3(1)(9)"), ("lmt", 25.5, "Art. 3(1)(11)")])
def test_a_mass_that_contradicts_the_declared_category_is_reported(category, mass, article):
    data = load(FIXTURES / "lmt-ebike.json")
    data["battery"]["category"] = category
    data["battery"]["massKg"] = mass
    with pytest.raises(InvalidInputError) as info:
        build_passport(data, voluntary=True)
    [problem] = [p for p in info.value.problems if p.path == "$.battery.category"]
    assert article in problem.message and f"{mass:g} kg" in problem.message


@pytest.mark.parametrize(("category", "mass"), [("portable", 5.0), ("lmt", 25.0)])
def test_the_limits_themselves_are_within_the_category(category, mass):
    data = load(FIXTURES / "lmt-ebike.json")
    data["battery"]["category"] = category
    data["battery"]["massKg"] = mass
    data["materials"]["composition"] = data["materials"]["composition"][:1]
    try:
        build_passport(data, voluntary=True)
    except InvalidInputError as exc:
        assert not [p for p in exc.problems if p.path == "$.battery.category"]


def test_a_received_passport_with_an_implausible_category_fails():
    subject = build_passport(load(FIXTURES / "lmt-ebike.json")).model_dump(mode="json", exclude_none=True)
    subject["generalProductInformation"]["batteryMass"] = 31.0
    with pytest.raises(InvalidInputError, match=r"batteryCategory: a lmt battery weighs 25 kg or less \(Art. 3\(1\)\(11\)\)"):
        check_passport_subject(subject)


def test_without_gtin_an_iso_15459_issuer_is_required():
    data = load(FIXTURES / "lmt-ebike.json")
    del data["battery"]["iso15459Issuer"]
    with pytest.raises(InvalidInputError) as info:
        build_passport(data)
    [problem] = info.value.problems
    assert problem.path == "$.battery.iso15459Issuer" and "ISO/IEC 15459" in problem.message
    assert "company identification number" in problem.message


@pytest.mark.parametrize(
    ("issuer", "serial", "says"),
    [
        ({"issuingAgencyCode": "un", "companyIdentificationNumber": "123456789"}, None, "issuing agency code"),
        ({"issuingAgencyCode": "UN", "companyIdentificationNumber": "EORI:CZ1"}, None, "company identification number"),
        ({"issuingAgencyCode": "UN", "companyIdentificationNumber": "123456789"}, "vb36 27", "serial number"),
        ({"issuingAgencyCode": "UN", "companyIdentificationNumber": "1" * 35}, "VB36-27-000815", "more than 50"),
    ],
)
def test_a_non_conformant_identifier_names_iso_15459(issuer, serial, says):
    data = load(FIXTURES / "lmt-ebike.json")
    data["battery"]["iso15459Issuer"] = issuer
    if serial:
        data["battery"]["serialNumber"] = serial
    with pytest.raises(InvalidInputError) as info:
        build_passport(data)
    [problem] = [p for p in info.value.problems if p.path == "$.battery.iso15459Issuer"]
    assert "ISO/IEC 15459" in problem.message and says in problem.message


_upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@given(
    agency=st.sampled_from("0123456789") | st.text(_upper, min_size=2, max_size=3),
    company=st.text(_upper + "0123456789", min_size=1, max_size=12),
    serial=st.text(_upper + "0123456789-./", min_size=1, max_size=20),
)
def test_every_conformant_identifier_builds_and_verifies_deterministically(agency, company, serial):
    data = load(FIXTURES / "lmt-ebike.json")
    data["battery"]["iso15459Issuer"] = {"issuingAgencyCode": agency, "companyIdentificationNumber": company}
    data["battery"]["serialNumber"] = serial
    passport = build_passport(data)
    assert passport.generalProductInformation.batteryIdentifier == agency + company + serial
    assert build_passport(data).id == passport.id
    check_passport_subject(passport.model_dump(mode="json", exclude_none=True))
    broken = passport.model_dump(mode="json", exclude_none=True)
    broken["generalProductInformation"]["batteryIdentifier"] = "EORI:CZ12345678:" + serial
    with pytest.raises(InvalidInputError, match="ISO/IEC 15459"):
        check_passport_subject(broken)
