"""The passport's JSON-LD context: every term defined, nothing dropped or left to the issuer, offline."""

from __future__ import annotations

import json
import re
import typing
from datetime import date

import pytest
from pydantic import BaseModel
from pyld import jsonld

from conftest import DEMO, FIXTURES, GOOD_FIXTURES, REFERENCE, USER_EXAMPLE, VECTORS, load

from batterypass import Access, Passport, TrustStore, build_passport, load_signer, passport_credential, sign, verify
from batterypass.cli import main
from batterypass.formats.jsonld import ContextNotAvailableError, offline_document_loader, passport_context
from batterypass.model.dynamic import BatteryCondition
from batterypass.securing.signing import sign_credential
from batterypass.securing.credential import AUDIENCE_CREDENTIAL_TYPES, PASSPORT_CONTEXT_V1, VC_CONTEXT_V2
from batterypass.verifying.verification import Status

W3C_CONTEXT = load(VECTORS / "w3c-contexts" / "credentials-v2.jsonld")
#: Where the VC 2.0 context sends every term no context defines: the data is kept, its meaning is not.
ISSUER_DEPENDENT = "https://www.w3.org/ns/credentials/issuer-dependent#"


def _loader():
    return offline_document_loader({VC_CONTEXT_V2: W3C_CONTEXT})


def _expand_safely(document: dict) -> list:
    """pyld expansion that fails on any dropped property (JSON-LD "safe mode")."""

    def refuse(term):
        raise AssertionError(f"JSON-LD dropped the property {term!r}")

    return jsonld.expand(document, {"documentLoader": _loader()}, on_property_dropped=refuse)


def _iris(expanded) -> set[str]:
    """Every property and type IRI in an expanded document."""
    found: set[str] = set()
    if isinstance(expanded, list):
        for item in expanded:
            found |= _iris(item)
    elif isinstance(expanded, dict):
        for key, value in expanded.items():
            if key == "@type" and "@value" not in expanded:
                found |= set(value)
            elif not key.startswith("@"):
                found.add(key)
            if key != "@value":
                found |= _iris(value)
    return found


def _model_terms(model: type[BaseModel], seen: set[type] | None = None) -> set[str]:
    """Every JSON member name a model and the models inside it can hold."""
    seen = seen if seen is not None else set()
    if model in seen:
        return set()
    seen.add(model)
    terms = set(model.model_fields)
    for field in model.model_fields.values():
        pending = [field.annotation]
        while pending:
            annotation = pending.pop()
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                terms |= _model_terms(annotation, seen)
            pending.extend(typing.get_args(annotation))
    return terms


def _definitions(context: dict) -> dict:
    """Every term a context defines, its property-scoped contexts' terms included (the VC 2.0
    context protects ``validUntil``, so a certificate's ``validUntil`` is defined where it is used)."""
    found = dict(context)
    for definition in context.values():
        if isinstance(definition, dict) and isinstance(definition.get("@context"), dict):
            found.update(_definitions(definition["@context"]))
    return found


def _all_categories() -> list[dict]:
    """A passport of each category that needs one (EV, LMT, industrial) and the users' example."""
    return [load(FIXTURES / name) for name in GOOD_FIXTURES] + [load(USER_EXAMPLE)]


def test_every_model_term_is_defined_by_the_context_or_the_vc_context():
    ours = _definitions(passport_context()["@context"])
    vc = W3C_CONTEXT["@context"]
    terms = _model_terms(Passport) | _model_terms(BatteryCondition)
    undefined = sorted(t for t in terms if t not in ours and t not in vc)
    assert not undefined, (
        f"define these terms in formats/contexts/ ({{\"@id\": IRI}}, \"@type\": \"@id\" for links): {undefined}; "
        "in v1 while it is unreleased, in a new version once v1 is published"
    )
    for audience_type in [*AUDIENCE_CREDENTIAL_TYPES.values(), "BatteryPassport"]:
        assert audience_type in ours
    assert ours["@protected"] is True


@pytest.mark.parametrize("index", range(len(GOOD_FIXTURES) + 1))
def test_a_signed_passport_of_every_category_expands_with_nothing_dropped_or_left_undefined(index):
    data = _all_categories()[index]
    passport = build_passport(data, voluntary=True)
    key, identity = load_signer(DEMO / "issuer-ed25519" / "private.pem")
    signed = sign(passport, key, identity=identity)
    assert signed["@context"] == [VC_CONTEXT_V2, PASSPORT_CONTEXT_V1]
    iris = _iris(_expand_safely(signed))
    assert not [iri for iri in iris if iri.startswith(ISSUER_DEPENDENT)]
    assert all(re.match(r"^[a-z][a-z0-9+.-]*:", iri) for iri in iris), "relative IRI"
    # Every member of the passport reached RDF: count the subject's members against the IRIs.
    subject_terms = _json_members(signed["credentialSubject"]) - {"id", "type"}
    ours = _definitions(passport_context()["@context"])
    for term in subject_terms:
        definition = ours.get(term) or W3C_CONTEXT["@context"][term]
        iri = definition if isinstance(definition, str) else definition["@id"]
        expanded_iri = iri.replace("bp:", "https://w3id.org/batterypass/v1#").replace("schema:", "https://schema.org/")
        assert expanded_iri in iris, term


def _json_members(value) -> set[str]:
    if isinstance(value, dict):
        return set(value).union(*(_json_members(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_json_members(v) for v in value)) if value else set()
    return set()


def test_a_view_credential_type_expands_to_our_vocabulary():
    credential = passport_credential(build_passport(load(FIXTURES / "ev-pack.json")))
    credential["type"].append(AUDIENCE_CREDENTIAL_TYPES[Access.PUBLIC])
    assert "https://w3id.org/batterypass/v1#BatteryPassportPublicView" in _iris(_expand_safely(credential))


def test_a_certificates_valid_until_is_its_own_term_beside_the_credentials():
    """The VC 2.0 context protects ``validUntil``; a chain-of-custody certificate's is a date of its own."""
    data = load(USER_EXAMPLE)
    data["materials"]["rawMaterialOrigin"][0]["chainOfCustodyCertificate"] = {
        "certificateId": "CoC-77", "certificationBody": "Example Certifier", "scope": "cobalt hydroxide trading",
        "validUntil": "2030-12-31",
    }
    credential = passport_credential(build_passport(data, today=date(2027, 4, 1)))
    credential["validUntil"] = "2035-01-01T00:00:00Z"
    expanded = json.dumps(_expand_safely(credential))
    certificate = '"https://w3id.org/batterypass/v1#certificateValidUntil": [{"@type": "http://www.w3.org/2001/XMLSchema#date", "@value": "2030-12-31"}]'
    assert certificate in expanded
    assert '"https://www.w3.org/2018/credentials#validUntil": [{"@type": "http://www.w3.org/2001/XMLSchema#dateTime", "@value": "2035-01-01T00:00:00Z"}]' in expanded


def test_protected_terms_cannot_be_redefined_by_a_later_context():
    credential = passport_credential(build_passport(load(FIXTURES / "ev-pack.json")))
    credential["@context"].append({"batteryIdentifier": "https://evil.example/#serial"})
    with pytest.raises(jsonld.JsonLdError) as caught:
        _expand_safely(credential)
    assert "protected term redefinition" in repr(caught.value.__dict__) + str(caught.value)


def test_the_loader_never_fetches():
    load_document = offline_document_loader()
    assert load_document(PASSPORT_CONTEXT_V1)["document"] == passport_context()
    with pytest.raises(ContextNotAvailableError):
        load_document("https://w3id.org/batterypass/v2")
    with pytest.raises(ContextNotAvailableError):
        load_document(VC_CONTEXT_V2)


def test_battery_pass_iris_are_the_upstream_models_properties():
    """The SAMM URNs the context reuses are properties the Battery Pass 1.2 files define."""
    upstream = ""
    for path in (REFERENCE / "battery-pass-1.2").rglob("*"):
        if path.is_file():
            raw = path.read_bytes()
            upstream += raw.decode("utf-16") if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else raw.decode("utf-8", "replace")
    reused = [d["@id"] for d in passport_context()["@context"].values() if isinstance(d, dict) and d["@id"].startswith("urn:samm:")]
    assert len(reused) > 30
    for iri in reused:
        assert f'"{iri}"' in upstream, iri


def test_passports_signed_before_the_context_keep_verifying():
    """Changing the context is a versioned event: a credential listing only the VC context still verifies."""
    key, identity = load_signer(DEMO / "issuer-ed25519" / "private.pem")
    credential = passport_credential(build_passport(load(FIXTURES / "ev-pack.json")))
    credential["@context"] = [VC_CONTEXT_V2]
    old = sign_credential(credential, key, identity, envelope="data-integrity", created=credential["validFrom"])
    assert verify(old, TrustStore.load(DEMO / "trust")).status is Status.VALID
    current = sign(build_passport(load(FIXTURES / "ev-pack.json")), key, identity=identity)
    assert verify(current, TrustStore.load(DEMO / "trust")).status is Status.VALID


def test_context_command_prints_the_shipped_context(runner, tmp_path):
    printed = runner.invoke(main, ["context"])
    assert printed.exit_code == 0
    assert json.loads(printed.output) == passport_context()
    written = runner.invoke(main, ["context", "--out", str(tmp_path / "v1.jsonld")])
    assert written.exit_code == 0
    assert json.loads((tmp_path / "v1.jsonld").read_text()) == passport_context()
    assert runner.invoke(main, ["context", "--url", "https://example.org/other"]).exit_code == 2
