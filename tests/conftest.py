"""Shared test paths and helpers. Reference material is read from ../shared at run time."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
SHARED = ROOT.parent / "shared"
#: Our users' example, the input contract: it builds as is.
USER_EXAMPLE = SHARED / "examples" / "build-data.ev.2027.json"
#: The same battery as first written, without the data points the guidance added.
FIRST_USER_EXAMPLE = SHARED / "examples" / "build-data.ev.json"
REFERENCE = SHARED / "reference"
VECTORS = REFERENCE / "test-vectors"
DEMO = ROOT / "keys" / "demo"

# The QR family only: a full scan sometimes also "finds" a linear barcode in a QR code's
# module pattern, the reader's false positive, not a second symbol of ours. Micro QR stays
# in the family so a test can tell that what we print is a regular QR code.
QR_FAMILY = (zxingcpp.BarcodeFormat.QRCode, zxingcpp.BarcodeFormat.MicroQRCode, zxingcpp.BarcodeFormat.RMQRCode)

def _demo_material_script():
    spec = importlib.util.spec_from_file_location("make_demo_material", ROOT / "keys" / "make_demo_material.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: keys/make_demo_material.py, whose certificate helpers the X.509 tests reuse.
DEMO_MATERIAL = _demo_material_script()

GOOD_FIXTURES = ["ev-pack.json", "lmt-ebike.json", "industrial-stationary.json"]
NOT_REQUIRED_FIXTURES = ["industrial-1.5kwh.json", "portable-aa.json"]


def json_leaves(value: Any, path: str = "$") -> Iterator[tuple[str, Any]]:
    """Every leaf of a JSON value with its JSON path (empty lists and None are no leaves)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from json_leaves(item, f"{path}.{key}")
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            yield from json_leaves(item, f"{path}[{index}]")
    elif value not in (None, []):
        yield path, value


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def cycle_records(count: int) -> list[dict[str, Any]]:
    """``count`` BMS condition records (cycles only), a month apart from February 2028."""
    return [{"recordedAt": f"2028-{month:02d}-01T00:00:00Z", "source": "bms", "dynamic": {"fullCycles": 10 * month}}
            for month in range(2, 2 + count)]


def issue_and_update(out_dir: Path, changes: list[dict[str, Any]]) -> list[Any]:
    """The EV pack issued (no QR code, no views), then updated with each of ``changes`` in turn,
    through the public API: version 1 and each later version, as ``IssuedPassport``s."""
    from datetime import datetime, timezone

    from batterypass import QrOptions, issue_passport
    from batterypass.issuing.lifecycle import update_passport_in_turn

    first = issue_passport(load(FIXTURES / "ev-pack.json"), out_dir, qr_options=QrOptions(enabled=False), views=(),
                           issued_at=datetime(2027, 6, 1, tzinfo=timezone.utc))
    return [first, *update_passport_in_turn(first.files["passport"], changes, out_dir, views=(),
                                            issued_at=datetime(2028, 9, 1, tzinfo=timezone.utc))]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def user_example() -> dict[str, Any]:
    return load(USER_EXAMPLE)


def acts_in_force(day: str, *act_ids: str) -> dict[str, Any]:
    """The built-in acts table (as `batterypass acts --json` prints it) with ``act_ids`` (all
    when none are named) in force from ``day``."""
    from batterypass.law.acts import BUILT_IN

    table = BUILT_IN.to_dict()
    for act in table["acts"]:
        if not act_ids or act["id"] in act_ids:
            act["entryIntoForce"] = day
    return table
