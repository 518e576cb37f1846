"""Status lists a verifier is handed: copies never undo a revocation, old lists go stale, each
list is decoded once per run (issue 8, item 2)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import DEMO, FIXTURES, load
from hypothesis import given, settings
from hypothesis import strategies as st

from batterypass import QrOptions, Signer, issue_passport
from batterypass.cli.main import main
from batterypass.securing import status_list as status_list_module
from batterypass.securing.status_list import MIN_BITSTRING_BYTES, StatusList, make_status_list
from batterypass.verifying import verification
from batterypass.verifying.trust import TrustStore
from batterypass.verifying.verification import Status, check_status_lists, verify

TRUST = DEMO / "trust"
LIST_URL = "https://aurora-cells.example/status/7"
SIGNER = Signer.from_files(DEMO / "issuer-ed25519" / "private.pem")
NOW = datetime.now(timezone.utc).replace(microsecond=0)
SMALL, LARGE = MIN_BITSTRING_BYTES * 8, MIN_BITSTRING_BYTES * 8 * 2
FAR_INDEX = SMALL + 5  # only in the larger list


def _stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _passport(tmp_path: Path, index: int, name: str = "passport.json") -> Path:
    unsigned = issue_passport(load(FIXTURES / "ev-pack.json"), tmp_path / "u", qr_options=QrOptions(enabled=False))
    entry = {"type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": str(index),
             "statusListCredential": LIST_URL}
    path = tmp_path / name
    path.write_text(json.dumps(SIGNER.sign(dict(unsigned.document, credentialStatus=entry), created=_stamp(NOW - timedelta(days=400)))))
    return path


def _list(tmp_path: Path, name: str, revoked, size: int, signed_at: datetime, valid_from: datetime | None = None) -> Path:
    unsigned = make_status_list(revoked, size, list_id=LIST_URL, issuer=SIGNER.identity.id, valid_from=valid_from)
    path = tmp_path / name
    path.write_text(json.dumps(SIGNER.sign(unsigned, created=_stamp(signed_at))))
    return path


def _verify(runner, *args: str) -> tuple[int, dict]:
    result = runner.invoke(main, ["verify", *args, "--trust", str(TRUST), "--json"])
    return result.exit_code, json.loads(result.output)


@pytest.mark.parametrize("old_signed", ["same time", "earlier"])
@pytest.mark.parametrize("order", ["current first", "old first"])
def test_a_shorter_old_copy_does_not_undo_a_revocation(runner, tmp_path, old_signed, order):
    """The reproduction: two copies without validFrom, the current one longer and revoking."""
    passport = _passport(tmp_path, FAR_INDEX)
    current = _list(tmp_path, "current.json", [FAR_INDEX], LARGE, NOW - timedelta(hours=1))
    old = _list(tmp_path, "old.json", [], SMALL, NOW - timedelta(hours=1 if old_signed == "same time" else 30))
    lists = [current, old] if order == "current first" else [old, current]
    code, body = _verify(runner, str(passport), *[a for path in lists for a in ("--status-list", str(path))])
    assert code == 5 and body["status"] == "revoked", body


def test_copies_equally_new_combine_so_a_bit_set_in_either_counts(tmp_path):
    trust = TrustStore.load(TRUST)
    a = json.loads(_list(tmp_path, "a.json", [3], SMALL, NOW).read_text())
    b = json.loads(_list(tmp_path, "b.json", [FAR_INDEX], LARGE, NOW).read_text())
    checked = check_status_lists([a, b], trust, now=NOW)
    (combined,) = checked.usable
    assert combined.status_list.size == LARGE and combined.stale is None
    assert [combined.status_list.is_set(i) for i in (3, FAR_INDEX, 4)] == [True, True, False]


def test_the_newest_copy_counts_when_dates_tell(runner, tmp_path):
    """A suspension lifted in a newer list is lifted; an older list cannot reinstate or undo anything."""
    passport = _passport(tmp_path, 9)
    older = _list(tmp_path, "older.json", [9], SMALL, NOW - timedelta(days=2), valid_from=NOW - timedelta(days=2))
    newer = _list(tmp_path, "newer.json", [], SMALL, NOW - timedelta(days=1), valid_from=NOW - timedelta(days=1))
    code, _ = _verify(runner, str(passport), "--status-list", str(older), "--status-list", str(newer), "--require-status")
    assert code == 0


def test_a_790_day_old_list_is_stale(runner, tmp_path):
    passport = _passport(tmp_path, 9)
    ancient = _list(tmp_path, "ancient.json", [], SMALL, NOW - timedelta(days=790))
    code, body = _verify(runner, str(passport), "--status-list", str(ancient), "--require-status")
    assert code == 6 and body["status"] == "status-unknown"
    assert any("the list is stale: issued" in r and "more than 30 days" in r for r in body["results"][0]["reasons"])
    # Reported without --require-status too, though it does not fail.
    code, body = _verify(runner, str(passport), "--status-list", str(ancient))
    assert code == 0
    assert any("stale" in c["detail"] for c in body["results"][0]["checks"] if c["name"] == "status")
    # A longer maximum age accepts it; a bit a stale list sets still revokes.
    assert _verify(runner, str(passport), "--status-list", str(ancient), "--require-status", "--max-status-age", "800d")[0] == 0
    revoking = _list(tmp_path, "ancient-revoking.json", [9], SMALL, NOW - timedelta(days=790))
    assert _verify(runner, str(passport), "--status-list", str(revoking), "--require-status")[0] == 5


def test_max_status_age_is_checked(runner, tmp_path):
    passport = _passport(tmp_path, 9)
    fresh = _list(tmp_path, "fresh.json", [], SMALL, NOW - timedelta(hours=2))
    assert _verify(runner, str(passport), "--status-list", str(fresh), "--require-status", "--max-status-age", "3h")[0] == 0
    assert _verify(runner, str(passport), "--status-list", str(fresh), "--require-status", "--max-status-age", "90m")[0] == 6
    result = runner.invoke(main, ["verify", str(passport), "--trust", str(TRUST), "--max-status-age", "soon"])
    assert result.exit_code == 2 and "--max-status-age" in result.output


def test_each_list_is_decoded_once_per_run(runner, tmp_path, monkeypatch):
    calls = []
    real = status_list_module.decode_bitstring

    def counting(encoded):
        calls.append(1)
        return real(encoded)

    monkeypatch.setattr(status_list_module, "decode_bitstring", counting)
    passports = [str(_passport(tmp_path, i, f"p{i}.json")) for i in range(4)]
    lists = [_list(tmp_path, f"l{i}.json", [i], SMALL, NOW) for i in range(2)]
    code, body = _verify(runner, *passports, *[a for path in lists for a in ("--status-list", str(path))])
    assert [r["status"] for r in body["results"]] == ["revoked", "revoked", "valid", "valid"]
    assert len(calls) == 2


@settings(max_examples=60, deadline=None)
@given(copies=st.lists(st.tuples(st.sets(st.integers(0, 2 * SMALL - 1), max_size=5), st.booleans()), min_size=1, max_size=4))
def test_combined_copies_keep_every_set_bit(copies):
    found = []
    for bits, large in copies:
        size = LARGE if large else SMALL
        raw = bytearray(size // 8)
        for index in bits:
            if index < size:
                raw[index // 8] |= 0x80 >> (index % 8)
        found.append((NOW, StatusList(LIST_URL, ("revocation",), bytes(raw))))
    _, combined = verification._newest_copy(found)
    assert combined.size == max(s.size for _, s in found)
    expected = {i for bits, large in copies for i in bits if i < (LARGE if large else SMALL)}
    assert all(combined.is_set(i) for i in expected)
    assert int.from_bytes(combined.bits, "big").bit_count() == len(expected)
