"""Helpers for the resolver tests: signed audience views, a real server on a free loopback port,
a PostgreSQL server of the distribution's binaries started as an unprivileged user."""

from __future__ import annotations

import copy
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import httpx

from batterypass import build_passport, load_signer, view_for
from batterypass.model.access import Access
from batterypass.securing.credential import AUDIENCE_CREDENTIAL_TYPES, passport_credential
from batterypass.securing.signing import DATA_INTEGRITY, sign_credential

from conftest import DEMO, FIXTURES, ROOT

TRUST = DEMO / "trust"
ED25519_KEY = DEMO / "issuer-ed25519" / "private.pem"
P256_KEY = DEMO / "issuer-p256" / "private.pem"
P256_CHAIN = DEMO / "issuer-p256" / "cert-chain.pem"
ISSUED_AT = datetime(2026, 11, 25, 8, 0, tzinfo=timezone.utc)  # after the DEMO certificate starts
AUDIENCES = [a.value for a in Access]


def signed_view(data: dict[str, Any], audience: str, *, issued_at: datetime = ISSUED_AT, key_path: Path = ED25519_KEY,
                envelope: str = DATA_INTEGRITY, subject: dict[str, Any] | None = None) -> bytes:
    """One audience's signed view of the passport built from ``data``, as the file bytes."""
    passport = build_passport(data)
    credential = passport_credential(passport, issued_at)
    credential["type"].append(AUDIENCE_CREDENTIAL_TYPES[Access(audience)])
    credential["credentialSubject"] = subject if subject is not None else view_for(passport, audience)
    key, identity = load_signer(key_path)
    chain = P256_CHAIN.read_bytes() if envelope == "jose" and key_path == P256_KEY else None
    secured = sign_credential(credential, key, identity, envelope, chain, credential["validFrom"])
    return json.dumps(secured, indent=2).encode("utf-8")


def signed_full(data: dict[str, Any]) -> bytes:
    passport = build_passport(data)
    key, identity = load_signer(ED25519_KEY)
    credential = passport_credential(passport, ISSUED_AT)
    return json.dumps(sign_credential(credential, key, identity, DATA_INTEGRITY, None, credential["validFrom"])).encode()


def fixture(name: str = "ev-pack.json") -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def with_serial(data: dict[str, Any], serial: str) -> dict[str, Any]:
    data = copy.deepcopy(data)
    data["battery"]["serialNumber"] = serial
    return data


def output_directory(path: Path, data: dict[str, Any], **kwargs: Any) -> Path:
    """What an issuer's output directory holds: the full credential and one view per audience."""
    path.mkdir(parents=True, exist_ok=True)
    full = signed_full(data)
    passport_id = json.loads(full)["id"].removeprefix("urn:uuid:")
    (path / f"{passport_id}.json").write_bytes(full)
    for audience in AUDIENCES:
        (path / f"{passport_id}.{audience}.json").write_bytes(signed_view(data, audience, **kwargs))
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen[Any], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}: {process.stderr.read() if process.stderr else ''}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


@contextmanager
def running_server(store_url: str, workers: int = 1, trust: Path = TRUST, log: list[str] | None = None) -> Iterator[str]:
    """``batterypass serve`` on a free loopback port; yields its base URL, stops it after (and
    appends what it wrote to stdout and stderr to ``log``)."""
    port = free_port()
    command = [str(Path(sys.executable).parent / "batterypass"), "serve", "--store", store_url, "--trust", str(trust),
               "--port", str(port), "--workers", str(workers)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + "/", process)
        yield base
    finally:
        stop_group(process)
        if log is not None:
            log.append(process.stdout.read() + process.stderr.read())


def stop_group(process: subprocess.Popen[Any]) -> None:
    """Stop a process started with ``start_new_session`` and its children (uvicorn's workers)."""
    for signal_number, wait in ((15, 20), (9, 10)):
        try:
            os.killpg(process.pid, signal_number)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


POSTGRES_BIN = Path("/usr/lib/postgresql")


def postgres_binaries() -> Path | None:
    """The directory of the distribution's initdb and postgres, newest version first."""
    if not POSTGRES_BIN.is_dir():
        return None
    for version in sorted(POSTGRES_BIN.iterdir(), key=lambda p: p.name, reverse=True):
        if (version / "bin" / "initdb").exists() and (version / "bin" / "postgres").exists():
            return version / "bin"
    return None


@contextmanager
def postgres_server() -> Iterator[str]:
    """A throw-away PostgreSQL cluster on a free loopback port; yields its URL.

    PostgreSQL refuses to run as root, so as root the cluster belongs to ``nobody`` (and lives
    in a directory of its own under /tmp, since pytest's are private to root).
    """
    binaries = postgres_binaries()
    assert binaries is not None
    workdir = Path(tempfile.mkdtemp(prefix="batterypass-pg-"))
    data = workdir / "pgdata"
    data.mkdir(parents=True)
    run_as: list[str] = []
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        for path in (workdir, data):
            os.chown(path, nobody.pw_uid, nobody.pw_gid)
        os.chmod(workdir, 0o755)
        run_as = ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups"]
    env = {**os.environ, "HOME": str(workdir), "LC_ALL": "C"}
    subprocess.run([*run_as, str(binaries / "initdb"), "-D", str(data), "-U", "batterypass", "--auth=trust", "-E", "UTF8"],
                   check=True, capture_output=True, env=env, timeout=120)
    port = free_port()
    process = subprocess.Popen(
        [*run_as, str(binaries / "postgres"), "-D", str(data), "-p", str(port), "-h", "127.0.0.1", "-k", str(workdir),
         "-c", "fsync=off", "-c", "max_connections=50"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, start_new_session=True,
    )
    url = f"postgresql://batterypass@127.0.0.1:{port}/postgres"
    try:
        import psycopg

        deadline = time.monotonic() + 60
        while True:
            try:
                psycopg.connect(url, connect_timeout=2).close()
                break
            except psycopg.OperationalError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"PostgreSQL did not start: {process.stderr.read() if process.stderr else ''}") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()  # SIGTERM: PostgreSQL's smart shutdown
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


# --- fixtures (import them into a test module to use them) ---------------------------------
import pytest  # noqa: E402
import uuid as _uuid  # noqa: E402


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[str]:
    if postgres_binaries() is None:
        pytest.skip("PostgreSQL server binaries not installed (apt-get install postgresql; .ci/run does)")
    with postgres_server() as url:
        yield url


@pytest.fixture
def postgres_url(postgres_cluster: str) -> str:
    """A fresh, empty database on the session's cluster."""
    import psycopg

    name = f"t_{_uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_cluster, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    return postgres_cluster.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'passports.db'}"
    return request.getfixturevalue("postgres_url")
