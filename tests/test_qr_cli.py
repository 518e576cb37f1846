"""QR codes through ``build`` and ``qr``: the printed symbol reads back as the passport's link."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import zxingcpp
from conftest import FIXTURES, QR_FAMILY, ROOT, USER_EXAMPLE, load
from PIL import Image

from batterypass.cli.main import main

ED25519_KEY = ROOT / "keys" / "demo" / "issuer-ed25519" / "private.pem"


def read_png(path: Path) -> str:
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(path.read_bytes())), formats=QR_FAMILY)
    return code.text


def build(runner, tmp_path, fixture=USER_EXAMPLE, *extra):
    result = runner.invoke(main, ["build", str(fixture), "--out", str(tmp_path), "--json", *extra])
    return result.exit_code, (json.loads(result.output) if result.output.startswith("{") else result.output)


def test_build_writes_qr_that_reads_back_as_the_digital_link(runner, tmp_path):
    code, summary = build(runner, tmp_path)
    assert code == 0
    assert summary["url"] == "https://aurora-cells.example/01/04012345678901/21/P75-2027-000123"
    assert read_png(Path(summary["files"]["qrPng"])) == summary["url"]
    assert summary["qrSideMm"] == pytest.approx(26.5)  # version 7: 45 + 8 quiet modules at 0.5 mm
    svg = Path(summary["files"]["qrSvg"]).read_text()
    assert svg.count("<path") == 1 and 'width="26.5mm"' in svg


def test_resolver_from_build_data_and_without_gtin(runner, tmp_path):
    code, summary = build(runner, tmp_path, FIXTURES / "lmt-ebike.json", "--resolver", "https://dpp.velo.example/p")
    assert code == 0
    assert summary["url"] == f"https://dpp.velo.example/p/{summary['passportId']}"
    assert read_png(Path(summary["files"]["qrPng"])) == summary["url"]
    code, summary = build(runner, tmp_path / "b", FIXTURES / "ev-pack.json")
    assert summary["url"].startswith("https://id.aurora-cells.example/01/04012345000016/21/")


@pytest.mark.parametrize("resolver", ["http://insecure.example", "https://r.example/?q=1", "not a url"])
def test_invalid_resolver_is_a_clear_error(runner, tmp_path, resolver):
    code, body = build(runner, tmp_path / "o", USER_EXAMPLE, "--resolver", resolver)
    assert code == 1
    assert body["problems"][0]["path"] == "--resolver" and "resolver base" in body["problems"][0]["message"]
    assert not (tmp_path / "o").exists()


def test_no_resolver_anywhere_is_an_error_not_a_default_host(runner, tmp_path):
    data = load(FIXTURES / "lmt-ebike.json")
    del data["manufacturer"]["web"]
    path = tmp_path / "b.json"
    path.write_text(json.dumps(data))
    code, body = build(runner, tmp_path / "o", path)
    assert code == 1 and body["problems"][0]["path"] == "$.passport.resolverUrl"
    code, body = build(runner, tmp_path / "o", path, "--no-qr")
    assert code == 0 and set(body["files"]) == {"passport"}


@pytest.mark.parametrize("envelope", ["data-integrity", "jose"])
def test_qr_command_on_a_signed_passport(runner, tmp_path, envelope):
    code, summary = build(runner, tmp_path, USER_EXAMPLE, "--key", str(ED25519_KEY), "--envelope", envelope, "--no-qr")
    assert code == 0
    result = runner.invoke(main, ["qr", summary["files"]["passport"], "--out", str(tmp_path / "label.png"), "--module-mm", "0.4", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["sideMm"] == pytest.approx(53 * 0.4)
    assert read_png(tmp_path / "label.png") == body["url"] == "https://aurora-cells.example/01/04012345678901/21/P75-2027-000123"


def test_qr_command_rejects_module_size_outside_gs1_range(runner, tmp_path):
    code, summary = build(runner, tmp_path, USER_EXAMPLE, "--no-qr")
    result = runner.invoke(main, ["qr", summary["files"]["passport"], "--out", str(tmp_path / "l.svg"), "--module-mm", "2"])
    assert result.exit_code == 2 and "0.396<=x<=0.99" in result.output  # a usage error, named by the option
    assert not (tmp_path / "l.svg").exists()


def test_percent_encoded_serial_reads_back_verbatim(runner, tmp_path):
    data = load(USER_EXAMPLE)
    data["battery"]["serialNumber"] = "P75/2027+0%1"
    path = tmp_path / "b.json"
    path.write_text(json.dumps(data))
    code, summary = build(runner, tmp_path / "o", path)
    assert code == 0
    assert summary["url"].endswith("/21/P75%2F2027%2B0%251")
    assert read_png(Path(summary["files"]["qrPng"])) == summary["url"]


def test_qr_command_writes_exactly_the_named_file(runner, tmp_path):
    code, summary = build(runner, tmp_path, USER_EXAMPLE, "--no-qr")
    passport = summary["files"]["passport"]
    result = runner.invoke(main, ["qr", passport, "--out", str(tmp_path / "label.bin"), "--format", "png"])
    assert result.exit_code == 0, result.output
    assert read_png(tmp_path / "label.bin").startswith("https://aurora-cells.example/01/")
    clash = runner.invoke(main, ["qr", passport, "--out", str(tmp_path / "a.svg"), "--format", "png"])
    assert clash.exit_code == 2 and not (tmp_path / "a.svg").exists()


def test_qr_command_prints_the_link_recorded_at_build(runner, tmp_path):
    code, summary = build(runner, tmp_path, FIXTURES / "ev-pack.json")  # resolver from passport.resolverUrl
    result = runner.invoke(main, ["qr", summary["files"]["passport"], "--out", str(tmp_path / "again.png"), "--json"])
    assert json.loads(result.output)["url"] == summary["url"] == read_png(tmp_path / "again.png")
    assert summary["url"].startswith("https://id.aurora-cells.example/")
    document = json.loads(Path(summary["files"]["passport"]).read_text())
    assert document["credentialSubject"]["generalProductInformation"]["passportUrl"] == summary["url"]


@pytest.mark.parametrize(("target", "extra", "message"), [("label.pdf", [], "name a .svg or .png"), ("l.svg", [], "build data")])
def test_qr_command_usage_errors(runner, tmp_path, target, extra, message):
    code, summary = build(runner, tmp_path, USER_EXAMPLE, "--no-qr")
    source = summary["files"]["passport"] if message != "build data" else str(USER_EXAMPLE)
    result = runner.invoke(main, ["qr", source, "--out", str(tmp_path / target), *extra])
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / target).exists()


def test_qr_command_on_a_bare_passport(runner, tmp_path):
    code, summary = build(runner, tmp_path, FIXTURES / "ev-pack.json", "--no-qr")
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(json.loads(Path(summary["files"]["passport"]).read_text())["credentialSubject"]))
    result = runner.invoke(main, ["qr", str(bare), "--out", str(tmp_path / "l.png"), "--json"])
    assert result.exit_code == 0, result.output
    assert read_png(tmp_path / "l.png") == json.loads(result.output)["url"]
