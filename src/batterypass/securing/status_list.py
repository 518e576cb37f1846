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

For verifiers this module only decodes; :func:`batterypass.verification.verify` decides whether
a status list may be believed (it must itself verify, from a trusted issuer, the passport's).
:func:`make_status_list` builds an *unsigned* list; sign it like any credential with
:func:`batterypass.signing.sign_credential`. For issuers, :func:`create_status_list` writes a
signed list with its allocation record, :class:`StatusListAllocator` hands out its entries
(each once, across processes and crashes) and :func:`set_entry_status` revokes, suspends or
reinstates an entry by re-issuing the list in place.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import gzip
import io
import math
import os
import secrets
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .credential import VC_CONTEXT_V2, credential_issuer_id, utc_timestamp
from ..errors import InvalidInputError, Problem
from ..jsonio import dumps_pretty, load_json_file, write_atomic

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



# --------------------------------------------------------------------------- issuer side
#
# An issuer keeps, beside each list it publishes (``LIST``), the list's allocation record
# ``LIST.allocation`` (never published: it would tell how many credentials were issued; not
# ``*.json`` either, so that `verify DIR` and `publish DIR` never take it for a credential)
# and a lock file ``LIST.lock``. Entries are handed out under an exclusive ``flock`` of the
# lock file, and the record is written (atomically, fsynced) *before* the entries are used:
# a process killed at any point loses at most the entries it had reserved, and no entry is
# ever handed out twice, whatever runs at the same time. The kernel releases the lock of a
# killed process. Entry k of the list is the k-th value of a permutation of the indices
# (an affine map with a random odd factor coprime with the size, drawn when the list is
# created), so neighbouring indices do not reveal issue order (Bitstring Status List,
# privacy considerations).

ALLOCATION_SUFFIX = ".allocation"
LOCK_SUFFIX = ".lock"
_SIGN = Callable[[dict[str, Any], str], dict[str, Any]]


def allocation_path(list_path: str | os.PathLike[str]) -> Path:
    return Path(f"{list_path}{ALLOCATION_SUFFIX}")


@contextlib.contextmanager
def _locked(list_path: str | os.PathLike[str]) -> Iterator[None]:
    """An exclusive lock on one issued list, across processes (held until the block ends)."""
    fd = os.open(f"{list_path}{LOCK_SUFFIX}", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _unsigned(document: dict[str, Any]) -> dict[str, Any]:
    """The credential of a Data Integrity document (the issuer's own file), without its proof."""
    return {name: value for name, value in document.items() if name != "proof"}


def create_status_list(
    list_path: str | os.PathLike[str],
    *,
    url: str,
    issuer: str,
    purpose: str,
    sign: _SIGN,
    size: int = MIN_BITSTRING_BYTES * 8,
    issued_at: datetime | None = None,
) -> Path:
    """Write a new signed, empty status list to ``list_path`` and its allocation record beside it.

    ``url`` is where the list will be published (credentials name it). Refuses to replace an
    existing list: its entries are in use.
    """
    if purpose not in BLOCKING_PURPOSES:
        raise InvalidInputError([Problem("--purpose", f"must be one of {', '.join(BLOCKING_PURPOSES)}")], str(list_path))
    moment = issued_at or datetime.now(timezone.utc)
    credential = make_status_list([], size, list_id=url, issuer=issuer, purpose=purpose, valid_from=moment)
    signed = sign(credential, utc_timestamp(moment))
    factor = secrets.randbelow(size // 2) * 2 + 1
    while math.gcd(factor, size) != 1:
        factor = secrets.randbelow(size // 2) * 2 + 1
    record = {"listId": url, "purpose": purpose, "size": size, "factor": factor, "offset": secrets.randbelow(size), "allocated": 0}
    path = Path(list_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path):
        if path.exists() or allocation_path(path).exists():
            raise InvalidInputError([Problem("$", "a status list already exists here; its entries are in use")], str(path))
        write_atomic(allocation_path(path), dumps_pretty(record), mode=0o600)
        write_atomic(path, dumps_pretty(signed))
    return path


def _read_allocation(list_path: Path) -> dict[str, Any]:
    source = str(allocation_path(list_path))
    try:
        record = load_json_file(allocation_path(list_path))
    except InvalidInputError as exc:
        if not allocation_path(list_path).exists():
            raise InvalidInputError(
                [Problem("$", "no allocation record beside the list: create lists with 'batterypass status-list create'")],
                str(list_path),
            ) from None
        raise exc
    fields = ("listId", "purpose", "size", "factor", "offset", "allocated")
    if not isinstance(record, dict) or not all(name in record for name in fields):
        raise InvalidInputError([Problem("$", f"must hold {', '.join(fields)}")], source)
    if not all(isinstance(record[n], int) and not isinstance(record[n], bool) for n in fields[2:]):
        raise InvalidInputError([Problem("$", "size, factor, offset and allocated must be integers")], source)
    return record


class StatusListAllocator:
    """Hands out entries of one issued status list, each once, safely across processes.

    Entries are reserved in blocks of ``block`` under the list's lock; a forked worker never
    uses a block reserved by its parent (the block belongs to the process that reserved it).
    Entries reserved and not used are skipped for good, never reissued.
    """

    def __init__(self, list_path: str | os.PathLike[str], block: int = 64):
        self.list_path = Path(list_path)
        record = _read_allocation(self.list_path)
        self.list_id: str = record["listId"]
        self.purpose: str = record["purpose"]
        self.block = block
        self._owner = -1
        self._next = self._end = 0

    def _reserve(self) -> None:
        with _locked(self.list_path):
            record = _read_allocation(self.list_path)
            start = record["allocated"]
            end = min(start + self.block, record["size"])
            if start >= end:
                raise InvalidInputError(
                    [Problem("$", f"all {record['size']} entries are allocated: create a new status list")], str(self.list_path)
                )
            write_atomic(allocation_path(self.list_path), dumps_pretty({**record, "allocated": end}), mode=0o600)
        self._size, self._factor, self._offset = record["size"], record["factor"], record["offset"]
        self._owner, self._next, self._end = os.getpid(), start, end

    def next_entry(self) -> dict[str, Any]:
        """The ``credentialStatus`` entry of a credential about to be issued."""
        if self._owner != os.getpid() or self._next >= self._end:
            self._reserve()
        index = (self._factor * self._next + self._offset) % self._size
        self._next += 1
        return {
            "type": STATUS_ENTRY_TYPE,
            "statusPurpose": self.purpose,
            "statusListIndex": str(index),
            "statusListCredential": self.list_id,
        }


def set_entry_status(
    list_path: str | os.PathLike[str],
    credential: dict[str, Any],
    *,
    value: bool,
    issuer: str,
    sign: _SIGN,
    issued_at: datetime | None = None,
) -> StatusEntry:
    """Set (``value``) or clear the entry ``credential`` holds in the list at ``list_path``, and
    re-sign the list in place (atomically, under the list's lock).

    ``issuer`` must be the list's issuer (the signer's id): a list is re-issued only by whoever
    issued it. Returns the entry changed.
    """
    path = Path(list_path)
    with _locked(path):
        document = load_json_file(path)
        if not isinstance(document, dict) or "proof" not in document:
            raise InvalidInputError([Problem("$", "must be a status list signed with a Data Integrity proof")], str(path))
        unsigned = _unsigned(document)
        current = status_list_from_credential(unsigned, str(path))
        list_issuer = credential_issuer_id(unsigned)
        if list_issuer != issuer:
            raise InvalidInputError([Problem("$.issuer", f"the list is issued by {list_issuer!r}; this key signs as {issuer!r}")], str(path))
        matching = [e for e in status_entries(credential) if e.list_url == current.id and e.purpose in current.purposes]
        if not matching:
            raise InvalidInputError(
                [Problem("$.credentialStatus", f"has no {'/'.join(current.purposes)} entry in the list {current.id}")], "credential"
            )
        entry = matching[0]
        bits = bytearray(current.bits)
        if not 0 <= entry.index < len(bits) * 8:
            raise InvalidInputError([Problem("$.credentialStatus", f"index {entry.index} is outside the list")], "credential")
        mask = 0x80 >> (entry.index % 8)
        bits[entry.index // 8] = bits[entry.index // 8] | mask if value else bits[entry.index // 8] & ~mask
        moment = utc_timestamp(issued_at)
        reissued = {**unsigned, "validFrom": moment}
        reissued["credentialSubject"] = {**unsigned["credentialSubject"], "encodedList": encode_bitstring(bytes(bits))}
        write_atomic(path, dumps_pretty(sign(reissued, moment)))
    return entry
