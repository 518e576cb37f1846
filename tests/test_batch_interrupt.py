"""Ctrl-C during a parallel batch: the first stops handing out work, a second exits at once;
never a hang, never a traceback, exit 130; the next run resumes."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from conftest import DEMO, FIXTURES, load

RUNS = 30
DEADLINE_S = 5.0


def _lot(path: Path, count: int) -> Path:
    data = load(FIXTURES / "ev-pack.json")
    lines = []
    for n in range(count):
        data["battery"]["serialNumber"] = f"INT-{n:05d}"
        lines.append(json.dumps(data))
    path.write_text("\n".join(lines) + "\n")
    return path


def _start(lot: Path, out: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "batterypass", "batch", str(lot), "--out", str(out), "-j", "2",
               "--key", str(DEMO / "issuer-ed25519" / "private.pem"), "--json"]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_until_working(process: subprocess.Popen, out: Path) -> None:
    """Until the first passport is written: workers are running and items are in flight."""
    while process.poll() is None and not any(out.glob("*.json")):
        time.sleep(0.01)


def _interrupt_twice(run: int, lot: Path, tmp: Path) -> tuple[int | None, float, str]:
    out = tmp / f"out-{run}"
    process = _start(lot, out)
    _wait_until_working(process, out)
    rng = random.Random(run)
    started = time.monotonic()
    try:
        process.send_signal(signal.SIGINT)
        time.sleep(rng.uniform(0, 0.05))
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=DEADLINE_S)
    except (subprocess.TimeoutExpired, ProcessLookupError):
        process.kill()
        _, stderr = process.communicate()
        return None, time.monotonic() - started, stderr.decode()
    return process.returncode, time.monotonic() - started, stderr.decode()


def test_two_interrupts_end_every_run_at_once_with_130(tmp_path):
    lot = _lot(tmp_path / "lot.jsonl", 2000)
    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(lambda run: _interrupt_twice(run, lot, tmp_path), range(RUNS)))
    bad = [(run, code, round(took, 2), err[-300:]) for run, (code, took, err) in enumerate(outcomes)
           if code != 130 or took > DEADLINE_S or "Traceback" in err]
    assert not bad, bad


def test_one_interrupt_lets_running_items_finish_and_the_rerun_resumes(tmp_path):
    lot = _lot(tmp_path / "lot.jsonl", 400)
    out = tmp_path / "out"
    process = _start(lot, out)
    _wait_until_working(process, out)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=DEADLINE_S * 4)
    assert process.returncode == 130 and "Traceback" not in stderr.decode()
    assert "run the same command again to resume" in stderr.decode()
    assert not [p for p in os.listdir(out) if p.endswith(".tmp")]  # running items finished cleanly
    done = len(list(out.glob("*.json")))
    assert 0 < done < 400
    rerun = _start(lot, out)
    stdout, _ = rerun.communicate(timeout=120)
    summary = json.loads(stdout)
    assert rerun.returncode == 0 and (summary["skipped"], summary["ok"]) == (done, 400 - done)
