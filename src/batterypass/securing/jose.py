"""VC-JOSE-COSE: credentials secured as compact JWS (``vc+jwt``) and their JSON envelope.

Parsing is strict on purpose: the ``alg`` comes from an explicit allow-list (never ``none``,
never HMAC, never an algorithm the key was not made for), the protected header is parsed
with :func:`batterypass.jsonio.parse_json` (duplicate members are an attack on
"which alg?"), and ``crit`` extensions are refused because none is understood.

Signing and signature verification are joserfc's (``jws.serialize_compact`` and
``jws.deserialize_compact``); this module adds the strict reading around them, the
allow-list, and messages that say what is wrong.
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from joserfc import errors as joserfc_errors
from joserfc import jws
from joserfc.jws import JWSRegistry

from .credential import VC_CONTEXT_V2
from ..errors import BatteryPassError, InvalidInputError, Problem, shorten
from ..jsonio import MAX_DOCUMENT_BYTES, parse_json
from .keys import IssuerKey, KeyAlgorithmError, KeyFormatError, PublicKey, b64url_decode, jose_key_of

#: JWS ``alg`` values accepted, and the key algorithm each needs. ``Ed25519`` is the
#: fully-specified name (RFC 9864) of what RFC 8037 calls ``EdDSA``.
ALLOWED_ALGORITHMS = {"EdDSA": "ed25519", "Ed25519": "ed25519", "ES256": "p256"}
#: Public-key JWS algorithms of the IANA registry (RFC 7518, 8037, 8812, 9864) we do not
#: implement: a token using one is "unsupported", not "invalid".
UNSUPPORTED_ALGORITHMS = frozenset(
    {"ES384", "ES512", "ES256K", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "Ed448"}
)

VC_JWT_TYPE = "vc+jwt"
VC_CONTENT_TYPE = "vc"
ENVELOPE_TYPE = "EnvelopedVerifiableCredential"
ENVELOPE_ID_PREFIX = "data:application/vc+jwt,"

_SIGNATURE_BYTES = 64
# base64url inflates by 4/3; leave room for the header and signature of the largest document.
_MAX_TOKEN_CHARS = MAX_DOCUMENT_BYTES * 4 // 3 + 16_384
_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")


class JoseError(BatteryPassError):
    """A JWS or its envelope is malformed, not allowed, or does not verify; ``reason`` says which.

    ``unsupported`` is True for a registered signature algorithm this package does not
    implement (the token may be genuine); ``none`` and HMAC are never that, they are refused.
    """

    def __init__(self, reason: str, *, unsupported: bool = False):
        self.reason = reason
        self.unsupported = unsupported
        super().__init__(reason)


def _disallowed_alg(alg: Any) -> JoseError:
    if isinstance(alg, str) and alg in UNSUPPORTED_ALGORITHMS:
        return JoseError(f"JWS alg {alg} is not supported (supported: {', '.join(ALLOWED_ALGORITHMS)})", unsupported=True)
    return JoseError(f"JWS alg {shorten(alg)} is not allowed (allowed: {', '.join(ALLOWED_ALGORITHMS)})")


@dataclass(frozen=True)
class ParsedJws:
    """A syntactically valid compact JWS whose ``alg`` is allowed (not yet verified)."""

    token: str
    header: dict[str, Any]
    payload: bytes
    signature: bytes


class _Registry(JWSRegistry):
    """joserfc's JWS registry with this module's limits: its defaults (512-byte headers,
    128 KB payloads) would refuse an ``x5c`` chain or a large passport that
    :func:`parse_compact` has already admitted, and header members beyond its registry are
    ignored as RFC 7515 says, ``crit`` and ``b64`` being refused by :func:`parse_compact`."""

    max_header_length = _MAX_TOKEN_CHARS
    max_payload_length = MAX_DOCUMENT_BYTES


_REGISTRY = _Registry(algorithms=list(ALLOWED_ALGORITHMS), strict_check_header=False)


def _quietly(call: Any, *args: Any, **kwargs: Any) -> Any:
    # RFC 9864 deprecates the alg name "EdDSA" in favour of "Ed25519"; VC-JOSE-COSE and this
    # project's users still issue "EdDSA", so joserfc's SecurityWarning about it is silenced.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", joserfc_errors.SecurityWarning)
        return call(*args, **kwargs)


def sign_compact(protected_header: dict[str, Any], payload: bytes, key: IssuerKey) -> str:
    """Compact JWS of ``payload``; ``protected_header["alg"]`` must be allowed and fit ``key``.

    The header is serialised compactly in the caller's member order (RFC 8037 A.4's
    ``{"alg":"EdDSA"}`` encodes to exactly ``eyJhbGciOiJFZERTQSJ9``).
    """
    alg = protected_header.get("alg")
    if not isinstance(alg, str) or alg not in ALLOWED_ALGORITHMS:
        raise KeyAlgorithmError(f"JWS alg {alg!r} is not supported: use one of {', '.join(ALLOWED_ALGORITHMS)}")
    if ALLOWED_ALGORITHMS[alg] != key.algorithm:
        raise KeyAlgorithmError(f"JWS alg {alg} cannot be made with a {key.algorithm} key (use {key.jws_alg})")
    return _quietly(jws.serialize_compact, protected_header, payload, key.jose_key(), registry=_REGISTRY)


def compact_json(document: Any) -> bytes:
    """UTF-8 compact JSON of a credential, the ``vc+jwt`` payload."""
    try:
        return json.dumps(document, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")
    except ValueError:
        raise InvalidInputError([Problem("$", "contains NaN or Infinity, which JSON cannot carry")]) from None
    except TypeError as exc:
        raise InvalidInputError([Problem("$", f"not JSON-serialisable: {exc}")]) from None


def sign_vc_jwt(
    credential: dict[str, Any], key: IssuerKey, kid: str, x5c: list[str] | None = None, issued_at: int | None = None
) -> str:
    """``vc+jwt`` compact JWS of ``credential`` with header ``alg, typ, cty, kid`` (+ ``x5c``).

    With ``issued_at`` (seconds since 1970) the payload also carries the JWT claims ``iss``
    (the credential's issuer id) and ``iat``, so that generic JWT tools can check the issuer
    and the signing time; a verifier refuses an ``iss`` that contradicts ``issuer``.
    """
    header: dict[str, Any] = {"alg": key.jws_alg, "typ": VC_JWT_TYPE, "cty": VC_CONTENT_TYPE, "kid": kid}
    if x5c:
        header["x5c"] = list(x5c)
    if issued_at is not None:
        issuer = credential.get("issuer")
        credential = {**credential, "iss": issuer.get("id") if isinstance(issuer, dict) else issuer, "iat": issued_at}
    return sign_compact(header, compact_json(credential), key)


def _decode_segment(segment: str, name: str) -> bytes:
    try:
        return b64url_decode(segment, name)
    except KeyFormatError as exc:
        raise JoseError(str(exc)) from None


def parse_compact(token: str) -> ParsedJws:
    """Split and check a compact JWS: three unpadded base64url parts, an allowed ``alg``, no ``crit``."""
    if not isinstance(token, str):
        raise JoseError("a compact JWS must be a string")
    if len(token) > _MAX_TOKEN_CHARS:
        raise JoseError(f"JWS is {len(token)} characters, over the {_MAX_TOKEN_CHARS}-character limit")
    parts = token.split(".")
    if len(parts) != 3:
        raise JoseError(f"a compact JWS has 3 dot-separated parts, this one has {len(parts)}")
    for name, part in zip(("header", "payload", "signature"), parts):
        if not _B64URL.match(part):
            raise JoseError(f"JWS {name} is not unpadded base64url")
    if not parts[0] or not parts[2]:
        raise JoseError("JWS header or signature is empty")
    header_bytes = _decode_segment(parts[0], "JWS header")
    try:
        header = parse_json(header_bytes, source="JWS protected header")
    except InvalidInputError as exc:
        raise JoseError(f"JWS protected header: {'; '.join(p.message for p in exc.problems)}") from None
    if not isinstance(header, dict):
        raise JoseError("JWS protected header is not a JSON object")
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in ALLOWED_ALGORITHMS:
        raise _disallowed_alg(alg)
    if "crit" in header:
        raise JoseError("JWS 'crit' header parameter is not supported")
    # RFC 7797 unencoded payloads change what is signed; a verifier that ignores the flag
    # and one that honours it would disagree about the same token.
    if "b64" in header:
        raise JoseError("JWS 'b64' header parameter (RFC 7797 unencoded payload) is not supported")
    return ParsedJws(
        token=token,
        header=header,
        payload=_decode_segment(parts[1], "JWS payload"),
        signature=_decode_segment(parts[2], "JWS signature"),
    )


def verify_signature(parsed: ParsedJws, public_key: PublicKey) -> None:
    """Verify ``parsed`` with ``public_key``; :class:`JoseError` says why it fails."""
    alg = parsed.header.get("alg")
    if not isinstance(alg, str) or alg not in ALLOWED_ALGORITHMS:
        raise _disallowed_alg(alg)
    if len(parsed.signature) != _SIGNATURE_BYTES:
        raise JoseError(f"{alg} signature is {len(parsed.signature)} bytes, expected {_SIGNATURE_BYTES}")
    if ALLOWED_ALGORITHMS[alg] == "ed25519" and not isinstance(public_key, ed25519.Ed25519PublicKey):
        raise JoseError(f"JWS alg {alg} needs an Ed25519 key, the key is {_describe(public_key)}")
    if ALLOWED_ALGORITHMS[alg] == "p256" and not (
        isinstance(public_key, ec.EllipticCurvePublicKey) and isinstance(public_key.curve, ec.SECP256R1)
    ):
        raise JoseError(f"JWS alg {alg} needs a P-256 key, the key is {_describe(public_key)}")
    try:
        _quietly(jws.deserialize_compact, parsed.token, jose_key_of(public_key), registry=_REGISTRY)
    except joserfc_errors.BadSignatureError:
        raise JoseError("the JWS signature does not verify: the token was altered, or the key is wrong") from None
    except joserfc_errors.JoseError as exc:
        raise JoseError(f"the JWS does not verify: {exc}") from None


def _describe(public_key: Any) -> str:
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return f"EC {public_key.curve.name}"
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return "Ed25519"
    return type(public_key).__name__


def same_media_type(value: Any, expected: str) -> bool:
    """Whether a JWS ``typ``/``cty`` value names the media type ``expected`` (RFC 7515 4.1.9-10:
    media types are case-insensitive, and a value without '/' has an implied ``application/``)."""
    if not isinstance(value, str):
        return False
    value = value.lower()
    return (value if "/" in value else "application/" + value) == "application/" + expected


def vc_payload(parsed: ParsedJws) -> dict[str, Any]:
    """The credential in a ``vc+jwt``: requires ``typ`` ``vc+jwt`` (and ``cty`` ``vc`` if present),
    compared as media types (``application/vc+jwt`` and ``VC+JWT`` are ``vc+jwt``)."""
    if not same_media_type(parsed.header.get("typ"), VC_JWT_TYPE):
        raise JoseError(f"JWS typ is {shorten(parsed.header.get('typ'))}, expected {VC_JWT_TYPE!r}")
    if "cty" in parsed.header and not same_media_type(parsed.header["cty"], VC_CONTENT_TYPE):
        raise JoseError(f"JWS cty is {shorten(parsed.header['cty'])}, expected {VC_CONTENT_TYPE!r}")
    try:
        credential = parse_json(parsed.payload, source="JWS payload")
    except InvalidInputError as exc:
        raise JoseError(f"JWS payload: {'; '.join(p.message for p in exc.problems)}") from None
    if not isinstance(credential, dict):
        raise JoseError("JWS payload is not a JSON object")
    return credential


def envelope(jws: str) -> dict[str, Any]:
    """VC 2.0 ``EnvelopedVerifiableCredential`` carrying ``jws`` in a ``data:`` URL."""
    return {"@context": [VC_CONTEXT_V2], "type": ENVELOPE_TYPE, "id": ENVELOPE_ID_PREFIX + jws}


def unwrap_envelope(doc: dict[str, Any]) -> str:
    """The compact JWS inside an envelope made by :func:`envelope` (strictly checked)."""
    if not isinstance(doc, dict):
        raise JoseError("the enveloped credential is not a JSON object")
    context = doc.get("@context")
    if not isinstance(context, list) or not context or context[0] != VC_CONTEXT_V2:
        raise JoseError(f"enveloped credential @context must start with {VC_CONTEXT_V2!r}")
    if doc.get("type") != ENVELOPE_TYPE:
        raise JoseError(f"enveloped credential type is {doc.get('type')!r}, expected {ENVELOPE_TYPE!r}")
    # Anything beside the three members is outside the signature, yet a reader of the JSON
    # could take it for the credential's content.
    unsigned = sorted(set(doc) - {"@context", "type", "id"})
    if unsigned:
        raise JoseError(f"enveloped credential has members outside the signed JWS: {', '.join(unsigned)}")
    value = doc.get("id")
    if not isinstance(value, str) or not value.startswith(ENVELOPE_ID_PREFIX):
        raise JoseError(f"enveloped credential id must be a '{ENVELOPE_ID_PREFIX}<JWS>' data URL")
    jws = value[len(ENVELOPE_ID_PREFIX) :]
    if not jws:
        raise JoseError("enveloped credential id holds no JWS")
    return jws
