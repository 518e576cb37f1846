"""The passport page in headless Chromium (the distribution's) at a phone's viewport."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from batterypass import TrustStore
from batterypass.resolver.publishing import publish
from batterypass.resolver.store import open_store

from conftest import ROOT
from resolver_support import TRUST, fixture, running_server, signed_view

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = ROOT / "test-artifacts"


def test_page_on_a_phone_shows_identity_chart_and_badge_and_fetches_nothing_elsewhere(tmp_path):
    if CHROMIUM is None:
        pytest.skip("Chromium not installed (apt-get install chromium; .ci/run does)")
    from playwright.sync_api import sync_playwright

    url = f"sqlite:///{tmp_path / 'p.db'}"
    assert publish(open_store(url), signed_view(fixture(), "public"), TrustStore.load(TRUST)).status == "published"
    with running_server(url) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True)
            requests: list[str] = []
            page.on("request", lambda request: requests.append(request.url))
            response = page.goto(f"{base}/01/04012345000016/21/P90-2027-004711", wait_until="networkidle")
            assert response is not None and response.status == 200
            assert page.locator("#battery-identifier").inner_text() == "(01)04012345000016(21)P90-2027-004711"
            assert page.locator("#carbon-chart rect").count() == 4
            badge = page.locator("#verification")
            assert "Verified" in badge.inner_text() and "did:web:aurora-cells.example" in badge.inner_text()
            # Readable without zooming: nothing wider than the phone, body text at least 16 px.
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 16
            assert page.context.cookies() == []
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "resolver-page-phone.png"), full_page=True)
        finally:
            browser.close()
    assert requests and all(r.startswith(base + "/") for r in requests), requests
    assert (ARTIFACTS / "resolver-page-phone.png").stat().st_size > 10_000
