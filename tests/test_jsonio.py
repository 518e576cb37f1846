"""Strict JSON parsing and the on-disk JSON form: properties over arbitrary documents."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batterypass.errors import InvalidInputError
from batterypass.jsonio import MAX_DOCUMENT_BYTES, dumps_pretty, parse_json, write_atomic

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_written_json_reads_back_as_the_same_value(value):
    written = dumps_pretty(value)
    assert written.endswith(b"\n")
    assert parse_json(written) == json.loads(written) == value


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=8), json_values, min_size=1, max_size=5))
def test_written_json_is_what_the_standard_library_would_indent(value):
    # Same bytes as json.dumps(indent=2) wherever both spell numbers alike (all but exponents).
    standard = (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode()
    if b"e-0" not in standard:
        assert dumps_pretty(value) == standard


@given(st.text(min_size=1, max_size=8), json_values, json_values)
def test_duplicate_keys_are_refused_at_any_depth(key, first, second):
    inner = "{" + f"{json.dumps(key)}: {json.dumps(first)}, {json.dumps(key)}: {json.dumps(second)}" + "}"
    for document in (inner, '{"outer": [' + inner + "]}"):
        with pytest.raises(InvalidInputError, match="duplicate key"):
            parse_json(document)


@pytest.mark.parametrize("text", ["NaN", '{"a": Infinity}', '{"a": -Infinity}', '"\\ud800"', '{"\\udfff": 1}', "\xff"])
def test_values_json_must_not_hold_are_refused(text):
    with pytest.raises(InvalidInputError):
        parse_json(text.encode("latin-1") if text == "\xff" else text)


def test_paired_surrogate_escapes_are_fine():
    assert parse_json('"\\ud83d\\ude00"') == "\U0001f600"


def test_oversize_documents_are_refused_before_parsing():
    with pytest.raises(InvalidInputError, match="limit"):
        parse_json(b" " * (MAX_DOCUMENT_BYTES + 1))


def test_write_atomic_replaces_whole_files_and_can_refuse_to(tmp_path):
    target = tmp_path / "deep" / "file.json"
    write_atomic(target, b"one")
    write_atomic(target, b"two", mode=0o600)
    assert target.read_bytes() == b"two" and oct(target.stat().st_mode & 0o777) == "0o600"
    with pytest.raises(FileExistsError):
        write_atomic(target, b"three", overwrite=False)
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["file.json"]  # no temporary leftovers


def test_a_temporary_file_left_by_a_killed_write_is_one_the_next_batch_removes(tmp_path):
    from batterypass.issuing.batch import remove_stray_temp_files
    from batterypass.jsonio import create_temporary

    target = tmp_path / "0b0e4a6c-5b9a-5d8e-8f51-6a3c2f9f2d10.v2.json"
    fd, name = create_temporary(target, 0o600)
    os.close(fd)
    assert Path(name).parent == tmp_path and oct(Path(name).stat().st_mode & 0o777) == "0o600"
    (tmp_path / ".someone-elses.tmp").write_bytes(b"")
    remove_stray_temp_files(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [".someone-elses.tmp"]
