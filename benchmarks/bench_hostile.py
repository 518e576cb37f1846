"""What hostile input costs: the problem flood and big status-list copies, against the work a
good input of the same kind needs in the same run.

Run: ``python benchmarks/bench_hostile.py [--repeats R] [--passports N]`` (defaults 3 and 20).

* **Flood**: ``batterypass validate`` of a 1 MB build-data file whose ``materials.composition``
  is 330,000 empty objects (once 1.3 million problems, 31 s and 1.6 GB), in a fresh process
  each repeat, with its peak resident memory; against ``validate`` of the good fixture.
* **Status lists**: verifying N passports handed two undated 16 MiB copies of one status list
  (once combined again for every passport, 1.4 s each). Reported per passport, against the
  same passports verified without a list: the copies are verified, decoded and combined once
  per run, so the ratio falls towards 1 as N grows.

Figures are medians.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from batterypass import QrOptions, issue_passport
from batterypass.issuing.issuance import Signer
from batterypass.securing.status_list import MAX_BITSTRING_BYTES, make_status_list
from batterypass.verifying.trust import TrustStore
from batterypass.verifying.verification import check_status_lists, verify

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "fixtures" / "ev-pack.json"
KEY = ROOT / "keys" / "demo" / "issuer-ed25519" / "private.pem"
TRUST = ROOT / "keys" / "demo" / "trust"
LIST_URL = "https://aurora-cells.example/status/bench"
# The command in a child that reports its own peak resident memory (kB) as its last stderr line.
_CHILD = """
import resource, sys
from batterypass.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def validate_once(path: Path) -> tuple[float, float]:
    """Seconds and peak MB of ``batterypass validate PATH`` in a fresh interpreter."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _CHILD, "validate", str(path), "--json"],
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    return elapsed, int(done.stderr.strip().splitlines()[-1]) / 1024


def bench_flood(directory: Path, repeats: int) -> None:
    good = json.loads(FIXTURE.read_text())
    flood = json.loads(FIXTURE.read_text())
    flood["materials"]["composition"] = [{}] * 330_000
    flood_file, good_file = directory / "flood.json", directory / "good.json"
    flood_file.write_text(json.dumps(flood, separators=(",", ":")))
    good_file.write_text(json.dumps(good))
    flood_runs = [validate_once(flood_file) for _ in range(repeats)]
    good_runs = [validate_once(good_file) for _ in range(repeats)]
    flood_s, flood_mb = statistics.median(r[0] for r in flood_runs), statistics.median(r[1] for r in flood_runs)
    good_s, good_mb = statistics.median(r[0] for r in good_runs), statistics.median(r[1] for r in good_runs)
    print(f"validate flood ({flood_file.stat().st_size:,} bytes): {flood_s:.2f} s, {flood_mb:.0f} MB peak; "
          f"good fixture {good_s:.2f} s, {good_mb:.0f} MB; ratio {flood_s / good_s:.2f}x time, {flood_mb / good_mb:.2f}x memory")


def bench_status_lists(directory: Path, repeats: int, count: int) -> None:
    signer = Signer.from_files(KEY)
    trust = TrustStore.load(TRUST)
    now = datetime.now(timezone.utc)
    created = (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    build = json.loads(FIXTURE.read_text())
    passports = []
    for index in range(count):
        build["battery"]["serialNumber"] = f"BENCH-{index}"
        unsigned = issue_passport(build, directory / "u", qr_options=QrOptions(enabled=False)).document
        entry = {"type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": str(index * 997),
                 "statusListCredential": LIST_URL}
        passports.append(json.dumps(signer.sign({**unsigned, "credentialStatus": entry}, created=created)).encode())
    size = MAX_BITSTRING_BYTES * 8
    copies = [signer.sign(make_status_list(range(0, size, 7919 * k), size, list_id=LIST_URL, issuer=signer.identity.id),
                          created=created) for k in (1, 2)]

    def with_lists() -> float:
        start = time.perf_counter()
        checked = check_status_lists(copies, trust, now=now)
        for passport in passports:
            verify(passport, trust, now=now, status_lists=checked)
        return time.perf_counter() - start

    def without_lists() -> float:
        start = time.perf_counter()
        for passport in passports:
            verify(passport, trust, now=now)
        return time.perf_counter() - start

    listed = statistics.median(with_lists() for _ in range(repeats)) / count
    bare = statistics.median(without_lists() for _ in range(repeats)) / count
    print(f"verify with two 16 MiB list copies: {listed * 1000:.1f} ms per passport over {count}; "
          f"without lists {bare * 1000:.2f} ms; ratio {listed / bare:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--passports", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench_flood(Path(tmp), args.repeats)
        bench_status_lists(Path(tmp), args.repeats, args.passports)


if __name__ == "__main__":
    main()
