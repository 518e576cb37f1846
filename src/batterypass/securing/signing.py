"""Issue a credential: set its issuer and secure it with one of the two standard envelopes.

* ``data-integrity``: an embedded ``eddsa-jcs-2022`` proof (Ed25519 only); the passport stays
  readable JSON.
* ``jose``: a ``vc+jwt`` compact JWS (EdDSA or ES256) in an ``EnvelopedVerifiableCredential``;
  with a P-256 key it can carry the issuer's X.509 chain in ``x5c``.
"""

from __future__ import annotations

import base64
from datetime import datetime, timezone
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization

from .credential import (
    credential_shape_problems,
    is_passport_credential,
    parse_date_time_stamp,
    passport_credential,
    utc_timestamp,
)
from .certificates import certificate_validity_problems
from .data_integrity import add_proof
from ..errors import BatteryPassError, InvalidInputError, Problem
from .jose import envelope as jose_envelope
from .jose import sign_vc_jwt
from .keys import IssuerIdentity, IssuerKey, KeyAlgorithmError, did_key_identity, same_public_key
from ..law.passport_content import check_bare_passport, check_passport_subject
from ..model.passport import Passport

DATA_INTEGRITY = "data-integrity"
JOSE = "jose"
ENVELOPES = (DATA_INTEGRITY, JOSE)


class SigningError(BatteryPassError):
    """The signing request cannot be honoured (unknown envelope, unusable certificate chain)."""



def x5c_from_pem(cert_chain_pem: bytes, key: IssuerKey, at: datetime | None = None) -> list[str]:
    """``x5c`` values (base64 DER, leaf first) of a PEM chain whose leaf certifies ``key``
    and whose certificates are all valid ``at`` the signing time (default now): a passport
    signed under an expired certificate would only ever verify as expired.

    Only P-256 keys: the verifier's X.509 path validation (``cryptography.x509.verification``)
    does not accept Ed25519 certificate keys, so such a chain could never be trusted.
    """
    if key.algorithm != "p256":
        raise KeyAlgorithmError(
            f"an X.509 chain (x5c) needs a P-256 signing key, not {key.algorithm}: generate a p256 key"
        )
    try:
        certificates = x509.load_pem_x509_certificates(cert_chain_pem)
    except ValueError:
        raise SigningError("the certificate chain is not PEM-encoded X.509 certificates") from None
    if not same_public_key(certificates[0].public_key(), key.public_key):
        raise SigningError("the first certificate of the chain (the leaf) does not certify the signing key")
    if invalid := certificate_validity_problems(certificates, at or datetime.now(timezone.utc)):
        raise SigningError("the certificate chain is valid at another time, not at the signing time: " + "; ".join(invalid))
    for position, (child, parent) in enumerate(zip(certificates, certificates[1:]), start=1):
        try:
            child.verify_directly_issued_by(parent)
        except (ValueError, TypeError, InvalidSignature):
            raise SigningError(
                f"certificate {position} of the chain is not issued by certificate {position + 1}: "
                "give the chain leaf first, each certificate followed by its issuer"
            ) from None
    return [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode("ascii") for c in certificates]


def _with_issuer(credential: dict[str, Any], issuer_id: str) -> dict[str, Any]:
    # A shallow copy: add_proof deep-copies the document it returns and a JWS is serialised,
    # so no secured credential shares objects with the caller's; a second deep copy of the
    # whole credential cost a fifth of signing a passport.
    result = dict(credential)
    issuer = result.get("issuer")
    if isinstance(issuer, dict):
        # Keep the issuer's other members (name, description...): only its id is ours to set.
        result["issuer"] = {"id": issuer_id, **{k: v for k, v in issuer.items() if k != "id"}}
    else:
        result["issuer"] = issuer_id
    return result


def sign_credential(
    credential: dict[str, Any],
    key: IssuerKey,
    identity: IssuerIdentity,
    envelope: str = DATA_INTEGRITY,
    cert_chain_pem: bytes | None = None,
    created: str | None = None,
) -> dict[str, Any]:
    """A secured copy of ``credential`` issued by ``identity``.

    ``created`` is the signing time: the Data Integrity proof's ``created`` (default now),
    the JWS's ``iat`` claim (default the credential's ``validFrom``, else now), beside ``iss``.
    """
    if envelope not in ENVELOPES:
        raise SigningError(f"unknown envelope {envelope!r}: choose one of {', '.join(ENVELOPES)}")
    if not isinstance(credential, dict):
        raise InvalidInputError([Problem("$", "the credential must be a JSON object")], "credential")
    if "proof" in credential:
        raise InvalidInputError([Problem("$.proof", "the credential is already signed")], "credential")
    unsigned = _with_issuer(credential, identity.id)
    if envelope == DATA_INTEGRITY:
        if cert_chain_pem is not None:
            raise SigningError("a certificate chain can only be carried by the jose envelope (x5c)")
        return add_proof(unsigned, key, identity.verification_method, created or utc_timestamp())
    try:
        at = parse_date_time_stamp(created) if created else None
        # Without ``created``, ``iat`` is the credential's validFrom, the time a verifier
        # would otherwise take for the signing time.
        claimed = at or (parse_date_time_stamp(unsigned["validFrom"]) if "validFrom" in unsigned else None)
    except ValueError as exc:
        raise InvalidInputError([Problem("$.validFrom", str(exc))], "credential") from None
    x5c = x5c_from_pem(cert_chain_pem, key, at) if cert_chain_pem is not None else None
    issued_at = int((claimed or datetime.now(timezone.utc)).timestamp())
    token = sign_vc_jwt(unsigned, key, kid=identity.verification_method, x5c=x5c, issued_at=issued_at)
    return jose_envelope(token)


def sign(
    document: Passport | dict[str, Any],
    key: IssuerKey,
    *,
    identity: IssuerIdentity | None = None,
    envelope: str = DATA_INTEGRITY,
    cert_chain_pem: bytes | None = None,
    issued_at: datetime | None = None,
) -> dict[str, Any]:
    """Sign a passport or a credential; what comes out verifies (given a trusted issuer).

    ``document`` is a :class:`Passport`, a passport as plain JSON data (validated through the
    model and its consistency rules first, as a verifier will), or an unsigned VC 2.0
    credential (a battery passport credential's subject is held to the same rules). A passport
    is wrapped into its credential with ``validFrom`` = ``issued_at`` (default now), which is
    also the signing time. Anything else raises :class:`InvalidInputError` with every problem.

    ``identity`` defaults to the key's own did:key: a verifier trusts that only when its trust
    store ties the key to an issuer, so a manufacturer normally passes the identity of its DID
    document (:func:`batterypass.load_signer` returns both).
    """
    credential = _credential_to_sign(document, issued_at)
    created = credential["validFrom"] if credential is not document else utc_timestamp(issued_at)
    return sign_credential(credential, key, identity or did_key_identity(key), envelope, cert_chain_pem, created)


def _credential_to_sign(document: Any, issued_at: datetime | None) -> dict[str, Any]:
    """The credential for ``document`` (itself when it is one), or every reason it cannot be signed."""
    if isinstance(document, Passport):
        return passport_credential(document, issued_at)
    if not isinstance(document, dict):
        raise InvalidInputError(
            [Problem("$", f"expected a Passport, a passport as a dict or a credential, not {type(document).__name__}")],
            "document to sign",
        )
    if not {"@context", "credentialSubject", "proof"} & document.keys():
        return passport_credential(check_bare_passport(document), issued_at)
    problems = credential_shape_problems(document)
    for name in ("validFrom", "validUntil"):
        if name in document:
            try:
                parse_date_time_stamp(document[name])
            except ValueError as exc:
                problems.append(Problem(f"$.{name}", str(exc)))
    if not problems and is_passport_credential(document):
        try:
            check_passport_subject(document.get("credentialSubject"), document.get("id"))
        except InvalidInputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InvalidInputError(problems, "credential to sign")
    return document
