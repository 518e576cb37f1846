"""Issue 8, items 6, 7, 9 and 10: terminal escapes, paths from passport ids, key encryption,
special files at output paths, bounded reads, the umask, deep nesting."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import unicodedata
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import pem as asn1_pem
from conftest import DEMO, FIXTURES, load
from cryptography.hazmat.primitives import serialization
from hypothesis import given, settings
from hypothesis import strategies as st

from batterypass import InvalidInputError, QrOptions, Signer, build_passport, issue_passport
from batterypass.cli.main import _printable, main
from batterypass.issuing.issuance import write_passport
from batterypass.model import validation
from batterypass.securing.keys import PBKDF2_ITERATIONS, generate_issuer_key, load_issuer_key
from batterypass.verifying.trust import TrustStore
from batterypass.verifying.verification import Status, verify

TRUST = DEMO / "trust"
ED25519_KEY = DEMO / "issuer-ed25519" / "private.pem"


# --------------------------------------------------------------------------- item 6


def _forged_with_escapes(tmp_path: Path) -> Path:
    """A passport signed by a stranger whose claimed strings carry newlines and ANSI escapes."""
    signer = Signer.from_files(ED25519_KEY)
    document = issue_passport(load(FIXTURES / "ev-pack.json"), tmp_path / "u", signer=signer, qr_options=QrOptions(enabled=False)).document
    document["issuer"] = "did:web:aurora-cells.example\n\x1b[2K\x1b[1Gpassport.json: VALID\x1b[8m"
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(document))
    return path


def test_human_verdict_escapes_control_characters_from_the_document(runner, tmp_path):
    result = runner.invoke(main, ["verify", str(_forged_with_escapes(tmp_path)), "--trust", str(TRUST)])
    assert result.exit_code == 1
    assert "\x1b" not in result.output
    assert "\\x1b[2K" in result.output and "\\n" in result.output
    assert not any(line.endswith(": VALID") or line.startswith("passport.json") for line in result.output.splitlines())


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=1, max_size=30))
def test_printable_never_lets_a_control_character_through(text):
    shown = _printable(text)
    controls = [c for c in text if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")]
    assert not [c for c in shown if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")]
    if not controls:
        assert shown == text  # everything else is shown as it is


def test_validate_escapes_unknown_key_names(runner, tmp_path):
    data = load(FIXTURES / "ev-pack.json")
    data["battery"]["\x1b[31mevil"] = 1
    path = tmp_path / "b.json"
    path.write_text(json.dumps(data))
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 1 and "\x1b" not in result.output and "\\x1b[31mevil" in result.output


# --------------------------------------------------------------------------- item 7


@pytest.mark.parametrize("bad_id", ["urn:uuid:../../x", "urn:uuid:../../../tmp/evil", "../x", "urn:uuid:0473F57C-1600-5B5C-9C47-5F0C1E0BA1F5",
                                    "urn:uuid:0473f57c-1600-5b5c-9c47-5f0c1e0ba1f5/../../y"])
def test_write_passport_refuses_an_id_that_is_not_a_uuid_urn(tmp_path, bad_id):
    passport = build_passport(load(FIXTURES / "ev-pack.json"))
    hostile = passport.model_copy(update={"id": bad_id})
    out = tmp_path / "a" / "b" / "out"
    with pytest.raises(InvalidInputError, match="not a urn:uuid: passport id"):
        write_passport(hostile, out, qr_options=QrOptions(enabled=False))
    assert not any(tmp_path.rglob("*")), "nothing may be written"


# --------------------------------------------------------------------------- item 9


def _encryption(pem: bytes) -> dict:
    _, _, der = asn1_pem.unarmor(pem)
    algorithm = asn1_keys.EncryptedPrivateKeyInfo.load(der)["encryption_algorithm"]
    kdf = algorithm["parameters"]["key_derivation_func"]
    return {"scheme": algorithm["algorithm"].native, "kdf": kdf["algorithm"].native,
            "iterations": kdf["parameters"]["iteration_count"].native, "prf": kdf["parameters"]["prf"]["algorithm"].native,
            "cipher": algorithm["parameters"]["encryption_scheme"]["algorithm"].native}


def test_keygen_encrypts_with_pbkdf2_sha256_600000(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("BP_PASS", "correct horse battery staple")
    result = runner.invoke(main, ["keygen", "--out", str(tmp_path / "k"), "--alg", "p256", "--passphrase-env", "BP_PASS"])
    assert result.exit_code == 0, result.output
    pem = (tmp_path / "k" / "private.pem").read_bytes()
    assert _encryption(pem) == {"scheme": "pbes2", "kdf": "pbkdf2", "iterations": 600_000, "prf": "sha256", "cipher": "aes256_cbc"}
    assert PBKDF2_ITERATIONS >= 600_000
    assert load_issuer_key(tmp_path / "k" / "private.pem", b"correct horse battery staple").algorithm == "p256"


@pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl command to cross-check with")
def test_openssl_reads_the_encrypted_key(tmp_path):
    key = generate_issuer_key("ed25519")
    path = tmp_path / "k.pem"
    path.write_bytes(key.export_private_pem(b"pass phrase"))
    decrypted = subprocess.run(["openssl", "pkcs8", "-in", str(path), "-passin", "pass:pass phrase"], capture_output=True, check=True).stdout
    assert serialization.load_pem_private_key(decrypted, None).public_key().public_bytes_raw() == key.public_key.public_bytes_raw()


def test_keys_encrypted_the_old_way_still_load(tmp_path):
    key = generate_issuer_key("ed25519")
    raw = serialization.load_pem_private_key(key.export_private_pem(), None)
    old = raw.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.BestAvailableEncryption(b"old pass"))
    assert _encryption(old)["iterations"] < 600_000  # what cryptography's writer did
    (tmp_path / "old.pem").write_bytes(old)
    assert load_issuer_key(tmp_path / "old.pem", b"old pass").kid == key.kid


# --------------------------------------------------------------------------- item 10


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_qr_out_never_replaces_a_fifo_or_directory(runner, tmp_path):
    passport = issue_passport(load(FIXTURES / "ev-pack.json"), tmp_path / "out").files["passport"]
    fifo = tmp_path / "label.svg"
    os.mkfifo(fifo)
    result = runner.invoke(main, ["qr", str(passport), "--out", str(fifo)])
    assert result.exit_code == 1 and "not a regular file" in result.output
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    (tmp_path / "dir.png").mkdir()
    assert runner.invoke(main, ["qr", str(passport), "--out", str(tmp_path / "dir.png")]).exit_code == 2  # click: not a file
    assert (tmp_path / "dir.png").is_dir()


def test_cert_chain_is_read_with_a_size_limit(runner, tmp_path):
    huge = tmp_path / "chain.pem"
    with huge.open("wb") as fh:
        fh.truncate(300 * 1024 * 1024)  # sparse: costs no disk, would cost 300 MB of memory if read whole
    result = runner.invoke(main, ["build", str(FIXTURES / "ev-pack.json"), "--out", str(tmp_path / "o"), "--key",
                                  str(DEMO / "issuer-p256" / "private.pem"), "--envelope", "jose", "--cert-chain", str(huge)])
    assert result.exit_code == 1 and "chain.pem" in result.output and "limit" in result.output


def test_output_files_follow_the_umask(tmp_path):
    old = os.umask(0o077)
    try:
        files = issue_passport(load(FIXTURES / "ev-pack.json"), tmp_path / "out").files
        modes = {name: stat.S_IMODE(path.stat().st_mode) for name, path in files.items()}
        assert set(modes.values()) == {0o600}, modes
    finally:
        os.umask(old)


def _nested(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth):
        value = {"a": value}
    return value


def test_deeply_nested_dicts_are_refused_not_a_recursion_error(tmp_path):
    data = load(FIXTURES / "ev-pack.json")
    data["battery"]["extra"] = _nested(5000)
    with pytest.raises(InvalidInputError, match="nested deeper than"):
        issue_passport(data, tmp_path / "out")
    result = verify({"@context": ["https://www.w3.org/ns/credentials/v2"], "proof": _nested(5000)}, TrustStore.empty())
    assert result.status is Status.INVALID


# --------------------------------------------------------------------------- item 4: the shape check


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=3),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=2), children, max_size=3),
    max_leaves=40,
)


def _reference_shape(value, depth=0) -> bool:
    """Whether ``value`` is within the limits, recursively (the obvious way, for small values)."""
    if not isinstance(value, (dict, list)):
        return True
    if depth >= validation.MAX_DEPTH or (isinstance(value, list) and len(value) > validation.MAX_ARRAY_ITEMS):
        return False
    children = value.values() if isinstance(value, dict) else value
    return all(_reference_shape(child, depth + 1) for child in children)


@settings(max_examples=200, deadline=None)
@given(_json)
def test_shape_check_agrees_with_the_recursive_definition(value):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(validation, "MAX_DEPTH", 3)
        patch.setattr(validation, "MAX_ARRAY_ITEMS", 3)
        problems = validation.shape_problems(value)
        assert (not problems) == _reference_shape(value)
        for problem in problems:
            assert problem.path.startswith("$")


@pytest.mark.parametrize("size", [0, 1, 4096, 1000])
def test_read_bytes_reads_regular_files_and_pipes_whole_and_refuses_past_the_limit(tmp_path, size):
    from batterypass.jsonio import read_bytes

    limit = 1000
    data = bytes(range(256)) * (size // 256 + 1)
    data = data[:size]
    file = tmp_path / "doc.json"
    file.write_bytes(data)
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    # The writer fills the pipe from another process: read_bytes sees no size, only a stream.
    writer = subprocess.Popen(["sh", "-c", f"cat {file} > {pipe}"])
    try:
        for path in (file, pipe):
            if size > limit:
                with pytest.raises(InvalidInputError, match=f"over the {limit}-byte limit"):
                    read_bytes(path, limit)
            else:
                assert read_bytes(path, limit) == data
    finally:
        writer.wait(timeout=10)


def test_a_file_name_that_holds_terminal_controls_is_printed_escaped(runner, tmp_path):
    """Every line that names a user's file or quotes a document goes through the printable
    filter: a file name holding an ANSI escape (it can clear the screen or paint a verdict)
    is shown escaped by batch's item lines, its summary and its error lines."""
    items = tmp_path / "items"
    items.mkdir()
    name = "lot\x1b[2J7.json"
    shutil.copy(FIXTURES / "ev-pack.json", items / name)
    (items / "broken\x1b[31m.json").write_text("{")
    out = tmp_path / "out\x1b[0m"
    result = runner.invoke(main, ["batch", str(items), "--out", str(out), "--no-qr", "-v"])
    assert result.exit_code == 1, result.output
    assert "\x1b" not in result.output
    assert "lot\\x1b[2J7.json: ok" in result.stdout and "broken\\x1b[31m.json" in result.output


def test_a_usage_error_naming_a_users_path_is_printed_escaped(runner, tmp_path):
    built = runner.invoke(main, ["build", str(FIXTURES / "ev-pack.json"), "--out", str(tmp_path), "--no-qr", "--json"])
    passport = json.loads(built.stdout)["files"]["passport"]
    result = runner.invoke(main, ["qr", passport, "--out", str(tmp_path / "label\x1b[2J.pdf")])
    assert result.exit_code == 2 and "\x1b" not in result.output and "label\\x1b[2J.pdf" in result.output, result.output
