"""Passports per second through ``batterypass batch`` and ``batterypass verify``, against the
irreducible work measured in the same run.

Run: ``python benchmarks/bench_batch.py [--items N] [--repeats R] [--jobs J] [--dir DIR]``
(defaults: 1000 items, 3 repeats, every core, the system temporary directory).

The items are ``fixtures/ev-pack.json`` with serial numbers 1..N, signed with the demo key and
verified against the demo trust store (``keys/demo``). Each mode runs the real command in this
process (click's test runner), so interpreter start-up, paid once per command and not per
passport, is left out; every repeat writes into a fresh directory, and the batch timing
includes the final flush (``syncfs``) that makes the output durable. Figures are medians.

Irreducible work, per passport on one core: an Ed25519 signature (eddsa-jcs-2022 signs 64
bytes), serialising the signed passport as written (``dumps_pretty``) and the QR matrix of its
link (``encode_qr``); for verify, an Ed25519 verification and parsing the file (``json.loads``).
"x irreducible" is core time per passport (wall time x processes / passports) over the sum of
the irreducible parts a mode needs: what validation, assembly, canonicalisation, rendering,
files and processes cost on top.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from batterypass.cli.main import main as cli
from batterypass.law.identifiers import digital_link_url
from batterypass.issuing.issuance import Signer
from batterypass.jsonio import dumps_pretty
from batterypass.carriers.qr import encode_qr

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "fixtures" / "ev-pack.json"
KEY = ROOT / "keys" / "demo" / "issuer-ed25519" / "private.pem"
TRUST = ROOT / "keys" / "demo" / "trust"


def write_items(path: Path, count: int) -> None:
    build_data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    with path.open("w", encoding="utf-8") as fh:
        for serial in range(1, count + 1):
            item = copy.deepcopy(build_data)
            item["battery"]["serialNumber"] = f"P90-2027-{serial:06d}"
            fh.write(json.dumps(item) + "\n")


def run(args: list[str]) -> dict[str, Any]:
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    if result.exit_code != 0:
        raise SystemExit(f"batterypass {' '.join(args[:1])} exited {result.exit_code}:\n{result.output[:2000]}")
    return json.loads(result.stdout)


def seconds(action: Callable[[], object], check: Callable[[Any], bool] = lambda _: True) -> float:
    start = time.perf_counter()
    result = action()
    took = time.perf_counter() - start
    assert check(result), result
    return took


def irreducible(outputs: Path, count: int) -> dict[str, Callable[[], object]]:
    """For each piece of work no implementation can skip: doing it for ``count`` passports."""
    key = Signer.from_files(KEY).key
    message = bytes(64)
    signature = key.sign(message)
    public_key = key.public_key
    files = sorted(outputs.glob("*.json"))
    documents = [json.loads(path.read_bytes()) for path in files]
    raw = [path.read_bytes() for path in files]
    resolver = json.loads(FIXTURE.read_text(encoding="utf-8"))["passport"]["resolverUrl"]
    links = [digital_link_url(resolver, "04012345000016", f"P90-2027-{n:06d}") for n in range(1, count + 1)]
    encode_qr(links[0])  # per-version tables, built once per batch
    return {
        "Ed25519 sign": lambda: [key.sign(message) for _ in range(count)],
        "Ed25519 verify": lambda: [public_key.verify(signature, message) for _ in range(count)],
        "JSON dump": lambda: [dumps_pretty(document) for document in documents],
        "JSON parse": lambda: [json.loads(data) for data in raw],
        "QR matrix": lambda: [encode_qr(link) for link in links],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1000, help="passports per run (default 1000)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of everything; medians are shown (default 3)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="batch worker processes (default: every core)")
    parser.add_argument("--dir", type=Path, help="where to write (default: the system temporary directory)")
    options = parser.parse_args()
    count, jobs = options.items, options.jobs
    # One issuance time for every run: verify then sees passports valid from a moment ago.
    issued_at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    batch_modes = {
        "build (no key, --no-qr)": (["--no-qr"], ("JSON dump",)),
        "build+sign (--no-qr)": (["--no-qr", "--key", str(KEY)], ("Ed25519 sign", "JSON dump")),
        "build+sign+QR (SVG+PNG)": (["--key", str(KEY)], ("Ed25519 sign", "JSON dump", "QR matrix")),
    }
    verify_mode = "verify (one process)"
    needs = {label: floor for label, (_, floor) in batch_modes.items()} | {verify_mode: ("Ed25519 verify", "JSON parse")}
    rates: dict[str, list[float]] = {label: [] for label in needs}
    ratios: dict[str, list[float]] = {label: [] for label in needs}
    floors: dict[str, list[float]] = {}

    with tempfile.TemporaryDirectory(dir=options.dir, prefix="bench-batch-") as tmp:
        work = Path(tmp)
        items = work / "items.jsonl"
        write_items(items, count)
        floor_work: dict[str, Callable[[], object]] = {}
        # Every repeat runs everything, irreducible work included, so that a ratio compares
        # runs made moments apart: on a shared machine the speed drifts from minute to minute.
        for repeat in range(options.repeats):
            took: dict[str, float] = {}
            for number, (label, (extra, _)) in enumerate(batch_modes.items()):
                # Nothing is deleted until the end: on a file system that discards (TRIMs)
                # freed blocks, deleting thousands of files slows the file creation that follows.
                out = work / f"out-{repeat}-{number}"
                # The full passports only: bench_views.py measures what the audience views add.
                args = ["batch", str(items), "--out", str(out), "--issued-at", issued_at, "-j", str(jobs), "--views", "none", "--json"]
                took[label] = seconds(lambda: run([*args, *extra]), lambda summary: summary["ok"] == count)
            # The last batch mode signed every passport: verify those.
            passports = sorted(str(path) for path in out.glob("*.json"))
            verify = ["verify", *passports, "--trust", str(TRUST), "--json"]
            took[verify_mode] = seconds(lambda: run(verify), lambda verdict: verdict["status"] == "valid")

            floor_work = floor_work or irreducible(out, count)
            floor = {name: seconds(action) / count for name, action in floor_work.items()}
            for name, value in floor.items():
                floors.setdefault(name, []).append(value)
            for label, parts in needs.items():
                processes = 1 if label == verify_mode else jobs
                rates[label].append(count / took[label])
                ratios[label].append(took[label] * processes / count / sum(floor[name] for name in parts))

    median = statistics.median
    print(f"{count} passports, {jobs} batch jobs on {os.cpu_count()} cores, medians of {options.repeats} runs")
    print("irreducible, one core, per passport: " + ", ".join(f"{n} {median(v) * 1e3:.3f} ms" for n, v in floors.items()))
    print(f"{'mode':<26}{'passports/s':>12}{'x irreducible':>15}")
    for label, parts in needs.items():
        print(f"{label:<26}{median(rates[label]):>12.0f}{median(ratios[label]):>15.1f}  ({' + '.join(parts)})")


if __name__ == "__main__":
    main()
