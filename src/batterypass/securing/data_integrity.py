"""Data Integrity proofs with the ``eddsa-jcs-2022`` cryptosuite (W3C vc-di-eddsa, section 3.3).

The credential stays plain, readable JSON; the proof signs
``SHA-256(JCS(proof config)) || SHA-256(JCS(document without proof))`` with Ed25519, and
``proofValue`` is ``z`` + base58btc of the 64-byte signature. JCS is RFC 8785 (:mod:`.jcs`).

One proof per document: proof sets and chains (``proof`` as an array) are refused rather than
half-verified.
"""

from __future__ import annotations

import copy
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import base58
import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519

from .credential import parse_date_time_stamp
from .jcs import canonical_json
from ..errors import BatteryPassError, InvalidInputError, Problem, shorten
from .keys import IssuerKey, KeyAlgorithmError, PublicKey

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-jcs-2022"
PROOF_PURPOSE = "assertionMethod"

_SIGNATURE_BYTES = 64
#: Published proof types and cryptosuites (W3C VC-DI-ECDSA, VC-DI-EDDSA, VC-DI-BBS, and the
#: CCG suites before Data Integrity) this module does not implement: a proof using one is
#: "unsupported", neither valid nor forged. Any other value is simply wrong.
UNSUPPORTED_PROOF_TYPES = frozenset(
    {"Ed25519Signature2020", "Ed25519Signature2018", "JsonWebSignature2020", "EcdsaSecp256k1Signature2019",
     "EcdsaSecp256r1Signature2019", "BbsBlsSignature2020", "RsaSignature2018"}
)
UNSUPPORTED_CRYPTOSUITES = frozenset(
    {"ecdsa-rdfc-2019", "ecdsa-jcs-2019", "ecdsa-sd-2023", "eddsa-rdfc-2022", "bbs-2023"}
)
_BASE58BTC = re.compile(r"^z[1-9A-HJ-NP-Za-km-z]+$")
# 64 bytes are at most 88 base58 characters. Base58 decoding is quadratic in the length, so a
# longer value is refused before it is decoded (a megabyte one would take minutes).
_MAX_PROOF_VALUE_CHARS = 90


class ProofError(BatteryPassError):
    """A Data Integrity proof is missing, malformed or does not verify; ``reason`` says which.

    ``unsupported`` is True when the proof may well be genuine but uses a proof type or
    cryptosuite this package does not implement: nothing is known about it either way.
    """

    def __init__(self, reason: str, *, unsupported: bool = False):
        self.reason = reason
        self.unsupported = unsupported
        super().__init__(reason)


def proof_config(document: dict[str, Any], verification_method: str, created: str) -> dict[str, Any]:
    """The proof without ``proofValue``, carrying the document's ``@context`` as the JCS suite does."""
    config: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": PROOF_PURPOSE,
    }
    if "@context" in document:
        config["@context"] = copy.deepcopy(document["@context"])
    return config


def hash_data(config: dict[str, Any], document: dict[str, Any], canonical_document: bytes | None = None) -> bytes:
    """``SHA-256(JCS(config)) || SHA-256(JCS(document))``: the 64 bytes that get signed.

    ``canonical_document`` is ``JCS(document)`` where the caller has it already.
    """
    config_hash = hashlib.sha256(canonical_json(config)).digest()
    return config_hash + hashlib.sha256(canonical_json(document) if canonical_document is None else canonical_document).digest()


def _context_list(context: Any) -> list[Any] | None:
    """A JSON-LD ``@context`` as a list, or None if it is not a string/object or list of them."""
    items = context if isinstance(context, list) else [context]
    if all(isinstance(item, (str, dict)) for item in items):
        return items
    return None


def add_proof(document: dict[str, Any], key: IssuerKey, verification_method: str, created: str) -> dict[str, Any]:
    """Return a new dict: ``document`` plus an ``eddsa-jcs-2022`` proof made with ``key``."""
    if key.algorithm != "ed25519":
        raise KeyAlgorithmError(
            f"Data Integrity eddsa-jcs-2022 needs an Ed25519 key, not {key.algorithm}: "
            "use the jose envelope (--envelope jose) for P-256 keys"
        )
    if not isinstance(document, dict):
        raise InvalidInputError([Problem("$", "the document to sign must be a JSON object")])
    problems = []
    if "proof" in document:
        problems.append(Problem("$.proof", "the document already has a proof"))
    if "@context" in document and _context_list(document["@context"]) is None:
        problems.append(Problem("$.@context", "must be a string, an object or an array of them"))
    try:
        parse_date_time_stamp(created)
    except ValueError as exc:
        problems.append(Problem("$.proof.created", str(exc)))
    if not isinstance(verification_method, str) or not verification_method:
        problems.append(Problem("$.proof.verificationMethod", "must be a non-empty string"))
    if problems:
        raise InvalidInputError(problems, "document to sign")
    config = proof_config(document, verification_method, created)
    signature = key.sign(hash_data(config, document))
    return {**_json_copy(document), "proof": {**config, "proofValue": "z" + base58.b58encode(signature).decode("ascii")}}


def _json_copy(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of a document that has just been canonicalised, sharing no mutable part with it.

    Canonicalisation has shown it to be JSON, so a round trip through orjson copies it, some
    six times faster than ``copy.deepcopy`` (a fifth of signing a passport). Keys that are not
    strings (which the canonicaliser's encoder writes as strings) take the slow copy.
    """
    try:
        return orjson.loads(orjson.dumps(document))
    except TypeError:
        return copy.deepcopy(document)


@dataclass(frozen=True)
class CheckedProof:
    """A proof whose shape is valid, read once: what verifying it needs, nothing verified yet."""

    verification_method: str
    created: datetime | None
    options: dict[str, Any]
    signature: bytes


def check_proof(secured: Any) -> CheckedProof:
    """The proof of ``secured`` once its shape is valid; :class:`ProofError` otherwise."""
    if not isinstance(secured, dict):
        raise ProofError("the secured document is not a JSON object")
    if "proof" not in secured:
        raise ProofError("the document has no proof")
    proof = secured["proof"]
    if isinstance(proof, list):
        raise ProofError("several proofs (a proof set or chain) are not supported: expected exactly one proof")
    if not isinstance(proof, dict):
        raise ProofError("proof is not a JSON object")
    for name, expected, unsupported in (
        ("type", PROOF_TYPE, UNSUPPORTED_PROOF_TYPES), ("cryptosuite", CRYPTOSUITE, UNSUPPORTED_CRYPTOSUITES)
    ):
        value = proof.get(name)
        if value == expected:
            continue
        if isinstance(value, str) and value in unsupported:
            raise ProofError(f"proof {name} {value} is not supported (only {expected})", unsupported=True)
        raise ProofError(f"proof {name} is {shorten(value)}, expected {expected!r}")
    if proof.get("proofPurpose") != PROOF_PURPOSE:
        raise ProofError(f"proof purpose is {proof.get('proofPurpose')!r}, expected {PROOF_PURPOSE!r}")
    method = proof.get("verificationMethod")
    if not isinstance(method, str) or not method:
        raise ProofError("proof verificationMethod is missing or not a string")
    created = None
    if proof.get("created") is not None:
        try:
            created = parse_date_time_stamp(proof["created"])
        except ValueError as exc:
            raise ProofError(f"proof created: {exc}") from None
    if "@context" in proof:
        proof_context = _context_list(proof["@context"])
        document_context = _context_list(secured.get("@context", []))
        if proof_context is None:
            raise ProofError("proof @context is not a string, an object or an array of them")
        # The suite only asks for a prefix, but whatever is appended after signing is not
        # covered by the signature (the hash is taken under the proof's @context) and could
        # redefine terms for a JSON-LD reader: fail closed and require the very same list.
        if document_context != proof_context:
            raise ProofError("the document @context differs from the proof @context: entries added after signing")
    value = proof.get("proofValue")
    if not isinstance(value, str) or len(value) > _MAX_PROOF_VALUE_CHARS or not _BASE58BTC.match(value):
        raise ProofError("proofValue is missing, too long, or not multibase base58btc ('z...')")
    signature = base58.b58decode(value[1:])
    if len(signature) != _SIGNATURE_BYTES:
        raise ProofError(f"proofValue decodes to {len(signature)} bytes, an Ed25519 signature is 64")
    options = {name: item for name, item in proof.items() if name != "proofValue"}
    return CheckedProof(method, created, options, signature)


def proof_verification_method(secured: dict[str, Any]) -> str:
    """The ``verificationMethod`` of a well-formed proof (to look up the key before verifying)."""
    return check_proof(secured).verification_method


def verify_checked_proof(
    proof: CheckedProof, unsecured: dict[str, Any], public_key: PublicKey, canonical_unsecured: bytes | None = None
) -> None:
    """Verify a proof read by :func:`check_proof` over ``unsecured`` (the document without it),
    whose RFC 8785 form ``canonical_unsecured`` is, where the caller has it already."""
    if not isinstance(public_key, ed25519.Ed25519PublicKey):
        raise ProofError("eddsa-jcs-2022 proofs verify with Ed25519 keys only; the verification key is not Ed25519")
    try:
        data = hash_data(proof.options, unsecured, canonical_unsecured)
    except InvalidInputError as exc:
        reasons = "; ".join(p.message for p in exc.problems)
        raise ProofError(f"the document cannot be canonicalised: {reasons}") from None
    try:
        public_key.verify(proof.signature, data)
    except InvalidSignature:
        raise ProofError(
            "the signature does not verify: the document or its proof was altered, or the key is wrong"
        ) from None


def verify_proof(secured: dict[str, Any], public_key: PublicKey) -> None:
    """Verify the ``eddsa-jcs-2022`` proof of ``secured`` with ``public_key``; :class:`ProofError` if not."""
    proof = check_proof(secured)
    verify_checked_proof(proof, {name: value for name, value in secured.items() if name != "proof"}, public_key)
