"""The chain check against every way of removing or reordering versions (generated)."""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batterypass import Signer, Status, TrustStore, issue_passport, update_passport, verify_history

from conftest import DEMO, FIXTURES, load

VERSIONS = 6
START = datetime(2027, 9, 1, tzinfo=timezone.utc)
LATER = START + timedelta(days=400 * VERSIONS)


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    out = tmp_path_factory.mktemp("chain")
    signer = Signer.from_files(DEMO / "issuer-ed25519" / "private.pem")
    current = issue_passport(load(FIXTURES / "ev-pack.json"), out, signer=signer, issued_at=START).files["passport"]
    files = [current]
    for version in range(2, VERSIONS + 1):
        moment = START + timedelta(days=365 * version)
        change = {"recordedAt": moment.isoformat(), "source": "bms", "dynamic": {"fullCycles": version * 100}}
        current = update_passport(current, change, out, signer=signer, issued_at=moment).files["passport"]
        files.append(current)
    return files


TRUST = TrustStore.load(DEMO / "trust")


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_any_removal_short_of_the_newest_is_caught(chain, data):
    removed = data.draw(st.sets(st.integers(min_value=1, max_value=VERSIONS), min_size=1, max_size=VERSIONS - 1))
    kept = [path for number, path in enumerate(chain, start=1) if number not in removed]
    with tempfile.TemporaryDirectory() as tmp:
        for path in kept:
            shutil.copy(path, tmp)
        (result,) = verify_history([Path(tmp)], TRUST, now=LATER)
    newest_kept = max(set(range(1, VERSIONS + 1)) - removed)
    if removed == set(range(newest_kept + 1, VERSIONS + 1)):
        # Only the newest versions gone: what is left is a whole chain of its time. Files alone
        # cannot tell that a later version exists; the resolver serves the current one.
        assert result.status is Status.VALID and result.current == newest_kept
    else:
        assert result.status is Status.INVALID
        assert any("is missing: the chain has a gap" in reason for reason in result.reasons)


@settings(max_examples=10, deadline=None)
@given(order=st.permutations(range(VERSIONS)))
def test_the_order_files_are_given_in_does_not_matter(chain, order):
    (result,) = verify_history([chain[i] for i in order], TRUST, now=LATER)
    assert result.status is Status.VALID and result.current == VERSIONS
    assert [v.version for v in result.versions] == list(range(1, VERSIONS + 1))


def test_a_forged_file_claiming_a_huge_version_costs_one_reason(chain, tmp_path):
    """Grouping trusts what a file claims; the gap it opens is reported once, not walked."""
    import json

    forged = json.loads(chain[0].read_bytes())
    forged["credentialSubject"]["lifecycle"] = {"version": 10**12}
    shutil.copy(chain[0], tmp_path)
    (tmp_path / "forged.json").write_text(json.dumps(forged), encoding="utf-8")
    (result,) = verify_history([tmp_path], TRUST, now=LATER)
    assert result.status is Status.INVALID
    gaps = [reason for reason in result.reasons if "the chain has a gap" in reason]
    assert gaps == [f"the span from version 2 to version {10**12 - 1} is missing: the chain has a gap"]
