"""Property-based tests of what the resolver parses: Digital Link paths and Accept headers."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batterypass.law.identifiers import digital_link_url, gtin_check_digit
from batterypass.resolver.app import negotiate
from batterypass.resolver.links import PathError, parse_request_path

CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
gtin_bodies = st.sampled_from([7, 11, 12, 13]).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n))
serials = st.text(CSET82, min_size=1, max_size=20)


@given(gtin_bodies, serials)
def test_every_link_a_qr_code_holds_resolves_to_its_gtin_and_serial(body, serial):
    gtin = body + str(gtin_check_digit(body))
    path = digital_link_url("https://r.example", gtin, serial).removeprefix("https://r.example")
    key = parse_request_path(path)
    assert (key.gtin, key.serial) == (gtin.zfill(14), serial)


@given(gtin_bodies, serials, st.integers(1, 9))
def test_a_wrong_check_digit_is_always_a_path_error(body, serial, offset):
    wrong = (gtin_check_digit(body) + offset) % 10
    with pytest.raises(PathError, match="check digit"):
        parse_request_path(f"/01/{body}{wrong}/21/{quote(serial, safe='')}")


@settings(max_examples=300)
@given(st.text(max_size=300))
def test_any_path_parses_or_is_refused_cleanly(text):
    try:
        parse_request_path("/" + text)
    except PathError:
        pass


OFFERS = ["text/html", "application/linkset+json", "application/vc+ld+json", "application/ld+json", "application/json"]
media = st.sampled_from([*OFFERS, "text/*", "application/*", "*/*", "image/png", "application/xml"])
quality = st.sampled_from(["", ";q=0", ";q=0.1", ";q=0.5", ";q=0.9", ";q=1"])


@given(st.lists(st.tuples(media, quality), min_size=1, max_size=6))
def test_negotiation_picks_an_acceptable_offer_of_the_highest_quality(ranges):
    header = ", ".join(m + q for m, q in ranges)
    chosen = negotiate(header, OFFERS)

    def q_of(offer: str) -> float:
        found = [(m, float(q.removeprefix(";q=") or 1)) for m, q in ranges
                 if m in (offer, offer.split("/")[0] + "/*", "*/*")]
        if not found:
            return 0.0
        return max(found, key=lambda f: (f[0] == offer, f[0] != "*/*"))[1]

    best = max(q_of(o) for o in OFFERS)
    if best == 0:
        assert chosen is None
    else:
        assert chosen in OFFERS and q_of(chosen) == best


@given(st.text(max_size=500))
def test_negotiation_never_fails_on_any_header(header):
    assert negotiate(header, OFFERS) in (*OFFERS, None)
