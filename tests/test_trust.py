"""Trust store: loading, the assertionMethod rule, did:key, key rotation, X.509 chains."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import DEMO, DEMO_MATERIAL
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID

from batterypass.errors import InvalidInputError
from batterypass.securing.keys import (
    did_document,
    did_key_from_public_key,
    did_key_verification_method,
    generate_issuer_key,
    multibase_from_public_key,
    same_public_key,
)
from batterypass.securing.credential import parse_date_time_stamp
from batterypass.verifying.trust import DOCUMENT_SIGNING_EKU, TrustStore

ISSUER = "did:web:aurora-cells.example"
NOW = datetime(2027, 6, 1, tzinfo=timezone.utc)


certificate = DEMO_MATERIAL.certificate


def _method_id(doc: dict) -> str:
    return doc["assertionMethod"][0]


def _write(path: Path, obj) -> Path:
    path.write_text(json.dumps(obj), encoding="utf-8")
    return path


_pem = DEMO_MATERIAL.pem_chain


def _x5c(*certificates: x509.Certificate) -> list[str]:
    return [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in certificates]


# --------------------------------------------------------------------------- loading


def test_load_file_and_directory(tmp_path):
    key = generate_issuer_key("ed25519")
    doc = did_document(ISSUER, key)
    single = TrustStore.load(_write(tmp_path / "did.json", doc))
    assert single.issuers == (ISSUER,)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = certificate("test root", root_key.public_key(), None, root_key, ca=True,
                       not_before=NOW - timedelta(days=1), not_after=NOW + timedelta(days=365))
    (tmp_path / "root.crt").write_bytes(_pem(root))
    (tmp_path / "root.crt.issuers").write_text(f"# scope\n{ISSUER}\n")
    (tmp_path / "README.md").write_text("ignored")
    both = TrustStore.load(tmp_path)
    assert both.issuers == (ISSUER,)
    assert both.roots == (root,)


def test_demo_trust_directory_loads_and_trusts_the_demo_key():
    store = TrustStore.load(DEMO / "trust")
    assert store.issuers == (ISSUER,)
    assert len(store.roots) == 1
    demo_doc = json.loads((DEMO / "issuer-ed25519" / "did.json").read_text())
    resolution = store.resolve(_method_id(demo_doc), ISSUER, NOW)
    assert resolution.trusted, resolution.reason


def test_identical_duplicates_are_fine_conflicting_ones_are_not(tmp_path):
    doc = did_document(ISSUER, generate_issuer_key())
    _write(tmp_path / "a.json", doc)
    _write(tmp_path / "b.json", doc)
    assert TrustStore.load(tmp_path).issuers == (ISSUER,)
    _write(tmp_path / "c.json", did_document(ISSUER, generate_issuer_key()))
    with pytest.raises(InvalidInputError) as exc:
        TrustStore.load(tmp_path)
    assert exc.value.source.endswith("c.json")
    assert "a.json" in str(exc.value)


def _valid_doc() -> dict:
    return did_document(ISSUER, generate_issuer_key())


def _mutated(change) -> dict:
    doc = _valid_doc()
    change(doc)
    return doc


@pytest.mark.parametrize(
    "document, path",
    [
        ([1, 2], "$"),
        (_mutated(lambda d: d.pop("id")), "$.id"),
        (_mutated(lambda d: d.update(id="did:example:123")), "$.id"),
        (_mutated(lambda d: d.update(id=ISSUER + "#frag")), "$.id"),
        (_mutated(lambda d: d["verificationMethod"][0].update(type="Ed25519VerificationKey2018")), "$.verificationMethod[0].type"),
        (_mutated(lambda d: d["verificationMethod"][0]["publicKeyJwk"].update(d="AAAA")), "$.verificationMethod[0].publicKeyJwk"),
        (_mutated(lambda d: d["verificationMethod"][0]["publicKeyJwk"].update(x="not-a-key")), "$.verificationMethod[0].publicKeyJwk"),
        (_mutated(lambda d: d["verificationMethod"][0].update(publicKeyMultibase="z6Mk")), "$.verificationMethod[0].publicKeyMultibase"),
        (_mutated(lambda d: d["verificationMethod"][0].update(validUntil="2027-13-01T00:00:00Z")), "$.verificationMethod[0].validUntil"),
        (_mutated(lambda d: d["verificationMethod"][0].update(validFrom="2027-01-01")), "$.verificationMethod[0].validFrom"),
        (_mutated(lambda d: d["verificationMethod"][0].update(validFrom="2028-01-01T00:00:00Z", validUntil="2027-01-01T00:00:00Z")),
         "$.verificationMethod[0].validUntil"),
        (_mutated(lambda d: d.update(verificationMethod={})), "$.verificationMethod"),
        (_mutated(lambda d: d["verificationMethod"].append(dict(d["verificationMethod"][0]))), "$.verificationMethod[1].id"),
        (_mutated(lambda d: d.update(assertionMethod=[])), "$.assertionMethod"),
        (_mutated(lambda d: d.update(assertionMethod=[ISSUER + "#missing"])), "$.assertionMethod[0]"),
        (_mutated(lambda d: d.update(assertionMethod=[42])), "$.assertionMethod[0]"),
        (_mutated(lambda d: d.update(assertionMethod=["did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#other"])),
         "$.assertionMethod[0]"),
    ],
)
def test_malformed_documents_name_file_and_path(tmp_path, document, path):
    file = _write(tmp_path / "bad.json", document)
    with pytest.raises(InvalidInputError) as exc:
        TrustStore.load(file)
    assert exc.value.source == str(file)
    assert path in [p.path for p in exc.value.problems], exc.value.problems


def test_did_key_method_id_must_hold_its_own_key(tmp_path):
    key, other = generate_issuer_key(), generate_issuer_key()
    method = did_key_verification_method(did_key_from_public_key(key.public_key))
    doc = {"id": "https://issuer.example", "verificationMethod": [
        {"id": method, "type": "Multikey", "publicKeyMultibase": multibase_from_public_key(other.public_key)}
    ], "assertionMethod": [method]}
    with pytest.raises(InvalidInputError) as exc:
        TrustStore.load(_write(tmp_path / "pin.json", doc))
    assert exc.value.problems[0].path == "$.verificationMethod[0].id"


def test_unloadable_paths(tmp_path):
    with pytest.raises(InvalidInputError, match="no such file"):
        TrustStore.load(tmp_path / "missing")
    with pytest.raises(InvalidInputError, match="holds no"):
        TrustStore.load(tmp_path)
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(InvalidInputError, match="trust file"):
        TrustStore.load(tmp_path / "notes.txt")
    (tmp_path / "junk.pem").write_text("not a certificate")
    with pytest.raises(InvalidInputError) as exc:
        TrustStore.load(tmp_path / "junk.pem")
    assert exc.value.source.endswith("junk.pem")


def test_a_leaf_certificate_is_not_a_root(tmp_path):
    root_key = ec.generate_private_key(ec.SECP256R1())
    leaf = certificate("leaf", root_key.public_key(), None, root_key, ca=False,
                       not_before=NOW, not_after=NOW + timedelta(days=1), san=[x509.DNSName("a.example")])
    (tmp_path / "leaf.pem").write_bytes(_pem(leaf))
    with pytest.raises(InvalidInputError) as exc:
        TrustStore.load(tmp_path / "leaf.pem")
    assert exc.value.problems[0].path == "$[0]"


# --------------------------------------------------------------------------- the trust rule


def test_json_web_key_method_is_trusted_for_its_issuer():
    key = generate_issuer_key("p256")
    doc = did_document(ISSUER, key)
    resolution = TrustStore.from_documents([doc]).resolve(_method_id(doc), ISSUER, NOW)
    assert resolution.trusted and resolution.failure is None
    assert same_public_key(resolution.public_key, key.public_key)


def test_multikey_method_with_relative_references():
    key = generate_issuer_key("ed25519")
    doc = {
        "id": ISSUER,
        "verificationMethod": [{"id": "#key-1", "type": "Multikey", "controller": ISSUER,
                                "publicKeyMultibase": multibase_from_public_key(key.public_key)}],
        "assertionMethod": ["#key-1"],
    }
    store = TrustStore.from_documents([doc])
    assert store.resolve(f"{ISSUER}#key-1", ISSUER, NOW).trusted
    assert store.resolve("#key-1", ISSUER, NOW).trusted


def test_embedded_assertion_method():
    key = generate_issuer_key("ed25519")
    doc = {"id": "https://issuer.example/acme", "assertionMethod": [
        {"id": "#k", "type": "JsonWebKey", "publicKeyJwk": key.public_jwk}
    ]}
    assert TrustStore.from_documents([doc]).resolve("https://issuer.example/acme#k", "https://issuer.example/acme", NOW).trusted


def test_method_outside_assertion_method_is_untrusted():
    signing, other = generate_issuer_key(), generate_issuer_key()
    doc = did_document(ISSUER, signing)
    doc["verificationMethod"].append({"id": f"{ISSUER}#k2", "type": "JsonWebKey", "publicKeyJwk": other.public_jwk})
    resolution = TrustStore.from_documents([doc]).resolve(f"{ISSUER}#k2", ISSUER, NOW)
    assert not resolution.trusted and resolution.failure == "untrusted"
    assert resolution.public_key is not None
    assert resolution.reason == f"method {ISSUER}#k2 is not in assertionMethod of {ISSUER}"


def test_method_of_another_issuer_is_untrusted():
    doc = did_document(ISSUER, generate_issuer_key())
    store = TrustStore.from_documents([doc])
    resolution = store.resolve(_method_id(doc), "did:web:other.example", NOW)
    assert not resolution.trusted and resolution.public_key is not None
    assert resolution.reason == "issuer did:web:other.example is not in the trust store"


def test_unknown_method_cannot_be_resolved():
    resolution = TrustStore.empty().resolve("did:web:nobody.example#k", "did:web:nobody.example", NOW)
    assert resolution.public_key is None and not resolution.trusted
    assert "not in the trust store" in resolution.reason


def test_did_key_resolves_but_is_not_trusted_by_itself():
    key = generate_issuer_key()
    did = did_key_from_public_key(key.public_key)
    method = did_key_verification_method(did)
    resolution = TrustStore.empty().resolve(method, did, NOW)
    assert same_public_key(resolution.public_key, key.public_key)
    assert not resolution.trusted
    assert "resolved from the did:key identifier, but no trust-store entry ties it to issuer" in resolution.reason
    pinned_self = TrustStore.from_documents([{"id": did, "assertionMethod": [method]}])
    assert pinned_self.resolve(method, did, NOW).trusted


def test_did_key_pinned_to_an_https_issuer():
    key = generate_issuer_key()
    method = did_key_verification_method(did_key_from_public_key(key.public_key))
    store = TrustStore.from_documents([{"id": "https://vc.example/issuers/5678", "assertionMethod": [method]}])
    assert store.resolve(method, "https://vc.example/issuers/5678", NOW).trusted
    other = store.resolve(method, "https://vc.example/issuers/9999", NOW)
    assert not other.trusted and other.public_key is not None


# --------------------------------------------------------------------------- key rotation


def _rotating_store(**validity) -> tuple[TrustStore, str]:
    doc = did_document(ISSUER, generate_issuer_key())
    doc["verificationMethod"][0].update(validity)
    return TrustStore.from_documents([doc]), _method_id(doc)


def test_retired_key_verifies_what_it_signed_before_retirement_only():
    store, method = _rotating_store(validFrom="2025-01-01T00:00:00Z", validUntil="2027-01-01T00:00:00Z")
    assert store.resolve(method, ISSUER, datetime(2026, 6, 1, tzinfo=timezone.utc), now=NOW).trusted
    late = store.resolve(method, ISSUER, datetime(2027, 1, 1, tzinfo=timezone.utc), now=NOW)
    assert not late.trusted and "retired" in late.reason
    early = store.resolve(method, ISSUER, datetime(2024, 12, 31, tzinfo=timezone.utc), now=NOW)
    assert not early.trusted and "only from" in early.reason


@pytest.mark.parametrize("prop", ["revoked", "expires"])
def test_revoked_or_expired_key_verifies_nothing_from_then_on(prop):
    store, method = _rotating_store(**{prop: "2027-03-01T00:00:00Z"})
    signed_long_ago = datetime(2025, 1, 1, tzinfo=timezone.utc)
    assert store.resolve(method, ISSUER, signed_long_ago, now=datetime(2027, 2, 1, tzinfo=timezone.utc)).trusted
    after = store.resolve(method, ISSUER, signed_long_ago, now=NOW)
    assert not after.trusted and after.failure == "untrusted"
    assert "verifies nothing" in after.reason


def test_parse_date_time_stamp_requires_a_time_zone():
    assert parse_date_time_stamp("2027-04-15T08:00:00Z") == datetime(2027, 4, 15, 8, tzinfo=timezone.utc)
    bad_values = (
        "2027-04-15T08:00:00",
        "2027-04-15",
        20270415,
        "2027-02-30T00:00:00Z",
        "２０２７-04-15T08:00:00Z",  # fullwidth digits
        "9999-12-31T23:59:59-23:59",  # past year 9999 in UTC
        "0001-01-01T00:00:00+01:00",  # before year 1 in UTC
        "2027-04-15T08:00:00Z\n",
    )
    for bad in bad_values:
        with pytest.raises(ValueError):
            parse_date_time_stamp(bad)


# --------------------------------------------------------------------------- X.509


class Pki:
    """A throwaway root, intermediate and leaf certificate maker."""

    def __init__(self, start: datetime = NOW - timedelta(days=30), end: datetime = NOW + timedelta(days=365)):
        self.start, self.end = start, end
        self.root_key = ec.generate_private_key(ec.SECP256R1())
        self.root = certificate("test root", self.root_key.public_key(), None, self.root_key, ca=True,
                                not_before=start, not_after=end)
        self.ca_key = ec.generate_private_key(ec.SECP256R1())
        self.ca = certificate("test issuing CA", self.ca_key.public_key(), self.root, self.root_key, ca=True,
                              not_before=start, not_after=end)
        self.leaf_key = generate_issuer_key("p256")

    def leaf(self, san, *, start=None, end=None, eku=(DOCUMENT_SIGNING_EKU,)) -> x509.Certificate:
        return certificate("test leaf", self.leaf_key.public_key, self.ca, self.ca_key, ca=False,
                           not_before=start or self.start, not_after=end or self.end, san=san,
                           eku=list(eku) if eku else None)

    def store(self) -> TrustStore:
        return TrustStore.from_documents([], roots=[(self.root, [ISSUER, "https://aurora-cells.example/*"])])


DID_WEB_SAN = [x509.DNSName("aurora-cells.example")]


def test_valid_chain_ties_leaf_to_did_web_issuer_by_dns_name():
    pki = Pki()
    resolution = pki.store().validate_x5c(_x5c(pki.leaf(DID_WEB_SAN), pki.ca), ISSUER, NOW)
    assert resolution.trusted, resolution.reason
    assert same_public_key(resolution.public_key, pki.leaf_key.public_key)


def test_uri_san_ties_leaf_to_https_issuer():
    pki = Pki()
    issuer = "https://aurora-cells.example/issuer"
    chain = _x5c(pki.leaf([x509.UniformResourceIdentifier(issuer)]), pki.ca)
    assert pki.store().validate_x5c(chain, issuer, NOW).trusted
    mismatch = pki.store().validate_x5c(chain, "https://aurora-cells.example/other", NOW)
    assert not mismatch.trusted and mismatch.failure == "untrusted"
    assert "do not name issuer" in mismatch.reason


def test_dns_san_does_not_match_did_web_with_path_or_other_host():
    pki = Pki()
    chain = _x5c(pki.leaf(DID_WEB_SAN), pki.ca)
    for issuer in ("did:web:aurora-cells.example:passports", "did:web:evil.example", "https://aurora-cells.example"):
        resolution = pki.store().validate_x5c(chain, issuer, NOW)
        assert not resolution.trusted and resolution.failure == "untrusted", issuer


def test_unknown_root_is_untrusted():
    pki, other = Pki(), Pki()
    resolution = other.store().validate_x5c(_x5c(pki.leaf(DID_WEB_SAN), pki.ca), ISSUER, NOW)
    assert not resolution.trusted and resolution.failure == "untrusted"
    assert resolution.public_key is not None
    no_roots = TrustStore.empty().validate_x5c(_x5c(pki.leaf(DID_WEB_SAN), pki.ca), ISSUER, NOW)
    assert no_roots.failure == "untrusted" and "no X.509 root" in no_roots.reason


def test_expired_and_not_yet_valid_leaf_are_expired_not_untrusted():
    pki = Pki()
    expired = pki.leaf(DID_WEB_SAN, start=NOW - timedelta(days=20), end=NOW - timedelta(days=1))
    resolution = pki.store().validate_x5c(_x5c(expired, pki.ca), ISSUER, NOW)
    assert resolution.failure == "expired", resolution.reason
    assert "expired on" in resolution.reason
    future = pki.leaf(DID_WEB_SAN, start=NOW + timedelta(days=1), end=NOW + timedelta(days=20))
    resolution = pki.store().validate_x5c(_x5c(future, pki.ca), ISSUER, NOW)
    assert resolution.failure == "expired" and "not yet valid" in resolution.reason
    # The same chain from an unknown root stays untrusted: expiry is not the worst problem.
    assert Pki().store().validate_x5c(_x5c(expired, pki.ca), ISSUER, NOW).failure == "untrusted"


def test_expired_leaf_with_wrong_subject_is_untrusted():
    pki = Pki()
    expired = pki.leaf([x509.DNSName("evil.example")], start=NOW - timedelta(days=20), end=NOW - timedelta(days=1))
    assert pki.store().validate_x5c(_x5c(expired, pki.ca), ISSUER, NOW).failure == "untrusted"


def test_tls_server_certificate_cannot_sign():
    pki = Pki()
    chain = _x5c(pki.leaf(DID_WEB_SAN, eku=(ExtendedKeyUsageOID.SERVER_AUTH,)), pki.ca)
    resolution = pki.store().validate_x5c(chain, ISSUER, NOW)
    assert resolution.failure == "untrusted" and "documentSigning" in resolution.reason
    no_eku = _x5c(pki.leaf(DID_WEB_SAN, eku=None), pki.ca)
    assert pki.store().validate_x5c(no_eku, ISSUER, NOW).trusted


@pytest.mark.parametrize("x5c", [[], "MIIB", ["not base64!"], ["AAAA"], ["MIIB"] * 9])
def test_malformed_x5c_is_invalid(x5c):
    resolution = Pki().store().validate_x5c(x5c, ISSUER, NOW)
    assert resolution.failure == "invalid" and resolution.public_key is None


def test_demo_chain_validates_against_demo_root():
    store = TrustStore.load(DEMO / "trust")
    chain = x509.load_pem_x509_certificates((DEMO / "issuer-p256" / "cert-chain.pem").read_bytes())
    at = chain[0].not_valid_before_utc + timedelta(days=1)
    resolution = store.validate_x5c(_x5c(*chain), ISSUER, at)
    assert resolution.trusted, resolution.reason
