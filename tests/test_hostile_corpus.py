"""The hostile corpus: every attack in tests/hostile/ (one file each, made by its
make_corpus.py) run through the CLI, with the verdict and exit code it must get."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from batterypass.cli.main import main

CORPUS = Path(__file__).resolve().parent / "hostile"
CASES = sorted(CORPUS.glob("*.json"))


def _write(path: Path, value) -> None:
    path.write_text(value if isinstance(value, str) else json.dumps(value), encoding="utf-8")


def test_the_corpus_is_there():
    assert len(CASES) >= 15


@pytest.mark.parametrize("case_file", CASES, ids=[case.stem for case in CASES])
def test_attack_gets_its_expected_verdict(case_file, tmp_path):
    case = json.loads(case_file.read_text(encoding="utf-8"))
    trust, work = tmp_path / "trust", tmp_path / "work"
    trust.mkdir()
    work.mkdir()
    for name, content in case.get("trust", {}).items():
        _write(trust / name, content)
    for name, content in case.get("files", {}).items():
        _write(work / name, content)
    document = work / "input.json"
    _write(document, case["input_text"] if "input_text" in case else case["input"])
    args = [arg.format(input=document, trust=trust, dir=work) for arg in case["args"]]

    result = CliRunner().invoke(main, args)

    expect = case["expect"]
    assert result.exception is None or isinstance(result.exception, SystemExit), f"{case['attack']}: {result.exception!r}"
    assert result.exit_code == expect["exit"], f"{case['attack']}:\n{result.output[:3000]}"
    if "status" in expect:
        assert json.loads(result.stdout)["status"] == expect["status"]
    for text in expect.get("output", []):
        assert text in result.output, f"{text!r} not in:\n{result.output[:3000]}"
    if expect.get("no_control_characters"):
        shown = result.output.replace("\n", "")
        assert not [c for c in shown if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")]
