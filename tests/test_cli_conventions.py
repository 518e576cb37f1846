"""What users expect of a Python CLI: --version, python -m, - for standard input and output,
shell completion, and one naming scheme for every --json output."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

from conftest import DEMO, FIXTURES

from batterypass.cli.main import main

EV = FIXTURES / "ev-pack.json"
CAMEL = re.compile(r"^[a-z][a-zA-Z0-9]*$")


def _keys(value, where="$"):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, where
            yield from _keys(item, f"{where}.{key}")
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item, where)


def _assert_camel(body):
    # Values of "byStatus" are keyed by verdict names (valid, unknown-issuer), which are values.
    bad = [(key, where) for key, where in _keys(body) if not CAMEL.match(key) and not where.endswith("byStatus")]
    assert not bad, bad


def test_version_and_python_dash_m(runner):
    expected = f"batterypass, version {version('batterypass')}"
    assert runner.invoke(main, ["--version"]).output.strip() == expected
    done = subprocess.run([sys.executable, "-m", "batterypass", "--version"], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == expected


def test_shell_completion_as_documented():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert "_BATTERYPASS_COMPLETE=bash_source batterypass" in readme
    script = Path(sys.executable).with_name("batterypass")
    done = subprocess.run([str(script)], env={**os.environ, "_BATTERYPASS_COMPLETE": "bash_source"},
                          capture_output=True, text=True, check=True)
    assert "complete " in done.stdout and "_batterypass_completion" in done.stdout


def test_standard_input_wherever_a_file_is_read(runner, tmp_path):
    data = EV.read_bytes()
    built = runner.invoke(main, ["build", "-", "--out", str(tmp_path), "--json"], input=data)
    assert built.exit_code == 0, built.output
    summary = json.loads(built.stdout)
    assert runner.invoke(main, ["validate", "-"], input=data).exit_code == 0
    assert json.loads(runner.invoke(main, ["obligations", "-", "--json"], input=data).stdout)["passportRequired"]
    passport = Path(summary["files"]["passport"]).read_bytes()
    assert "-: credential valid" in runner.invoke(main, ["validate", "-"], input=passport).stdout
    bad = runner.invoke(main, ["validate", "-", "--json"], input=b"{")
    assert bad.exit_code == 1 and json.loads(bad.stdout)["problems"][0]["path"] == "$"


def test_every_json_output_is_camel_case_with_problems_and_rounded_numbers(runner, tmp_path):
    key = str(DEMO / "issuer-ed25519" / "private.pem")
    outputs = []
    build = runner.invoke(main, ["build", str(EV), "--out", str(tmp_path / "o"), "--key", key, "--json"])
    outputs.append(json.loads(build.stdout))
    passport = outputs[0]["files"]["passport"]
    qr = runner.invoke(main, ["qr", passport, "--out", str(tmp_path / "l.svg"), "--module-mm", "0.4", "--json"])
    outputs.append(json.loads(qr.stdout))
    assert outputs[-1]["sideMm"] == 21.2  # 53 modules x 0.4 mm, not 21.200000000000003
    keygen = runner.invoke(main, ["keygen", "--out", str(tmp_path / "k"), "--json"])
    outputs.append(json.loads(keygen.stdout))
    assert set(outputs[-1]["files"]) == {"privateKey", "publicJwk", "didDocument"}
    for args in (["validate", passport], ["obligations", str(EV)], ["verify", passport, "--trust", str(DEMO / "trust")]):
        outputs.append(json.loads(runner.invoke(main, [*args, "--json"]).stdout))
    lot = tmp_path / "lot.jsonl"
    lot.write_text(json.dumps({"battery": 1}) + "\n" + EV.read_text().replace("\n", "") + "\n")
    outputs.append(json.loads(runner.invoke(main, ["batch", str(lot), "--out", str(tmp_path / "b"), "--json"]).stdout))
    # Errors: a bare message still comes with problems[].
    not_required = runner.invoke(main, ["build", str(FIXTURES / "portable-aa.json"), "--out", str(tmp_path / "n"), "--json"])
    error = json.loads(not_required.stdout)
    assert error["status"] == "not-required" and error["problems"][0]["path"] == "$"
    outputs.append(error)
    for body in outputs:
        _assert_camel(body)


def test_no_colour_is_ever_printed(runner, tmp_path):
    result = runner.invoke(main, ["verify", str(EV), "--trust", str(DEMO / "trust")], env={"NO_COLOR": "1"}, color=True)
    assert "\x1b[" not in result.output


def test_batch_quiet_and_verbose(runner, tmp_path):
    lot = tmp_path / "lot.jsonl"
    lines = [EV.read_text().replace("\n", ""), (FIXTURES / "portable-aa.json").read_text().replace("\n", ""), "{"]
    lot.write_text("\n".join(lines) + "\n")
    out = ["--out", str(tmp_path / "o"), "--no-qr", "-j", "1"]
    quiet = runner.invoke(main, ["batch", str(lot), *out, "-q"])
    assert quiet.exit_code == 1 and quiet.stdout == ""
    assert quiet.stderr.splitlines() == [line for line in quiet.stderr.splitlines() if line.startswith("error: lot.jsonl:3")]
    assert quiet.stderr
    verbose = runner.invoke(main, ["batch", str(lot), *out, "-v"])
    assert [line.split(":")[1].split()[0] for line in verbose.stdout.splitlines()[:3]] == ["1", "2", "3"]
    assert verbose.stdout.splitlines()[0].startswith("lot.jsonl:1: skipped urn:uuid:")
    assert "lot.jsonl:2: not-required" in verbose.stdout and "not required: lot.jsonl:2" in verbose.stderr
