"""Status lists, issuer side: create, allocate (once, across processes and kill -9), revoke, suspend, reinstate."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from batterypass.cli import main
from batterypass.issuing.issuance import Signer
from batterypass.securing.status_list import (
    MIN_BITSTRING_BYTES,
    StatusListAllocator,
    allocation_path,
    create_status_list,
    decode_bitstring,
)

from conftest import DEMO, FIXTURES, ROOT, load

KEY = DEMO / "issuer-ed25519" / "private.pem"
TRUST = DEMO / "trust"
URL = "https://aurora-cells.example/status/1"


def run(runner, *args, code=0):
    result = runner.invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


def make_list(runner, path: Path, purpose: str = "revocation") -> dict:
    return json.loads(run(runner, "status-list", "create", "--purpose", purpose, "--key", KEY, "--url", URL,
                          "--out", path, "--json").stdout)


def entries_of(directory: Path) -> list[int]:
    return [int(json.loads(p.read_text())["credentialStatus"]["statusListIndex"]) for p in directory.glob("*.json")]


def test_created_list_is_signed_empty_and_of_the_recommended_size(runner, tmp_path):
    summary = make_list(runner, tmp_path / "list.json")
    assert summary["files"]["statusList"] == str(tmp_path / "list.json") and summary["size"] == 131072
    document = json.loads((tmp_path / "list.json").read_text())
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"] and "proof" in document
    assert decode_bitstring(document["credentialSubject"]["encodedList"]) == bytes(MIN_BITSTRING_BYTES)
    result = run(runner, "verify", tmp_path / "list.json", "--trust", TRUST)
    assert "VALID" in result.stdout
    assert oct(allocation_path(tmp_path / "list.json").stat().st_mode & 0o777) == "0o600"
    again = run(runner, "status-list", "create", "--purpose", "revocation", "--key", KEY, "--url", URL, "--out", tmp_path / "list.json", code=1)
    assert "already exists" in again.stderr


@pytest.mark.parametrize("url", ["http://x.example/list", "not a url"])
def test_list_url_must_be_https(runner, tmp_path, url):
    run(runner, "status-list", "create", "--purpose", "revocation", "--key", KEY, "--url", url, "--out", tmp_path / "l.json", code=2)


def test_revoked_credential_verifies_revoked(runner, tmp_path):
    make_list(runner, tmp_path / "list.json")
    built = json.loads(run(runner, "build", FIXTURES / "ev-pack.json", "--out", tmp_path / "out", "--key", KEY, "--no-qr",
                           "--status-list", tmp_path / "list.json", "--valid-until", "2040-01-01T00:00:00Z", "--json").stdout)
    passport = built["files"]["passport"]
    credential = json.loads(Path(passport).read_text())
    assert credential["validUntil"] == "2040-01-01T00:00:00Z"
    assert credential["credentialStatus"]["statusListCredential"] == URL
    assert run(runner, "verify", passport, "--trust", TRUST, "--status-list", tmp_path / "list.json").exit_code == 0
    revoked = json.loads(run(runner, "revoke", passport, "--list", tmp_path / "list.json", "--key", KEY, "--json").stdout)
    assert revoked["files"]["statusList"] == str(tmp_path / "list.json")
    result = run(runner, "verify", passport, "--trust", TRUST, "--status-list", tmp_path / "list.json", "--json", code=5)
    assert json.loads(result.stdout)["status"] == "revoked"
    # Revocation is for good: a revocation list cannot reinstate.
    assert "suspension list" in run(runner, "reinstate", passport, "--list", tmp_path / "list.json", "--key", KEY, code=1).stderr


def test_suspend_then_reinstate(runner, tmp_path):
    make_list(runner, tmp_path / "suspensions.json", "suspension")
    built = json.loads(run(runner, "build", FIXTURES / "ev-pack.json", "--out", tmp_path / "out", "--key", KEY, "--no-qr",
                           "--status-list", tmp_path / "suspensions.json", "--json").stdout)
    passport = built["files"]["passport"]
    run(runner, "suspend", passport, "--list", tmp_path / "suspensions.json", "--key", KEY)
    result = run(runner, "verify", passport, "--trust", TRUST, "--status-list", tmp_path / "suspensions.json", code=5)
    assert "suspended" in result.stdout
    run(runner, "reinstate", passport, "--list", tmp_path / "suspensions.json", "--key", KEY)
    assert run(runner, "verify", passport, "--trust", TRUST, "--status-list", tmp_path / "suspensions.json").exit_code == 0


def test_a_credential_without_an_entry_in_the_list_is_refused(runner, tmp_path):
    make_list(runner, tmp_path / "list.json")
    built = json.loads(run(runner, "build", FIXTURES / "ev-pack.json", "--out", tmp_path / "out", "--key", KEY, "--no-qr", "--json").stdout)
    before = (tmp_path / "list.json").read_bytes()
    result = run(runner, "revoke", built["files"]["passport"], "--list", tmp_path / "list.json", "--key", KEY, code=1)
    assert "$.credentialStatus" in result.stderr
    assert (tmp_path / "list.json").read_bytes() == before


def test_only_the_lists_issuer_re_issues_it(runner, tmp_path):
    make_list(runner, tmp_path / "list.json")
    built = json.loads(run(runner, "build", FIXTURES / "ev-pack.json", "--out", tmp_path / "out", "--key", KEY, "--no-qr",
                           "--status-list", tmp_path / "list.json", "--json").stdout)
    run(runner, "keygen", "--out", tmp_path / "other", "--issuer", "did:web:other.example")
    result = run(runner, "revoke", built["files"]["passport"], "--list", tmp_path / "list.json", "--key", tmp_path / "other" / "private.pem", code=1)
    assert "the list is issued by" in result.stderr


def test_every_entry_is_handed_out_once_until_the_list_is_full(tmp_path):
    signer = Signer.from_files(KEY)
    create_status_list(tmp_path / "l.json", url=URL, issuer=signer.identity.id, purpose="revocation",
                       sign=lambda c, created: signer.sign(c, created=created))
    allocator = StatusListAllocator(tmp_path / "l.json", block=4096)
    indices = [int(allocator.next_entry()["statusListIndex"]) for _ in range(131072)]
    assert sorted(indices) == list(range(131072))
    assert indices[:8] != list(range(indices[0], indices[0] + 8))  # not in issue order
    with pytest.raises(Exception, match="all 131072 entries are allocated"):
        allocator.next_entry()


def _allocate(path: str, count: int, queue) -> None:
    allocator = StatusListAllocator(path, block=7)
    queue.put([int(allocator.next_entry()["statusListIndex"]) for _ in range(count)])


def test_processes_never_share_an_entry(tmp_path):
    signer = Signer.from_files(KEY)
    create_status_list(tmp_path / "l.json", url=URL, issuer=signer.identity.id, purpose="revocation",
                       sign=lambda c, created: signer.sign(c, created=created))
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    workers = [context.Process(target=_allocate, args=(str(tmp_path / "l.json"), 300, queue)) for _ in range(4)]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join()
    flat = [i for r in results for i in r]
    assert len(flat) == len(set(flat)) == 1200


def _batch_input(path: Path, count: int, start: int = 0) -> Path:
    base = load(FIXTURES / "ev-pack.json")
    with path.open("w") as fh:
        for n in range(start, start + count):
            item = json.loads(json.dumps(base))
            item["battery"]["serialNumber"] = f"SL-{n:06d}"
            fh.write(json.dumps(item) + "\n")
    return path


def _batch(input_path: Path, out: Path, status_list: Path) -> list[str]:
    return [sys.executable, "-c", "from batterypass.cli import main; main()", "batch", str(input_path), "--out", str(out), "--key", str(KEY),
            "--no-qr", "--views", "none", "-j", "2", "--status-list", str(status_list), "--json"]


def test_two_concurrent_batches_on_one_list_share_no_entry(runner, tmp_path):
    make_list(runner, tmp_path / "list.json")
    a = subprocess.Popen(_batch(_batch_input(tmp_path / "a.jsonl", 150), tmp_path / "a", tmp_path / "list.json"),
                         stdout=subprocess.PIPE, cwd=ROOT)
    b = subprocess.Popen(_batch(_batch_input(tmp_path / "b.jsonl", 150, 1000), tmp_path / "b", tmp_path / "list.json"),
                         stdout=subprocess.PIPE, cwd=ROOT)
    assert a.wait(timeout=300) == 0 and b.wait(timeout=300) == 0
    indices = entries_of(tmp_path / "a") + entries_of(tmp_path / "b")
    assert len(indices) == 300 and len(set(indices)) == 300


def test_allocation_survives_kill_9(runner, tmp_path):
    make_list(runner, tmp_path / "list.json")
    items = _batch_input(tmp_path / "items.jsonl", 400)
    process = subprocess.Popen(_batch(items, tmp_path / "out", tmp_path / "list.json"), stdout=subprocess.DEVNULL,
                               cwd=ROOT, start_new_session=True)
    deadline = time.monotonic() + 120
    while len(list((tmp_path / "out").glob("*.json"))) < 40 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    before = {p.name: json.loads(p.read_text())["credentialStatus"]["statusListIndex"] for p in (tmp_path / "out").glob("*.json")}
    assert 0 < len(before) < 400, "the batch was to be killed mid-run"
    assert subprocess.run(_batch(items, tmp_path / "out", tmp_path / "list.json"), stdout=subprocess.DEVNULL, cwd=ROOT,
                          timeout=300).returncode == 0
    after = {p.name: json.loads(p.read_text())["credentialStatus"]["statusListIndex"] for p in (tmp_path / "out").glob("*.json")}
    assert len(after) == 400 and len(set(after.values())) == 400
    assert all(after[name] == index for name, index in before.items())  # resumed, not re-issued


def test_a_list_kept_beside_the_passports_leaves_verify_dir_valid(runner, tmp_path):
    """The allocation record is no credential: `verify DIR` and `publish DIR` must not take it for one (review)."""
    make_list(runner, tmp_path / "list.json")
    assert not any(p.suffix == ".json" for p in tmp_path.iterdir() if p.name != "list.json")
    result = run(runner, "verify", tmp_path, "--trust", TRUST, "--json")
    assert json.loads(result.stdout)["status"] == "valid"
