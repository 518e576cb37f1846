"""The human-readable line under the QR code, and the label's opaque white background: the
code still reads, the line sits outside the quiet zone, ``--label`` chooses it."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from conftest import FIXTURES, QR_FAMILY

from batterypass.carriers.qr import MAX_LABEL_CHARS, encode_qr
from batterypass.cli.main import main

SVG = "{http://www.w3.org/2000/svg}"
URL = "https://id.aurora-cells.example/01/04012345000016/21/P90-2027-004711"
IDENTIFIER = "(01)04012345000016(21)P90-2027-004711"


def read(image: Image.Image) -> str:
    [code] = zxingcpp.read_barcodes(image, formats=QR_FAMILY)
    return code.text


def test_png_line_sits_below_the_quiet_zone_and_the_code_still_reads():
    symbol = encode_qr(URL)
    plain = np.array(Image.open(io.BytesIO(symbol.png(0.5))).convert("L"))
    labelled = np.array(Image.open(io.BytesIO(symbol.png(0.5, label=IDENTIFIER))).convert("L"))
    side_px = plain.shape[0]
    assert labelled.shape[1] == side_px and labelled.shape[0] > side_px
    # The symbol and its quiet zone are untouched; every dark pixel of the line is below them.
    assert (labelled[:side_px] == plain).all()
    band = labelled[side_px:]
    assert (band == 0).any() and (band[:, 0] == 255).all() and (band[:, -1] == 255).all()
    assert read(Image.fromarray(labelled)) == URL


def test_svg_has_an_opaque_background_and_its_line_below_the_quiet_zone():
    symbol = encode_qr(URL)
    root = ET.fromstring(symbol.svg(0.5, IDENTIFIER + " <&>"))
    _, _, width, height = map(float, root.get("viewBox").split())
    assert width == symbol.side_modules and height > width
    rect, path, text = list(root)
    assert (rect.tag, rect.get("fill"), float(rect.get("width")), float(rect.get("height"))) == (
        SVG + "rect", "#fff", width, height
    )
    assert path.tag == SVG + "path" and text.tag == SVG + "text"
    assert text.text == IDENTIFIER + " <&>"
    font_size = float(text.get("font-size"))
    assert float(text.get("y")) - font_size >= symbol.side_modules - 1e-9  # the glyphs start below the quiet zone
    assert float(text.get("textLength")) <= width
    assert root.get("height") == f"{height * 0.5:.3f}".rstrip("0").rstrip(".") + "mm"
    # The symbol is the same path as without a line.
    assert ET.fromstring(symbol.svg(0.5))[1].get("d") == path.get("d")


@settings(max_examples=20, deadline=None)
@given(st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=MAX_LABEL_CHARS))
def test_any_printable_line_leaves_the_code_readable(line):
    symbol = encode_qr(URL)
    assert read(Image.open(io.BytesIO(symbol.png(0.4, label=line)))) == URL


def _build(runner, out: Path, *extra: str) -> dict:
    result = runner.invoke(main, ["build", str(FIXTURES / "ev-pack.json"), "--out", str(out), "--json", *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _svg_line(path: str) -> str | None:
    texts = list(ET.fromstring(Path(path).read_bytes()).iter(SVG + "text"))
    return texts[0].text if texts else None


@pytest.mark.parametrize(
    "choice, expected",
    [(None, IDENTIFIER), ("identifier", IDENTIFIER), ("serial", "P90-2027-004711"), ("none", None),
     ("text:Lot 7 / line 2", "Lot 7 / line 2")],
)
def test_build_label_choices(runner, tmp_path, choice, expected):
    files = _build(runner, tmp_path, *(["--label", choice] if choice else []))["files"]
    assert _svg_line(files["qrSvg"]) == expected
    png = Image.open(files["qrPng"])
    assert (png.height > png.width) is (expected is not None)
    assert read(png) == "https://id.aurora-cells.example/01/04012345000016/21/P90-2027-004711"


@pytest.mark.parametrize("choice", ["identifer", "text:" + "x" * (MAX_LABEL_CHARS + 1), "text:tab\there"])
def test_a_bad_label_is_a_usage_error_before_anything_is_written(runner, tmp_path, choice):
    result = runner.invoke(main, ["build", str(FIXTURES / "ev-pack.json"), "--out", str(tmp_path / "o"), "--label", choice])
    assert result.exit_code == 2 and "--label" in result.output
    assert not (tmp_path / "o").exists()


def test_qr_writes_to_standard_output_and_reads_standard_input(runner, tmp_path):
    passport = _build(runner, tmp_path)["files"]["passport"]
    result = runner.invoke(main, ["qr", passport, "--out", "-", "--format", "png", "--label", "serial"])
    assert result.exit_code == 0 and not (Path.cwd() / "-").exists()
    assert read(Image.open(io.BytesIO(result.stdout_bytes))) == URL
    piped = runner.invoke(main, ["qr", "-", "--out", "-", "--format", "svg"], input=Path(passport).read_bytes())
    assert piped.exit_code == 0 and _svg_line_of(piped.stdout_bytes) == IDENTIFIER
    assert runner.invoke(main, ["qr", passport, "--out", "-"]).exit_code == 2  # which format?


def _svg_line_of(svg: bytes) -> str:
    return next(ET.fromstring(svg).iter(SVG + "text")).text


def test_module_limits_are_in_the_help_and_enforced(runner, tmp_path):
    for command in ("build", "batch", "qr"):
        assert "0.396-0.99" in runner.invoke(main, [command, "--help"]).output
    result = runner.invoke(main, ["build", str(FIXTURES / "ev-pack.json"), "--out", str(tmp_path), "--module-mm", "1.2"])
    assert result.exit_code == 2 and "0.396<=x<=0.99" in result.output
