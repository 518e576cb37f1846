"""build and batch refuse what would silently do harm: a future --issued-at, replacing
another issuer's passport."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from conftest import DEMO, FIXTURES

from batterypass.cli.main import main

KEY = str(DEMO / "issuer-ed25519" / "private.pem")
EV = str(FIXTURES / "ev-pack.json")


def test_a_future_issued_at_is_refused_unless_allowed(runner, tmp_path):
    soon = (datetime.now(timezone.utc) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for command, source in (("build", EV), ("batch", EV)):
        result = runner.invoke(main, [command, source, "--out", str(tmp_path / command), "--issued-at", soon, "--no-qr"])
        assert result.exit_code == 2 and "--issued-at" in result.output and "in the future" in result.output
        assert not (tmp_path / command).exists()
    allowed = runner.invoke(main, ["build", EV, "--out", str(tmp_path / "b"), "--issued-at", soon, "--allow-future",
                                   "--no-qr", "--json"])
    assert allowed.exit_code == 0 and json.loads(allowed.stdout)
    # Within the clock skew is now, not the future.
    nearly = (datetime.now(timezone.utc) + timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert runner.invoke(main, ["build", EV, "--out", str(tmp_path / "c"), "--issued-at", nearly, "--no-qr"]).exit_code == 0


def test_build_refuses_to_replace_another_issuers_passport(runner, tmp_path):
    out = str(tmp_path / "out")
    first = runner.invoke(main, ["build", EV, "--out", out, "--key", KEY, "--no-qr", "--json"])
    path = json.loads(first.stdout)["files"]["passport"]
    signed = open(path, "rb").read()
    runner.invoke(main, ["keygen", "--out", str(tmp_path / "k"), "--issuer", "did:web:other.example"])
    other = ["build", EV, "--out", out, "--key", str(tmp_path / "k" / "private.pem"), "--no-qr"]
    result = runner.invoke(main, other)
    assert result.exit_code == 1
    assert "signed by did:web:aurora-cells.example; this run issues as did:web:other.example" in result.stderr
    assert open(path, "rb").read() == signed
    # The same issuer may re-issue; another one only when asked to.
    assert runner.invoke(main, ["build", EV, "--out", out, "--key", KEY, "--no-qr"]).exit_code == 0
    assert runner.invoke(main, [*other, "--replace-other-issuer"]).exit_code == 0
    assert json.loads(open(path).read())["issuer"]["id"] == "did:web:other.example"
