"""What the Annex XIII audience views cost a batch: the same signed batch with QR codes, with
``--views all`` (three more signed credentials a passport) and with ``--views none``, timed in
the same run.

Run: ``python benchmarks/bench_views.py [--items N] [--repeats R] [--jobs J] [--dir DIR]``
(defaults: 1000 items, 3 repeats, every core, the system temporary directory).

The target (issue 11): a batch with views takes at most 2x the time of the same batch without.
The two modes alternate within each repeat, each writing into a fresh directory, so that the
ratio compares runs made moments apart; the figure is the median of the per-repeat ratios.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from bench_batch import KEY, run, seconds, write_items

TARGET = 2.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1000, help="passports per run (default 1000)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of both modes; medians are shown (default 3)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="batch worker processes (default: every core)")
    parser.add_argument("--dir", type=Path, help="where to write (default: the system temporary directory)")
    options = parser.parse_args()
    count = options.items
    issued_at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    modes = {"without views (--views none)": "none", "with views (--views all)": "all"}
    took: dict[str, list[float]] = {label: [] for label in modes}
    ratios: list[float] = []
    with tempfile.TemporaryDirectory(dir=options.dir, prefix="bench-views-") as tmp:
        work = Path(tmp)
        items = work / "items.jsonl"
        write_items(items, count)
        for repeat in range(options.repeats):
            for label, views in modes.items():
                out = work / f"out-{repeat}-{views}"
                args = ["batch", str(items), "--out", str(out), "--key", str(KEY), "--issued-at", issued_at,
                        "-j", str(options.jobs), "--views", views, "--json"]
                took[label].append(seconds(lambda: run(args), lambda summary: summary["ok"] == count))
            ratios.append(took["with views (--views all)"][-1] / took["without views (--views none)"][-1])
    median = statistics.median
    print(f"{count} signed passports with QR codes, {options.jobs} batch jobs, medians of {options.repeats} runs")
    for label, times in took.items():
        print(f"{label:<30}{count / median(times):>8.0f} passports/s")
    ratio = median(ratios)
    print(f"with / without views: {ratio:.2f}x (target <= {TARGET:.1f}x; runs {', '.join(f'{r:.2f}' for r in ratios)})")
    raise SystemExit(0 if ratio <= TARGET else 1)


if __name__ == "__main__":
    main()
