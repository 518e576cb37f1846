"""QR cost of one passport: batterypass.carriers.qr against the naive use of qrcode, in the same run.

Run: ``.venv/bin/python benchmarks/bench_qr.py [repetitions]`` (default 200). Prints medians in ms.

Baseline, the naive way: ``qrcode.QRCode`` at level Q (from the same minimum version) with
its automatic mask choice, then
``make_image(SvgPathImage).to_string()`` and ``make_image(PyPNGImage)`` saved to memory, at
the same 6 pixels per module as our 0.5 mm / 300 dpi PNG. Both produce the same symbol (the
tests check module for module), so only the cost differs.

"warm" reuses the per-version tables batterypass.carriers.qr builds on first use of a version (a
batch of passports); "cold" rebuilds them every time (one passport per process).
"""

from __future__ import annotations

import io
import statistics
import sys
import time
from collections.abc import Callable

import qrcode
from qrcode.image.pure import PyPNGImage
from qrcode.image.svg import SvgPathImage

from batterypass.law.identifiers import digital_link_url, passport_id, passport_url
from batterypass.carriers.qr import MIN_VERSION, _information, _layout, encode_qr

RESOLVER = "https://id.example-battery.eu"
URLS = {
    "GS1 Digital Link, 20-char serial": digital_link_url(RESOLVER, "09506000134352", "SN-2027-000000000042"),
    "passport id (urn:uuid)": passport_url(RESOLVER, passport_id("did:web:cells.example.com", "CELL-7")),
}
PX_PER_MODULE = 6  # what QrCode.png() picks for 0.5 mm modules at 300 dpi


def median_ms(action: Callable[[], object], repetitions: int) -> float:
    action()  # imports, first-use caches of qrcode and of ours: not what a passport pays
    times = []
    for _ in range(repetitions):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def baseline_symbol(url: str) -> qrcode.QRCode:
    qr = qrcode.QRCode(version=MIN_VERSION, error_correction=qrcode.constants.ERROR_CORRECT_Q, box_size=PX_PER_MODULE)
    qr.add_data(url)
    qr.make()
    return qr


def baseline_svg(qr: qrcode.QRCode) -> bytes:
    return qr.make_image(SvgPathImage).to_string()


def baseline_png(qr: qrcode.QRCode) -> bytes:
    out = io.BytesIO()
    qr.make_image(PyPNGImage).save(out)
    return out.getvalue()


def baseline_both(url: str) -> tuple[bytes, bytes]:
    qr = baseline_symbol(url)
    return baseline_svg(qr), baseline_png(qr)


def ours_both(url: str) -> tuple[bytes, bytes]:
    qr = encode_qr(url)
    return qr.svg(), qr.png()


def ours_both_cold(url: str) -> tuple[bytes, bytes]:
    _layout.cache_clear()
    _information.cache_clear()
    return ours_both(url)


def report(label: str, new: float, base: float) -> None:
    print(f"  {label:<17} median {new:6.2f} ms (baseline {base:6.2f} ms, ratio {new / base:.2f})")


def main(repetitions: int) -> None:
    print(f"{repetitions} repetitions each, medians")
    for name, url in URLS.items():
        ours, theirs = encode_qr(url), baseline_symbol(url)
        print(f"{name}: version {ours.version}, {ours.side_modules} modules with quiet zone")
        pairs = {
            "qr matrix": (lambda: encode_qr(url), lambda: baseline_symbol(url)),
            "qr svg": (ours.svg, lambda: baseline_svg(theirs)),
            "qr png": (ours.png, lambda: baseline_png(theirs)),
            "qr svg+png": (lambda: ours_both(url), lambda: baseline_both(url)),
            "qr svg+png cold": (lambda: ours_both_cold(url), lambda: baseline_both(url)),
        }
        for label, (new, base) in pairs.items():
            report(label, median_ms(new, repetitions), median_ms(base, repetitions))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
