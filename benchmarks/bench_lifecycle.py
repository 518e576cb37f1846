"""Updates per second for a fleet's nightly update (``batterypass update-batch``), and the cost of
verifying a 20-version history (``batterypass history``), against the irreducible work measured
in the same run.

Run: ``python benchmarks/bench_lifecycle.py [--items N] [--repeats R] [--jobs J] [--dir DIR]``
(defaults: 10,000 batteries, 3 repeats, every core, the system temporary directory).

The fleet is ``fixtures/ev-pack.json`` with serial numbers 1..N, built and signed once with
the demo key (``batch --no-qr``); each repeat copies it to a fresh directory (not timed) and
runs one state-of-health update per battery through the real command in this process. The
history is one passport with 19 updates, verified against the demo trust store. Figures are
medians.

Irreducible work, per update on one core: parsing the current version (``json.loads``), an
Ed25519 signature, serialising the new version (``dumps_pretty``); per history version: parsing
it and an Ed25519 verification. "x irreducible" is CPU time per item (this process and its
workers, as ``bench_batch.py`` counts it) over that sum, the parts timed in CPU time too: what
validation, canonicalisation (the signature and the digest link hash JCS forms), files and
processes cost on top. Versions are written without their audience
views (``--views none``), as ``bench_batch.py`` builds: what views cost is ``bench_views.py``'s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench_batch import KEY, TRUST, each, run, seconds, write_items

from batterypass.issuing.issuance import Signer
from batterypass.issuing.lifecycle import update_passport
from batterypass.jsonio import dumps_pretty
from batterypass.verifying.history import verify_history
from batterypass.verifying.trust import TrustStore

VERSIONS = 20


def nightly_changes(path: Path, report: Path, recorded_at: str) -> int:
    ids = [json.loads(line)["passportId"] for line in report.read_text().splitlines()]
    with path.open("w", encoding="utf-8") as fh:
        for n, passport_id in enumerate(ids):
            fh.write(json.dumps({"passportId": passport_id, "recordedAt": recorded_at, "source": "bms",
                                 "dynamic": {"stateOfCertifiedEnergyPercent": 97.5, "fullCycles": 300 + n % 50,
                                             "stateOfChargePercent": 61.0}}) + "\n")
    return len(ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000, help="batteries in the fleet (default 10,000)")
    parser.add_argument("--repeats", type=int, default=3, help="runs; medians are shown (default 3)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes (default: every core)")
    parser.add_argument("--dir", type=Path, help="where to write (default: the system temporary directory)")
    options = parser.parse_args()
    count, jobs = options.items, options.jobs
    now = datetime.now(timezone.utc).replace(microsecond=0)
    built_at = (now - timedelta(days=VERSIONS + 2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    recorded_at = (now - timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
    signer = Signer.from_files(KEY)
    message = bytes(64)
    signature = signer.key.sign(message)

    with tempfile.TemporaryDirectory(dir=options.dir, prefix="bench-lifecycle-") as tmp:
        work = Path(tmp)
        write_items(work / "fleet.jsonl", count)
        fleet = work / "fleet"
        run(["batch", str(work / "fleet.jsonl"), "--out", str(fleet), "--no-qr", "--views", "none", "--key", str(KEY),
             "--issued-at", built_at, "-j", str(jobs), "--json"])
        changes = nightly_changes(work / "nightly.jsonl", fleet / "batch-report.jsonl", recorded_at)

        history_dir = work / "history"
        first = sorted(fleet.glob("*.json"))[0]
        history_dir.mkdir()
        shutil.copy(first, history_dir / first.name)
        current = history_dir / first.name
        for version in range(2, VERSIONS + 1):
            change = {"recordedAt": (now - timedelta(days=VERSIONS - version + 1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                      "source": "bms", "dynamic": {"fullCycles": version * 10}}
            current = update_passport(current, change, history_dir, signer=signer, views=()).files["passport"]
        trust = TrustStore.load(TRUST)
        history_files = sorted(history_dir.glob("*.json"))

        rates, ratios, history_ms, history_ratios = [], [], [], []
        for repeat in range(options.repeats):
            out = work / f"run-{repeat}"
            shutil.copytree(fleet, out)
            raw = [path.read_bytes() for path in sorted(out.glob("*.json"))[:1000]]
            wall, cpu = seconds(lambda: run(["update-batch", str(work / "nightly.jsonl"), "--out", str(out), "--views", "none",
                                             "--key", str(KEY), "-j", str(jobs), "--json"]),
                                lambda output: json.loads(output)["ok"] == changes)
            documents = [json.loads(data) for data in raw]
            parse = seconds(each(json.loads, raw))[1] / len(raw)
            dump = seconds(each(dumps_pretty, documents))[1] / len(raw)
            sign = seconds(each(lambda _: signer.key.sign(message), range(len(raw))))[1] / len(raw)
            rates.append(changes / wall)
            ratios.append(cpu / changes / (parse + sign + dump))

            verify_each = seconds(each(lambda _: signer.key.public_key.verify(signature, message), range(1000)))[1] / 1000
            parse_history = seconds(each(lambda path: json.loads(path.read_bytes()), history_files))[1] / len(history_files)
            wall_history, cpu_history = seconds(lambda: verify_history([history_dir], trust),
                                                lambda results: results[0].current == VERSIONS and results[0].status.value == "valid")
            history_ms.append(wall_history * 1e3)
            history_ratios.append(cpu_history / (len(history_files) * (verify_each + parse_history)))

    median = statistics.median
    print(f"{count} batteries, {jobs} jobs on {os.cpu_count()} cores, medians of {options.repeats} runs")
    print(f"nightly update-batch: {median(rates):.0f} updates/s (target >= 500), {median(ratios):.1f} x irreducible "
          "(JSON parse + Ed25519 sign + JSON dump)")
    print(f"history of {VERSIONS} versions: {median(history_ms):.1f} ms, {median(history_ratios):.1f} x irreducible "
          "(JSON parse + Ed25519 verify, per version)")


if __name__ == "__main__":
    main()
