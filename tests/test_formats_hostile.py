"""Hostile input to the importers: any JSON in a format's shape gives a conversion or named problems, never a traceback."""

from __future__ import annotations

import copy
import json

import pytest

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, REFERENCE, load

from batterypass import InvalidInputError, build_passport, passport_credential
from batterypass.formats.convert import IMPORTABLE, convert

_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def _examples() -> dict[str, dict]:
    passport = passport_credential(build_passport(load(FIXTURES / "ev-pack.json")))
    examples = {name: convert(passport, "native", name).document for name in IMPORTABLE}
    examples["batterypass-ready"] = load(REFERENCE / "batterypass-ready-1.0" / "examples" / "ev.gefeg.json")
    examples["catenax-6.1"] = load(REFERENCE / "catenax-battery-pass-6.1.0" / "BatteryPass.json")
    return examples


EXAMPLES = _examples()


def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fmt=st.sampled_from(sorted(EXAMPLES)), data=st.data())
def test_a_mutated_document_converts_or_is_refused_with_problems(fmt, data):
    document = copy.deepcopy(EXAMPLES[fmt])
    for _ in range(data.draw(st.integers(1, 4))):
        paths = [p for p in _paths(document) if p]
        path = data.draw(st.sampled_from(paths))
        target = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = data.draw(_json)
    try:
        conversion = convert(document, fmt, "native", draft=True)
    except InvalidInputError as exc:
        assert exc.problems
        return
    json.dumps(conversion.to_dict())
    json.dumps(conversion.document)


@pytest.mark.parametrize("fmt", sorted(EXAMPLES))
def test_hostile_nesting_is_a_problem_not_a_recursion_error(fmt):
    document = copy.deepcopy(EXAMPLES[fmt])
    deep: list = []
    for _ in range(900):
        deep = [deep]
    # Inside the first object the document holds, so that it is still recognised as its format.
    inner = next((value for value in document.values() if isinstance(value, dict)), document)
    inner["deep"] = deep
    with pytest.raises(InvalidInputError, match="nested deeper"):
        convert(document, fmt, "native")
