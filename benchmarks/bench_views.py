"""What the Annex XIII audience views cost a batch: the same signed batch with QR codes, with
``--views all`` (three more signed credentials a passport) and with ``--views none``, timed in
the same run.

Run: ``python benchmarks/bench_views.py [--items N] [--repeats R] [--jobs J] [--dir DIR]``
(defaults: 1000 items, 3 repeats, every core, the system temporary directory).

The target (issue 11): a batch with views takes at most 2x the time of the same batch without.
The two modes alternate within each repeat, each writing into a fresh directory, so that the
ratio compares runs made moments apart; the figure is the median of the per-repeat ratios of
wall time (what a user waits for), with the ratio of CPU time (steadier on a shared machine)
beside it. Exit code 0 when the target is met, 1 when not.
"""

from __future__ import annotations

import json
import statistics
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from bench_batch import KEY, batch_arguments, run, seconds, write_items

TARGET = 2.0


def main() -> None:
    options = batch_arguments(__doc__.splitlines()[0]).parse_args()
    count = options.items
    issued_at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    modes = {"without views (--views none)": "none", "with views (--views all)": "all"}
    took: dict[str, list[tuple[float, float]]] = {label: [] for label in modes}
    ratios: list[float] = []
    cpu_ratios: list[float] = []
    with tempfile.TemporaryDirectory(dir=options.dir, prefix="bench-views-") as tmp:
        work = Path(tmp)
        items = work / "items.jsonl"
        write_items(items, count)
        # Untimed: the first batch in a process loads the QR label font and builds the QR
        # tables, which would otherwise count against whichever mode runs first.
        warm_up = work / "warm-up.jsonl"
        write_items(warm_up, 2)
        run(["batch", str(warm_up), "--out", str(work / "warm-up"), "--key", str(KEY), "-j", "1", "--json"])
        for repeat in range(options.repeats):
            for label, views in modes.items():
                out = work / f"out-{repeat}-{views}"
                args = ["batch", str(items), "--out", str(out), "--key", str(KEY), "--issued-at", issued_at,
                        "-j", str(options.jobs), "--views", views, "--json"]
                took[label].append(seconds(lambda: run(args), lambda summary: json.loads(summary)["ok"] == count))
            with_views, without = took["with views (--views all)"][-1], took["without views (--views none)"][-1]
            ratios.append(with_views[0] / without[0])  # wall
            cpu_ratios.append(with_views[1] / without[1])
    median = statistics.median
    print(f"{count} signed passports with QR codes, {options.jobs} batch jobs, medians of {options.repeats} runs")
    for label, times in took.items():
        print(f"{label:<30}{count / median(wall for wall, _ in times):>8.0f} passports/s")
    ratio = median(ratios)
    print(f"with / without views: {ratio:.2f}x wall time (target <= {TARGET:.1f}x; runs {', '.join(f'{r:.2f}' for r in ratios)}),"
          f" {median(cpu_ratios):.2f}x CPU time")
    raise SystemExit(0 if ratio <= TARGET else 1)


if __name__ == "__main__":
    main()
