"""W3C Bitstring Status List: revocation and suspension of passports, read from a cached file.

A credential points at a bit with ``credentialStatus``::

    {"type": "BitstringStatusListEntry", "statusPurpose": "revocation",
     "statusListIndex": "94567", "statusListCredential": "https://example.com/status/3"}

The status list itself is a ``BitstringStatusListCredential`` whose ``credentialSubject``
carries ``statusPurpose`` and ``encodedList``: multibase base64url (``u`` prefix, no padding)
of the GZIP-compressed bitstring. Bit 0 is the left-most (most significant) bit of the first
byte. The uncompressed list must hold at least 16 KB (131,072 entries) so that one entry does
not single out a passport; decompression stops at :data:`MAX_BITSTRING_BYTES` so a small
hostile file cannot expand into gigabytes.

This module only encodes and decodes; :func:`batterypass.verification.verify` decides whether a
status list may be believed (it must itself verify, from a trusted issuer, the passport's).
:func:`make_status_list` builds an *unsigned* list; sign it like any credential with
:func:`batterypass.signing.sign_credential`.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import io
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .credential import VC_CONTEXT_V2, utc_timestamp
from ..errors import InvalidInputError, Problem

STATUS_LIST_CREDENTIAL_TYPE = "BitstringStatusListCredential"
STATUS_LIST_SUBJECT_TYPE = "BitstringStatusList"
STATUS_ENTRY_TYPE = "BitstringStatusListEntry"
#: Purposes whose set bit makes a credential unusable; ``refresh`` and ``message`` only inform.
BLOCKING_PURPOSES = ("revocation", "suspension")
#: The Bitstring Status List's other purposes; any other (``Revocation``, say) is unknown.
INFORMING_PURPOSES = ("refresh", "message")

#: The spec's minimum list length: 16 KB uncompressed, 131,072 entries.
MIN_BITSTRING_BYTES = 16 * 1024
#: Upper bound on a decompressed list (over 134 million entries).
MAX_BITSTRING_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class StatusEntry:
    """One ``credentialStatus`` entry of a credential (``statusSize`` 1 only)."""

    purpose: str
    index: int
    list_url: str


@dataclass(frozen=True)
class StatusList:
    """A decoded status list: its id (the URL entries name), purposes and bits."""

    id: str
    purposes: tuple[str, ...]
    bits: bytes

    @property
    def size(self) -> int:
        """Number of entries (bits)."""
        return len(self.bits) * 8

    def is_set(self, index: int) -> bool:
        """Whether entry ``index`` is set; :class:`IndexError` when the list is shorter."""
        if not 0 <= index < self.size:
            raise IndexError(f"index {index} is outside the list's {self.size} entries")
        return bool(self.bits[index // 8] & (0x80 >> (index % 8)))


def encode_bitstring(bits: bytes) -> str:
    """``encodedList`` of a bitstring: ``u`` + base64url (no padding) of its GZIP compression."""
    # mtime=0 keeps the output reproducible, so regenerating a list changes nothing needlessly.
    compressed = gzip.compress(bits, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def decode_bitstring(encoded: Any) -> bytes:
    """The bitstring of an ``encodedList``; :class:`ValueError` says what is wrong with it."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise ValueError("encodedList must be a multibase base64url string ('u...')")
    body = encoded[1:]
    if "=" in body:
        raise ValueError("encodedList must be base64url without padding")
    try:
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("encodedList is not valid base64url") from None
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(compressed)) as stream:
            bits = stream.read(MAX_BITSTRING_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(f"encodedList is not GZIP data ({exc})") from None
    if len(bits) > MAX_BITSTRING_BYTES:
        raise ValueError(f"encodedList expands beyond {MAX_BITSTRING_BYTES} bytes")
    if len(bits) < MIN_BITSTRING_BYTES:
        raise ValueError(f"the bitstring is {len(bits)} bytes; the spec requires at least {MIN_BITSTRING_BYTES}")
    return bits


def _types(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def status_list_from_credential(credential: dict[str, Any], source: str = "status list") -> StatusList:
    """Decode a ``BitstringStatusListCredential`` (already verified by the caller)."""
    problems: list[Problem] = []
    if STATUS_LIST_CREDENTIAL_TYPE not in _types(credential.get("type")):
        problems.append(Problem("$.type", f"must include {STATUS_LIST_CREDENTIAL_TYPE}"))
    list_id = credential.get("id")
    if not isinstance(list_id, str) or not list_id:
        problems.append(Problem("$.id", "must be the URL that credentials name in statusListCredential"))
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict):
        raise InvalidInputError([*problems, Problem("$.credentialSubject", "must be a JSON object")], source)
    purposes = _types(subject.get("statusPurpose"))
    if not purposes or not all(isinstance(p, str) and p for p in purposes):
        problems.append(Problem("$.credentialSubject.statusPurpose", "must be a string or an array of strings"))
    try:
        bits = decode_bitstring(subject.get("encodedList"))
    except ValueError as exc:
        problems.append(Problem("$.credentialSubject.encodedList", str(exc)))
    if problems:
        raise InvalidInputError(problems, source)
    return StatusList(id=list_id, purposes=tuple(purposes), bits=bits)


def status_entries(credential: dict[str, Any]) -> list[StatusEntry]:
    """The ``BitstringStatusListEntry`` items of ``credential.credentialStatus``.

    Other entry types are errors rather than skipped: a verifier that ignores a status
    mechanism it does not understand would call a revoked credential valid. ``statusListIndex``
    is a base-10 string per the spec; an integer is accepted too (some issuers emit one).
    """
    if "credentialStatus" not in credential:
        return []
    raw = credential["credentialStatus"]
    items = raw if isinstance(raw, list) else [raw]
    base = "$.credentialStatus"
    problems: list[Problem] = []
    entries = []
    for position, item in enumerate(items):
        path = f"{base}[{position}]" if isinstance(raw, list) else base
        if not isinstance(item, dict):
            problems.append(Problem(path, "must be a JSON object"))
            continue
        if STATUS_ENTRY_TYPE not in _types(item.get("type")):
            problems.append(Problem(f"{path}.type", f"{item.get('type')!r} is not supported: only {STATUS_ENTRY_TYPE}"))
            continue
        purpose, index, url = item.get("statusPurpose"), item.get("statusListIndex"), item.get("statusListCredential")
        if not isinstance(purpose, str) or not purpose:
            problems.append(Problem(f"{path}.statusPurpose", "must be a non-empty string"))
        # Ten digits cover every index a 16 MiB list can hold; longer strings are refused
        # before int() is asked to parse them.
        if isinstance(index, str) and index.isascii() and index.isdigit() and len(index) <= 10:
            index = int(index)
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            problems.append(Problem(f"{path}.statusListIndex", "must be a non-negative base-10 integer string"))
        if not isinstance(url, str) or not url:
            problems.append(Problem(f"{path}.statusListCredential", "must be the URL of the status list credential"))
        if item.get("statusSize", 1) != 1:
            problems.append(Problem(f"{path}.statusSize", "only 1-bit status entries are supported"))
        if not problems:
            entries.append(StatusEntry(purpose=purpose, index=index, list_url=url))
    if problems:
        raise InvalidInputError(problems)
    return entries


def make_status_list(
    revoked_indices: Iterable[int],
    size: int = MIN_BITSTRING_BYTES * 8,
    *,
    list_id: str,
    issuer: str,
    purpose: str = "revocation",
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
) -> dict[str, Any]:
    """An unsigned ``BitstringStatusListCredential`` with the bits of ``revoked_indices`` set.

    ``list_id`` is the URL the list will be published at (credentials name it in
    ``statusListCredential``); ``size`` is the number of entries, a multiple of 8 and at
    least 131,072. Sign the result with :func:`batterypass.signing.sign_credential`.
    """
    if size % 8 or not MIN_BITSTRING_BYTES * 8 <= size <= MAX_BITSTRING_BYTES * 8:
        raise ValueError(f"size must be a multiple of 8 between {MIN_BITSTRING_BYTES * 8} and {MAX_BITSTRING_BYTES * 8}")
    bits = bytearray(size // 8)
    for index in revoked_indices:
        if not 0 <= index < size:
            raise ValueError(f"index {index} is outside the list's {size} entries")
        bits[index // 8] |= 0x80 >> (index % 8)
    credential: dict[str, Any] = {
        "@context": [VC_CONTEXT_V2],
        "id": list_id,
        "type": ["VerifiableCredential", STATUS_LIST_CREDENTIAL_TYPE],
        "issuer": issuer,
    }
    if valid_from is not None:
        credential["validFrom"] = utc_timestamp(valid_from)
    if valid_until is not None:
        credential["validUntil"] = utc_timestamp(valid_until)
    credential["credentialSubject"] = {
        "id": f"{list_id}#list",
        "type": STATUS_LIST_SUBJECT_TYPE,
        "statusPurpose": purpose,
        "encodedList": encode_bitstring(bytes(bits)),
    }
    return credential

