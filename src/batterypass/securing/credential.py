"""VC 2.0 wrapping: a passport becomes the ``credentialSubject`` of a Verifiable Credential.

The unsigned credential is what ``build`` writes without a key and what :mod:`.signing`
secures. Its ``id`` is the passport id, so the credential and the battery are one-to-one.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone
from typing import Any

from ..errors import Problem, shorten
from ..law.identifiers import operator_urn, version_credential_id
from ..model.access import Access
from ..model.passport import Passport

VC_CONTEXT_V2 = "https://www.w3.org/ns/credentials/v2"
#: The JSON-LD context that defines every passport term (shipped in ``formats/contexts/``).
#: Versioned: a change of terms is a new URL, and passports keep the one they were signed under.
PASSPORT_CONTEXT_V1 = "https://w3id.org/batterypass/v1"
#: What a passport credential's ``@context`` is.
PASSPORT_CREDENTIAL_CONTEXT = (VC_CONTEXT_V2, PASSPORT_CONTEXT_V1)
#: The credential type that marks a battery passport; verifiers check content only for it.
PASSPORT_CREDENTIAL_TYPE = "BatteryPassport"
#: The credential type that states a credential's Annex XIII audience (Art. 77(2)). A credential
#: with none of these is the full passport, kept by the issuer and never published.
AUDIENCE_CREDENTIAL_TYPES = {
    Access.PUBLIC: "BatteryPassportPublicView",
    Access.LEGITIMATE_INTEREST: "BatteryPassportLegitimateInterestView",
    Access.AUTHORITY: "BatteryPassportAuthorityView",
}


#: The credential type of an outgoing operator's countersignature of a transfer version
#: (Art. 77(7), (8)): its subject names the version by credential id and digest.
COUNTERSIGNATURE_CREDENTIAL_TYPE = "BatteryPassportCountersignature"


# XML Schema dateTimeStamp: the time zone is mandatory. ASCII digits only.
_DATE_TIME_STAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})")


def parse_date_time_stamp(value: Any) -> datetime:
    """An XML Schema ``dateTimeStamp`` (e.g. ``2027-04-15T08:00:00Z``) as an aware UTC datetime.

    Raises :class:`ValueError` with a message fit for a user when ``value`` is not one, or
    when it falls outside the years 1-9999 once in UTC (it could not be compared).
    """
    if not isinstance(value, str) or not _DATE_TIME_STAMP.fullmatch(value):
        raise ValueError(f"{shorten(value)} is not a date-time with a time zone (like 2027-04-15T08:00:00Z)")
    try:
        return datetime.fromisoformat(value).astimezone(timezone.utc)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"{shorten(value)} is not a valid date-time ({exc})") from None


def utc_timestamp(moment: datetime | None = None) -> str:
    """XML Schema dateTime in UTC at second precision, as VC ``validFrom`` and proofs use.

    A naive ``moment`` is taken to be UTC, never the machine's local time: a pipeline's
    output must not depend on where it runs.
    """
    moment = moment or datetime.now(timezone.utc)
    moment = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
    return moment.replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def default_issuer_id(passport: Passport) -> str:
    """Who issues an unsigned passport: the manufacturer's web address, else a URN of its identifier.

    Signing replaces it with the signer's identifier (a DID or URL bound to its key).
    """
    maker = passport.generalProductInformation.manufacturerInformation
    return maker.webAddress or operator_urn(maker.identifier)


def passport_subject(passport: Passport) -> dict[str, Any]:
    """The passport as JSON data, absent optional fields left out."""
    return passport.model_dump(mode="json", exclude_none=True)


def passport_credential(
    passport: Passport, issued_at: datetime | None = None, valid_until: datetime | None = None
) -> dict[str, Any]:
    """The unsigned VC 2.0 credential for ``passport`` (``validFrom`` = ``issued_at``, default now).

    Its id is the passport id for version 1 and a version's own id after that
    (:func:`~batterypass.law.identifiers.version_credential_id`).
    """
    maker = passport.generalProductInformation.manufacturerInformation
    credential: dict[str, Any] = {
        "@context": list(PASSPORT_CREDENTIAL_CONTEXT),
        "type": ["VerifiableCredential", PASSPORT_CREDENTIAL_TYPE],
        "id": version_credential_id(passport.id, passport.version),
        "issuer": {"id": default_issuer_id(passport), "name": maker.name},
        "validFrom": utc_timestamp(issued_at),
    }
    if valid_until is not None:
        credential["validUntil"] = utc_timestamp(valid_until)
    credential["credentialSubject"] = passport_subject(passport)
    return credential


def countersignature_credential(
    passport_id: str, version_id: str, digest: str, version_issuer: str, issuer: str, issued_at: datetime | None = None
) -> dict[str, Any]:
    """The unsigned countersignature of one passport version (``digest``: its file's ``digestSRI``;
    ``version_issuer``: who signed that version). The version's id alone would not do: every
    issuer's version 2 of a passport has the same id, so the countersignature names its signer."""
    return {
        "@context": list(PASSPORT_CREDENTIAL_CONTEXT),
        "type": ["VerifiableCredential", COUNTERSIGNATURE_CREDENTIAL_TYPE],
        "id": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{version_id}#countersignature:{issuer}')}",
        "issuer": issuer,
        "validFrom": utc_timestamp(issued_at),
        "credentialSubject": {
            "id": passport_id, "countersigns": {"id": version_id, "digestSRI": digest, "issuer": version_issuer},
        },
    }


def credential_issuer_id(credential: dict[str, Any]) -> str | None:
    """The id of the issuer a credential names (``issuer`` as a string or an object with ``id``)."""
    issuer = credential.get("issuer")
    issuer = issuer.get("id") if isinstance(issuer, dict) else issuer
    return issuer if isinstance(issuer, str) else None


def credential_audience(credential: dict[str, Any]) -> Access | None:
    """The audience a credential's type states, or None for a full passport credential.

    Raises :class:`ValueError` when it states more than one audience (no credential may).
    """
    types = credential.get("type")
    stated = [audience for audience, name in AUDIENCE_CREDENTIAL_TYPES.items() if isinstance(types, list) and name in types]
    if len(stated) > 1:
        raise ValueError(f"the credential states {len(stated)} audiences ({', '.join(a.value for a in stated)}); a view has one")
    return stated[0] if stated else None


def credential_shape_problems(credential: dict[str, Any]) -> list[Problem]:
    """What makes ``credential`` no VC 2.0 credential (``@context``, ``type``, ``id``,
    ``credentialSubject``), each problem at its path; issuer and dates are the caller's."""
    problems = []
    context = credential.get("@context")
    if not isinstance(context, list) or not context or context[0] != VC_CONTEXT_V2:
        problems.append(Problem("$.@context", f"must be an array whose first item is {VC_CONTEXT_V2!r}"))
    types = credential.get("type")
    types = types if isinstance(types, list) else [types]
    if "VerifiableCredential" not in types or not all(isinstance(t, str) for t in types):
        problems.append(Problem("$.type", "must be a string or an array of strings including 'VerifiableCredential'"))
    if "id" in credential and not isinstance(credential["id"], str):
        problems.append(Problem("$.id", "must be a string (a URL)"))
    subject = credential.get("credentialSubject")
    subjects = subject if isinstance(subject, list) and subject else [subject]
    if not all(isinstance(s, dict) for s in subjects):
        problems.append(Problem("$.credentialSubject", "must be an object or a non-empty array of objects"))
    return problems


def is_passport_credential(credential: dict[str, Any]) -> bool:
    types = credential.get("type")
    return isinstance(types, list) and PASSPORT_CREDENTIAL_TYPE in types
