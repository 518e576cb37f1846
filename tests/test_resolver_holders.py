"""Who a passport belongs to on a resolver: the first issuer to publish a passport id, or a
GTIN + serial, holds it; another trusted issuer cannot take over its QR link (store, static
export and HTTP API alike)."""

from __future__ import annotations

import json
import shutil

import pytest
from starlette.testclient import TestClient

from batterypass import TrustStore, build_passport, view_for
from batterypass.model.access import Access
from batterypass.resolver.app import create_app
from batterypass.resolver.publishing import publish
from batterypass.resolver.static_export import StaticSite
from batterypass.resolver.store import open_store
from batterypass.resolver.tokens import ISSUER, create_token
from batterypass.securing.credential import AUDIENCE_CREDENTIAL_TYPES, passport_credential
from batterypass.securing.keys import IssuerIdentity, did_document, generate_issuer_key
from batterypass.securing.signing import sign_credential

from resolver_support import ISSUED_AT, TRUST, fixture, signed_view

GTIN, SERIAL = "04012345000016", "P90-2027-004711"
OTHER = "did:web:other-cells.example"
OTHER_KEY = generate_issuer_key("ed25519")
OTHER_DOC = did_document(OTHER, OTHER_KEY)
AURORA_ID = json.loads((TRUST / "aurora-cells.did.json").read_text())["id"]


@pytest.fixture(scope="module")
def trust(tmp_path_factory):
    """The demo trust store plus a second, equally trusted issuer."""
    directory = tmp_path_factory.mktemp("trust") / "trust"
    shutil.copytree(TRUST, directory)
    (directory / "other.did.json").write_text(json.dumps(OTHER_DOC))
    return TrustStore.load(directory)


def other_view(passport_id: str | None = None, model: str = "TAKEN OVER") -> bytes:
    """The other issuer's public view of the demo battery (same GTIN and serial), with the
    demo passport's id when ``passport_id`` is given, else its own."""
    passport = build_passport(fixture())
    credential = passport_credential(passport, ISSUED_AT)
    credential["type"].append(AUDIENCE_CREDENTIAL_TYPES[Access.PUBLIC])
    subject = view_for(passport, "public")
    subject["generalProductInformation"]["batteryModel"] = model
    credential["credentialSubject"] = subject
    credential["issuer"] = OTHER
    credential["id"] = passport_id or "urn:uuid:0b5e3a52-0000-4000-8000-000000000001"
    identity = IssuerIdentity(OTHER, OTHER_DOC["assertionMethod"][0])
    return json.dumps(sign_credential(credential, OTHER_KEY, identity, "data-integrity", None, credential["validFrom"])).encode()


def aurora_view() -> bytes:
    return signed_view(fixture(), "public")


@pytest.mark.parametrize("same_id", [True, False], ids=["same-passport-id", "same-gtin-serial"])
def test_store_refuses_another_issuers_passport(tmp_path, trust, same_id):
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    first = aurora_view()
    assert publish(store, first, trust).status == "published"
    result = publish(store, other_view(json.loads(first)["id"] if same_id else None), trust)
    assert result.status == "refused" and result.verdict == "held-by-another-issuer", result
    assert "held by did:web:aurora-cells.example" in result.reasons[0]
    assert store.latest_for_gs1(GTIN, SERIAL, "public").body == first
    assert store.count_credentials() == 1


def test_the_holder_publishes_new_versions(tmp_path, trust):
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    assert publish(store, aurora_view(), trust).status == "published"
    later = signed_view(fixture(), "public", issued_at=ISSUED_AT.replace(day=28))
    assert publish(store, later, trust).version == 2


def test_a_store_already_taken_over_resolves_to_the_holder(tmp_path, trust):
    """A store written before holders were checked: the QR link still gives the first publisher's."""
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    first = aurora_view()
    publish(store, first, trust)
    store.put_credential(passport_id="urn:uuid:0b5e3a52-0000-4000-8000-000000000001", audience="public", body=b"{}",
                         envelope="data-integrity", issuer=OTHER, gtin=None, serial=None, valid_from=None)
    with store._cursor() as cursor:  # what an older batterypass let through
        cursor.execute("UPDATE credentials SET gtin = ?, serial = ? WHERE issuer = ?", (GTIN, SERIAL, OTHER))
    assert store.latest_for_gs1(GTIN, SERIAL, "public").body == first


@pytest.mark.parametrize("same_id", [True, False], ids=["same-passport-id", "same-gtin-serial"])
def test_static_export_refuses_another_issuers_passport(tmp_path, trust, same_id):
    site = StaticSite(tmp_path / "site")
    first = aurora_view()
    assert site.publish(first, trust).status == "published"
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = site.publish(other_view(json.loads(first)["id"] if same_id else None), trust)
    assert result.status == "refused" and result.verdict == "held-by-another-issuer", result
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    assert (tmp_path / "site" / "01" / GTIN / "21" / SERIAL / "index.vc-ld-json").read_bytes() == first


@pytest.mark.parametrize("same_id", [True, False], ids=["same-passport-id", "same-gtin-serial"])
def test_http_publishing_refuses_another_issuers_passport_with_409(tmp_path, trust, same_id):
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    tokens = {issuer: create_token(store, ISSUER, issuer)[1] for issuer in (AURORA_ID, OTHER)}
    first = aurora_view()
    with TestClient(create_app(store, trust)) as client:
        post = lambda body, issuer: client.post("/api/v1/credentials", content=body,  # noqa: E731
                                                headers={"Authorization": f"Bearer {tokens[issuer]}"})
        assert post(first, AURORA_ID).status_code == 201
        response = post(other_view(json.loads(first)["id"] if same_id else None), OTHER)
        assert response.status_code == 409, response.text
        assert response.json()["verdict"] == "held-by-another-issuer"
        assert client.get(f"/01/{GTIN}/21/{SERIAL}", headers={"Accept": "application/json"}).content == first
