"""Shared test paths and helpers. Reference material is read from ../shared at run time."""

from __future__ import annotations

import importlib.util
import json
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


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


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
