"""RFC 8785 canonicalisation: jcs-admit (compiled) and rfc8785 (fallback) give the same bytes."""

from __future__ import annotations

import decimal
import json
import math
import platform

import pytest
import rfc8785
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DEMO, FIXTURES, VECTORS, load

from batterypass import Status, TrustStore, build_passport, load_signer, sign, verify
from batterypass.errors import InvalidInputError
from batterypass.jsonio import parse_json
from batterypass.securing import data_integrity, documents, jcs
from batterypass.securing.data_integrity import hash_data

RFC8785 = VECTORS / "rfc8785" / "testdata"
JCS = VECTORS / "w3c-vc-di-eddsa" / "eddsa-jcs-2022"


@pytest.fixture(params=["jcs-admit", "rfc8785"])
def backend(request, monkeypatch):
    """Run a test with the compiled implementation, then with the import fallback."""
    if request.param == "rfc8785":
        monkeypatch.setattr(jcs, "jcs_admit", None)
    else:
        pytest.importorskip("jcs_admit")
    return request.param


def test_the_compiled_implementation_is_installed():
    # pyproject.toml installs jcs-admit on the machines it has wheels for: there the fast path
    # must be the one in use (and tested), not a silent fallback.
    if platform.machine() not in {"x86_64", "aarch64", "arm64", "AMD64"}:
        pytest.skip(f"jcs-admit has no wheel for {platform.machine()}: rfc8785 is used")
    assert jcs.jcs_admit is not None


@pytest.mark.parametrize("name", sorted(p.name for p in (RFC8785 / "input").glob("*.json")))
def test_rfc8785_test_data(backend, name):
    source = json.loads((RFC8785 / "input" / name).read_text(encoding="utf-8"))
    assert jcs.canonical_json(source) == (RFC8785 / "output" / name).read_bytes()


def test_eddsa_jcs_2022_vectors(backend):
    unsigned = json.loads((VECTORS / "w3c-vc-di-eddsa" / "unsigned.json").read_text(encoding="utf-8"))
    config = json.loads((JCS / "proofConfigJCS.json").read_text(encoding="utf-8"))
    assert jcs.canonical_json(unsigned) == (JCS / "canonDocJCS.txt").read_bytes()
    assert jcs.canonical_json(config) == (JCS / "proofCanonJCS.txt").read_bytes()
    assert hash_data(config, unsigned).hex() == (JCS / "combinedHashJCS.txt").read_text(encoding="utf-8")


# ---------------------------------------------------------------- differential: both agree

_SAFE = 2**53 - 1
_strings = st.text(st.characters(codec="utf-8"), max_size=12) | st.sampled_from(
    ["\u0000", "\u001f", "\u007f", "\u2028", "\U0001f600", "\ufb33", "\u20ac", '"\\/', "\U00010000"]
)
_numbers = (
    st.integers(min_value=-_SAFE, max_value=_SAFE)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.floats(min_value=1e16, max_value=1e21).flatmap(lambda x: st.sampled_from([x, -x]))
    | st.sampled_from([1e16, 1e21, 9.999999999999999e20, 1e-7, 1e-6, 5e-324, -0.0, 2.0**53, 2.0**53 + 2, 0.1 + 0.2])
)
_leaves = st.none() | st.booleans() | _numbers | _strings
_json = st.recursive(
    _leaves,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_strings, children, max_size=4),
    max_leaves=30,
)


def _both(value):
    """What each implementation makes of ``value``: canonical bytes, or the refusal."""
    outcomes = []
    for module in (jcs.jcs_admit, None):
        saved, jcs.jcs_admit = jcs.jcs_admit, module
        try:
            outcomes.append(jcs.canonical_json(value))
        except InvalidInputError:
            outcomes.append(InvalidInputError)
        finally:
            jcs.jcs_admit = saved
    return outcomes


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=_json)
def test_agrees_with_rfc8785_on_arbitrary_json(value):
    compiled, fallback = _both(value)
    assert compiled == fallback == rfc8785.dumps(value)


@settings(max_examples=60, deadline=None)
@given(depth=st.integers(min_value=1, max_value=jcs.MAX_NESTING + 40), leaf=_leaves, wrap=st.sampled_from(["list", "dict"]))
def test_agrees_on_deep_nesting(depth, leaf, wrap):
    value = leaf
    for _ in range(depth):
        value = [value] if wrap == "list" else {"k": value}
    compiled, fallback = _both(value)
    if depth <= jcs.MAX_NESTING:
        assert compiled == fallback == rfc8785.dumps(value)
    else:
        assert compiled is fallback is InvalidInputError


@settings(max_examples=100, deadline=None)
@given(value=st.one_of(
    st.integers(min_value=_SAFE + 1) | st.integers(max_value=-_SAFE - 1),
    st.sampled_from([float("nan"), float("inf"), -float("inf"), b"bytes", "\ud800", {"\udfff": 1}]),
))
def test_both_refuse_what_jcs_cannot_hold(value):
    assert _both({"a": [value]}) == [InvalidInputError, InvalidInputError]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(value=_json, bad=st.sampled_from([float("nan"), float("inf"), -float("inf")]), nested=st.booleans())
def test_nan_and_infinity_are_refused_wherever_they_hide(backend, value, bad, nested):
    # orjson, which writes the text jcs-admit reads, writes them as null: never sign that null.
    document = {"value": value, "bad": [{"deep": bad}] if nested else bad}
    with pytest.raises(InvalidInputError, match="finite"):
        jcs.canonical_json(document)


def test_refusals_say_why(backend):
    with pytest.raises(InvalidInputError, match=r"integers must be within \+-\(2\^53 - 1\)"):
        jcs.canonical_json({"a": 2**53})
    with pytest.raises(InvalidInputError, match="nested more than 512 levels"):
        jcs.canonical_json(json.loads("[" * 600 + "]" * 600))


# ---------------------------------------------------------------- each document once

def _counting(monkeypatch):
    """Record what the Data Integrity suite canonicalises."""
    seen = []

    def counted(value):
        seen.append(value)
        return jcs.canonical_json(value)

    monkeypatch.setattr(data_integrity, "canonical_json", counted)
    return seen


def test_each_document_is_canonicalised_once_per_signature_and_verification(backend, monkeypatch):
    key, identity = load_signer(DEMO / "issuer-ed25519" / "private.pem")
    passport = build_passport(load(FIXTURES / "ev-pack.json"))
    seen = _counting(monkeypatch)
    signed = sign(passport, key, identity=identity)
    # One signature: the proof configuration once, the credential once.
    assert len(seen) == 2
    assert {"cryptosuite", "created"} <= set(seen[0]) and "proofValue" not in seen[0]
    assert seen[1] == {name: value for name, value in signed.items() if name != "proof"}

    seen.clear()
    read = []
    monkeypatch.setattr(documents, "parse_canonical", lambda data, **options: read.append(data) or jcs.parse_canonical(data, **options))
    file = json.dumps(signed).encode()
    result = verify(file, TrustStore.load(DEMO / "trust"))
    assert result.status is Status.VALID, result.reasons
    if backend == "jcs-admit":
        # The file is canonicalised once, in the pass that reads it; the proof hashes the
        # credential's form cut from the file's, and canonicalises only its configuration.
        assert read == [file]
        assert len(seen) == 1 and {"cryptosuite", "created"} <= set(seen[0]) and "proofValue" not in seen[0]
    else:
        assert len(seen) == 2
        assert seen[1] == {name: value for name, value in signed.items() if name != "proof"}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(subject=_json)
def test_a_signed_document_is_the_document_it_was_given(subject):
    # add_proof returns a copy made through orjson: it must hold the very values it signed.
    key, identity = load_signer(DEMO / "issuer-ed25519" / "private.pem")
    document = {"@context": ["https://www.w3.org/ns/credentials/v2"], "credentialSubject": subject}
    signed = data_integrity.add_proof(document, key, identity.verification_method, "2027-01-01T00:00:00Z")
    unsecured = {name: value for name, value in signed.items() if name != "proof"}
    assert jcs.canonical_json(unsecured) == jcs.canonical_json(document)
    assert json.dumps(unsecured, sort_keys=True) == json.dumps(document, sort_keys=True)
    data_integrity.verify_proof(signed, key.public_key)


def test_the_differences_are_outside_json():
    # As the module docstring says: parsed JSON never holds such a key, a UUID or an enumeration member.
    pytest.importorskip("jcs_admit")
    import enum
    import uuid

    class Colour(enum.Enum):
        RED = "red"

    identifier = uuid.UUID("0b0e4a6c-5b9a-5d8e-8f51-6a3c2f9f2d10")
    for value, written in (({1: "x"}, b'{"1":"x"}'), ([identifier], b'["0b0e4a6c-5b9a-5d8e-8f51-6a3c2f9f2d10"]'),
                           ([Colour.RED], b'["red"]')):
        assert _both(value) == [written, InvalidInputError]


# ---------------------------------------------------------------- reading and canonicalising in one pass

def _typed(value):
    """``value`` with every number's type kept, so that 1 and 1.0 (and 0.0 and -0.0) differ."""
    if isinstance(value, dict):
        return {key: _typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_typed(item) for item in value]
    return (type(value).__name__, repr(value))


#: Texts parse_json and jcs-admit might read differently: number spellings, escapes, repeats.
_tricky_tokens = st.sampled_from([
    "1.0", "-0", "-0.0", "1E2", "1e-400", "1e400", "-1e400", "9007199254740991", "9007199254740992",
    "100000000000000000000", "0.1", "5e-324", "1.7976931348623157e308", "123456789012345678901234567890",
    '"\\ud800"', '"\\udc00\\ud800"', '"\\ud83d\\ude00"', '"\\u0000"', '"\\/"', '"\u2028"', '"\x01"',
    "NaN", "Infinity", "[1,]", "true", "null", '"\\uFFFF"', '"\ufeff"',
])  # and midpoint numerals, some long enough for orjson to misread:
_tricky_tokens |= st.builds(lambda x, zeros: _midpoint(x) + "0" * zeros, st.floats(min_value=1e-3, max_value=1e6), st.sampled_from([0, 400, 800]))


def _midpoint(x: float) -> str:
    """The number halfway between ``x`` and the next double, written out in full: a numeral
    orjson 3.13 rounds the wrong way once it runs to some 770 digits."""
    with decimal.localcontext() as context:
        context.prec = 2000
        return format((decimal.Decimal(x) + decimal.Decimal(math.nextafter(x, math.inf))) / 2, "f")


@st.composite
def _json_texts(draw):
    """JSON text as files hold it (written by json.dumps in any layout), now and then with a
    tricky token in place of a value, a member repeated, or a byte order mark."""
    value = draw(_json)
    text = json.dumps(
        {"proof": value, "a": value},
        indent=draw(st.sampled_from([None, 2])), ensure_ascii=draw(st.booleans()),
    )
    change = draw(st.sampled_from(["none", "token", "repeat", "bom", "bytes"]))
    if change == "token":
        text = text.replace('"a": ', f'"a": {draw(_tricky_tokens)}, "b": ', 1)
    elif change == "repeat":
        text = text.replace('"a": ', '"a": 1, "a": ', 1)
    data = text.encode("utf-8")
    if change == "bom":
        data = b"\xef\xbb\xbf" + data
    elif change == "bytes":
        data = data.replace(b'"a"', b'"\xff"', 1)
    return data


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=_json_texts())
def test_one_pass_reads_as_parse_json_does(data):
    # parse_canonical stands in for parse_json + canonical_json wherever it admits a text.
    pytest.importorskip("jcs_admit")
    read = jcs.parse_canonical(data)
    try:
        strict = parse_json(data)
    except InvalidInputError:
        assert read is None, "admitted a text parse_json refuses"
        return
    if read is None:  # what it refuses is read the slow way, as before: parse_json, then canonical_json
        return
    document, canonical = read
    assert _typed(document) == _typed(strict)
    assert canonical == rfc8785.dumps(strict)


def test_one_pass_refuses_what_would_nest_too_deep():
    pytest.importorskip("jcs_admit")
    assert jcs.parse_canonical(b"[[[]]]", max_depth=3) is not None
    assert jcs.parse_canonical(b"[[[]]]", max_depth=2) is None


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(members=st.dictionaries(_strings, _json, max_size=5), proof=_json, copies=st.lists(st.sampled_from(["member", "nested", "listed"]), max_size=2))
def test_cutting_a_member_out_is_canonicalising_without_it(backend, members, proof, copies):
    # The member's own text may also sit deeper in the document: the cut must never take that one.
    document = {**members, "proof": proof}
    for where in copies:
        if where == "member":
            document["x"] = {"proof": proof}
        elif where == "nested":
            document["y"] = {"z": {"proof": proof}}
        else:
            document["w"] = [{"proof": proof}, 1]
    canonical = rfc8785.dumps(document)
    cut = jcs.canonical_without_member(canonical, "proof", proof)
    rest = rfc8785.dumps({name: value for name, value in document.items() if name != "proof"})
    member = rfc8785.dumps("proof") + b":" + rfc8785.dumps(proof)
    if canonical.count(member) == 1 and not _has_float(proof):
        assert cut == rest
    else:
        assert cut is None


def _has_float(value):
    if isinstance(value, dict):
        return any(_has_float(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_float(item) for item in value)
    return isinstance(value, float)


def test_a_cut_needs_the_member_where_the_object_has_it():
    canonical = rfc8785.dumps({"a": {"proof": 1}})
    assert jcs.canonical_without_member(canonical, "proof", 1) is None
    # A fractional number in the member: not cut (readers may differ there), canonicalised anew.
    assert jcs.canonical_without_member(rfc8785.dumps({"proof": [0.5]}), "proof", [0.5]) is None
    assert jcs.canonical_without_member(rfc8785.dumps({"proof": 1}), "proof", 1) == b"{}"
    assert jcs.canonical_without_member(rfc8785.dumps({"proof": 1, "z": 2}), "proof", 1) == b'{"z":2}'
    assert jcs.canonical_without_member(rfc8785.dumps({"a": 0, "proof": 1}), "proof", 1) == b'{"a":0}'


def test_a_long_numeral_is_read_as_it_was_signed():
    # A midpoint numeral of ~850 digits: jcs-admit (and so the signature) reads 540, orjson read
    # 540.0000000000001. What verify hands on must be what was signed, and both paths must agree.
    key, identity = load_signer(DEMO / "issuer-ed25519" / "private.pem")
    signed = sign(build_passport(load(FIXTURES / "ev-pack.json")), key, identity=identity)
    text = json.dumps(signed, indent=2)
    general = signed["credentialSubject"]["generalProductInformation"]
    written = f'"batteryMass": {json.dumps(general["batteryMass"])}'
    assert text.count(written) == 1
    forged = text.replace(written, f'"batteryMass": {_midpoint(float(general["batteryMass"])) + "0" * 800}').encode()
    trust = TrustStore.load(DEMO / "trust")
    results = [verify(forged, trust)]
    saved, jcs.jcs_admit = jcs.jcs_admit, None
    try:
        results.append(verify(forged, trust))
    finally:
        jcs.jcs_admit = saved
    for result in results:
        assert result.status is Status.VALID, result.reasons
        assert result.credential["credentialSubject"]["generalProductInformation"]["batteryMass"] == general["batteryMass"]
