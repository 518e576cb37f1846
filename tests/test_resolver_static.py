"""publish --to static:DIR, served by the distribution's nginx with the exported configuration."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest

from batterypass.cli import main

from resolver_support import TRUST, fixture, free_port, output_directory, signed_view, stop_group, with_serial

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
EV = "/01/04012345000016/21/P90-2027-004711"


def nginx_conf(prefix: Path, site: Path, port: int) -> Path:
    conf = prefix / "nginx.conf"
    user = "user root;\n" if os.geteuid() == 0 else ""  # as root, workers would drop to nobody, who cannot read pytest's tmp
    conf.write_text(
        f"""{user}daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    include {site}/.nginx/http.conf;
    client_body_temp_path {prefix}/body; proxy_temp_path {prefix}/proxy; fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi; scgi_temp_path {prefix}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {site};
        include {site}/.nginx/server.conf;
    }}
}}
""",
        encoding="utf-8",
    )
    return conf


@pytest.fixture
def nginx_site(tmp_path, runner):
    if not Path(NGINX).exists():
        pytest.skip("nginx not installed (apt-get install nginx-light; .ci/run does)")
    site = tmp_path / "site"
    out = output_directory(tmp_path / "out", fixture())
    lmt = tmp_path / "lmt.json"
    lmt.write_bytes(signed_view(fixture("lmt-ebike.json"), "public"))
    result = runner.invoke(main, ["publish", str(out), str(lmt), "--to", f"static:{site}", "--trust", str(TRUST), "--json"])
    assert result.exit_code == 0, result.output
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    port = free_port()
    process = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(nginx_conf(prefix, site, port))],
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(base + "/", timeout=2)
            break
        except httpx.TransportError:
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < deadline, "nginx did not start"
            time.sleep(0.1)
    try:
        yield {"base": base, "site": site, "out": out, "lmt": lmt, "results": json.loads(result.output)["results"]}
    finally:
        stop_group(process)


def test_only_public_views_are_exported(nginx_site):
    statuses = sorted((r["audience"] or "", r["status"]) for r in nginx_site["results"])
    assert statuses == [("", "skipped"), ("authority", "skipped"), ("legitimate-interest", "skipped"),
                        ("public", "published"), ("public", "published")]
    exported = b"".join(p.read_bytes() for p in nginx_site["site"].rglob("*") if p.is_file())
    restricted = json.loads((next(nginx_site["out"].glob("*.authority.json"))).read_bytes())
    assert restricted["proof"]["proofValue"].encode() not in exported


def test_nginx_negotiates_like_the_resolver(nginx_site):
    base, out = nginx_site["base"], nginx_site["out"]
    public = next(out.glob("*.public.json")).read_bytes()
    page = httpx.get(base + EV, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "(01)04012345000016(21)P90-2027-004711" in page.text and 'id="carbon-chart"' in page.text
    credential = httpx.get(base + EV, headers={"Accept": "application/vc+ld+json"})
    assert credential.content == public and credential.headers["content-type"] == "application/vc+ld+json"
    assert httpx.get(base + EV, headers={"Accept": "application/json"}).content == public
    linkset = httpx.get(base + EV, params={"linkType": "all"})
    assert linkset.headers["content-type"] == "application/linkset+json"
    (links,) = linkset.json()["linkset"]
    assert links["anchor"] == EV and "https://batterypass.dev/voc/authorityView" not in links
    for relation, targets in links.items():
        if relation != "anchor":
            for target in targets:
                assert httpx.get(base + target["href"]).status_code == 200, target
    assert httpx.get(base + EV, headers={"Accept": "application/linkset+json"}).json() == linkset.json()
    assert page.headers["access-control-allow-origin"] == "*" and "Accept" in page.headers["vary"]
    assert "set-cookie" not in page.headers


def test_nginx_resolves_uuid_paths_and_404s(nginx_site):
    base = nginx_site["base"]
    lmt = nginx_site["lmt"].read_bytes()
    uuid = json.loads(lmt)["id"].removeprefix("urn:uuid:")
    for path in (f"/{uuid}", f"/urn:uuid:{uuid}"):
        assert httpx.get(base + path, headers={"Accept": "application/json"}).content == lmt
    missing = httpx.get(base + "/01/04012345000016/21/NOPE")
    assert missing.status_code == 404 and "No battery passport has been published" in missing.text
    assert httpx.get(base + "/.nginx/server.conf").status_code == 404


def test_a_new_version_is_added_and_the_old_one_kept(nginx_site, runner, tmp_path):
    data = fixture()
    later = tmp_path / "later.json"
    later.write_bytes(signed_view(data, "public", issued_at=datetime(2026, 11, 28, tzinfo=timezone.utc)))
    result = runner.invoke(main, ["publish", str(later), "--to", f"static:{nginx_site['site']}", "--trust", str(TRUST), "--json"])
    assert json.loads(result.output)["results"][0]["version"] == 2
    again = runner.invoke(main, ["publish", str(later), "--to", f"static:{nginx_site['site']}", "--trust", str(TRUST), "--json"])
    assert json.loads(again.output)["results"][0]["status"] == "unchanged"
    base = nginx_site["base"]
    assert httpx.get(base + EV, headers={"Accept": "application/json"}).content == later.read_bytes()
    (links,) = httpx.get(base + EV, params={"linkType": "all"}).json()["linkset"]
    (older,) = links["predecessor-version"]
    assert httpx.get(base + older["href"]).content == next(nginx_site["out"].glob("*.public.json")).read_bytes()


def test_serials_that_would_leave_the_export_get_no_path(tmp_path, runner):
    body = tmp_path / "dots.json"
    body.write_bytes(signed_view(with_serial(fixture(), "../.."), "public"))
    site = tmp_path / "site"
    result = runner.invoke(main, ["publish", str(body), "--to", f"static:{site}", "--trust", str(TRUST), "--json"])
    assert json.loads(result.output)["results"][0]["status"] == "published"
    assert all(site in p.resolve().parents for p in site.rglob("*"))
    assert not (site / "01").exists()
