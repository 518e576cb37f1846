"""Passports per second through ``batterypass batch`` and ``batterypass verify``, against the
irreducible work measured in the same run.

Run: ``python benchmarks/bench_batch.py [--items N] [--repeats R] [--jobs J] [--dir DIR]
[--json | --markdown] [--report FILE]`` (defaults: 1000 items, 3 repeats, every core, the
system temporary directory; ``--json`` prints one object, ``--markdown`` the README's
performance table; ``--report`` prints a report saved with ``--json`` instead of measuring).

The items are ``fixtures/ev-pack.json`` with serial numbers 1..N, signed with the demo key and
verified against the demo trust store (``keys/demo``). Each mode runs the real command in this
process (click's test runner), so interpreter start-up, paid once per command and not per
passport, is left out; every repeat writes into a fresh directory, and the batch timing
includes the final flush (``syncfs``) that makes the output durable. Figures are medians.

Irreducible work, per passport on one core: an Ed25519 signature (eddsa-jcs-2022 signs 64
bytes), serialising the signed passport as written (``dumps_pretty``) and the QR matrix of its
link (``encode_qr``); for verify, an Ed25519 verification and parsing the file (``json.loads``).
"x irreducible" is core time per passport over the sum of the irreducible parts a mode needs:
what validation, assembly, canonicalisation, rendering, files and processes cost on top. Core
time is CPU time (user + system, of this process and the batch's worker processes), and the
irreducible parts are timed in CPU time too, each result dropped at once, just before and just
after each mode (their mean is that mode's yardstick, on passports an untimed first batch
made): on a machine that other work shares, wall time counts the time spent waiting for a
core, CPU time does not. Passports per second are wall time, what a user waits for.

Targets (issue 15): build+sign+QR at most 3x its irreducible work, verify at most 4x. The
batches write the full passports only (``--views none``): the irreducible work is that of one
credential a passport, and ``bench_views.py`` measures what the audience views add.

``verifyFloor`` is what no verification of these passports with today's libraries can skip, on
the same yardstick: reading and canonicalising the file in one pass (``jcs-admit``, then orjson),
hashing the canonical form, the Ed25519 verification and validating the subject as a passport
model. It is not a target; it says how much of verify's ratio is left to the checks, the
verdicts and the files.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import resource
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from batterypass.cli.main import main as cli
from batterypass.law.identifiers import digital_link_url
from batterypass.issuing.issuance import Signer
from batterypass.jsonio import dumps_pretty
from batterypass.carriers.qr import encode_qr
from batterypass.model.passport import Passport
from batterypass.securing.documents import load_proved_document

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


def run(args: list[str]) -> str:
    """The command's ``--json`` output, read after the timing (parsing it is the benchmark's work)."""
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    if result.exit_code != 0:
        raise SystemExit(f"batterypass {' '.join(args[:1])} exited {result.exit_code}:\n{result.output[:2000]}")
    return result.stdout


#: The most "x irreducible" each mode may cost, where the issue sets a target.
TARGETS = {"buildSignQr": 3.0, "verify": 4.0}


def cpu_seconds() -> float:
    """CPU time so far of this process and of its finished child processes (batch workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def seconds(action: Callable[[], object], check: Callable[[Any], bool] = lambda _: True) -> tuple[float, float]:
    """Wall and CPU seconds ``action`` took."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    result = action()
    wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    assert check(result), result
    return wall, cpu


def each(action: Callable[[Any], object], items: Sequence[Any]) -> Callable[[], None]:
    """Doing ``action`` to every item, each result dropped at once, as the batch and verify drop
    theirs: a loop that kept a thousand parsed passports alive would time the garbage collector
    walking them as well (twice the parse itself, measured)."""

    def work() -> None:
        for item in items:
            action(item)

    return work


#: Not irreducible: what no verification can skip with today's libraries (``verifyFloor``).
VERIFY_FLOOR = "verify floor"


def irreducible(outputs: Path, count: int) -> dict[str, Callable[[], object]]:
    """For each piece of work no implementation can skip: doing it for ``count`` passports; and
    :data:`VERIFY_FLOOR`."""
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

    def verify_floor(data: bytes) -> None:
        # What verify does with every Data Integrity file before it checks the content's rules.
        loaded = load_proved_document(data)
        assert loaded is not None, "jcs-admit is not installed"
        document, canonical, _ = loaded
        hashlib.sha256(canonical).digest()
        public_key.verify(signature, message)
        Passport.model_validate(document["credentialSubject"])

    return {
        "Ed25519 sign": each(lambda _: key.sign(message), range(count)),
        "Ed25519 verify": each(lambda _: public_key.verify(signature, message), range(count)),
        "JSON dump": each(dumps_pretty, documents),
        "JSON parse": each(json.loads, raw),
        "QR matrix": each(encode_qr, links),
        VERIFY_FLOOR: each(verify_floor, raw),
    }


def batch_arguments(description: str) -> argparse.ArgumentParser:
    """The options every batch benchmark takes (bench_views.py too)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--items", type=int, default=1000, help="passports per run (default 1000)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of every mode; medians are shown (default 3)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="batch worker processes (default: every core)")
    parser.add_argument("--dir", type=Path, help="where to write (default: the system temporary directory)")
    return parser


def main() -> None:
    parser = batch_arguments(__doc__.splitlines()[0])
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print one JSON object (ratios, passports/s, irreducible times)")
    output.add_argument("--markdown", action="store_true", help="print the README's performance table")
    parser.add_argument("--report", type=Path, help="print a report saved with --json instead of measuring")
    options = parser.parse_args()
    if options.report:
        report = json.loads(options.report.read_text(encoding="utf-8"))
    else:
        report = measure(options.items, options.repeats, options.jobs, options.dir)
    if options.json:
        print(json.dumps(report, indent=2))
    elif options.markdown:
        print(markdown(report))
    else:
        print(text(report))


#: Each mode: its key in the report, its label, the extra ``batch`` arguments, the irreducible parts.
BATCH_MODES = (
    ("build", "build only (`--no-qr`, no key)", ["--no-qr"], ("JSON dump",)),
    ("buildSign", "build + sign (`--no-qr`)", ["--no-qr", "--key", str(KEY)], ("Ed25519 sign", "JSON dump")),
    ("buildSignQr", "build + sign + QR (SVG + PNG)", ["--key", str(KEY)], ("Ed25519 sign", "JSON dump", "QR matrix")),
)
VERIFY_MODE = ("verify", "verify, one process", ("Ed25519 verify", "JSON parse"))


def measure(count: int, repeats: int, jobs: int, directory: Path | None) -> dict[str, Any]:
    """Run every mode ``repeats`` times; the report's figures are medians."""
    # One issuance time for every run: verify then sees passports valid from a moment ago.
    issued_at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    needs = {key: parts for key, _, _, parts in BATCH_MODES} | {VERIFY_MODE[0]: VERIFY_MODE[2]}
    rates: dict[str, list[float]] = {key: [] for key in needs}
    ratios: dict[str, list[float]] = {key: [] for key in needs}
    floors: dict[str, list[float]] = {}
    load_before = os.getloadavg()[0]

    with tempfile.TemporaryDirectory(dir=directory, prefix="bench-batch-") as tmp:
        work = Path(tmp)
        items = work / "items.jsonl"
        write_items(items, count)
        batch = ["batch", str(items), "--issued-at", issued_at, "-j", str(jobs), "--views", "none", "--json"]
        # An untimed first batch makes the passports the irreducible work is timed on.
        run([*batch, "--out", str(work / "warm-up"), "--key", str(KEY)])
        floor_work = irreducible(work / "warm-up", count)
        floor_ratios: list[float] = []

        def timed(key: str, action: Callable[[], object], check: Callable[[Any], bool]) -> None:
            # The irreducible parts are timed just before and just after the mode, and their mean
            # is its yardstick: on a shared machine the speed drifts by half within seconds, and a
            # yardstick timed a minute apart from the work it measures would drift with it.
            parts = needs[key]
            before = {name: seconds(floor_work[name])[1] / count for name in parts}
            wall, cpu = seconds(action, check)
            after = {name: seconds(floor_work[name])[1] / count for name in parts}
            floor = {name: (before[name] + after[name]) / 2 for name in parts}
            for name, value in floor.items():
                floors.setdefault(name, []).append(value)
            rates[key].append(count / wall)
            ratios[key].append(cpu / count / sum(floor.values()))

        for repeat in range(repeats):
            for number, (key, _, extra, _) in enumerate(BATCH_MODES):
                # Nothing is deleted until the end: on a file system that discards (TRIMs)
                # freed blocks, deleting thousands of files slows the file creation that follows.
                # The full passports only: bench_views.py measures what the audience views add.
                out = work / f"out-{repeat}-{number}"
                timed(key, lambda: run([*batch, "--out", str(out), *extra]), lambda summary: json.loads(summary)["ok"] == count)
            # The last batch mode signed every passport: verify those.
            verify = ["verify", *sorted(str(path) for path in out.glob("*.json")), "--trust", str(TRUST), "--json"]
            timed(VERIFY_MODE[0], lambda: run(verify), lambda verdict: json.loads(verdict)["status"] == "valid")
            # On the yardstick verify was just measured against (this repeat's parts).
            floor_ratios.append(seconds(floor_work[VERIFY_FLOOR])[1] / count / sum(floors[name][-1] for name in VERIFY_MODE[2]))

    median = statistics.median
    return {
        "items": count,
        "jobs": jobs,
        "cores": os.cpu_count(),
        "repeats": repeats,
        "loadAverage": {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)},
        "irreducibleMs": {name: round(median(values) * 1e3, 4) for name, values in floors.items()},
        "irreducibleParts": {key: list(parts) for key, parts in needs.items()},
        "passportsPerSecond": {key: round(median(values)) for key, values in rates.items()},
        "ratios": {key: round(median(values), 2) for key, values in ratios.items()},
        "ratiosByRun": {key: [round(value, 2) for value in values] for key, values in ratios.items()},
        "targets": TARGETS,
        "met": {key: median(ratios[key]) <= target for key, target in TARGETS.items()},
        "verifyFloor": round(median(floor_ratios), 2),
    }


_FLOOR = "canonicalising and parsing, hashing, Ed25519 and the passport model alone, on the same yardstick"


def _labels() -> dict[str, str]:
    return {key: label for key, label, _, _ in BATCH_MODES} | {VERIFY_MODE[0]: VERIFY_MODE[1]}


def text(report: dict[str, Any]) -> str:
    lines = [
        f"{report['items']} passports, {report['jobs']} batch jobs on {report['cores']} cores, medians of {report['repeats']} runs,"
        f" load average {report['loadAverage']['before']} -> {report['loadAverage']['after']}",
        "irreducible, one core, per passport: " + ", ".join(f"{n} {ms:.3f} ms" for n, ms in report["irreducibleMs"].items()),
        f"{'mode':<32}{'passports/s':>12}{'x irreducible':>15}",
    ]
    for key, label in _labels().items():
        target = f"  target <= {TARGETS[key]:g}" if key in TARGETS else ""
        parts = " + ".join(report["irreducibleParts"][key])
        lines.append(f"{label:<32}{report['passportsPerSecond'][key]:>12}{report['ratios'][key]:>15.2f}  ({parts}){target}")
    if "verifyFloor" in report:  # (reports saved before it existed lack it)
        lines.append(f"verify's floor: {report['verifyFloor']:.2f}x ({_FLOOR})")
    return "\n".join(lines)


def markdown(report: dict[str, Any]) -> str:
    """The README's performance table, from one run."""
    lines = [
        "| mode | passports/s | x irreducible | target | irreducible work |",
        "|---|---|---|---|---|",
    ]
    for key, label in _labels().items():
        target = f"<= {TARGETS[key]:g}x" + (" (met)" if report["met"][key] else " (NOT met)") if key in TARGETS else ""
        parts = " + ".join(report["irreducibleParts"][key])
        lines.append(f"| {label} | {report['passportsPerSecond'][key]:,} | {report['ratios'][key]:.2f} | {target} | {parts} |")
    floors = ", ".join(f"{name} {ms:.3f} ms" for name, ms in report["irreducibleMs"].items())
    lines += [
        "",
        f"{report['items']} passports, {report['jobs']} batch jobs on {report['cores']} cores, medians of"
        f" {report['repeats']} runs; load average {report['loadAverage']['before']} before, {report['loadAverage']['after']} after."
        f" Irreducible work per passport, one core: {floors}.",
    ]
    if "verifyFloor" in report:
        lines[-1] += f" Verify's floor: {report['verifyFloor']:.2f}x ({_FLOOR})."
    return "\n".join(lines)


if __name__ == "__main__":
    main()
