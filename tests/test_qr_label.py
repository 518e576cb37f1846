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
from PIL import Image, ImageDraw, ImageFont

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


def _band_and_font(symbol, module_mm: float, dpi: int, line: str):
    """The label band of ``symbol``'s PNG, its font and the line's pen origin, as the label
    geometry states them: an em of at most 3 modules that fits the line into 90 % of the side,
    centred on its advance and on its ascent and descent."""
    png = Image.open(io.BytesIO(symbol.png(module_mm, dpi, label=line))).convert("1")
    side_px = png.width
    px = side_px // symbol.side_modules
    size = max(1, round(min(3.0, symbol.side_modules * 0.9 / (len(line) * 0.6)) * px))
    font = ImageFont.load_default(size=size)
    width = font.getlength(line, mode="1")
    if width > side_px * 0.9:
        font = ImageFont.load_default(size=max(1, int(size * side_px * 0.9 / width)))
        width = font.getlength(line, mode="1")
    band = png.crop((0, side_px, side_px, png.height))
    ascent, descent = font.getmetrics()
    return band, font, (side_px - int(width)) // 2, (band.height + ascent - descent) // 2


@settings(max_examples=40, deadline=None)
@given(
    st.text(st.characters(categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=MAX_LABEL_CHARS),
    st.sampled_from([(0.396, 300), (0.5, 300), (0.5, 600), (0.99, 1200)]),
)
def test_the_png_line_is_each_glyph_as_pillow_draws_it_at_the_fonts_advances(line, size):
    """The line is laid out from glyph images made once per character and size: it must be
    exactly what drawing each character with Pillow at the font's advances gives."""
    symbol = encode_qr(URL)
    band, font, pen_x, baseline = _band_and_font(symbol, *size, line)
    expected = Image.new("1", band.size, 1)
    draw = ImageDraw.Draw(expected)
    for char in line:
        draw.text((pen_x, baseline), char, fill=0, font=font, anchor="ls")
        pen_x += int(font.getlength(char, mode="1"))
    assert band.tobytes() == expected.tobytes()


@pytest.mark.parametrize("size", [(0.396, 300), (0.5, 300), (0.5, 400), (0.5, 600), (0.8, 600)])
@pytest.mark.parametrize("line", [IDENTIFIER, "P90-2027-004711", "(01)09506000134352(21)ABC-XYZ-0815"])
def test_an_identifier_line_is_what_pillow_draws_for_the_whole_line(line, size):
    symbol = encode_qr(URL)
    band, font, pen_x, baseline = _band_and_font(symbol, *size, line)
    expected = Image.new("1", band.size, 1)
    ImageDraw.Draw(expected).text((pen_x, baseline), line, fill=0, font=font, anchor="ls")
    assert band.tobytes() == expected.tobytes()


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
