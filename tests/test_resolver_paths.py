"""Malformed resolver paths: a clear 400 or 404, never a 500 or a dropped connection."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from batterypass import TrustStore
from batterypass.resolver.app import create_app
from batterypass.resolver.publishing import publish
from batterypass.resolver.store import open_store

from resolver_support import TRUST, fixture, signed_view


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('paths') / 's.db'}")
    body = signed_view(fixture(), "public")
    assert publish(store, body, TrustStore.load(TRUST)).status == "published"
    with TestClient(create_app(store, TrustStore.load(TRUST)), raise_server_exceptions=False) as client:
        client.uuid = json.loads(body)["credentialSubject"]["id"].removeprefix("urn:uuid:")
        yield client


@pytest.mark.parametrize("number", ["99999999999999999999999", str(2**63), "0"])
def test_a_version_number_beyond_any_is_404(client, number):
    response = client.get(f"/passports/{client.uuid}/versions/{number}/public.json")
    assert response.status_code == 404 and response.json()["title"] == "No such version"
    assert client.get(f"/passports/{client.uuid}/versions/1/public.json").status_code == 200


@pytest.mark.parametrize("method", ["GET", "OPTIONS", "HEAD"])
@pytest.mark.parametrize("path", ["/passports/%0d%0a/public.json", "/passports/%0d%0a/authority.json",
                                  "/passports/not-a-uuid/page.html", "/passports/%0d%0a/versions/1/public.json"])
def test_a_resource_path_without_a_uuid_is_400(client, method, path):
    response = client.request(method, path)
    assert response.status_code == 400, response.text
    assert not any("\r" in value or "\n" in value for value in response.headers.values())


@pytest.mark.parametrize("serial", ["%ZZ", "P90%2", "%", "%FF"])
def test_a_malformed_percent_encoding_in_a_digital_link_is_400(client, serial):
    response = client.get(f"/01/04012345000016/21/{serial}", headers={"Accept": "application/json"})
    assert response.status_code == 400 and "percent-encoding" in response.json()["detail"]


def test_files_named_one_by_one_are_published_in_the_order_a_directory_gives(tmp_path):
    """`publish out/*.json` gets the shell's name order: v10 before v2, views before the
    countersignature that hands them over. Each passport's files are put in publishing order."""
    from batterypass.resolver.publishing import credential_files

    uuid = "0b0e4a6c-5b9a-5d8e-8f51-6a3c2f9f2d10"
    names = [f"{uuid}.json", f"{uuid}.v10.json", f"{uuid}.v2.authority.json", f"{uuid}.v2.countersignature.json",
             f"{uuid}.v2.json", "other.json"]
    for name in names:
        (tmp_path / name).write_text("{}")
    shell_order = [tmp_path / "other.json", *(tmp_path / name for name in sorted(names[:-1]))]
    expected = [f"{uuid}.json", f"{uuid}.v2.countersignature.json", f"{uuid}.v2.authority.json", f"{uuid}.v2.json",
                f"{uuid}.v10.json"]
    assert [p.name for p in credential_files(shell_order)] == ["other.json", *expected]
    assert [p.name for p in credential_files([tmp_path]) if p.name != "other.json"] == expected
