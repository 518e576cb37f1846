"""Resolver load test on loopback with wrk: requests/s and p50/p99 latency, in one run, for

* ``batterypass serve`` with 2 workers on SQLite and on PostgreSQL (the distribution's server,
  started as in the tests), the passport page (HTML) and the public credential (JSON);
* the distribution's nginx serving the same passports from the static export (``publish
  --to static:DIR``), the reference: a stock web server sending the same bytes.

Every request resolves a GS1 Digital Link of one of ``--passports`` batteries, in turn (a wrk
Lua script), so no single row or page is all that is measured. Bounded: each measurement lasts
``--seconds`` with ``--connections`` connections, loopback only.

    .venv/bin/python benchmarks/bench_resolver.py [--seconds 5] [--connections 32] [--passports 50]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the tests' server helpers: one way to start each server

from batterypass import TrustStore  # noqa: E402
from batterypass.resolver.publishing import publish  # noqa: E402
from batterypass.resolver.static_export import StaticSite  # noqa: E402
from batterypass.resolver.store import open_store  # noqa: E402
from resolver_support import TRUST, fixture, free_port, postgres_server, running_server, signed_view, stop_group, with_serial  # noqa: E402

ACCEPT = {"html": "text/html,application/xhtml+xml,*/*;q=0.8", "json": "application/vc+ld+json"}

_LUA = """
local paths = {%s}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n %% #paths) + 1], {["Accept"] = "%s"})
end
"""


def _duration_ms(text: str) -> float:
    value, unit = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def wrk(base: str, paths: list[str], kind: str, seconds: int, connections: int, workdir: Path) -> dict[str, float]:
    script = workdir / f"{kind}.lua"
    script.write_text(_LUA % (", ".join(json.dumps(p) for p in paths), ACCEPT[kind]), encoding="utf-8")
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), base],
        check=True, capture_output=True, text=True, timeout=seconds + 60,
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise RuntimeError(f"{errors[1]} failed requests:\n{output}")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([0-9.]+)", output)[1]),
        "p50": _duration_ms(re.search(r"^\s*50%\s+(\S+)", output, re.M)[1]),
        "p99": _duration_ms(re.search(r"^\s*99%\s+(\S+)", output, re.M)[1]),
    }


def nginx(site: Path, workdir: Path) -> tuple[subprocess.Popen[str], str]:
    prefix = workdir / "nginx"
    prefix.mkdir()
    port = free_port()
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = prefix / "nginx.conf"
    conf.write_text(
        f"{user}daemon off; worker_processes 2; pid {prefix}/nginx.pid; error_log {prefix}/error.log warn;\n"
        "events { worker_connections 1024; }\n"
        f"http {{ access_log off; include {site}/.nginx/http.conf; client_body_temp_path {prefix}/body;\n"
        f"  server {{ listen 127.0.0.1:{port}; root {site}; include {site}/.nginx/server.conf; }} }}\n",
        encoding="utf-8",
    )
    process = subprocess.Popen([shutil.which("nginx") or "/usr/sbin/nginx", "-p", str(prefix), "-c", str(conf)],
                               text=True, start_new_session=True)
    time.sleep(1)
    return process, f"http://127.0.0.1:{port}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--passports", type=int, default=50)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install wrk)")
    trust = TrustStore.load(TRUST)
    serials = [f"BENCH-{n:04d}" for n in range(args.passports)]
    views = [signed_view(with_serial(fixture(), serial), "public") for serial in serials]
    paths = [f"/01/04012345000016/21/{serial}" for serial in serials]
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-resolver-") as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        targets = {"serve, SQLite, 2 workers": f"sqlite:///{workdir / 'passports.db'}"}
        targets["serve, PostgreSQL, 2 workers"] = stack.enter_context(postgres_server())
        for name, url in targets.items():
            store = open_store(url)
            for body in views:
                publish(store, body, trust)
            store.close()
            with running_server(url, workers=2) as base:
                for kind in ACCEPT:
                    wrk(base, paths, kind, 1, args.connections, workdir)  # warm-up: caches, connections
                    rows.append((name, kind, wrk(base, paths, kind, args.seconds, args.connections, workdir)))
        site = StaticSite(workdir / "site")
        for body in views:
            site.publish(body, trust)
        process, base = nginx(workdir / "site", workdir)
        try:
            for kind in ACCEPT:
                rows.append(("nginx, static export", kind, wrk(base, paths, kind, args.seconds, args.connections, workdir)))
        finally:
            stop_group(process)
    reference = {kind: result["rps"] for name, kind, result in rows if name.startswith("nginx")}
    print(f"{args.passports} passports, {args.connections} connections, {args.seconds} s each, {os.cpu_count()} cores (wrk shares them)")
    print(f"{'server':32} {'what':5} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'x nginx':>8}")
    for name, kind, result in rows:
        print(f"{name:32} {kind:5} {result['rps']:9.0f} {result['p50']:8.2f} {result['p99']:8.2f} {result['rps'] / reference[kind]:8.3f}")


if __name__ == "__main__":
    main()
