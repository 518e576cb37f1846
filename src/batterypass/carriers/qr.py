"""Print-ready QR codes for the passport link: one symbol, rendered to SVG and PNG.

The symbol is a regular QR code made by the ``qrcode`` library at error correction level Q
(DESIGN 5). It holds the HTTPS URL and nothing else (Art. 13(6)); the URL itself is built in
:mod:`batterypass.identifiers`. The matrix is computed once (:func:`encode_qr`) and both
formats render from it, sized in millimetres: a module size in the GS1 range 0.396-0.990 mm
plus a 4-module quiet zone gives the printed side length.

Under the quiet zone an optional human-readable line (the battery identifier by default, as
GS1 asks for a printed "HRI" beside a code) sits in a band of its own, so it never touches
the quiet zone a scanner needs. Both formats have an opaque white background: a label
flattened onto a dark or transparent layer still reads.

Speed: ``qrcode`` scores its eight mask patterns by building each masked symbol as a list of
lists and walking it cell by cell, which costs more than everything else together. Here the
same scores are computed on the whole symbol packed into one integer (one bit per module),
with qrcode's own penalty rules, quirks included, so the chosen mask, and therefore every
module, is exactly what ``qrcode`` would make; the final symbol is that scored symbol under
the chosen mask rather than a second layout (:class:`_QRCode`).

Rendering, done for every passport, likewise takes a few operations on the whole symbol
rather than one per module or per run: the SVG path is made of texts prepared per symbol
size, picked at the edges of the dark runs; the PNG scanlines are looked up 8 modules at a
time, compressed in one call and framed in chunks by pypng, which costs less than Pillow's
C encoder here (Pillow packs a 1-bit image bit by bit: 0.6 ms for a 0.5 mm, 300 dpi symbol,
several times this whole PNG); the label line is laid out from glyph rows made once per
character and size (:func:`_label_rows`).
"""

from __future__ import annotations

import functools
import io
import itertools
import math
import string
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import png
import qrcode
from PIL import Image, ImageDraw, ImageFont
from qrcode import constants, exceptions, util

from ..errors import BatteryPassError
from ..law.identifiers import resolver_problem
from ..jsonio import write_atomic

#: Light modules around the symbol; ISO/IEC 18004 asks for at least 4.
QUIET_ZONE_MODULES = 4
#: Smallest version used. A label must still scan with its centre scuffed or covered (15 %
#: of the area, issue 4). The centre holds only data codewords: at versions 4-6, where our
#: links would otherwise land, 15 % of the area is ~27 % of the codewords, beyond what level
#: Q corrects (measured: zxing-cpp reads them up to 13-14 %); from version 7 the codewords
#: interleave over enough blocks (measured: 16-21 %). Costs 8 modules, 4 mm at 0.5 mm.
MIN_VERSION = 7
DEFAULT_MODULE_MM = 0.5
#: X-dimension range of the GS1 General Specifications for QR Code symbols carrying a GS1
#: Digital Link URI.
MIN_MODULE_MM = 0.396
MAX_MODULE_MM = 0.990
#: PNGs are made for print: below 300 dpi module edges blur; above 2400 dpi no printer gains
#: anything and the image only grows.
MIN_DPI = 300
MAX_DPI = 2400
FORMATS = ("svg", "png")
#: ``--label`` choices besides ``text:ANYTHING``: the battery identifier, its serial number, or no line.
LABEL_CHOICES = ("identifier", "serial", "none")
LABEL_TEXT_PREFIX = "text:"
#: A longer line would be too small to read under a symbol a few centimetres wide.
MAX_LABEL_CHARS = 64
# The line's font size, in modules: at most this, smaller when the text is wide; the band
# under the quiet zone is 1.5 times that, rounded up to whole modules.
_LABEL_EM_MODULES = 3.0
_LABEL_BAND_EM = 1.5
# Monospace advance width per em (DejaVu Sans Mono, Consolas, Courier: 0.60); the SVG states the
# text's length too, so a wider fallback font is squeezed to it rather than overflowing.
_MONO_ADVANCE_EM = 0.6
_SVG_FONTS = "DejaVu Sans Mono,Consolas,Menlo,monospace"

_MM_PER_INCH = 25.4
# Printable ASCII without space: byte mode in QR has no agreed charset beyond ASCII (ISO/IEC
# 18004 says ISO 8859-1, qrcode writes UTF-8), so only ASCII reads the same in every scanner.
_URL_CHARS = frozenset(string.printable) - frozenset(string.whitespace)
# bytes(row) of a bool row is b"\x00\x01..."; these turn it into ASCII digits.
_AS_DIGITS = bytes.maketrans(b"\x00\x01", b"01")
_AS_BOOLS = bytes.maketrans(b"01", b"\x00\x01")
# A dark module is a 0 (black) pixel in PNG greyscale.
_DARK_AS_BLACK = str.maketrans("01", "10")
# zlib level of the PNG pixel data. Each scanline comes px times over, which the fast levels
# find too: level 3 costs a fifth of the default 6 (0.04 against 0.2 ms at 0.5 mm and 300
# dpi, with the identifier line) for a file 18 % larger there (1.1 kB), and twice as large at
# 24 pixels a module (7 kB).
_PNG_ZLIB_LEVEL = 3
# PNG IHDR colour type 0 (greyscale) and pHYs unit 1 (the metre): PNG 11.2.2, 11.3.5.3.
_PNG_GREYSCALE = 0
_PNG_UNIT_IS_METRE = 1
# Runs of the two 11-module patterns qrcode penalises (1:1:3:1:1 finder look-alike next to
# four light modules), indexed from the window start.
_FINDER_LIKE = ("10111010000", "00001011101")


class QrError(BatteryPassError):
    """The QR content or a print parameter (module size, resolution, format) is not acceptable."""


@dataclass(frozen=True)
class QrCode:
    """One QR symbol: the URL it holds, its version (1-40) and its dark modules.

    ``modules[row][column]`` is True for a dark module; it excludes the quiet zone.
    """

    url: str
    version: int
    modules: tuple[tuple[bool, ...], ...]

    @property
    def side_modules(self) -> int:
        """Modules along one side including the quiet zone on both ends."""
        return len(self.modules) + 2 * QUIET_ZONE_MODULES

    def side_mm(self, module_mm: float = DEFAULT_MODULE_MM) -> float:
        """Printed side length in mm, quiet zone included, at ``module_mm`` per module."""
        _check_module_mm(module_mm)
        return self.side_modules * module_mm

    def height_mm(self, module_mm: float = DEFAULT_MODULE_MM, label: str | None = None) -> float:
        """Printed height in mm: the side, plus the band of the human-readable ``label``."""
        return (self.side_modules + _label_band_modules(self.side_modules, label)) * module_mm

    def svg(self, module_mm: float = DEFAULT_MODULE_MM, label: str | None = None) -> bytes:
        """SVG document on an opaque white rectangle: one ``<path>`` in module units, sized in
        mm, and ``label`` as a ``<text>`` line in a band under the quiet zone."""
        side_mm = _mm(self.side_mm(module_mm))
        side = self.side_modules
        band = _label_band_modules(side, label)
        # Each run of dark modules in a row is one rectangle. Its path text depends only on the
        # module where it starts and the module where it stops (the light one after it), so
        # the texts are made once per symbol size and picked by the run edges; the edges
        # themselves are found on the whole symbol at once, as one integer holding a byte per
        # module: shifted one byte, each module meets its left neighbour, and a dark module
        # after a light one starts a run, a light one after a dark one ends it.
        cells = self._cells(side)
        dark = int.from_bytes(cells, "big")
        left = dark >> 8
        starts = (dark & ~left).to_bytes(len(cells), "big")
        ends = (left & ~dark).to_bytes(len(cells), "big")
        start_texts, end_texts = _run_edge_texts(side)
        # Runs never overlap, so run starts and run ends alternate along the symbol.
        path = itertools.chain.from_iterable(
            zip(itertools.compress(start_texts, starts), itertools.compress(end_texts, ends))
        )
        text = ""
        if label:
            em = _label_em_modules(side, label)
            text = (
                f'<text x="{_mm(side / 2)}" y="{_mm(side + band / 2 + em * 0.35)}" font-family="{_SVG_FONTS}" '
                f'font-size="{_mm(em)}" text-anchor="middle" textLength="{_mm(em * _MONO_ADVANCE_EM * len(label))}" '
                f'lengthAdjust="spacingAndGlyphs" fill="#000">{xml_escape(label)}</text>'
            )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{side_mm}mm" height="{_mm((side + band) * module_mm)}mm" '
            f'viewBox="0 0 {side} {side + band}" shape-rendering="crispEdges">'
            f'<rect width="{side}" height="{side + band}" fill="#fff"/>'
            f'<path fill="#000" d="{"".join(path)}"/>{text}</svg>\n'
        ).encode("ascii", "xmlcharrefreplace")

    def png(self, module_mm: float = DEFAULT_MODULE_MM, dpi: int = MIN_DPI, label: str | None = None) -> bytes:
        """1-bit greyscale PNG with whole pixels per module, at least ``dpi`` when printed,
        with ``label`` drawn in a band under the quiet zone.

        The pHYs chunk carries the resolution that makes each module ``module_mm`` wide, so
        the printed size equals :meth:`side_mm` (to the pHYs integer pixels-per-metre, well
        under a micrometre over the symbol).
        """
        _check_module_mm(module_mm)
        if not MIN_DPI <= dpi <= MAX_DPI:
            raise QrError(f"PNG resolution {dpi} dpi is outside {MIN_DPI}-{MAX_DPI} dpi")
        # The epsilon keeps float noise from adding a pixel when module_mm*dpi is whole.
        px = math.ceil(module_mm * dpi / _MM_PER_INCH - 1e-9)
        side_px = self.side_modules * px
        px_per_metre = round(px / module_mm * 1000)
        scanlines = self._png_scanlines(px) + _label_rows(side_px, px, self.side_modules, label)
        # The chunks pypng's Writer writes for these scanlines, byte for byte up to 1 MiB of
        # image data (beyond it the Writer splits the data over several IDAT chunks; one is as
        # valid), with the image data compressed in one call: the Writer walks the scanlines one
        # by one in Python, which costs twice the rest of this PNG.
        out = io.BytesIO()
        png.write_chunks(out, [
            (b"IHDR", struct.pack("!2I5B", side_px, len(scanlines), 1, _PNG_GREYSCALE, 0, 0, 0)),
            (b"pHYs", struct.pack("!2IB", px_per_metre, px_per_metre, _PNG_UNIT_IS_METRE)),
            # Each scanline is preceded by its filter type, 0 (none).
            (b"IDAT", zlib.compress(b"\x00" + b"\x00".join(scanlines), _PNG_ZLIB_LEVEL)),
            (b"IEND", b""),
        ])
        return out.getvalue()

    def _png_scanlines(self, px: int) -> list[bytes]:
        """Packed 1-bit scanlines, ``px`` pixels per module, quiet zone included."""
        # Rows are framed to a multiple of 8 modules: 8 modules are px whole bytes of pixels,
        # looked up at once; the light modules past the quiet zone make the padding bits that
        # end a scanline on a byte boundary (readers ignore them, PNG 7.2).
        width = -(-self.side_modules // 8) * 8
        cells = self._cells(width)
        eight_modules = int(cells.translate(_AS_DIGITS), 2).to_bytes(len(cells) // 8, "big")
        pixels = b"".join(map(_pixels_of_8_modules(px).__getitem__, eight_modules))
        row_bytes = (self.side_modules * px + 7) // 8
        rows = [pixels[start : start + row_bytes] for start in range(0, len(pixels), width // 8 * px)]
        quiet = [b"\xff" * row_bytes] * (QUIET_ZONE_MODULES * px)
        return quiet + [row for row in rows for _ in range(px)] + quiet

    def _cells(self, width: int) -> bytes:
        """The symbol's rows one after another, a byte per module (1 dark), each preceded by
        the left quiet zone and followed by light modules up to ``width`` (the right quiet zone
        and any more), so no run of dark modules goes on from one row into the next."""
        before = bytes(QUIET_ZONE_MODULES)
        after = bytes(width - len(self.modules) - QUIET_ZONE_MODULES)
        return before + (after + before).join(map(bytes, self.modules)) + after


@functools.lru_cache(maxsize=16)
def _pixels_of_8_modules(px: int) -> tuple[bytes, ...]:
    """For each byte of 8 modules (first module in the high bit, 1 dark), the ``px`` bytes of
    their pixels in a 1-bit greyscale scanline (1 white)."""
    return tuple(
        int("".join(bit * px for bit in f"{byte:08b}".translate(_DARK_AS_BLACK)), 2).to_bytes(px, "big")
        for byte in range(256)
    )


@functools.lru_cache(maxsize=4)
def _run_edge_texts(side: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """SVG path texts for a run of dark modules that starts, and one that stops, at each module
    of the symbol's rows (indexed as :meth:`QrCode._cells` lays them out ``side`` wide).

    Together they draw ``M x y v1 H x_end V y z``: a rectangle one module high, traced down,
    along, up and closed, from the run's first module to the light module after its last.
    Made on the first symbol of a size (2 ms at version 7), then shared by the batch.
    """
    rows = range(QUIET_ZONE_MODULES, side - QUIET_ZONE_MODULES)
    starts = tuple(f"M{x} {y}v1" for y in rows for x in range(side))
    ends = tuple(f"H{x}V{y}z" for y in rows for x in range(side))
    return starts, ends


def label_problem(label: str) -> str | None:
    """Why ``label`` cannot be printed under a symbol, or None when it can."""
    if len(label) > MAX_LABEL_CHARS:
        return f"is {len(label)} characters, over {MAX_LABEL_CHARS}"
    if not label.isprintable():
        return "must be printable text on one line"
    return None


def label_text(choice: str, battery_identifier: str, serial_number: str) -> str | None:
    """The line ``--label`` asks for: ``identifier``, ``serial``, ``none`` or ``text:ANYTHING``."""
    if choice.startswith(LABEL_TEXT_PREFIX):
        text = choice[len(LABEL_TEXT_PREFIX):]
    else:
        text = {"identifier": battery_identifier, "serial": serial_number, "none": ""}.get(choice)
        if text is None:
            raise QrError(f"label {choice!r}: choose {', '.join(LABEL_CHOICES)} or {LABEL_TEXT_PREFIX}TEXT")
    if problem := label_problem(text):
        raise QrError(f"the QR label line {text[:MAX_LABEL_CHARS]!r} {problem}")
    return text or None


def _label_em_modules(side: int, label: str) -> float:
    # Fit the line into 90 % of the width at the monospace advance, at most the full size.
    return min(_LABEL_EM_MODULES, side * 0.9 / (len(label) * _MONO_ADVANCE_EM))


def _label_band_modules(side: int, label: str | None) -> int:
    return math.ceil(_label_em_modules(side, label) * _LABEL_BAND_EM) if label else 0


@functools.lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont:
    # Loading the font costs more than drawing a line with it; a batch uses one or two sizes.
    return ImageFont.load_default(size=size)  # type: ignore[return-value]


@dataclass(frozen=True)
class _Glyph:
    """One character as Pillow draws it alone in the label font, in mode "1": its ink rows
    (one integer a row, the leftmost pixel its highest of ``width`` bits), where the ink's top
    left sits from the pen on the baseline, and how far the pen then advances (FreeType's
    hinted advance for 1-bit rendering, whole pixels)."""

    rows: tuple[int, ...]
    width: int
    left: int
    top: int
    advance: int


@functools.lru_cache(maxsize=4096)
def _glyph(size: int, char: str) -> _Glyph:
    font = _font(size)
    # The canvas holds any glyph of the font with room to spare: ascenders, descenders,
    # marks and negative bearings stay inside it.
    canvas = Image.new("1", (4 * size, 4 * size), 0)
    pen_x, baseline = size, 2 * size
    ImageDraw.Draw(canvas).text((pen_x, baseline), char, fill=1, font=font, anchor="ls")
    advance = int(font.getlength(char, mode="1"))
    box = canvas.getbbox()
    if box is None:
        return _Glyph((), 0, 0, 0, advance)
    ink = canvas.crop(box)
    stride = (ink.width + 7) // 8
    data = ink.tobytes()  # rows packed most significant bit first, padded to whole bytes
    padding = stride * 8 - ink.width
    rows = tuple(int.from_bytes(data[i:i + stride], "big") >> padding for i in range(0, len(data), stride))
    return _Glyph(rows, ink.width, box[0] - pen_x, box[1] - baseline, advance)


def _line_width(size: int, label: str) -> int:
    return sum(_glyph(size, char).advance for char in label)


def _label_rows(side_px: int, px: int, side: int, label: str | None) -> list[bytes]:
    """The packed 1-bit scanlines of the label band (none without a label).

    The line is drawn one glyph at a time, each as Pillow draws it alone, at FreeType's hinted
    advances, from glyph rows made once per character and size and laid into the band's rows
    as integers: Pillow lays a whole line out anew, loading every glyph three times with its
    hinting program (0.6 ms for a 37-character identifier, against under 0.1 ms here). For
    the identifier's characters (digits, capitals, parentheses, hyphens) at its sizes the
    pixels are the ones Pillow draws for the whole line; elsewhere a glyph may sit a pixel
    from where the rounding of Pillow's whole-line layout puts it.
    """
    if not label:
        return []
    height = _label_band_modules(side, label) * px
    size = max(1, round(_label_em_modules(side, label) * px))
    width = _line_width(size, label)
    # Pillow's built-in font is proportional: shrink it when it runs wider than the estimate.
    if width > side_px * 0.9:
        size = max(1, int(size * side_px * 0.9 / width))
        width = _line_width(size, label)
    ascent, descent = _font(size).getmetrics()
    # Centred both ways: the middle of the line's advance, and of its ascent and descent.
    pen_x, baseline = (side_px - width) // 2, (height + ascent - descent) // 2
    row_bytes = (side_px + 7) // 8
    # Ink rows as integers over whole bytes, the leftmost pixel the highest bit, as PNG packs them.
    row_bits = row_bytes * 8
    ink = [0] * height
    for char in label:
        glyph = _glyph(size, char)
        shift = row_bits - pen_x - glyph.left - glyph.width
        for y, bits in enumerate(glyph.rows, baseline + glyph.top):
            if 0 <= y < height:
                ink[y] |= bits << shift if shift >= 0 else bits >> -shift
        pen_x += glyph.advance
    # Ink is black, a 0 bit; the image's pixels are the side_px highest bits (the padding
    # bits after them are left 0, readers ignore them: PNG 7.2).
    paper = ((1 << side_px) - 1) << (row_bits - side_px)
    return [((row & paper) ^ paper).to_bytes(row_bytes, "big") for row in ink]


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be QR content, or None when it can.

    The rules of a resolver base apply (https, a host, no credentials, no query or
    fragment): the battery is identified by the path alone, and a credential or fragment in
    a printed link only helps someone disguise it.
    """
    if not url or not set(url) <= _URL_CHARS:
        return "must be printable ASCII without spaces (percent-encode anything else)"
    return resolver_problem(url)


def encode_qr(url: str) -> QrCode:
    """The QR symbol for ``url`` (level Q, the smallest version from :data:`MIN_VERSION` that
    fits, qrcode's mask choice)."""
    problem = url_problem(url)
    if problem:
        raise QrError(f"QR content {url!r} {problem}")
    qr = _QRCode(version=MIN_VERSION, error_correction=constants.ERROR_CORRECT_Q, border=0)
    qr.add_data(url)
    try:
        qr.make()
    # qrcode raises DataOverflowError, or ValueError when its version guess overshoots 40.
    except (exceptions.DataOverflowError, ValueError):
        raise QrError(f"QR content is {len(url)} characters, too long for a QR code at level Q") from None
    return QrCode(url, qr.version, tuple(map(tuple, qr.modules)))


def write_qr_files(
    qr: QrCode,
    stem_path: Path,
    module_mm: float = DEFAULT_MODULE_MM,
    formats: tuple[str, ...] = FORMATS,
    *,
    label: str | None = None,
    durable: bool = True,
) -> dict[str, Path]:
    """Write ``<stem_path>.svg`` and/or ``<stem_path>.png`` atomically; return them by format.

    Everything is rendered before anything is written, so a bad parameter leaves no files.
    ``label`` is the human-readable line; ``durable`` is :func:`~batterypass.jsonio.write_atomic`'s.
    """
    check_print_options(module_mm, formats)
    renderers = {"svg": lambda: qr.svg(module_mm, label), "png": lambda: qr.png(module_mm, label=label)}
    rendered = {fmt: renderers[fmt]() for fmt in dict.fromkeys(formats)}
    stem_path = Path(stem_path)
    # Appended, not with_suffix(): a stem such as "battery.v2" must keep its dot.
    return {
        fmt: write_atomic(stem_path.with_name(f"{stem_path.name}.{fmt}"), data, durable=durable)
        for fmt, data in rendered.items()
    }


def check_print_options(module_mm: float, formats: tuple[str, ...] = FORMATS) -> None:
    """Raise :class:`QrError` unless ``module_mm`` is in the GS1 range and ``formats`` are known."""
    _check_module_mm(module_mm)
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise QrError(f"unknown QR format(s) {', '.join(unknown)}; choose from {', '.join(FORMATS)}")


def _check_module_mm(module_mm: float) -> None:
    # Written so that NaN fails too.
    if not MIN_MODULE_MM <= module_mm <= MAX_MODULE_MM:
        raise QrError(
            f"module size {module_mm} mm is outside the GS1 range {MIN_MODULE_MM}-{MAX_MODULE_MM} mm"
        )


def _mm(length: float) -> str:
    """A length for SVG attributes: micrometre precision, no trailing zeros."""
    return f"{length:.3f}".rstrip("0").rstrip(".")


class _QRCode(qrcode.QRCode):
    """qrcode's QRCode with the mask chosen and applied on bit-packed symbols.

    qrcode lays the data out once, as the test symbol the masks are scored on; the final
    symbol is that packed symbol under the chosen mask plus the format and version
    information qrcode draws, rather than a second layout by qrcode. Same modules, half the
    time.
    """

    def make(self, fit: bool = True) -> None:
        """qrcode's :meth:`make` with its automatic mask choice (``mask_pattern`` is not used)."""
        if fit or self.version is None:
            self.best_fit(start=self.version)
        self.data_cache = util.create_data(self.version, self.error_correction, self.data_list)
        # qrcode scores "test" symbols, whose format and version information is all light;
        # the same test symbol under mask 0 gives every other by flipping data modules.
        self.makeImpl(True, 0)
        layout = _layout(self.version)
        unmasked = _pack(self.modules) ^ layout.masks[0]
        scores = [_lost_point(unmasked ^ mask, layout) for mask in layout.masks]
        # The mask qrcode would choose: lowest ``util.lost_point``, first one on ties.
        mask = scores.index(min(scores))
        information = _information(self.version, self.error_correction, mask)
        self.modules = _unpack(unmasked ^ layout.masks[mask] | information, layout.size)


@dataclass(frozen=True)
class _Layout:
    """Per-version bit masks; bit ``row * size + column`` stands for that module."""

    size: int
    #: Each of the eight mask patterns, restricted to the data modules it applies to.
    masks: tuple[int, ...]
    #: Where a window of 5 modules (rule 1), a 2x2 block (rule 2) or 11 modules (rule 3)
    #: may start along rows and along columns without leaving the symbol.
    row_runs: int
    column_runs: int
    blocks: int
    row_finders: int
    column_finders: int


@functools.lru_cache(maxsize=None)
def _layout(version: int) -> _Layout:
    size = version * 4 + 17
    # qrcode's blank for this version: function patterns set, data modules still None.
    probe = qrcode.QRCode(version=version)
    probe.modules_count = size
    probe.modules = [[None] * size for _ in range(size)]
    probe.setup_position_probe_pattern(0, 0)
    probe.setup_position_probe_pattern(size - 7, 0)
    probe.setup_position_probe_pattern(0, size - 7)
    probe.setup_position_adjust_pattern()
    probe.setup_timing_pattern()
    probe.setup_type_info(True, 0)
    if version >= 7:
        probe.setup_type_number(True)
    data = [[cell is None for cell in row] for row in probe.modules]

    def pattern(mask: int) -> int:
        applies = util.mask_func(mask)
        return _pack([[data[r][c] and applies(r, c) for c in range(size)] for r in range(size)])

    every_row = sum(1 << (r * size) for r in range(size))

    def columns_below(limit: int) -> int:
        return ((1 << limit) - 1) * every_row

    def rows_below(limit: int) -> int:
        return (1 << (limit * size)) - 1

    return _Layout(
        size=size,
        masks=tuple(pattern(mask) for mask in range(8)),
        row_runs=columns_below(size - 4),
        column_runs=rows_below(size - 4),
        blocks=columns_below(size - 1) & rows_below(size - 1),
        row_finders=columns_below(size - 10),
        column_finders=rows_below(size - 10),
    )


@functools.lru_cache(maxsize=None)
def _information(version: int, error_correction: int, mask: int) -> int:
    """The dark modules of the format information (and, from version 7, the version
    information) of a final symbol, the always-dark module included, as qrcode draws them."""
    size = version * 4 + 17
    probe = qrcode.QRCode(version=version, error_correction=error_correction)
    probe.modules_count = size
    probe.modules = [[False] * size for _ in range(size)]
    probe.setup_type_info(False, mask)
    if version >= 7:
        probe.setup_type_number(False)
    return _pack(probe.modules)


def _pack(modules: list[list[bool]]) -> int:
    """A symbol as one integer, module (row, column) at bit ``row * size + column``."""
    return int(b"".join(map(bytes, modules)).translate(_AS_DIGITS)[::-1], 2)


def _unpack(symbol: int, size: int) -> list[list[bool]]:
    """The module rows of a packed symbol (the inverse of :func:`_pack`)."""
    flat = f"{symbol:0{size * size}b}"[::-1].encode("ascii").translate(_AS_BOOLS)
    return [list(map(bool, flat[start : start + size])) for start in range(0, size * size, size)]


def _lost_point(symbol: int, layout: _Layout) -> int:
    """``qrcode.util.lost_point`` of a packed symbol, same value, rule by rule."""
    size = layout.size
    # Bit i set when module i equals its right (or lower) neighbour; ~ sets bits beyond the
    # symbol too, which every validity mask below clears.
    same_right = ~(symbol ^ (symbol >> 1))
    same_below = ~(symbol ^ (symbol >> size))
    points = _run_points(same_right, 1, layout.row_runs)
    points += _run_points(same_below, size, layout.column_runs)
    points += 3 * (same_right & (same_right >> size) & same_below & layout.blocks).bit_count()
    points += 40 * _finder_like_count(symbol, 1, layout.row_finders)
    points += 40 * _finder_like_count(symbol, size, layout.column_finders)
    # qrcode's rule 4, in its own float arithmetic so that rounding agrees at the boundaries.
    dark_percent = symbol.bit_count() / (size**2) * 100
    return points + 10 * int(abs(dark_percent - 50) / 5)


def _run_points(same_next: int, step: int, starts: int) -> int:
    """Rule 1: each run of L >= 5 equal modules costs L - 2 (qrcode: 3 + (L - 5))."""
    windows = same_next & (same_next >> step) & (same_next >> 2 * step) & (same_next >> 3 * step) & starts
    # A run of L holds L - 4 windows of five; the first one (no window just before) adds 2.
    first = windows & ~(windows << step)
    return windows.bit_count() + 2 * first.bit_count()


def _finder_like_count(symbol: int, step: int, starts: int) -> int:
    """Rule 3: windows of 11 modules matching either finder look-alike pattern."""
    count = 0
    for pattern in _FINDER_LIKE:
        found = starts
        for offset, bit in enumerate(pattern):
            shifted = symbol >> (offset * step)
            found &= shifted if bit == "1" else ~shifted
        count += found.bit_count()
    return count
