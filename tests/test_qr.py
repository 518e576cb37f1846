"""QR symbols decode back to the exact URL, at level Q, with the printed size they claim."""

from __future__ import annotations

import io
import zlib
import math
import re
import xml.etree.ElementTree as ET

import numpy as np
import png as pypng
import pytest
import qrcode
import zxingcpp
from conftest import QR_FAMILY
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw
from qrcode import util

from batterypass.errors import BatteryPassError
from batterypass.law.identifiers import digital_link_url, passport_id, passport_url
from batterypass.carriers.qr import (
    MAX_MODULE_MM,
    MIN_VERSION,
    MIN_MODULE_MM,
    QUIET_ZONE_MODULES,
    QrCode,
    QrError,
    _layout,
    _lost_point,
    _pack,
    encode_qr,
    write_qr_files,
)

RESOLVER = "https://id.example-battery.eu"
GTIN = "09506000134352"
CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
FINDER_ZONE = 8  # finder pattern plus its separator, from each corner


def decode(image: Image.Image) -> zxingcpp.Barcode:
    found = zxingcpp.read_barcodes(image, formats=QR_FAMILY)
    assert len(found) == 1, found
    return found[0]


def decode_png(data: bytes) -> zxingcpp.Barcode:
    return decode(Image.open(io.BytesIO(data)))


def reference_symbol(url: str) -> qrcode.QRCode:
    """What qrcode itself makes, automatic mask included: the baseline we must equal."""
    ref = qrcode.QRCode(version=MIN_VERSION, error_correction=qrcode.constants.ERROR_CORRECT_Q, border=0)
    ref.add_data(url)
    ref.make()
    return ref


def format_mask(modules: tuple[tuple[bool, ...], ...]) -> int:
    """The mask named by the format information along row 8 (ISO/IEC 18004 7.9)."""
    size = len(modules)
    cells = [size - 1 - i for i in range(8)] + [7] + [14 - i for i in range(9, 15)]
    row = [modules[8][column] for column in cells]

    def bits(mask: int) -> list[bool]:
        info = util.BCH_type_info(qrcode.constants.ERROR_CORRECT_Q << 3 | mask)
        return [bool(info >> i & 1) for i in range(15)]

    (mask,) = [mask for mask in range(8) if bits(mask) == row]
    return mask


def with_quiet_zone(qr: QrCode) -> list[list[bool]]:
    quiet = [False] * QUIET_ZONE_MODULES
    rows = [quiet + list(row) + quiet for row in qr.modules]
    blank = [[False] * qr.side_modules for _ in range(QUIET_ZONE_MODULES)]
    return blank + rows + [row[:] for row in blank]


def svg_matrix(svg: bytes) -> list[list[bool]]:
    """Read our SVG back into a module matrix, checking the path uses only 1-module-high runs
    (``M x y v1 H end V y z``: down one module, along to the run's end, back up, closed)."""
    root = ET.fromstring(svg)
    side = int(root.get("viewBox").split()[2])
    (path,) = root.iter("{http://www.w3.org/2000/svg}path")
    d = path.get("d")
    runs = [tuple(map(int, run)) for run in re.findall(r"M(\d+) (\d+)v1H(\d+)V(\d+)z", d)]
    assert "".join(f"M{x} {y}v1H{end}V{top}z" for x, y, end, top in runs) == d
    matrix = [[False] * side for _ in range(side)]
    for x, y, end, top in runs:
        assert top == y and end > x
        for column in range(x, end):
            assert not matrix[y][column], "overlapping runs"
            matrix[y][column] = True
    return matrix


def raster(matrix: list[list[bool]], px: int = 4) -> Image.Image:
    side = len(matrix)
    image = Image.new("L", (side * px, side * px), 255)
    draw = ImageDraw.Draw(image)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                draw.rectangle([x * px, y * px, (x + 1) * px - 1, (y + 1) * px - 1], fill=0)
    return image


def png_resolution(data: bytes) -> tuple[int, int, int]:
    """(width, height, pixels per metre) from the IHDR and pHYs chunks, checking the PNG is
    1-bit greyscale without palette or alpha."""
    reader = pypng.Reader(bytes=data)
    width, height, _, info = reader.read()
    assert (info["bitdepth"], info["greyscale"], info["alpha"], info["planes"]) == (1, True, False, 1)
    assert "palette" not in info
    x_ppm, y_ppm, unit_is_metre = info["physical"]
    assert unit_is_metre and x_ppm == y_ppm
    return width, height, x_ppm


SAMPLE_URLS = [
    digital_link_url(RESOLVER, GTIN, "1"),
    digital_link_url(RESOLVER, GTIN, "SN-2027-000000000042"),  # 20 characters
    digital_link_url(RESOLVER, "4006381333931", "A/B%C+1"),
    passport_url(RESOLVER, passport_id("did:web:cells.example.com", "CELL-7")),
]


@pytest.mark.parametrize("url", SAMPLE_URLS)
def test_png_decodes_to_the_url_at_level_q(url: str) -> None:
    qr = encode_qr(url)
    found = decode_png(qr.png())
    assert found.text == url
    assert found.format == zxingcpp.BarcodeFormat.QRCode  # regular QR, not Micro QR
    assert found.ec_level == "Q" and found.extra["ECLevel"] == "Q"
    assert found.extra["Version"] == str(qr.version)
    assert found.extra["DataMask"] == format_mask(qr.modules)
    assert len(qr.modules) == 4 * qr.version + 17


def test_serial_is_percent_encoded_and_read_back_verbatim() -> None:
    url = digital_link_url(RESOLVER, GTIN, "A/B%C+1")
    assert url.endswith("/21/A%2FB%25C%2B1")
    assert decode_png(encode_qr(url).png()).text == url


def test_passport_url_without_gtin() -> None:
    url = passport_url(RESOLVER, passport_id("did:web:cells.example.com", "CELL-7"))
    assert url.startswith(f"{RESOLVER}/urn:uuid:")
    assert decode_png(encode_qr(url).png()).text == url


def cover_centre(qr: QrCode, fraction: float, paint: int) -> Image.Image:
    """The PNG with a centred square of ``fraction`` of the symbol area (quiet zone excluded) painted."""
    size = len(qr.modules)
    cover = math.sqrt(fraction) * size
    start = (size - cover) / 2
    assert FINDER_ZONE <= start and start + cover <= size - FINDER_ZONE, "would hit a finder pattern"
    image = Image.open(io.BytesIO(qr.png())).convert("L")
    px = image.width // qr.side_modules
    low = math.floor((QUIET_ZONE_MODULES + start) * px)
    high = math.ceil((QUIET_ZONE_MODULES + start + cover) * px)
    ImageDraw.Draw(image).rectangle([low, low, high - 1, high - 1], fill=paint)
    return image


# What level Q survives depends on the version (see qr.MIN_VERSION): every symbol we make,
# short links included, must read with 15 % of its centre covered.
LONG_URL = digital_link_url(f"{RESOLVER}/passports/eu-battery-regulation", GTIN, "SN-2027-000000000042")


@pytest.mark.parametrize(("url", "fraction"), [(url, 0.15) for url in [*SAMPLE_URLS, LONG_URL]])
@pytest.mark.parametrize("paint", [255, 0], ids=["white", "black"])
def test_survives_the_centre_covered(url: str, fraction: float, paint: int) -> None:
    qr = encode_qr(url)
    assert decode(cover_centre(qr, fraction, paint)).text == url


def test_symbol_is_exactly_what_qrcode_makes_across_versions() -> None:
    """Same version, same mask, same modules as qrcode's own choice, versions 7 to 13."""
    versions, masks = set(), set()
    for length in range(0, 320, 4):
        url = f"https://e.eu/{'ABCdef0123-._~%2F'[: length % 17]}{'x' * length}"
        ref = reference_symbol(url)
        qr = encode_qr(url)
        assert (qr.version, [list(row) for row in qr.modules]) == (ref.version, ref.modules), url
        versions.add(qr.version)
        masks.add(format_mask(qr.modules))
    assert {MIN_VERSION, 13} <= versions
    assert len(masks) >= 5  # many masks win, so equality is not one default mask agreeing


@pytest.mark.parametrize("serial", ["1", "SN-2027-000000000042", "x" * 60, "y" * 150])
def test_penalty_equals_qrcode_lost_point_for_every_mask(serial: str) -> None:
    ref = reference_symbol(f"{RESOLVER}/01/{GTIN}/21/{serial}")
    layout = _layout(ref.version)
    for mask in range(8):
        ref.makeImpl(True, mask)
        assert _lost_point(_pack(ref.modules), layout) == util.lost_point(ref.modules), mask


def test_png_pixels_are_the_modules_with_a_white_quiet_zone() -> None:
    qr = encode_qr(SAMPLE_URLS[1])
    image = Image.open(io.BytesIO(qr.png()))
    assert image.mode == "1"
    px = image.width // qr.side_modules
    pixels = image.load()
    expected = with_quiet_zone(qr)
    for y in range(image.height):
        for x in range(image.width):
            assert (pixels[x, y] == 0) == expected[y // px][x // px], (x, y)
    quiet = expected[:QUIET_ZONE_MODULES] + expected[-QUIET_ZONE_MODULES:]
    quiet += [row[:QUIET_ZONE_MODULES] + row[-QUIET_ZONE_MODULES:] for row in expected]
    assert not any(map(any, quiet))
    assert expected[QUIET_ZONE_MODULES][QUIET_ZONE_MODULES]  # the finder starts right after it


@pytest.mark.parametrize("module_mm", [MIN_MODULE_MM, 0.5, 0.508, 0.75, MAX_MODULE_MM])
@pytest.mark.parametrize("dpi", [300, 600])
def test_png_prints_at_side_mm_with_whole_pixels_per_module(module_mm: float, dpi: int) -> None:
    qr = encode_qr(SAMPLE_URLS[0])
    data = qr.png(module_mm, dpi)
    width, height, ppm = png_resolution(data)
    assert width == height and width % qr.side_modules == 0
    px = width // qr.side_modules
    assert px / module_mm * 25.4 >= dpi  # at least the asked resolution
    assert (px - 1) / module_mm * 25.4 < dpi  # and no more pixels than that needs
    assert width / ppm * 1000 == pytest.approx(qr.side_mm(module_mm), abs=0.001)
    assert qr.side_mm(module_mm) == pytest.approx(qr.side_modules * module_mm)
    assert Image.open(io.BytesIO(data)).info["dpi"][0] >= dpi - 0.01


@pytest.mark.parametrize("module_mm", [MIN_MODULE_MM, 0.45, 0.5, 0.508, 0.6, 0.75, 0.85, MAX_MODULE_MM])
@pytest.mark.parametrize("dpi", [300, 301, 450, 600, 1200])
def test_png_is_one_bit_greyscale_with_the_module_size_in_phys(module_mm: float, dpi: int) -> None:
    qr = encode_qr(SAMPLE_URLS[0])
    width, _, ppm = png_resolution(qr.png(module_mm, dpi))
    px = width // qr.side_modules
    assert px == math.ceil(module_mm * dpi / 25.4 - 1e-9)
    assert ppm == round(px / module_mm * 1000)


# 5 to 12 pixels a module (the fewest there are: 0.396 mm at 300 dpi), and 24: rows are packed
# 8 modules at a time, so every remainder of px modulo 8 is covered, at two versions (a side
# is always odd, so rows always end in padding bits).
@pytest.mark.parametrize(("module_mm", "dpi"), [(0.396, 300), (0.5, 300), (0.5, 350), (0.508, 400), (0.5, 450),
                                                (0.5, 500), (0.5, 550), (0.6, 500), (0.99, 600)])
@pytest.mark.parametrize("url", [SAMPLE_URLS[0], f"{RESOLVER}/{'x' * 300}"], ids=["version7", "larger"])
def test_png_pixels_are_the_modules_at_any_pixels_per_module(url: str, module_mm: float, dpi: int) -> None:
    qr = encode_qr(url)
    image = Image.open(io.BytesIO(qr.png(module_mm, dpi)))
    px = image.width // qr.side_modules
    dark = np.kron(np.array(with_quiet_zone(qr)), np.ones((px, px), dtype=bool))
    assert image.size == (qr.side_modules * px,) * 2
    assert (np.array(image) == ~dark).all()


def test_default_png_is_6_pixels_per_half_millimetre_module() -> None:
    qr = encode_qr(SAMPLE_URLS[0])
    width, _, ppm = png_resolution(qr.png())
    assert (width, ppm) == (qr.side_modules * 6, 12_000)
    assert qr.side_mm() == qr.side_modules * 0.5


@pytest.mark.parametrize("url", [*SAMPLE_URLS, f"{RESOLVER}/{'x' * 300}", f"{RESOLVER}/{'y' * 1200}"])
def test_svg_path_is_the_module_matrix_and_decodes(url: str) -> None:
    qr = encode_qr(url)
    svg = qr.svg(0.4)
    root = ET.fromstring(svg)
    assert [child.tag for child in root] == ["{http://www.w3.org/2000/svg}rect", "{http://www.w3.org/2000/svg}path"]
    background = root[0]
    assert (background.get("width"), background.get("height"), background.get("fill")) == (
        str(qr.side_modules), str(qr.side_modules), "#fff"
    )
    side_mm = f"{qr.side_modules * 0.4:.3f}".rstrip("0").rstrip(".")
    assert root.get("width") == root.get("height") == f"{side_mm}mm"
    assert root.get("viewBox") == f"0 0 {qr.side_modules} {qr.side_modules}"
    assert root.get("shape-rendering") == "crispEdges"
    matrix = svg_matrix(svg)
    assert matrix == with_quiet_zone(qr)
    assert decode(raster(matrix)).text == url


@pytest.mark.parametrize(
    "url",
    [
        "http://id.example.com/01/09506000134352/21/1",
        "ftp://id.example.com/x",
        "javascript:alert(1)",
        "id.example.com/01/09506000134352/21/1",
        "https:///01/09506000134352",
        "https://user:pw@id.example.com/x",
        "https://id.example.com/x y",
        "https://id.example.com/\u00e9",
        "https://[::1/x",
        "",
        f"{RESOLVER}/{'x' * 1700}",  # beyond version 40 at level Q
    ],
)
def test_bad_content_is_rejected(url: str) -> None:
    with pytest.raises(QrError, match="QR content"):
        encode_qr(url)


@pytest.mark.parametrize("module_mm", [0.395, 0.991, 0, -0.5, 2, float("nan")])
def test_module_size_outside_gs1_range_is_rejected(module_mm: float, tmp_path) -> None:
    qr = encode_qr(SAMPLE_URLS[0])
    for render in (qr.side_mm, qr.svg, qr.png):
        with pytest.raises(QrError, match=r"outside the GS1 range 0\.396-0\.99 mm"):
            render(module_mm)
    with pytest.raises(QrError):
        write_qr_files(qr, tmp_path / "qr", module_mm)
    assert list(tmp_path.iterdir()) == []  # nothing written on error


@pytest.mark.parametrize("dpi", [299, 2401])
def test_resolution_outside_print_range_is_rejected(dpi: int) -> None:
    with pytest.raises(QrError, match="dpi"):
        encode_qr(SAMPLE_URLS[0]).png(dpi=dpi)


def test_qr_error_is_a_batterypass_error() -> None:
    assert issubclass(QrError, BatteryPassError)


def test_write_qr_files(tmp_path) -> None:
    qr = encode_qr(SAMPLE_URLS[2])
    written = write_qr_files(qr, tmp_path / "out" / "battery.v2", module_mm=0.6)
    assert written == {"svg": tmp_path / "out" / "battery.v2.svg", "png": tmp_path / "out" / "battery.v2.png"}
    assert written["svg"].read_bytes() == qr.svg(0.6)
    assert written["png"].read_bytes() == qr.png(0.6)
    assert write_qr_files(qr, tmp_path / "only", formats=("png",)) == {"png": tmp_path / "only.png"}
    with pytest.raises(QrError, match="unknown QR format"):
        write_qr_files(qr, tmp_path / "x", formats=("svg", "pdf"))
    assert not (tmp_path / "x.svg").exists()


@settings(max_examples=30, deadline=None)
@given(serial=st.text(alphabet=CSET82, min_size=1, max_size=20))
def test_any_gs1_serial_decodes_to_its_url_in_qrcodes_own_symbol(serial: str) -> None:
    url = digital_link_url(RESOLVER, GTIN, serial)
    qr = encode_qr(url)
    assert decode_png(qr.png()).text == url
    assert [list(row) for row in qr.modules] == reference_symbol(url).modules


@pytest.mark.parametrize(("module_mm", "dpi", "label"), [(0.5, 300, None), (0.5, 300, "(01)04012345000016(21)P90-2027-004711"), (0.99, 1200, "x")])
@pytest.mark.parametrize("url", SAMPLE_URLS[:2])
def test_png_is_byte_for_byte_what_pypngs_writer_makes_of_its_pixels(url, module_mm, dpi, label):
    """The chunks are assembled here for speed; pypng's own Writer, given the same packed
    scanlines and settings (1-bit greyscale, pHYs in metres, zlib level 3), must write the
    same file."""
    data = encode_qr(url).png(module_mm, dpi, label=label)
    width, height, _, info = pypng.Reader(bytes=data).read()
    image_data = zlib.decompress(b"".join(body for kind, body in pypng.Reader(bytes=data).chunks() if kind == b"IDAT"))
    stride = 1 + (width + 7) // 8  # a filter-type byte, then the packed pixels
    assert len(image_data) == height * stride and not any(image_data[::stride])  # filter 0 throughout
    rows = [image_data[start + 1 : start + stride] for start in range(0, len(image_data), stride)]
    x_ppm, y_ppm, _ = info["physical"]
    writer = pypng.Writer(
        width, height, greyscale=True, bitdepth=1, x_pixels_per_unit=x_ppm, y_pixels_per_unit=y_ppm,
        unit_is_meter=True, compression=3,
    )
    out = io.BytesIO()
    writer.write_packed(out, rows)
    assert out.getvalue() == data
