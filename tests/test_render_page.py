"""The passport page: its badge follows every verdict, and wrong-typed signed data is shown
as not given, never a crash (render, and the resolver's page)."""

from __future__ import annotations

import json
import re

import pytest
from markupsafe import escape
from click.testing import CliRunner
from starlette.testclient import TestClient

from batterypass import TrustStore, build_passport, view_for
from batterypass.carriers.render import NOT_VERIFIED, Badge, render_page
from batterypass.cli import main
from batterypass.resolver.app import create_app
from batterypass.resolver.store import open_store
from batterypass.verifying.verification import Status

from resolver_support import TRUST, fixture, signed_view, with_serial


@pytest.mark.parametrize("status", [*(s.value for s in Status), NOT_VERIFIED])
def test_every_verdict_has_a_headline_and_a_colour(status):
    badge = Badge(status, "did:web:x.example", None, "2026-12-01 00:00 UTC")
    page = render_page({}, badge)
    (classes,) = re.findall(r'<section class="badge ([^"]*)" id="verification"', page)
    tone = classes.split()[0]
    assert tone == ("ok" if status == "valid" else "bad" if status in ("invalid", "revoked") else "warn")
    assert f".badge.{tone} {{" in page  # the stylesheet colours that class
    assert badge.headline != status and f"<strong>{badge.headline}</strong>" in page
    if status not in ("valid", NOT_VERIFIED):
        assert str(escape(Status(status).next_step)) in page


WRONG_TYPES = {
    "batteryCategory": ["ev"], "batteryStatus": {"x": 1}, "batteryModel": ["EVIL"],
    "manufacturerInformation": "x", "manufacturingPlace": ["x"], "batteryMass": "heavy", "passportUrl": "javascript:alert(1)",
}


def wrong_typed_view() -> dict:
    data = with_serial(fixture(), "WRONG-TYPES")
    subject = view_for(build_passport(data), "public")
    subject["generalProductInformation"].update(WRONG_TYPES)
    subject["materialComposition"] = "x"
    subject["performanceAndDurability"] = ["x"]
    subject["lifecycle"] = ["x"]
    subject["carbonFootprint"] = {"batteryCarbonFootprint": "x", "carbonFootprintPerLifecycleStage": "x",
                                  "carbonFootprintStudy": "javascript:alert(1)", "carbonFootprintPerformanceClass": ["A"]}
    subject["circularity"] = {"recycledContent": 5, "renewableContent": [1]}
    subject["supplyChainDueDiligence"] = {"rawMaterialOrigin": [{"facility": "x", "assurance": [1], "material": {"a": 1}}]}
    return subject


def test_render_shows_wrong_typed_fields_as_not_given(tmp_path):
    view = tmp_path / "view.json"
    view.write_bytes(signed_view(fixture(), "public", subject=wrong_typed_view()))
    html = tmp_path / "page.html"
    result = CliRunner().invoke(main, ["render", str(view), "--format", "html", "--out", str(html)])
    assert result.exit_code == 0, result.output
    text = html.read_text(encoding="utf-8")
    assert "EVIL" not in text and "javascript:" not in text and "Battery</h1>" in text


def test_the_resolver_page_of_a_wrong_typed_view_is_not_a_500(tmp_path):
    store, trust = open_store(f"sqlite:///{tmp_path / 's.db'}"), TrustStore.load(TRUST)
    body = signed_view(fixture(), "public", subject=wrong_typed_view())
    # Stored as it is (whether publishing takes it is the verifier's business): the page of
    # whatever a store holds must render.
    uuid = json.loads(body)["id"].removeprefix("urn:uuid:")
    store.put_credential(passport_id=f"urn:uuid:{uuid}", audience="public", body=body, envelope="data-integrity",
                         issuer="did:web:aurora-cells.example", gtin=None, serial=None, valid_from=None)
    with TestClient(create_app(store, trust), raise_server_exceptions=False) as client:
        response = client.get(f"/passports/{uuid}/page.html")
        assert response.status_code == 200 and "Battery" in response.text


def test_render_exits_with_the_verdict_and_still_writes_the_page(tmp_path):
    view = tmp_path / "view.json"
    view.write_bytes(signed_view(fixture(), "public").replace(b'"batteryMass": ', b'"batteryMass": 9'))
    html = tmp_path / "page.html"
    result = CliRunner().invoke(main, ["render", str(view), "--format", "html", "--out", str(html), "--trust", str(TRUST), "--json"])
    assert result.exit_code == Status.INVALID.exit_code and json.loads(result.output)["verification"] == "invalid"
    assert "Not valid" in html.read_text(encoding="utf-8")
    # A trust store that knows another issuer only: the verdict is unknown-issuer, not a set-up error.
    other = tmp_path / "other"
    assert CliRunner().invoke(main, ["keygen", "--out", str(other), "--issuer", "did:web:other.example"]).exit_code == 0
    (tmp_path / "trust").mkdir()
    (tmp_path / "trust" / "did.json").write_bytes((other / "did.json").read_bytes())
    untrusted = CliRunner().invoke(main, ["render", str(view), "--format", "html", "--out", str(html), "--trust", str(tmp_path / "trust")])
    assert untrusted.exit_code == Status.UNKNOWN_ISSUER.exit_code, untrusted.output
