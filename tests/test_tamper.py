"""Change any one value of a signed passport and it must no longer verify.

Every leaf (string, number, boolean, null) of the signed document is mutated in turn, for both
envelopes; for JOSE the decoded payload is mutated and re-encoded under the old signature.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest

from conftest import DEMO, ROOT

from batterypass.issuing.assemble import build_passport
from batterypass.securing.credential import passport_credential
from batterypass.securing.jose import compact_json, envelope, unwrap_envelope
from batterypass.securing.keys import b64url_encode, load_signer
from batterypass.securing.signing import sign_credential
from batterypass.verifying.trust import TrustStore
from batterypass.verifying.verification import Status, verify

NOW = datetime(2027, 6, 1, tzinfo=timezone.utc)


def signed_passport_credential(envelope_name: str) -> tuple[dict[str, Any], TrustStore]:
    """A signed battery passport and the trust store it verifies against.

    The one place to swap in a committed signed fixture: sign with the demo issuer so that
    ``keys/demo/trust`` trusts it.
    """
    fixture = json.loads((ROOT / "fixtures" / "ev-pack.json").read_text(encoding="utf-8"))
    credential = passport_credential(build_passport(fixture), issued_at=datetime(2027, 2, 1, tzinfo=timezone.utc))
    key, identity = load_signer(DEMO / "issuer-ed25519" / "private.pem")
    secured = sign_credential(credential, key, identity, envelope=envelope_name, created="2027-02-01T00:00:00Z")
    return secured, TrustStore.load(DEMO / "trust")


def leaf_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaf_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaf_paths(item, (*path, index))
    else:
        yield path


def mutated(document: Any, path: tuple[Any, ...]) -> Any:
    """A deep copy of ``document`` with the leaf at ``path`` changed to a different value."""
    copied = copy.deepcopy(document)
    parent = copied
    for part in path[:-1]:
        parent = parent[part]
    old = parent[path[-1]]
    if isinstance(old, bool):
        new: Any = not old
    elif isinstance(old, int):
        new = old + 1
    elif isinstance(old, float):
        new = old * 1.5 + 1
    elif isinstance(old, str):
        # Change the last character rather than append: the string keeps its shape (a date, a
        # base58 value) so the signature check, not a format check, must catch it.
        new = old[:-1] + ("B" if old[-1:] == "A" else "A") if old else "A"
    else:
        new = 0
    parent[path[-1]] = new
    return copied


def _describe(path: tuple[Any, ...]) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def test_the_untouched_passport_verifies():
    for envelope_name in ("data-integrity", "jose"):
        secured, trust = signed_passport_credential(envelope_name)
        result = verify(secured, trust, now=NOW)
        assert result.status is Status.VALID, result.reasons
        assert result.content_checked


def test_every_data_integrity_leaf_is_protected():
    secured, trust = signed_passport_credential("data-integrity")
    paths = list(leaf_paths(secured))
    assert len(paths) > 50
    accepted = []
    for path in paths:
        result = verify(mutated(secured, path), trust, now=NOW)
        # Changing the verification method id points at a key the trust store does not have:
        # the signature cannot even be checked, and the known issuer never listed that key.
        expected = Status.UNLISTED_KEY if path == ("proof", "verificationMethod") else Status.INVALID
        if result.status is not expected:
            accepted.append(f"{_describe(path)}: {result.status.value} {result.reasons}")
    assert not accepted, "\n".join(accepted)


def test_every_jose_payload_leaf_is_protected():
    secured, trust = signed_passport_credential("jose")
    header, payload, signature = unwrap_envelope(secured).split(".")
    credential = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    paths = list(leaf_paths(credential))
    assert len(paths) > 50
    accepted = []
    for path in paths:
        forged = f"{header}.{b64url_encode(compact_json(mutated(credential, path)))}.{signature}"
        for document in (forged, envelope(forged)):
            result = verify(document, trust, now=NOW)
            if result.status is not Status.INVALID:
                accepted.append(f"{_describe(path)}: {result.status.value} {result.reasons}")
    assert not accepted, "\n".join(accepted)


@pytest.mark.parametrize("envelope_name", ["data-integrity", "jose"])
def test_reencoding_the_same_content_is_not_tampering(envelope_name):
    # Guards the tests above: the mutation, not the re-serialisation, is what fails.
    secured, trust = signed_passport_credential(envelope_name)
    if envelope_name == "jose":
        header, payload, signature = unwrap_envelope(secured).split(".")
        credential = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        secured = envelope(f"{header}.{b64url_encode(compact_json(credential))}.{signature}")
    else:
        secured = json.loads(json.dumps(secured, indent=3))
    assert verify(secured, trust, now=NOW).status is Status.VALID


def container_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every object and array in ``value`` with its path."""
    if isinstance(value, (dict, list)):
        yield path, value
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            yield from container_paths(item, (*path, key))


def structural_mutations(document: Any) -> Iterator[tuple[str, Any]]:
    """Copies of ``document`` with one member added or removed, or one array item added or dropped."""
    for path, container in container_paths(document):
        def at(copied: Any) -> Any:
            for part in path:
                copied = copied[part]
            return copied

        if isinstance(container, dict):
            added = copy.deepcopy(document)
            at(added)["injected"] = "x"
            yield f"{_describe(path)} + member", added
            for key in container:
                removed = copy.deepcopy(document)
                del at(removed)[key]
                yield f"{_describe(path)} - {key}", removed
        else:
            appended = copy.deepcopy(document)
            at(appended).append(copy.deepcopy(container[-1]) if container else "x")
            yield f"{_describe(path)} + item", appended
            if container:
                dropped = copy.deepcopy(document)
                at(dropped).pop()
                yield f"{_describe(path)} - item", dropped


def test_every_structural_change_to_a_data_integrity_passport_is_refused():
    secured, trust = signed_passport_credential("data-integrity")
    accepted = []
    count = 0
    for what, document in structural_mutations(secured):
        count += 1
        result = verify(document, trust, now=NOW)
        if result.status is Status.VALID:
            accepted.append(what)
    assert count > 100
    assert not accepted, accepted


def test_every_structural_change_to_a_jose_payload_is_refused():
    secured, trust = signed_passport_credential("jose")
    header, payload, signature = unwrap_envelope(secured).split(".")
    credential = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    accepted = [
        what
        for what, forged in structural_mutations(credential)
        if verify(f"{header}.{b64url_encode(compact_json(forged))}.{signature}", trust, now=NOW).status is Status.VALID
    ]
    assert not accepted, accepted


def test_every_jose_header_change_is_refused():
    secured, trust = signed_passport_credential("jose")
    header, payload, signature = unwrap_envelope(secured).split(".")
    protected = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    variants = [mutated(protected, path) for path in leaf_paths(protected)]
    variants += [document for _, document in structural_mutations(protected)]
    accepted = [
        forged_header
        for forged_header in variants
        if verify(f"{b64url_encode(compact_json(forged_header))}.{payload}.{signature}", trust, now=NOW).status
        is Status.VALID
    ]
    assert not accepted, accepted
