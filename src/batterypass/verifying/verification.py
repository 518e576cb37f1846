"""Verify a secured credential: one verdict from signature, trust, validity, status and content.

:func:`verify` accepts the three forms a passport travels in: a Data Integrity document
(``eddsa-jcs-2022`` proof), a VC-JOSE-COSE ``EnvelopedVerifiableCredential`` and a bare compact
JWS. It never raises for a bad document: every failure becomes a :class:`Status` with reasons.

Checks, in order, and the status a failure gives:

* ``input``: strict JSON (no duplicate keys anywhere, size limit) in a known envelope; *invalid*.
* ``envelope``: the proof or JWS is well-formed, ``alg`` allowed, ``typ`` vc+jwt; *invalid*, or
  *unsupported* for a proof type, cryptosuite or registered JWS algorithm we do not implement
  (a genuine ``ecdsa-jcs-2019`` credential is neither valid nor forged to us).
* ``credential``: VC 2.0 shape (``@context``, ``type``, ``issuer``, ``validFrom`` /
  ``validUntil``, ``credentialStatus``); *invalid*.
* ``signature``: verifies with the verification method's key; *invalid*, whoever the issuer
  (a did:key, or a key some trust-store document defines, can be checked even when it is not
  trusted). When the key cannot be found at all the signature is not checked, and the reason
  says so.
* ``trust``: the key is tied to the issuer (:mod:`batterypass.verifying.trust`); *unknown-issuer*
  when the store has no document for the issuer (and no root for an ``x5c`` chain),
  *unlisted-key* when it has one that does not list the key (or not at the signing time), or
  *expired* for an ``x5c`` certificate outside its validity at the signing time.
* ``validity``: ``validFrom`` <= now < ``validUntil`` (and JWT ``nbf`` / ``exp``); *expired*,
  or *not-yet-valid* before ``validFrom``/``nbf`` or for a signing time in the future.
* ``status``: the Bitstring Status List bit (revocation or suspension) is clear; *revoked*,
  or *status-unknown* when the status cannot be established and ``require_status`` is set.
* ``content``: a credential whose ``type`` includes ``BatteryPassport`` must hold a subject
  that passes the passport model and its consistency rules; *invalid*. A credential whose
  type states an Annex XIII audience (``BatteryPassportPublicView``..., ``credential_audience``)
  is that audience's view: a field its audience may not see makes it *invalid* ("point 2 data
  in a public view: $.credentialSubject...", ``model.views.disclosure_problems``), fields it
  leaves out by design are not missing, and its own credential id need not be the passport
  id. The result names the audience.
* ``operator``: when the issuer's trust-store document lists the operators it signs for
  (``alsoKnownAs``), the passport's responsible operator (``responsibleOperator``, else the
  manufacturer) must be one of them; *unknown-issuer* (the store knows no issuer for that
  operator: the remedy is the same, the operator's word through a trusted channel). An issuer
  that lists none is not judged.

When several fail, the verdict is the first of :data:`PRECEDENCE` (revocation is the issuer's
own word that a passport must not be relied on, and outweighs its having expired); all
reasons are kept, most severe first. Every status carries :attr:`Status.next_step`, what the
reader can do about it (:attr:`VerificationResult.next_step` says when a VALID credential is no
battery passport). Validity and status are only examined once the signature holds, content
only once the trust store also ties the key to the issuer: statements in a document that
fails its signature, or that a stranger signed, are not the issuer's. A check with ``passed=None`` was not applicable (a credential that is
not a battery passport: content not checked; no status list and none required); it never
fails the verdict.

Signing time (for key validity windows and ``x5c`` certificates): the proof's ``created``,
the JWS ``iat``, else the credential's ``validFrom``, else now. For JOSE the ``kid`` must be
the issuer's (the part before ``#`` equal to the issuer id) unless the header carries an
``x5c`` chain, which then alone decides trust (the ``kid`` is ignored).

Status lists: a list is believed only if it verifies VALID itself against the same trust store
and was issued by the credential's issuer; an unsigned, untrusted or expired list is not
used (its verdict is given as the reason). Without ``require_status`` an unknown status is
reported but does not fail; with it, it is ``status-unknown`` (also when the credential has
no ``credentialStatus`` entry for revocation or suspension at all: a ``message`` entry, or one
of a purpose we do not know, which is reported, cannot show a passport unrevoked). Of several copies of one list (same issuer and id) the newest
that states the entry's purpose counts (by the later of its ``validFrom`` and its signing time),
whatever order they are given in; copies equally new are combined bit by bit, a bit set in
any of them counting as set, over the longest copy's length, so no copy can clear a bit
another sets, and a copy for another purpose says nothing about this one. A list issued longer ago than ``max_status_age`` (default
:data:`DEFAULT_MAX_STATUS_AGE`), or whose age cannot be told, is *stale*: a bit it sets still
revokes, but a clear bit proves nothing, so the status is unknown.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from ..model.access import Access
from ..securing.credential import (
    credential_audience,
    credential_issuer_id,
    credential_shape_problems,
    is_passport_credential,
    parse_date_time_stamp,
)
from ..securing.data_integrity import ProofError, check_proof, verify_checked_proof
from ..securing.documents import load_document, load_proved_document
from ..securing.jcs import canonical_without_member
from ..errors import InvalidInputError, Problem
from ..securing.jose import ENVELOPE_TYPE, JoseError, parse_compact, unwrap_envelope, vc_payload, verify_signature
from ..securing.keys import PublicKey
from ..model.passport import Passport
from ..law.acts import ActsTable
from ..law.passport_content import DisclosureError, check_passport_subject
from ..securing.signing import DATA_INTEGRITY, JOSE
from ..securing.status_list import BLOCKING_PURPOSES, INFORMING_PURPOSES, StatusEntry, StatusList, status_entries, status_list_from_credential
from .trust import KeyResolution, TrustStore

#: Issuer ids, key ids and verification methods longer than this are refused: they end up
#: quoted in reasons, and no real identifier comes near it.
MAX_IDENTIFIER_CHARS = 2048
#: How far a claimed signing time may lie ahead of the verifier's clock.
_CLOCK_SKEW = timedelta(minutes=5)
#: A status list issued longer ago than this is stale (``--max-status-age``).
DEFAULT_MAX_STATUS_AGE = timedelta(days=30)



class Status(enum.Enum):
    """The verdict. ``value`` is a stable lowercase name; :attr:`exit_code` the CLI's exit code;
    :attr:`next_step` what the reader can do about it."""

    VALID = "valid"
    INVALID = "invalid"
    UNKNOWN_ISSUER = "unknown-issuer"
    EXPIRED = "expired"
    REVOKED = "revoked"
    STATUS_UNKNOWN = "status-unknown"
    UNLISTED_KEY = "unlisted-key"
    NOT_YET_VALID = "not-yet-valid"
    UNSUPPORTED = "unsupported"

    @property
    def exit_code(self) -> int:
        return _EXIT_CODES[self]

    @property
    def next_step(self) -> str:
        return _NEXT_STEPS[self]


# Exit code 2 is the CLI's usage error, hence the gap; codes are never renumbered.
_EXIT_CODES = {
    Status.VALID: 0,
    Status.INVALID: 1,
    Status.UNKNOWN_ISSUER: 3,
    Status.EXPIRED: 4,
    Status.REVOKED: 5,
    Status.STATUS_UNKNOWN: 6,
    Status.UNLISTED_KEY: 7,
    Status.NOT_YET_VALID: 8,
    Status.UNSUPPORTED: 9,
}
#: The content check's detail for a credential not typed as a battery passport (``--verbose``, ``--json``).
NOT_A_PASSPORT = "not a battery passport credential, not checked"
#: What to do with a VALID credential that is not a battery passport: its content was never examined.
NOT_A_PASSPORT_NEXT_STEP = (
    "the issuer signed it, but it is not typed as a battery passport, so its content was not checked: "
    "do not rely on it as a battery passport"
)
_NEXT_STEPS = {
    Status.VALID: "the passport may be relied on",
    Status.INVALID: "treat as forged or corrupted: do not rely on it, and ask the economic operator for a genuine copy",
    Status.UNKNOWN_ISSUER: (
        "obtain the issuer's DID document (or X.509 root) through a trusted channel, add it to the trust store "
        "and verify again"
    ),
    Status.UNLISTED_KEY: (
        "ask the issuer through a trusted channel for its current DID document; if that does not list the key "
        "either, treat as forged"
    ),
    Status.EXPIRED: "do not rely on it: ask the economic operator for a current passport",
    Status.NOT_YET_VALID: (
        "check this computer's clock; if it is right, the passport cannot be relied on before its validFrom: "
        "ask the issuer why it is dated in the future"
    ),
    Status.REVOKED: "do not rely on it: the issuer has withdrawn it; ask the economic operator why",
    Status.STATUS_UNKNOWN: "obtain the issuer's current status list (--status-list) and verify again",
    Status.UNSUPPORTED: (
        "nothing was decided: verify with a tool that implements this algorithm, or ask the issuer for an "
        "eddsa-jcs-2022 or vc+jwt (EdDSA, ES256) copy"
    ),
}
#: When several checks fail, the verdict is the first of these that applies.
PRECEDENCE = (
    Status.INVALID,
    Status.UNSUPPORTED,
    Status.REVOKED,
    Status.UNLISTED_KEY,
    Status.UNKNOWN_ISSUER,
    Status.EXPIRED,
    Status.NOT_YET_VALID,
    Status.STATUS_UNKNOWN,
)

#: The ``audience`` of a full passport credential: every Annex XIII point, for its issuer only.
FULL = "full"

_RESOLUTION_STATUS = {"invalid": Status.INVALID, "expired": Status.EXPIRED}


@dataclass(frozen=True)
class Check:
    """One check: ``passed`` is True, False, or None when it did not apply."""

    name: str
    passed: bool | None
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "passed": self.passed, "detail": self.detail}


@dataclass(frozen=True)
class VerificationResult:
    """The outcome of :func:`verify`.

    ``issuer``, ``passport_id`` and ``audience`` are what the document *claims* (so a failure
    can say which passport failed); ``credential`` and ``passport`` are given only when the
    status is VALID, so content of a document that failed is never handed on. ``audience`` is
    the Annex XIII audience of a view, :data:`FULL` for a full passport credential (the
    issuer's, never published) and None for a credential that is not a passport; the
    ``passport`` of a view leaves None what its audience may not see.
    """

    status: Status
    reasons: tuple[str, ...]
    checks: tuple[Check, ...]
    envelope: str | None = None
    issuer: str | None = None
    passport_id: str | None = None
    credential: dict[str, Any] | None = None
    passport: Passport | None = None
    content_checked: bool = False
    audience: str | None = None
    #: The responsible operator the issuer is established to sign for (None when not established).
    operator: str | None = None

    @property
    def exit_code(self) -> int:
        return self.status.exit_code

    @property
    def next_step(self) -> str:
        """What the reader can do: the status's :attr:`Status.next_step`, except for a VALID
        credential whose content was not checked (not a battery passport)."""
        if self.status is Status.VALID and not self.content_checked:
            return NOT_A_PASSPORT_NEXT_STEP
        return self.status.next_step

    def battery_summary(self) -> dict[str, Any] | None:
        """Who made which battery, from a VALID passport only."""
        if self.passport is None:
            return None
        general = self.passport.generalProductInformation
        # Read field by field: each is a JSON string already, and model_dump(include=...) cost
        # `verify --json` as much per passport as the rest of its output together.
        return {
            "batteryIdentifier": general.batteryIdentifier,
            "batteryModel": general.batteryModel,
            "batteryCategory": general.batteryCategory,
            "serialNumber": general.serialNumber,
            "batteryStatus": general.batteryStatus,
            "manufacturer": general.manufacturerInformation.name,
        }

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON form (``--json``)."""
        return {
            "status": self.status.value,
            "exitCode": self.exit_code,
            "reasons": list(self.reasons),
            "checks": [check.to_dict() for check in self.checks],
            "envelope": self.envelope,
            "issuer": self.issuer,
            "passportId": self.passport_id,
            "audience": self.audience,
            "battery": self.battery_summary(),
            "contentChecked": self.content_checked,
            "nextStep": self.next_step,
            "operator": self.operator,
        }


@dataclass
class _Findings:
    checks: list[Check] = field(default_factory=list)
    failures: list[tuple[Status, str]] = field(default_factory=list)

    def passed(self, name: str, detail: str) -> None:
        self.checks.append(Check(name, True, detail))

    def not_applicable(self, name: str, detail: str) -> None:
        self.checks.append(Check(name, None, detail))

    def failed(self, name: str, status: Status, detail: str, reasons: list[str] | None = None) -> None:
        self.checks.append(Check(name, False, detail))
        self.failures.extend((status, reason) for reason in (reasons or [detail]))

    def status(self) -> Status:
        return next((s for s in PRECEDENCE if any(f is s for f, _ in self.failures)), Status.VALID)

    def reasons(self) -> tuple[str, ...]:
        return tuple(reason for _, reason in sorted(self.failures, key=lambda f: PRECEDENCE.index(f[0])))


@dataclass
class _Claims:
    """What the credential says, once its shape is checked."""

    issuer: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    entries: list[StatusEntry] = field(default_factory=list)


def _credential_claims(credential: dict[str, Any]) -> tuple[_Claims, list[Problem]]:
    """The VC 2.0 shape checks this verifier relies on; every problem with its path."""
    claims, problems = _Claims(), credential_shape_problems(credential)
    issuer_id = credential_issuer_id(credential)
    if issuer_id is not None and 0 < len(issuer_id) <= MAX_IDENTIFIER_CHARS:
        claims.issuer = issuer_id
    else:
        problems.append(Problem("$.issuer", f"must be a URL (at most {MAX_IDENTIFIER_CHARS} characters), or an object whose id is one"))
    dates: dict[str, datetime] = {}
    for name in ("validFrom", "validUntil"):
        if name in credential:
            try:
                dates[name] = parse_date_time_stamp(credential[name])
            except ValueError as exc:
                problems.append(Problem(f"$.{name}", str(exc)))
    claims.valid_from, claims.valid_until = dates.get("validFrom"), dates.get("validUntil")
    if claims.valid_from and claims.valid_until and claims.valid_until < claims.valid_from:
        problems.append(Problem("$.validUntil", "is before validFrom"))
    try:
        claims.entries = status_entries(credential)
    except InvalidInputError as exc:
        problems.extend(exc.problems)
    return claims, problems


def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(timezone.utc)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (e.g. datetime.now(timezone.utc))")
    return now


def _jwt_time(container: dict[str, Any], claim: str, where: str) -> datetime | None:
    """A JWT NumericDate claim; ValueError when present but not a time."""
    if claim not in container:
        return None
    value = container[claim]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{where} {claim} must be a NumericDate (seconds since 1970)")
    try:
        return datetime.fromtimestamp(value, timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"{where} {claim} {value} is not a representable time") from None


class _Verification:
    """One run of :func:`verify`; methods add findings as they go."""

    def __init__(
        self,
        trust: TrustStore,
        now: datetime,
        status_lists: list[Any] | CheckedStatusLists | None,
        require_status: bool,
        acts: ActsTable | None = None,
    ):
        self.trust = trust
        self.acts = acts
        self.now = now
        self.claimed_signing_time: datetime | None = None
        self.status_lists = status_lists
        self.require_status = require_status
        self.findings = _Findings()
        self.envelope: str | None = None
        self.claims = _Claims()
        self.passport_id: str | None = None
        self.passport: Passport | None = None
        self.content_checked = False
        self.audience: str | None = None
        #: The signature verifies with a key the trust store ties to the issuer.
        self.issuer_established = False
        self.operator: str | None = None
        #: The document's RFC 8785 form, where reading it gave it (:func:`load_proved_document`).
        self.canonical: bytes | None = None
        #: Reading the document showed it within the models' bounds.
        self.bounded = False

    def result(self, credential: dict[str, Any] | None = None) -> VerificationResult:
        status = self.findings.status()
        valid = status is Status.VALID
        return VerificationResult(
            status=status,
            reasons=self.findings.reasons(),
            checks=tuple(self.findings.checks),
            envelope=self.envelope,
            issuer=self.claims.issuer,
            passport_id=self.passport.id if valid and self.passport else self.passport_id,
            credential=credential if valid else None,
            passport=self.passport if valid else None,
            content_checked=self.content_checked,
            audience=self.audience,
            operator=self.operator if valid else None,
        )

    # ------------------------------------------------------------------ steps

    def read(self, document: bytes | str | dict[str, Any]) -> dict[str, Any] | str | None:
        """The secured document (dict) or compact JWS (str); None after recording why not."""
        canonical, bounded = None, False
        if isinstance(document, (bytes, str)):
            data = document.encode("utf-8") if isinstance(document, str) else document
            if proved := load_proved_document(data):
                document, canonical, bounded = proved
            else:
                try:
                    document = load_document(data, "input")
                except InvalidInputError as exc:
                    self.findings.failed("input", Status.INVALID, "; ".join(f"malformed input: {p}" for p in exc.problems))
                    return None
                if isinstance(document, str):
                    self.envelope = JOSE
                    self.findings.passed("input", "compact JWS")
                    return document
        if not isinstance(document, dict):
            self.findings.failed("input", Status.INVALID, "malformed input: a credential must be a JSON object or a compact JWS")
            return None
        if document.get("type") == ENVELOPE_TYPE:
            self.envelope = JOSE
            try:
                token = unwrap_envelope(document)
            except JoseError as exc:
                self.findings.failed("input", Status.INVALID, exc.reason)
                return None
            self.findings.passed("input", "enveloped credential (vc+jwt)")
            return token
        if "proof" in document:
            self.envelope = DATA_INTEGRITY
            # What reading the text showed holds for this document only, not for the credential
            # inside an envelope.
            self.canonical, self.bounded = canonical, bounded
            self.findings.passed("input", "credential with a Data Integrity proof")
            return document
        self.findings.failed(
            "input", Status.INVALID,
            "not a secured credential: it has no proof and is not an enveloped or compact JWS",
        )
        return None

    def check_credential(self, credential: dict[str, Any]) -> None:
        self.claims, problems = _credential_claims(credential)
        if is_passport_credential(credential):
            subject = credential.get("credentialSubject")
            claimed = subject.get("id") if isinstance(subject, dict) else None
            self.passport_id = claimed if isinstance(claimed, str) else credential.get("id")
            try:
                audience = credential_audience(credential)
            except ValueError as exc:
                problems.append(Problem("$.type", str(exc)))
            else:
                self.audience = audience.value if audience else FULL
        if problems:
            reasons = [f"malformed credential at {p.path}: {p.message}" for p in problems]
            self.findings.failed("credential", Status.INVALID, f"{len(problems)} problem(s) with the credential's shape", reasons)
        else:
            self.findings.passed("credential", "VC 2.0 credential")

    def check_key(self, resolution: KeyResolution, verify_with: Callable[[PublicKey], None], method: str) -> bool:
        """Record signature and trust findings; True when the signature verifies."""
        verified = False
        if resolution.public_key is None:
            self.findings.not_applicable("signature", f"not checked: the key of {method} cannot be found")
        else:
            try:
                verify_with(resolution.public_key)
            except (ProofError, JoseError) as exc:
                self.findings.failed("signature", Status.INVALID, exc.reason)
            else:
                verified = True
                self.findings.passed("signature", f"signature verifies with the key of {method}")
        if resolution.trusted:
            self.findings.passed("trust", resolution.reason)
            self.issuer_established = verified
            return verified
        status = _RESOLUTION_STATUS.get(resolution.failure or "")
        if status is None:
            # An issuer the store knows did not list this key; any other issuer is unknown.
            status = Status.UNLISTED_KEY if self.claims.issuer in self.trust.issuers else Status.UNKNOWN_ISSUER
        checked = "the signature verifies" if verified else "the signature was not checked"
        if resolution.public_key is not None and not verified:
            checked = "the signature does not verify either"
        self.findings.failed("trust", status, f"{resolution.reason} ({checked})")
        return verified

    def signing_time(self, claimed: datetime | None) -> datetime:
        """When the document says it was signed, which key windows and certificates are judged at.

        A claimed time after now (beyond clock skew) is refused: a key or certificate that
        has retired must not sign with a date of its choosing in the future either.
        """
        self.claimed_signing_time = claimed
        at = claimed or self.claims.valid_from or self.now
        if at > self.now + _CLOCK_SKEW:
            self.findings.failed("validity", Status.NOT_YET_VALID, f"not yet valid: signed at {at.isoformat()}, after now")
        return at

    def check_data_integrity(self, secured: dict[str, Any]) -> dict[str, Any] | None:
        """The unsecured credential when the signature verifies, else None."""
        credential = {name: value for name, value in secured.items() if name != "proof"}
        self.check_credential(credential)
        try:
            proof = check_proof(secured)
        except ProofError as exc:
            self.findings.failed("envelope", Status.UNSUPPORTED if exc.unsupported else Status.INVALID, exc.reason)
            return None
        method = proof.verification_method
        if len(method) > MAX_IDENTIFIER_CHARS:
            self.findings.failed("envelope", Status.INVALID, f"the proof's verificationMethod is over {MAX_IDENTIFIER_CHARS} characters")
            return None
        at = self.signing_time(proof.created)
        self.findings.passed("envelope", "eddsa-jcs-2022 proof")
        resolution = self.trust.resolve(method, self.claims.issuer or "", at, now=self.now)

        def verify_with(key: PublicKey) -> None:
            # The credential's form (the document without its proof) cut from the document's, once
            # there is a key to check it with.
            canonical = None if self.canonical is None else canonical_without_member(self.canonical, "proof", secured["proof"])
            verify_checked_proof(proof, credential, key, canonical)

        verified = self.check_key(resolution, verify_with, method)
        if verified and "expires" in secured["proof"]:
            self.check_proof_expiry(secured["proof"]["expires"])
        return credential if verified else None

    def check_proof_expiry(self, expires: Any) -> None:
        try:
            moment = parse_date_time_stamp(expires)
        except ValueError as exc:
            self.findings.failed("envelope", Status.INVALID, f"proof expires: {exc}")
            return
        if self.now >= moment:
            self.findings.failed("validity", Status.EXPIRED, f"expired: the proof expired {moment.isoformat()}")

    def check_jose(self, token: str) -> dict[str, Any] | None:
        """The JWS payload credential when the signature verifies, else None."""
        try:
            parsed = parse_compact(token)
            credential = vc_payload(parsed)
        except JoseError as exc:
            self.findings.failed("envelope", Status.UNSUPPORTED if exc.unsupported else Status.INVALID, exc.reason)
            return None
        self.check_credential(credential)
        for claim, conflict in _jwt_claim_conflicts(credential):
            self.findings.failed("credential", Status.INVALID, f"JWT claim {claim} contradicts the credential: {conflict}")
        header = parsed.header
        try:
            issued_at = _jwt_time(header, "iat", "JWS header") or _jwt_time(credential, "iat", "JWT claim")
            not_before = _jwt_time(credential, "nbf", "JWT claim")
            expires = _jwt_time(credential, "exp", "JWT claim")
        except ValueError as exc:
            self.findings.failed("envelope", Status.INVALID, str(exc))
            return None
        at = self.signing_time(issued_at)
        issuer = self.claims.issuer or ""
        if "x5c" in header:
            method = "the x5c leaf certificate"
            resolution = self.trust.validate_x5c(header["x5c"], issuer, at)
        else:
            kid = header.get("kid")
            if not isinstance(kid, str) or not kid:
                self.findings.failed(
                    "envelope", Status.INVALID, "the JWS header has neither kid nor x5c: the signing key cannot be identified"
                )
                return None
            if len(kid) > MAX_IDENTIFIER_CHARS:
                self.findings.failed("envelope", Status.INVALID, f"the JWS kid is over {MAX_IDENTIFIER_CHARS} characters")
                return None
            method = issuer + kid if kid.startswith("#") else kid
            if method.partition("#")[0] != issuer:
                self.findings.failed(
                    "envelope", Status.INVALID, f"kid {kid} does not belong to issuer {issuer or '(none)'}: the part before '#' must be the issuer id"
                )
                return None
            resolution = self.trust.resolve(method, issuer, at, now=self.now)
        self.findings.passed("envelope", f"{header['alg']} vc+jwt")
        verified = self.check_key(resolution, lambda key: verify_signature(parsed, key), method)
        if verified:
            self.check_jwt_times(not_before, expires)
        return credential if verified else None

    def check_jwt_times(self, not_before: datetime | None, expires: datetime | None) -> None:
        if not_before is not None and self.now < not_before:
            self.findings.failed("validity", Status.NOT_YET_VALID, f"not yet valid: JWT nbf is {not_before.isoformat()}")
        if expires is not None and self.now >= expires:
            self.findings.failed("validity", Status.EXPIRED, f"expired: JWT exp was {expires.isoformat()}")

    def check_validity(self) -> None:
        valid_from, valid_until = self.claims.valid_from, self.claims.valid_until
        if valid_from is not None and self.now < valid_from:
            self.findings.failed("validity", Status.NOT_YET_VALID, f"not yet valid: validFrom is {valid_from.isoformat()}")
        elif valid_until is not None and self.now >= valid_until:
            self.findings.failed("validity", Status.EXPIRED, f"expired: validUntil was {valid_until.isoformat()}")
        else:
            self.findings.passed("validity", f"valid at {self.now.isoformat()}")

    def usable_status_lists(self) -> tuple[dict[tuple[str, str], CheckedStatusList], list[str]]:
        """The credential issuer's status lists by id and purpose; why others are not used."""
        checked = self.status_lists
        if not isinstance(checked, CheckedStatusLists):
            checked = check_status_lists(checked or [], self.trust, now=self.now)
        lists, rejected = {}, list(checked.rejected)
        for usable in checked.usable:
            if usable.issuer != self.claims.issuer:
                rejected.append(f"status list {usable.status_list.id} is issued by {usable.issuer}, not by {self.claims.issuer}")
            else:
                # One entry per issuer, id and purpose (check_status_lists): nothing is overwritten.
                (purpose,) = usable.status_list.purposes
                lists[usable.status_list.id, purpose] = usable
        return lists, rejected

    def check_status(self) -> None:
        entries = [entry for entry in self.claims.entries if entry.purpose in BLOCKING_PURPOSES]
        for entry in self.claims.entries:
            where = f"{entry.purpose} entry {entry.index} of {entry.list_url}"
            if entry.purpose in INFORMING_PURPOSES:
                self.findings.not_applicable("status", f"{where}: purpose {entry.purpose!r} does not affect validity")
            elif entry.purpose not in BLOCKING_PURPOSES:
                self.findings.not_applicable(
                    "status", f"{where}: unknown status purpose {entry.purpose!r} (not revocation or suspension), not checked"
                )
        if not entries:
            # A message or misspelled entry can no more show a passport unrevoked than no entry can.
            missing = "no credentialStatus" if not self.claims.entries else "no revocation or suspension entry in credentialStatus"
            if self.require_status:
                self.findings.failed("status", Status.STATUS_UNKNOWN, f"status unknown: the credential has {missing}")
            else:
                self.findings.not_applicable("status", f"the credential has {missing}")
            return
        lists, rejected = self.usable_status_lists() if self.status_lists else ({}, [])
        for entry in entries:
            where = f"{entry.purpose} entry {entry.index} of {entry.list_url}"
            checked = lists.get((entry.list_url, entry.purpose))
            other_purposes = sorted(purpose for url, purpose in lists if url == entry.list_url)
            unknown = None
            if checked is None and other_purposes:
                unknown = f"the list is for {', '.join(other_purposes)}, not {entry.purpose}"
            elif checked is None:
                unknown = "no usable status list was given" + (f" ({'; '.join(rejected)})" if rejected else "")
            else:
                status_list = checked.status_list
                try:
                    is_set = status_list.is_set(entry.index)
                except IndexError as exc:
                    unknown = str(exc)
                else:
                    if is_set:
                        verdict = "revoked" if entry.purpose == "revocation" else "suspended"
                        self.findings.failed("status", Status.REVOKED, f"{verdict}: {where} is set")
                    elif checked.stale:
                        unknown = f"the list is stale: {checked.stale}"
                    else:
                        self.findings.passed("status", f"{where} is not set")
            if unknown is not None:
                if self.require_status:
                    self.findings.failed("status", Status.STATUS_UNKNOWN, f"status unknown for {where}: {unknown}")
                else:
                    self.findings.not_applicable("status", f"not checked, {where}: {unknown}")

    def check_content(self, credential: dict[str, Any]) -> None:
        if not is_passport_credential(credential):
            self.findings.not_applicable("content", NOT_A_PASSPORT)
            return
        self.content_checked = True
        subject = credential.get("credentialSubject")
        audience = None if self.audience in (None, FULL) else Access(self.audience)
        # A view has its own credential id; its passport id is the subject's.
        credential_id = credential.get("id") if audience is None else None
        try:
            self.passport = check_passport_subject(subject, credential_id, audience, acts=self.acts, bounded=self.bounded)
        except DisclosureError as exc:
            reasons = [f"{p.message}: {p.path}" for p in exc.problems]
            self.findings.failed("content", Status.INVALID, f"the {self.audience} view holds {len(reasons)} field(s) its audience may not see", reasons)
        except InvalidInputError as exc:
            reasons = [f"schema violation at {_subject_path(p.path)}: {p.message}" for p in exc.problems]
            self.findings.failed("content", Status.INVALID, f"{len(reasons)} problem(s) in the passport content", reasons)
        else:
            what = "the passport" if audience is None else f"the {audience.value} view"
            self.findings.passed("content", f"{what} conforms to the battery passport model")


    def check_operator(self) -> None:
        """The issuer may sign for the passport's responsible operator (Art. 77(4)), when its
        trust-store document says whom it signs for (``alsoKnownAs``)."""
        if self.passport is None or self.claims.issuer is None:
            return
        responsible = self.passport.responsible_operator
        allowed = self.trust.operators_of(self.claims.issuer)
        if not allowed:
            self.findings.not_applicable(
                "operator", f"{self.claims.issuer} states no operator identifiers; signing for {responsible} is not established"
            )
        elif responsible in allowed:
            self.operator = responsible
            self.findings.passed("operator", f"signed by {self.claims.issuer} for operator {responsible}")
        else:
            self.findings.failed(
                "operator", Status.UNKNOWN_ISSUER,
                f"{self.claims.issuer} may sign for {', '.join(sorted(allowed))}, not for {responsible}, the operator responsible for this version",
            )


@dataclass(frozen=True)
class CheckedStatusList:
    """One status list as verification uses it: the copies given of it, verified and combined.

    ``issued_at`` is the newest copy's time, the later of its ``validFrom`` and its signing
    time (None when it states neither); ``stale`` says why the list is too old to prove a bit clear (None: fresh).
    """

    issuer: str
    issued_at: datetime | None
    status_list: StatusList
    stale: str | None = None


@dataclass(frozen=True)
class CheckedStatusLists:
    """Status-list credentials verified and decoded once, for use with many :func:`verify` calls.

    ``usable`` holds one :class:`CheckedStatusList` per issuer, list id and purpose (its
    ``status_list`` states that one purpose; copies combined);
    ``rejected`` says why the other documents are not used.
    """

    usable: tuple[CheckedStatusList, ...]
    rejected: tuple[str, ...]


def check_status_lists(
    documents: list[Any],
    trust: TrustStore,
    *,
    now: datetime | None = None,
    max_status_age: timedelta = DEFAULT_MAX_STATUS_AGE,
) -> CheckedStatusLists:
    """Verify cached status-list credentials against ``trust`` (each once, however many passports)."""
    now = _now(now)
    copies: dict[tuple[str, str], list[tuple[datetime | None, StatusList]]] = {}
    rejected = []
    for position, document in enumerate(documents):
        # Status lists of the status list are not consulted: no recursion.
        run = _Verification(trust, now, None, False)
        outcome = _verify_safely(run, document)
        if outcome.status is not Status.VALID or outcome.credential is None:
            rejected.append(f"status list [{position}] is {outcome.status.value}: {outcome.reasons[0]}")
            continue
        try:
            decoded = status_list_from_credential(outcome.credential, f"status list [{position}]")
        except InvalidInputError as exc:
            rejected.append(str(exc))
            continue
        times = [t for t in (run.claims.valid_from, run.claimed_signing_time) if t is not None]
        issued_at = max(times) if times else None
        copies.setdefault((outcome.issuer or "", decoded.id), []).append((issued_at, decoded))
    usable = []
    for (issuer, _), found in copies.items():
        # Per purpose, the newest copies that state it count: a copy for another purpose says
        # nothing about this one, so it can neither clear nor set its bits.
        for purpose in sorted({purpose for _, status_list in found for purpose in status_list.purposes}):
            issued_at, combined = _newest_copy([copy for copy in found if purpose in copy[1].purposes])
            if issued_at is None:
                stale = "it states no validFrom and no signing time, so its age cannot be told"
            elif now - issued_at > max_status_age:
                stale = f"issued {issued_at.isoformat()}, more than {_age_text(max_status_age)} before {now.isoformat()}"
            else:
                stale = None
            single = StatusList(combined.id, (purpose,), combined.bits)
            usable.append(CheckedStatusList(issuer, issued_at, single, stale))
    return CheckedStatusLists(tuple(usable), tuple(rejected))


def _newest_copy(copies: list[tuple[datetime | None, StatusList]]) -> tuple[datetime | None, StatusList]:
    """The newest of a list's copies; copies equally new (or all undated) combined, a bit set in any counting as set."""
    dated = [issued for issued, _ in copies if issued is not None]
    newest = max(dated) if dated else None
    same = [status_list for issued, status_list in copies if issued == newest]
    length = max(len(status_list.bits) for status_list in same)
    # One big-integer OR over the copies (padded at the end, where the high indices are):
    # fast for 16 MiB lists, and never shorter than the longest copy.
    combined = 0
    for status_list in same:
        combined |= int.from_bytes(status_list.bits.ljust(length, b"\0"), "big")
    first = same[0]
    return newest, StatusList(first.id, first.purposes, combined.to_bytes(length, "big"))


def _age_text(age: timedelta) -> str:
    return f"{age.days} days" if age.days and not age.seconds else f"{age.total_seconds() / 3600:g} hours"


def _jwt_claim_conflicts(credential: dict[str, Any]) -> list[tuple[str, str]]:
    """Registered JWT claims that say something else than the credential they sit in.

    A JWT-aware consumer reads ``iss``/``jti``/``sub``; a VC consumer reads ``issuer``/``id``/
    ``credentialSubject.id``. If they disagree, the two would act on different documents.
    """
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    subject = credential.get("credentialSubject")
    subject_id = subject.get("id") if isinstance(subject, dict) else None
    pairs = (("iss", issuer_id, "issuer"), ("jti", credential.get("id"), "id"), ("sub", subject_id, "credentialSubject.id"))
    return [
        (claim, f"{claim} is {credential[claim]!r}, {name} is {value!r}")
        for claim, value, name in pairs
        if claim in credential and credential[claim] != value
    ]


def _subject_path(path: str) -> str:
    """Problem paths relative to the subject become paths in the credential."""
    return path if path.startswith("$.credentialSubject") else "$.credentialSubject" + path[1:]


def verify(
    document: bytes | str | dict[str, Any],
    trust: TrustStore,
    *,
    now: datetime | None = None,
    status_lists: list[Any] | CheckedStatusLists | None = None,
    require_status: bool = False,
    acts: ActsTable | None = None,
) -> VerificationResult:
    """Verify a secured credential against ``trust``; see the module docstring for the rules.

    ``document`` is the file's bytes or text (a bare compact JWS, or JSON parsed strictly:
    duplicate keys anywhere make it invalid) or an already parsed object. ``now`` (aware;
    default the current time) is the verification time. ``status_lists`` are cached status
    list credentials, each a parsed JSON document (or bytes / a compact JWS), or, to verify
    many documents against the same lists, what :func:`check_status_lists` made of them once
    (which is also where a maximum age other than :data:`DEFAULT_MAX_STATUS_AGE` is given).
    ``acts`` is the acts table the passport's dates are judged under (default: the built-in one).
    """
    run = _Verification(trust, _now(now), status_lists, require_status, acts)
    return _verify_safely(run, document)


def _verify_safely(run: _Verification, document: bytes | str | dict[str, Any]) -> VerificationResult:
    try:
        return _verify(run, document)
    except Exception as exc:  # noqa: BLE001 - a verifier fails closed, it never crashes a batch
        run.findings.failed("input", Status.INVALID, f"the document could not be checked ({type(exc).__name__})")
        return run.result()


def _verify(run: _Verification, document: bytes | str | dict[str, Any]) -> VerificationResult:
    secured = run.read(document)
    if secured is None:
        return run.result()
    if isinstance(secured, str):
        credential = run.check_jose(secured)
    else:
        credential = run.check_data_integrity(secured)
    if credential is None:
        run.findings.not_applicable("content", "not checked: the signature was not verified")
        return run.result()
    run.check_validity()
    run.check_status()
    if run.issuer_established:
        run.check_content(credential)
        run.check_operator()
    else:
        # Content is the issuer's word only from a known issuer; judging a stranger's would let
        # a throwaway key make this verifier do (and print) whatever its document asks for.
        run.findings.not_applicable("content", "not checked: the issuer is not established")
    return run.result(credential)

