"""Publishing: which credentials a resolver takes, decided by content against its trust store.

Contract (:func:`admit`, then :func:`publish`):

* Only audience views are published: a credential whose type states an audience
  (``securing.credential.credential_audience``). The full credential is kept by its issuer:
  it is refused (``full-credential``), whatever the file is called.
* A view must hold nothing outside its audience's Annex XIII points and nothing the passport
  model does not know (``over-disclosing``).
* The credential must verify against the resolver's own trust store (``verifying.verify``,
  which checks a view as a view): an unknown issuer, a bad signature, an expired or malformed
  credential is refused with the verdict and its reasons.
* The passport id must be a ``urn:uuid:`` (it is part of the resolver's URLs).
* Publishing the same bytes again is a no-op (``unchanged``); other bytes for the same
  passport and audience are a new version, the old ones kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import BatteryPassError, InvalidInputError
from ..law.identifiers import gtin14
from ..model.views import disclosure_problems
from ..securing.credential import credential_audience, is_passport_credential
from ..securing.jose import unwrap_envelope
from ..verifying.documents import credential_of, load_document
from ..verifying.trust import TrustStore
from ..verifying.verification import Status, verify
from .store import Store

#: ``urn:uuid:`` + a lowercase UUID: what passport ids look like, and what resolver URLs carry.
PASSPORT_ID = re.compile(r"urn:uuid:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")

PUBLISHED, UNCHANGED, SKIPPED, REFUSED = "published", "unchanged", "skipped", "refused"


@dataclass(frozen=True)
class Admitted:
    """A credential fit to publish, with what the store indexes it by."""

    body: bytes
    passport_id: str
    audience: str
    envelope: str
    issuer: str
    gtin: str | None
    serial: str | None
    valid_from: str | None


@dataclass(frozen=True)
class PublishResult:
    """One file's outcome. ``status`` is published, unchanged, skipped (a full credential, which
    ``publish`` never sends) or refused; ``verdict`` the
    verification status (or ``full-credential``, ``over-disclosing``, ``not-a-passport``)."""

    source: str
    status: str
    verdict: str
    reasons: tuple[str, ...] = ()
    passport_id: str | None = None
    audience: str | None = None
    version: int | None = None

    @property
    def ok(self) -> bool:
        return self.status != REFUSED

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.source,
            "status": self.status,
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "passportId": self.passport_id,
            "audience": self.audience,
            "version": self.version,
        }


@dataclass
class Refusal(Exception):
    verdict: str
    reasons: list[str] = field(default_factory=list)
    passport_id: str | None = None
    audience: str | None = None


def admit(body: bytes, trust: TrustStore, source: str = "credential") -> Admitted:
    """Check ``body`` for publishing; raises :class:`Refusal` with the verdict and reasons."""
    try:
        document = load_document(body, source)
        credential, envelope = credential_of(document)
    except InvalidInputError as exc:
        raise Refusal(Status.INVALID.value, [str(p) for p in exc.problems]) from None
    except BatteryPassError as exc:  # a malformed JWS
        raise Refusal(Status.INVALID.value, [str(exc)]) from None
    passport_id = credential.get("id") if isinstance(credential.get("id"), str) else None
    try:
        audience = credential_audience(credential)
    except ValueError as exc:
        raise Refusal(Status.INVALID.value, [str(exc)], passport_id) from None
    if not is_passport_credential(credential):
        raise Refusal("not-a-passport", ["the credential's type does not include BatteryPassport"], passport_id)
    if audience is None:
        raise Refusal(
            "full-credential",
            ["a full passport credential is kept by its issuer, never published: publish its audience views"],
            passport_id,
        )
    subject = credential.get("credentialSubject")
    # Checked first, and again by verify, so the refusal names it as what it is.
    if problems := disclosure_problems(subject, audience):
        reasons = [f"{p.path.replace('$', '$.credentialSubject', 1)}: {p.message}" for p in problems]
        raise Refusal("over-disclosing", [f"the {audience.value} view holds too much", *reasons], passport_id, audience.value)
    result = verify(document, trust)
    if result.status is not Status.VALID:
        raise Refusal(result.status.value, list(result.reasons), passport_id, audience.value)
    if envelope is None:
        raise Refusal(Status.INVALID.value, ["the credential is not signed"], passport_id, audience.value)
    if passport_id is None or not PASSPORT_ID.fullmatch(passport_id):
        raise Refusal(Status.INVALID.value, [f"$.id: a passport id is urn:uuid: and a lowercase UUID, not {passport_id!r}"], passport_id, audience.value)
    general = subject.get("generalProductInformation") if isinstance(subject, dict) else None
    general = general if isinstance(general, dict) else {}
    gtin, serial = general.get("gtin"), general.get("serialNumber")
    valid_from = credential.get("validFrom")
    return Admitted(
        body=body,
        passport_id=passport_id,
        audience=audience.value,
        envelope=envelope,
        issuer=result.issuer or "",
        gtin=gtin14(gtin) if isinstance(gtin, str) and gtin else None,
        serial=serial if isinstance(serial, str) and gtin else None,
        valid_from=valid_from if isinstance(valid_from, str) else None,
    )


def publish(store: Store, body: bytes, trust: TrustStore, source: str = "credential") -> PublishResult:
    """Admit ``body`` and store it; never raises for a bad credential (it is refused)."""
    try:
        admitted = admit(body, trust, source)
    except Refusal as refusal:
        return refused(source, refusal)
    stored, created = store.put_credential(
        passport_id=admitted.passport_id,
        audience=admitted.audience,
        body=admitted.body,
        envelope=admitted.envelope,
        issuer=admitted.issuer,
        gtin=admitted.gtin,
        serial=admitted.serial,
        valid_from=admitted.valid_from,
    )
    return PublishResult(
        source, PUBLISHED if created else UNCHANGED, Status.VALID.value, (),
        stored.passport_id, stored.audience, stored.version,
    )


def is_full_credential(body: bytes, source: str) -> bool:
    """Whether ``body`` is a full passport credential (no audience stated), which stays with its issuer."""
    try:
        credential, _ = credential_of(load_document(body, source))
        return is_passport_credential(credential) and credential_audience(credential) is None
    except (BatteryPassError, ValueError):
        return False  # unreadable or ambiguous: publishing refuses it with the reason


def refused(source: str, refusal: Refusal) -> PublishResult:
    return PublishResult(source, REFUSED, refusal.verdict, tuple(refusal.reasons), refusal.passport_id, refusal.audience)


def compact_jws(stored_body: bytes) -> str | None:
    """The compact JWS of a credential issued as one (bare or enveloped), else None."""
    document = load_document(stored_body, "stored credential")
    if isinstance(document, str):
        return document
    try:
        return unwrap_envelope(document) if document.get("type") == "EnvelopedVerifiableCredential" else None
    except InvalidInputError:
        return None


def subject_of(stored_body: bytes) -> dict[str, Any]:
    """The passport data of a stored (already admitted) credential."""
    credential, _ = credential_of(load_document(stored_body, "stored credential"))
    subject = credential.get("credentialSubject")
    return subject if isinstance(subject, dict) else {}


def credential_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The credential files among ``paths``: files as given, directories' ``*.json`` in name order
    (what ``build``, ``batch`` and ``update`` write there; QR images and reports are not JSON)."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.glob("*.json") if p.is_file())
        else:
            yield path
