"""Publishing: which credentials a resolver takes, decided by content against its trust store.

Contract (:func:`admit`, then :func:`publish`):

* Only audience views are published: a credential whose type states an audience
  (``securing.credential.credential_audience``). The full credential is kept by its issuer:
  it is refused (``full-credential``), whatever the file is called.
* A view must hold nothing its audience may not see (``over-disclosing``): the one check
  verification makes too (``model.views.disclosure_problems``: outside its audience's Annex
  XIII points, voluntary sourcing data its ``voluntaryDataAudience`` keeps from the public,
  anything the passport model does not know), judged once its signature and issuer hold.
* The credential must verify against the resolver's own trust store (``verifying.verify``,
  which checks a view as a view): an unknown issuer, a bad signature, an expired or malformed
  credential is refused with the verdict and its reasons.
* The passport id, ``credentialSubject.id`` (a view has a credential id of its own), must be
  a ``urn:uuid:``, a GTIN a valid GTIN (digits, length, check digit) and its serial a GS1 AI
  (21) serial: they are part of the resolver's URLs.
* A passport id, and a GTIN + serial, belong to the issuer that published them first: another
  issuer's credential for either is refused (``held-by-another-issuer``; HTTP 409), the
  reason saying what would make it acceptable.
* Handover (:func:`handover`): responsibility for a battery moves (waste, Art. 77(8)), and
  with it the passport, when the holder says so. Another issuer's credential is taken when,
  and only when, the holder's own latest published version of that passport names as
  ``responsibleOperator`` an operator the new issuer is established to sign for (its
  trust-store document's ``alsoKnownAs``), that version is not the final one, and the new
  credential's version number is above it; or, in place of the named operator, when the holder
  countersigned the version the credential is a view of (below). The new issuer then holds the
  passport and its GTIN + serial; the holder's older versions stay served.
* Countersignatures (``BatteryPassportCountersignature``, what ``countersign`` writes): the
  outgoing holder's consent to a transfer version the incoming operator signed. One is taken
  when it verifies against the trust store and its issuer holds the passport (refused
  ``held-by-another-issuer`` otherwise, ``not-published`` when nobody does); it is kept, and
  a view of the version it names (its id is ``issuing.views.view_credential_id`` of the
  countersigned id) is then taken from the new issuer: its signer is established for the
  view's ``responsibleOperator`` (``verify`` checks that), the holder's latest version is not
  the final one and the view's version is above it.
* Publishing the same bytes again is a no-op (``unchanged``), whoever holds the passport now;
  other bytes for the same passport and audience are a new version, the old ones kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import BatteryPassError, InvalidInputError
from ..issuing.views import view_credential_id
from ..law.identifiers import gtin14, gtin_problem, serial_problem
from ..model.views import disclosure_problems
from ..securing.credential import credential_audience, credential_issuer_id, is_passport_credential
from ..securing.jose import unwrap_envelope
from ..securing.documents import credential_of, load_document
from ..verifying.history import countersigned
from ..verifying.trust import TrustStore
from ..verifying.verification import Status, verify
from .store import Handover, HeldByAnotherIssuer, NotPublished, Store

#: ``urn:uuid:`` + a lowercase UUID: what passport ids look like, and what resolver URLs carry.
PASSPORT_ID = re.compile(r"urn:uuid:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")

PUBLISHED, UNCHANGED, SKIPPED, REFUSED = "published", "unchanged", "skipped", "refused"
#: The verdict of a credential for a passport id or battery another issuer holds.
HELD = "held-by-another-issuer"
#: The ``audience`` an admitted countersignature is published under (it is no view).
COUNTERSIGNATURE = "countersignature"
#: The verdict of a countersignature of a passport nobody has published.
NOT_PUBLISHED = "not-published"


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
    version: int
    #: The credential's own id (a view's, or a countersignature's countersigned version's).
    credential_id: str | None = None


@dataclass(frozen=True)
class PublishResult:
    """One file's outcome. ``status`` is published, unchanged, skipped (a full credential, which
    ``publish`` never sends) or refused; ``verdict`` the
    verification status (or ``full-credential``, ``over-disclosing``, ``not-a-passport``,
    ``held-by-another-issuer``, ``not-published``)."""

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
    subject = credential.get("credentialSubject")
    claimed = subject.get("id") if isinstance(subject, dict) else None
    passport_id = claimed if isinstance(claimed, str) else None
    if (claim := countersigned(document)) is not None:
        return _admit_countersignature(body, document, envelope, claim[1], trust, claim[0])
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
    result = verify(document, trust)
    # Judged once the signature and issuer hold (verify then checked it too), and named as what
    # it is; a stranger's view gets the verdict on its signature or issuer, not on its content.
    if result.content_checked and (problems := disclosure_problems(subject, audience, prefix=("credentialSubject",))):
        reasons = [f"{p.message}: {p.path}" for p in problems]
        raise Refusal("over-disclosing", [f"the {audience.value} view holds too much", *reasons], passport_id, audience.value)
    if result.status is not Status.VALID:
        raise Refusal(result.status.value, list(result.reasons), passport_id, audience.value)
    if envelope is None:
        raise Refusal(Status.INVALID.value, ["the credential is not signed"], passport_id, audience.value)
    if passport_id is None or not PASSPORT_ID.fullmatch(passport_id):
        raise Refusal(Status.INVALID.value, [f"$.credentialSubject.id: a passport id is urn:uuid: and a lowercase UUID, not {passport_id!r}"], passport_id, audience.value)
    general = subject.get("generalProductInformation") if isinstance(subject, dict) else None
    general = general if isinstance(general, dict) else {}
    gtin, serial = general.get("gtin"), general.get("serialNumber")
    # The GTIN and serial become the QR link's path (and a static export's directories).
    where = "$.credentialSubject.generalProductInformation"
    if gtin is not None:
        if problem := (gtin_problem(gtin) if isinstance(gtin, str) else "must be a string"):
            raise Refusal(Status.INVALID.value, [f"{where}.gtin: {problem}"], passport_id, audience.value)
        if problem := (serial_problem(serial) if isinstance(serial, str) else "a GS1 serial (AI 21) must be a string"):
            raise Refusal(Status.INVALID.value, [f"{where}.serialNumber: {problem}"], passport_id, audience.value)
    valid_from = credential.get("validFrom")
    return Admitted(
        body=body,
        passport_id=passport_id,
        audience=audience.value,
        envelope=envelope,
        issuer=result.issuer or "",
        gtin=gtin14(gtin) if gtin is not None else None,
        serial=serial if gtin is not None else None,
        valid_from=valid_from if isinstance(valid_from, str) else None,
        version=version_number(subject),
        credential_id=credential.get("id") if isinstance(credential.get("id"), str) else None,
    )


def _admit_countersignature(body: bytes, document: Any, envelope: str | None, version_id: str, trust: TrustStore,
                            passport_id: str) -> Admitted:
    """A countersignature fit to keep: valid against ``trust``, signed, for a passport id."""
    result = verify(document, trust)
    if result.status is not Status.VALID:
        raise Refusal(result.status.value, list(result.reasons), passport_id, COUNTERSIGNATURE)
    if envelope is None:
        raise Refusal(Status.INVALID.value, ["the countersignature is not signed"], passport_id, COUNTERSIGNATURE)
    if not PASSPORT_ID.fullmatch(passport_id):
        raise Refusal(Status.INVALID.value, [f"$.credentialSubject.id: a passport id is urn:uuid: and a lowercase UUID, not {passport_id!r}"],
                      passport_id, COUNTERSIGNATURE)
    return Admitted(body=body, passport_id=passport_id, audience=COUNTERSIGNATURE, envelope=envelope,
                    issuer=result.issuer or "", gtin=None, serial=None, valid_from=None, version=0, credential_id=version_id)


def version_number(subject: Any) -> int:
    """The lifecycle version a passport subject states (1: as built, without a lifecycle)."""
    lifecycle = subject.get("lifecycle") if isinstance(subject, dict) else None
    number = lifecycle.get("version") if isinstance(lifecycle, dict) else None
    return number if isinstance(number, int) and not isinstance(number, bool) else 1


def is_ceased(subject: dict[str, Any]) -> bool:
    """Whether a passport subject is the final version: the battery is recycled (Art. 77(8))."""
    lifecycle = subject.get("lifecycle")
    return isinstance(lifecycle, dict) and lifecycle.get("ceased") is True


def responsible_operator(subject: dict[str, Any]) -> str | None:
    """The operator responsible for a passport version: the one it names, else its manufacturer
    (as ``verify`` checks the signer against)."""
    general = subject.get("generalProductInformation")
    general = general if isinstance(general, dict) else {}
    for member in ("responsibleOperator", "manufacturerInformation"):
        operator = general.get(member)
        if isinstance(operator, dict) and isinstance(operator.get("identifier"), str):
            return operator["identifier"]
    return None


def handover(admitted: Admitted, trust: TrustStore) -> Handover:
    """The handover rule for ``admitted`` (see the module docstring), for
    :meth:`.store.Store.put_credential` and the static export: given the holder, its
    credentials of the passport and its countersignatures, why ``admitted``'s issuer may not
    take it over (None: it may)."""

    def refusal(holder: str, holder_bodies: list[bytes], countersignatures: list[bytes]) -> str | None:
        latest = max((subject_of(body) for body in holder_bodies), key=version_number, default={})
        number, operator = version_number(latest), responsible_operator(latest)
        allowed = trust.operators_of(admitted.issuer)
        if is_ceased(latest):
            return f"{holder}'s version {number} is the final one: the battery is recycled and the passport has ceased (Art. 77(8))"
        if operator not in allowed and not is_countersigned(admitted, countersignatures):
            established = f"signs for {', '.join(sorted(allowed))}" if allowed else "states no operators it signs for"
            return (
                f"{holder}'s latest published version ({number}) names {operator} as the responsible operator, and "
                f"{admitted.issuer} {established} (its trust-store document's alsoKnownAs). The passport passes to another "
                f"issuer when {holder} publishes a version naming as responsible operator one that issuer signs for "
                f"(end-of-life --status waste --operator ID), or publishes its countersignature of the version "
                f"{admitted.issuer} signed (countersign)"
            )
        if admitted.version <= number:
            return (
                f"version {admitted.version} is not above version {number}, the latest {holder} published: "
                f"{admitted.issuer} publishes the versions after it"
            )
        return None

    return refusal


def is_countersigned(admitted: Admitted, countersignatures: list[bytes]) -> bool:
    """Whether one of ``countersignatures`` (stored: verified, by the holder) names the
    credential the view ``admitted`` was cut from, and ``admitted``'s issuer as its signer
    (another issuer's version of the same number has the same credential id)."""
    for body in countersignatures:
        claim = countersigned(load_document(body, "stored countersignature"))
        if claim is not None and view_credential_id(claim[1], admitted.audience) == admitted.credential_id \
                and claim[3] == admitted.issuer:
            return True
    return False


def put(store: Store, admitted: Admitted, trust: TrustStore, source: str = "credential") -> PublishResult:
    """Store an admitted credential: a view under the holder and handover rules
    (:meth:`.store.Store.put_credential`), a countersignature from the holder only
    (:meth:`.store.Store.put_countersignature`). What the store refuses is a refused result."""
    try:
        if admitted.audience == COUNTERSIGNATURE:
            created = store.put_countersignature(passport_id=admitted.passport_id, body=admitted.body, issuer=admitted.issuer)
            version = None
        else:
            stored, created = store.put_credential(
                passport_id=admitted.passport_id,
                audience=admitted.audience,
                body=admitted.body,
                envelope=admitted.envelope,
                issuer=admitted.issuer,
                gtin=admitted.gtin,
                serial=admitted.serial,
                valid_from=admitted.valid_from,
                handover=handover(admitted, trust),
            )
            version = stored.version
    except HeldByAnotherIssuer as exc:
        return refused(source, held(admitted, exc))
    except NotPublished as exc:
        return refused(source, Refusal(NOT_PUBLISHED, [str(exc)], admitted.passport_id, admitted.audience))
    return PublishResult(source, PUBLISHED if created else UNCHANGED, Status.VALID.value, (),
                         admitted.passport_id, admitted.audience, version)


def publish(store: Store, body: bytes, trust: TrustStore, source: str = "credential") -> PublishResult:
    """Admit ``body`` and store it; never raises for a bad credential (it is refused)."""
    try:
        admitted = admit(body, trust, source)
    except Refusal as refusal:
        return refused(source, refusal)
    return put(store, admitted, trust, source)


def is_full_credential(body: bytes, source: str) -> bool:
    """Whether ``body`` is a full passport credential (no audience stated), which stays with its issuer."""
    try:
        credential, _ = credential_of(load_document(body, source))
        return is_passport_credential(credential) and credential_audience(credential) is None
    except (BatteryPassError, ValueError):
        return False  # unreadable or ambiguous: publishing refuses it with the reason


def held(admitted: Admitted, exc: HeldByAnotherIssuer) -> Refusal:
    return Refusal(HELD, [str(exc)], admitted.passport_id, admitted.audience)


def issuer_of(stored_body: bytes) -> str | None:
    """The issuer id a stored (already admitted) credential names."""
    return credential_issuer_id(credential_of(load_document(stored_body, "stored credential"))[0])


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


#: A version's file name as issuing writes it: ``<uuid>.json``, ``<uuid>.v<N>.json``, each with
#: its views ``<uuid>[.v<N>].<audience>.json``.
#: What ``countersign`` appends to a version's file stem.
COUNTERSIGNATURE_SUFFIX = ".countersignature.json"
_VERSION_FILE = re.compile(r"([0-9a-f-]{36})(?:\.v([0-9]{1,9}))?(\..*)")


def _publishing_order(path: Path) -> tuple[str, int, bool, str]:
    """Versions in number order (``v10`` after ``v9``), so the store counts them as issued and a
    handover's version comes after the version that names the new operator; a version's
    countersignature (``countersign``'s ``<stem>.countersignature.json``) before its views,
    which it hands over."""
    match = _VERSION_FILE.fullmatch(path.name)
    return (match[1], int(match[2] or 1), match[3] != COUNTERSIGNATURE_SUFFIX, match[3]) if match else (path.name, 0, False, "")


def credential_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The credential files among ``paths``: files as given, directories' ``*.json`` (what
    ``build``, ``batch``, ``update`` and ``end-of-life`` write there; QR images and reports are
    not JSON), each passport's files in publishing order wherever they were named, so that
    ``publish out/*.json`` (the shell's name order: ``v10`` before ``v2``, views before their
    countersignature) publishes as ``publish out/`` does."""
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(p for p in path.glob("*.json") if p.is_file()) if path.is_dir() else [path])
    # A passport's place is where its first file came; its files follow in publishing order.
    order = {path: _publishing_order(path) for path in files}
    place: dict[str, int] = {}
    for path in files:
        place.setdefault(order[path][0], len(place))
    yield from sorted(files, key=lambda path: (place[order[path][0]], order[path]))
