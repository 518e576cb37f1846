"""Identifiers: GTIN and CAS check digits, deterministic passport ids, resolver links."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from batterypass.law.identifiers import (
    digital_link_url,
    gtin_check_digit,
    gtin14,
    gtin_problem,
    passport_id,
    passport_url,
    resolver_problem,
    serial_problem,
)
from batterypass.model.types import cas_check_digit


@pytest.mark.parametrize("gtin", ["4006381333931", "96385074", "036000291452", "04012345678901", "00012345600012"])
def test_published_gtins_are_valid(gtin):
    # GS1's own examples (GS1 General Specifications 7.9) and common retail codes
    assert gtin_problem(gtin) is None


@given(st.text(alphabet="0123456789", min_size=13, max_size=13), st.integers(0, 12), st.integers(1, 9))
def test_any_single_digit_error_is_caught(body, position, delta):
    gtin = body + str(gtin_check_digit(body))
    assert gtin_problem(gtin) is None
    broken = gtin[:position] + str((int(gtin[position]) + delta) % 10) + gtin[position + 1 :]
    assert gtin_problem(broken) is not None


@pytest.mark.parametrize(("cas", "digit"), [("7732-18", 5), ("7782-42", 5), ("21324-40", 3), ("7440-48", 4), ("50-00", 0)])
def test_cas_check_digits_of_known_substances(cas, digit):
    # water, graphite, LiPF6, cobalt, formaldehyde
    assert cas_check_digit(cas.replace("-", "")) == digit


def test_passport_id_is_deterministic_and_separates_fields():
    assert passport_id("M", "1") == passport_id("M", "1")
    assert passport_id("AB", "C") != passport_id("A", "BC")


def test_digital_link_percent_encodes_serial():
    assert digital_link_url("https://id.example/", "4006381333931", "A/B%C+1") == (
        "https://id.example/01/04006381333931/21/A%2FB%25C%2B1"
    )


def test_passport_url():
    assert passport_url("https://r.example/dpp", "urn:uuid:1234") == "https://r.example/dpp/urn:uuid:1234"


@pytest.mark.parametrize("base", ["http://r.example", "https://r.example/?x=1", "ftp://r.example", "https://", "https://u:p@r.example"])
def test_bad_resolvers(base):
    assert resolver_problem(base) is not None


def test_serials_outside_gs1_cset82_rejected():
    assert serial_problem("P75-2027-000123") is None
    assert serial_problem("with space") is not None
    assert serial_problem("x" * 21) is not None


@pytest.mark.parametrize("bad", ["/tmp/review/PWNED", "4012345000016 ", "04012345000017", "123"])
def test_gtin14_refuses_what_is_not_a_gtin(bad):
    with pytest.raises(ValueError, match="GTIN"):
        gtin14(bad)
