"""The resolver over real HTTP: `batterypass serve` (uvicorn) on a free loopback port, httpx."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import httpx
import pytest

from batterypass import TrustStore, verify
from batterypass.resolver.publishing import publish
from batterypass.resolver.store import open_store
from batterypass.resolver.tokens import AUDIENCE, ISSUER, create_token
from batterypass.securing.keys import did_key_identity, generate_issuer_key
from batterypass.securing.credential import AUDIENCE_CREDENTIAL_TYPES, passport_credential
from batterypass.securing.signing import sign_credential
from batterypass import build_passport, view_for
from batterypass.model.access import Access

from conftest import DEMO
from resolver_support import P256_KEY, TRUST, fixture, running_server, signed_full, signed_view, with_serial

EV_GTIN, EV_SERIAL = "04012345000016", "P90-2027-004711"
ISSUER_ID = json.loads((DEMO / "issuer-ed25519" / "did.json").read_text())["id"]
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A store holding three passports (two with a GTIN, one issued as a JWS), tokens, a server."""
    directory = tmp_path_factory.mktemp("resolver")
    url = f"sqlite:///{directory / 'passports.db'}"
    store, trust = open_store(url), TrustStore.load(TRUST)
    views = {audience: signed_view(fixture(), audience) for audience in ("public", "legitimate-interest", "authority")}
    for audience, body in views.items():
        assert publish(store, body, trust).status == "published"
    lmt = signed_view(fixture("lmt-ebike.json"), "public")
    jose = signed_view(fixture("industrial-stationary.json"), "public", key_path=P256_KEY, envelope="jose")
    for body in (lmt, jose):
        assert publish(store, body, trust).status == "published", publish(store, body, trust)
    tokens = {
        "authority": create_token(store, AUDIENCE, "authority")[1],
        "legitimate-interest": create_token(store, AUDIENCE, "legitimate-interest")[1],
        "issuer": create_token(store, ISSUER, ISSUER_ID)[1],
        "other-issuer": create_token(store, ISSUER, "did:web:someone-else.example")[1],
        "expired": create_token(store, AUDIENCE, "authority", timedelta(seconds=-1))[1],
    }
    revoked_record, tokens["revoked"] = create_token(store, AUDIENCE, "authority")
    store.revoke_token(revoked_record.id)
    with running_server(url) as base:
        with httpx.Client(base_url=base, timeout=30) as client:
            yield {"client": client, "store": store, "views": views, "lmt": lmt, "jose": jose, "tokens": tokens,
                   "passport_id": json.loads(views["public"])["id"], "url": url}


def uuid_of(body: bytes) -> str:
    return json.loads(body)["id"].removeprefix("urn:uuid:")


# --- paths ----------------------------------------------------------------------------------

def test_digital_link_gives_a_browser_the_passport_page(site):
    response = site["client"].get(f"/01/{EV_GTIN}/21/{EV_SERIAL}", headers=HTML)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert f"(01){EV_GTIN}(21){EV_SERIAL}" in response.text
    assert 'rel="linkset"' in response.headers["link"] and "Accept" in response.headers["vary"]
    assert "set-cookie" not in response.headers


def test_short_gtins_are_padded_to_fourteen_digits(site):
    jose_gtin = "4012345000030"  # GTIN-13 in the build data
    padded = site["client"].get(f"/01/0{jose_gtin}/21/GB250-0042", headers={"Accept": "application/json"})
    short = site["client"].get(f"/01/{jose_gtin}/21/GB250-0042", headers={"Accept": "application/json"})
    assert padded.status_code == short.status_code == 200 and padded.content == short.content == site["jose"]


@pytest.mark.parametrize("path, message", [
    (f"/01/04012345000017/21/{EV_SERIAL}", "check digit is 7, expected 6"),
    (f"/01/0401234500001X/21/{EV_SERIAL}", "digits only"),
    (f"/01/040123450000/21/{EV_SERIAL}", "check digit"),
    (f"/01/{EV_GTIN}", "/01/{GTIN}/21/{serial}"),
    (f"/01/{EV_GTIN}/21", "/01/{GTIN}/21/{serial}"),
    (f"/01/{EV_GTIN}/10/LOT1", "/01/{GTIN}/21/{serial}"),
    (f"/01/{EV_GTIN}/21/{'A' * 21}", "1 to 20 characters"),
    (f"/01/{EV_GTIN}/21/{quote('é')}", "character set 82"),
])
def test_malformed_digital_links_are_400_with_a_page(site, path, message):
    response = site["client"].get(path, headers=HTML)
    assert response.status_code == 400 and message in response.text and "<h1>Not a valid battery link</h1>" in response.text
    machine = site["client"].get(path, headers={"Accept": "application/json"})
    assert machine.status_code == 400 and message in machine.json()["detail"]


def test_percent_encoded_serials_resolve(site, tmp_path):
    serial = "P90/2027 #7"[:20].replace(" ", "_").replace("#", "%")
    store, trust = open_store(site["url"]), TrustStore.load(TRUST)
    body = signed_view(with_serial(fixture(), serial), "public")
    assert publish(store, body, trust).status == "published"
    response = site["client"].get(f"/01/{EV_GTIN}/21/{quote(serial, safe='')}", headers={"Accept": "application/vc+ld+json"})
    assert response.status_code == 200 and response.content == body


def test_unknown_battery_is_404_with_a_page_a_person_understands(site):
    response = site["client"].get(f"/01/{EV_GTIN}/21/NO-SUCH-1", headers=HTML)
    assert response.status_code == 404 and "No battery passport has been published for this identifier" in response.text
    assert site["client"].get("/no/such/thing", headers=HTML).status_code == 404
    assert site["client"].get("/0f0f0f0f-0000-4000-8000-000000000000").status_code == 404


def test_passports_without_gtin_resolve_by_uuid(site):
    uuid = uuid_of(site["lmt"])
    for path in (f"/{uuid}", f"/urn:uuid:{uuid}", f"/{uuid.upper()}"):
        response = site["client"].get(path, headers={"Accept": "application/json"})
        assert response.status_code == 200 and response.content == site["lmt"], path


# --- negotiation ---------------------------------------------------------------------------

@pytest.mark.parametrize("media", ["application/vc+ld+json", "application/ld+json", "application/json"])
def test_machines_get_the_public_credential_bytes_as_issued(site, media):
    response = site["client"].get(f"/01/{EV_GTIN}/21/{EV_SERIAL}", headers={"Accept": media})
    assert response.status_code == 200 and response.headers["content-type"].startswith(media)
    assert response.content == site["views"]["public"]
    assert verify(response.content, TrustStore.load(TRUST)).status.value == "valid"


def test_q_values_decide(site):
    path = f"/01/{EV_GTIN}/21/{EV_SERIAL}"
    prefers_json = site["client"].get(path, headers={"Accept": "text/html;q=0.5, application/json"})
    assert prefers_json.headers["content-type"].startswith("application/json")
    refuses = site["client"].get(path, headers={"Accept": "image/png"})
    assert refuses.status_code == 406


def test_jws_where_issued_as_one(site):
    response = site["client"].get("/01/04012345000030/21/GB250-0042", headers={"Accept": "application/vc+jwt"})
    envelope = json.loads(site["jose"])
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/vc+jwt")
    assert envelope["id"] == "data:application/vc+jwt," + response.text
    assert site["client"].get(f"/01/{EV_GTIN}/21/{EV_SERIAL}", headers={"Accept": "application/vc+jwt"}).status_code == 406


def test_head_and_options_and_cors(site):
    path = f"/01/{EV_GTIN}/21/{EV_SERIAL}"
    get = site["client"].get(path, headers={"Accept": "application/json", "Origin": "https://shop.example"})
    head = site["client"].head(path, headers={"Accept": "application/json", "Origin": "https://shop.example"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"] and head.headers["link"] == get.headers["link"]
    assert get.headers["access-control-allow-origin"] == "*" and "Link" in get.headers["access-control-expose-headers"]
    options = site["client"].options(path)
    assert options.status_code == 204 and options.headers["allow"] == "GET, HEAD, OPTIONS" and "linkset" in options.headers["link"]
    preflight = site["client"].options(path, headers={"Origin": "https://shop.example", "Access-Control-Request-Method": "GET",
                                                      "Access-Control-Request-Headers": "authorization"})
    assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == "*"
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()


# --- linksets ------------------------------------------------------------------------------

def test_linkset_names_every_resource_and_its_audience(site):
    path = f"/01/{EV_GTIN}/21/{EV_SERIAL}"
    by_query = site["client"].get(path, params={"linkType": "all"})
    by_accept = site["client"].get(path, headers={"Accept": "application/linkset+json"})
    assert by_query.headers["content-type"].startswith("application/linkset+json")
    assert by_query.json() == by_accept.json()
    (links,) = by_query.json()["linkset"]
    assert links["anchor"] == path
    base = f"/passports/{uuid_of(site['views']['public'])}"
    assert links["https://gs1.org/voc/pip"][0]["href"] == f"{base}/page.html"
    for audience, link_type in [("public", "publicView"), ("legitimate-interest", "legitimateInterestView"), ("authority", "authorityView")]:
        (target,) = links[f"https://batterypass.dev/voc/{link_type}"]
        assert target["href"] == f"{base}/{audience}.json" and audience in target["title"]
    # Every link of the set answers (the restricted ones with 401 without a token).
    for relation, targets in links.items():
        if relation == "anchor":
            continue
        for target in targets:
            assert site["client"].get(target["href"]).status_code in (200, 401), target


@pytest.mark.parametrize("link_type, target", [
    ("gs1:pip", "page.html"),
    ("https://gs1.org/voc/defaultLink", "page.html"),
    ("bp:publicView", "public.json"),
    ("bp:authorityView", "authority.json"),
    ("gs1:recallStatus", "page.html"),  # not available: the default link (GS1-Conformant Resolver)
])
def test_link_type_redirects(site, link_type, target):
    response = site["client"].get(f"/01/{EV_GTIN}/21/{EV_SERIAL}", params={"linkType": link_type})
    assert response.status_code == 307
    assert response.headers["location"] == f"/passports/{uuid_of(site['views']['public'])}/{target}"


# --- audiences -----------------------------------------------------------------------------

def restricted(site, audience: str, token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return site["client"].get(f"/passports/{uuid_of(site['views']['public'])}/{audience}.json", headers=headers)


def test_public_view_needs_nothing(site):
    response = restricted(site, "public")
    assert response.status_code == 200 and response.content == site["views"]["public"]


@pytest.mark.parametrize("audience", ["authority", "legitimate-interest"])
def test_restricted_views_need_a_token_of_their_audience(site, audience):
    tokens = site["tokens"]
    other = "legitimate-interest" if audience == "authority" else "authority"
    for token, status in [(None, 401), ("bpt_nonsense", 401), (tokens[other], 403), (tokens["issuer"], 403)]:
        response = restricted(site, audience, token)
        assert response.status_code == status and site["views"][audience] not in response.content, token
        assert response.headers["cache-control"] == "no-store"
    granted = restricted(site, audience, tokens[audience])
    assert granted.status_code == 200 and granted.content == site["views"][audience]
    assert granted.headers["cache-control"] == "private, no-store"


def test_expired_and_revoked_tokens_get_nothing(site):
    for name in ("expired", "revoked"):
        response = restricted(site, "authority", site["tokens"][name])
        assert response.status_code == 401 and name in response.json()["detail"]
        assert b"credentialSubject" not in response.content


def test_every_restricted_access_is_audited_without_the_token(site, runner):
    from batterypass.cli import main

    restricted(site, "authority", site["tokens"]["authority"])
    restricted(site, "authority", site["tokens"]["legitimate-interest"])
    result = runner.invoke(main, ["audit", "--store", site["url"], "--json"])
    assert result.exit_code == 0, result.output
    entries = json.loads(result.output)["entries"]
    outcomes = {(e["audience"], e["outcome"].split(":")[0]) for e in entries}
    assert ("authority", "granted") in outcomes and ("authority", "denied") in outcomes
    assert all(e["passportId"] == site["passport_id"] for e in entries)
    for token in site["tokens"].values():
        assert token not in result.output
    text = runner.invoke(main, ["audit", "--store", site["url"]])
    assert "authority" in text.output and text.exit_code == 0


# --- publishing over HTTP ------------------------------------------------------------------

def post(site, body: bytes, token: str | None = "issuer") -> httpx.Response:
    headers = {"Authorization": f"Bearer {site['tokens'][token]}"} if token else {}
    return site["client"].post("/api/v1/credentials", content=body, headers=headers)


def test_publishing_good_repeated_and_new_version(site):
    data = with_serial(fixture(), "HTTP-1")
    first = signed_view(data, "public")
    created = post(site, first)
    assert created.status_code == 201 and created.json()["status"] == "published" and created.json()["version"] == 1
    again = post(site, first)
    assert again.status_code == 200 and again.json()["status"] == "unchanged" and again.json()["version"] == 1
    later = signed_view(data, "public", issued_at=datetime(2026, 11, 28, tzinfo=timezone.utc))
    second = post(site, later)
    assert second.status_code == 201 and second.json()["version"] == 2
    path = f"/01/{EV_GTIN}/21/HTTP-1"
    assert site["client"].get(path, headers={"Accept": "application/json"}).content == later
    (links,) = site["client"].get(path, params={"linkType": "all"}).json()["linkset"]
    (older,) = links["predecessor-version"]
    assert site["client"].get(older["href"]).content == first
    page = site["client"].get(path, headers=HTML).text
    assert "version 2" in page and "version 1" in page and "(current)" in page


def test_publishing_untrusted_is_refused_with_the_verdict(site):
    passport = build_passport(with_serial(fixture(), "HTTP-2"))
    credential = passport_credential(passport)
    credential["type"].append(AUDIENCE_CREDENTIAL_TYPES[Access.PUBLIC])
    credential["credentialSubject"] = view_for(passport, "public")
    key = generate_issuer_key()
    body = json.dumps(sign_credential(credential, key, did_key_identity(key))).encode()
    response = post(site, body)
    assert response.status_code == 422 and response.json()["verdict"] == "unknown-issuer", response.json()
    assert any("trust" in reason or "not tied" in reason or "no trust-store" in reason for reason in response.json()["reasons"])


def test_publishing_tampered_is_refused(site):
    body = signed_view(with_serial(fixture(), "HTTP-3"), "public")
    tampered = body.replace(b'"batteryMass": ', b'"batteryMass": 1')
    assert tampered != body
    response = post(site, tampered)
    assert response.status_code == 422 and response.json()["verdict"] == "invalid"


def test_publishing_an_over_disclosing_view_is_refused(site):
    data = with_serial(fixture(), "HTTP-4")
    too_much = view_for(build_passport(data), "legitimate-interest")
    response = post(site, signed_view(data, "public", subject=too_much))
    answer = response.json()
    assert response.status_code == 422 and answer["verdict"] == "over-disclosing"
    assert any("Annex XIII point" in reason for reason in answer["reasons"])
    assert site["client"].get(f"/01/{EV_GTIN}/21/HTTP-4").status_code == 404


def test_publishing_the_full_credential_is_refused(site):
    response = post(site, signed_full(with_serial(fixture(), "HTTP-5")))
    assert response.status_code == 422 and response.json()["verdict"] == "full-credential"


def test_publishing_needs_a_token_of_the_issuer(site):
    body = signed_view(with_serial(fixture(), "HTTP-6"), "public")
    assert post(site, body, token=None).status_code == 401
    assert post(site, body, token="authority").status_code == 403
    other = post(site, body, token="other-issuer")
    assert other.status_code == 403 and "may publish for did:web:someone-else.example" in other.json()["detail"]
    assert site["client"].get(f"/01/{EV_GTIN}/21/HTTP-6").status_code == 404


def test_publishing_is_bounded(site):
    response = post(site, b"{" + b" " * 1_000_001 + b"}")
    assert response.status_code == 413
