"""Issuer keys: generation, PEM files, JWK / Multikey / did:key forms, and issuer identity.

Two algorithms only, both with a standard VC securing mechanism: Ed25519 (``EdDSA`` JWS and
Data Integrity ``eddsa-jcs-2022``) and ECDSA P-256 (``ES256`` JWS, usable with X.509 chains).

The same public key has several spellings: a JWK (RFC 7517/8037), a Multikey
(``z`` + base58btc of a multicodec-prefixed key, W3C Controlled Identifiers 1.0) and a
``did:key``. The converters here are the single place those spellings are produced and read,
so the signer and the trust store always agree on what "the same key" means.

Private key material never appears in a repr, a log line or an exception message.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import base58
from asn1crypto import algos as asn1_algos
from asn1crypto import keys as asn1_keys
from asn1crypto import pem as asn1_pem
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from joserfc.jwk import ECKey, OKPKey
from joserfc.jwk import thumbprint as _rfc7638_thumbprint
from joserfc.util import urlsafe_b64decode, urlsafe_b64encode

from ..errors import BatteryPassError, KeyFileError
from ..law.identifiers import operator_urn
from ..jsonio import dumps_pretty, load_json_file, write_atomic

ALGORITHMS = ("ed25519", "p256")

PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey
PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey

#: File names inside a key directory (``batterypass keygen`` output).
PRIVATE_KEY_FILE = "private.pem"
PUBLIC_JWK_FILE = "public.jwk.json"
DID_DOCUMENT_FILE = "did.json"

#: ``@context`` of a DID document (DID Core 1.0 first, as it requires) and of a plain
#: controlled identifier document; the CID 1.0 context is what defines ``JsonWebKey``.
DID_CONTEXT = ["https://www.w3.org/ns/did/v1", "https://www.w3.org/ns/cid/v1"]
CID_CONTEXT = ["https://www.w3.org/ns/cid/v1"]

# Multicodec table (github.com/multiformats/multicodec), varint-encoded.
_ED25519_PUB = b"\xed\x01"  # 0xed   ed25519-pub
_P256_PUB = b"\x80\x24"  # 0x1200 p256-pub (SEC1 compressed point)
_ED25519_PRIV = b"\x80\x26"  # 0x1300 ed25519-priv

_JWS_ALG = {"ed25519": "EdDSA", "p256": "ES256"}
_P256_COORD_BYTES = 32
_MAX_KEY_FILE_BYTES = 64 * 1024
#: PBKDF2-HMAC-SHA256 iterations for encrypted key files (OWASP's current figure). Keys
#: encrypted earlier with fewer (cryptography's default PKCS#8 writer) still load.
PBKDF2_ITERATIONS = 600_000
_MAX_MULTIBASE_CHARS = 64

_BASE58BTC = re.compile(r"^z[1-9A-HJ-NP-Za-km-z]+$")
_DID_WEB = re.compile(r"^did:web:[A-Za-z0-9.\-]+(%3A[0-9]+)?(:([A-Za-z0-9._~\-]|%[0-9A-Fa-f]{2})+)*$")


class KeyFormatError(KeyFileError, ValueError):
    """A JWK, Multikey, did:key or verification method is malformed or of an unsupported type."""


class KeyAlgorithmError(BatteryPassError):
    """The key's algorithm cannot produce the requested kind of signature."""


# --------------------------------------------------------------------------- encodings


def b64url_encode(data: bytes) -> str:
    """base64url without padding (RFC 7515 section 2)."""
    return urlsafe_b64encode(data).decode("ascii")


def b64url_decode(value: str, what: str = "value") -> bytes:
    """Strict base64url: no padding, URL-safe alphabet only, canonical trailing bits."""
    if not isinstance(value, str):
        raise KeyFormatError(f"{what} must be a base64url string")
    try:
        return urlsafe_b64decode(value.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise KeyFormatError(f"{what} is not unpadded base64url") from None


def _algorithm_of(key: PublicKey | PrivateKey) -> str:
    if isinstance(key, (ed25519.Ed25519PublicKey, ed25519.Ed25519PrivateKey)):
        return "ed25519"
    if isinstance(key, (ec.EllipticCurvePublicKey, ec.EllipticCurvePrivateKey)):
        if isinstance(key.curve, ec.SECP256R1):
            return "p256"
        raise KeyFormatError(f"unsupported elliptic curve {key.curve.name}: use Ed25519 or P-256")
    raise KeyFormatError(f"unsupported key type {type(key).__name__}: use Ed25519 or P-256")


def _public_bytes(pub: PublicKey) -> bytes:
    """Raw Ed25519 key or compressed SEC1 point: the identity of a public key."""
    if _algorithm_of(pub) == "ed25519":
        return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return pub.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)


def jose_key_of(key: PublicKey | PrivateKey) -> OKPKey | ECKey:
    """joserfc's key object for a ``cryptography`` Ed25519 or P-256 key, private or public."""
    return OKPKey.import_key(key) if _algorithm_of(key) == "ed25519" else ECKey.import_key(key)


def same_public_key(a: Any, b: Any) -> bool:
    """Whether two public keys are the same Ed25519 or P-256 key (any other key type: False)."""
    try:
        return _algorithm_of(a) == _algorithm_of(b) and _public_bytes(a) == _public_bytes(b)
    except KeyFormatError:
        return False


# --------------------------------------------------------------------------- JWK


def jwk_from_public_key(pub: PublicKey) -> dict[str, str]:
    """Public JWK (RFC 8037 ``OKP`` for Ed25519, RFC 7518 ``EC`` for P-256), without ``kid``."""
    if _algorithm_of(pub) == "ed25519":
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(_public_bytes(pub))}
    numbers = pub.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url_encode(numbers.x.to_bytes(_P256_COORD_BYTES, "big")),
        "y": b64url_encode(numbers.y.to_bytes(_P256_COORD_BYTES, "big")),
    }


def _jwk_fields(jwk: Any) -> tuple[str, dict[str, bytes]]:
    """Validate the required members of an OKP/Ed25519 or EC/P-256 JWK and decode them."""
    if not isinstance(jwk, dict):
        raise KeyFormatError("a JWK must be a JSON object")
    kty, crv = jwk.get("kty"), jwk.get("crv")
    if kty == "OKP" and crv == "Ed25519":
        x = b64url_decode(jwk.get("x"), "JWK member 'x'")
        if len(x) != 32:
            raise KeyFormatError(f"Ed25519 JWK 'x' must be 32 bytes, got {len(x)}")
        return "ed25519", {"x": x}
    if kty == "EC" and crv == "P-256":
        coords = {m: b64url_decode(jwk.get(m), f"JWK member {m!r}") for m in ("x", "y")}
        for member, raw in coords.items():
            if len(raw) != _P256_COORD_BYTES:
                raise KeyFormatError(f"P-256 JWK {member!r} must be 32 bytes, got {len(raw)}")
        return "p256", coords
    raise KeyFormatError(f"unsupported JWK (kty={kty!r}, crv={crv!r}): use OKP/Ed25519 or EC/P-256")


def public_key_from_jwk(jwk: dict[str, Any]) -> PublicKey:
    """The public key of an Ed25519 or P-256 JWK. A private member ``d`` is ignored."""
    algorithm, fields = _jwk_fields(jwk)
    if algorithm == "ed25519":
        return ed25519.Ed25519PublicKey.from_public_bytes(fields["x"])
    numbers = ec.EllipticCurvePublicNumbers(
        int.from_bytes(fields["x"], "big"), int.from_bytes(fields["y"], "big"), ec.SECP256R1()
    )
    try:
        return numbers.public_key()
    except ValueError:
        raise KeyFormatError("P-256 JWK point is not on the curve") from None


def jwk_thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 SHA-256 thumbprint (base64url) over the key's required members."""
    algorithm, _ = _jwk_fields(jwk)
    required = ("crv", "kty", "x") if algorithm == "ed25519" else ("crv", "kty", "x", "y")
    return _rfc7638_thumbprint({m: jwk[m] for m in required})


# --------------------------------------------------------------------------- Multikey / did:key


def multibase_from_public_key(pub: PublicKey) -> str:
    """Multikey ``publicKeyMultibase``: ``z`` + base58btc(multicodec prefix + key bytes)."""
    prefix = _ED25519_PUB if _algorithm_of(pub) == "ed25519" else _P256_PUB
    return "z" + base58.b58encode(prefix + _public_bytes(pub)).decode("ascii")


def _multibase_bytes(value: Any, what: str) -> bytes:
    # Every supported key is under 50 base58 characters; base58 decoding is quadratic, so a
    # hostile megabyte-long value is refused before it is decoded.
    if not isinstance(value, str) or len(value) > _MAX_MULTIBASE_CHARS or not _BASE58BTC.match(value):
        raise KeyFormatError(f"{what} is not a base58btc multibase key string ('z...', at most {_MAX_MULTIBASE_CHARS} characters)")
    return base58.b58decode(value[1:])


def public_key_from_multibase(value: str) -> PublicKey:
    """Inverse of :func:`multibase_from_public_key` (Ed25519 or P-256 Multikey only)."""
    raw = _multibase_bytes(value, "public key multibase")
    if raw[:2] == _ED25519_PUB:
        if len(raw) != 2 + 32:
            raise KeyFormatError("Ed25519 Multikey must hold 32 key bytes")
        return ed25519.Ed25519PublicKey.from_public_bytes(raw[2:])
    if raw[:2] == _P256_PUB:
        if len(raw) != 2 + 33:
            raise KeyFormatError("P-256 Multikey must hold a 33-byte compressed point")
        try:
            return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw[2:])
        except ValueError:
            raise KeyFormatError("P-256 Multikey is not a valid curve point") from None
    raise KeyFormatError("unsupported Multikey type: only Ed25519 (z6Mk...) and P-256 (zDn...) keys")


def did_key_from_public_key(pub: PublicKey) -> str:
    """``did:key`` identifier of a public key."""
    return "did:key:" + multibase_from_public_key(pub)


def _split_did_key(did_or_did_url: Any) -> tuple[str, str]:
    """(DID, multibase) of a did:key DID or of its ``#<multibase>`` key URL."""
    if not isinstance(did_or_did_url, str) or not did_or_did_url.startswith("did:key:"):
        raise KeyFormatError(f"not a did:key identifier: {did_or_did_url!r}")
    did, _, fragment = did_or_did_url.partition("#")
    multibase = did[len("did:key:") :]
    if fragment and fragment != multibase:
        raise KeyFormatError(f"did:key URL fragment must repeat the key: {did_or_did_url!r}")
    return did, multibase


def public_key_from_did_key(did_or_did_url: str) -> PublicKey:
    """The public key a ``did:key`` DID (or its ``#<multibase>`` key URL) encodes."""
    return public_key_from_multibase(_split_did_key(did_or_did_url)[1])


def did_key_verification_method(did: str) -> str:
    """The single verification method id of a ``did:key``: ``did:key:z...#z...``."""
    did, multibase = _split_did_key(did)
    public_key_from_multibase(multibase)
    return f"{did}#{multibase}"


# --------------------------------------------------------------------------- private keys


class IssuerKey:
    """A private signing key (Ed25519 or P-256). Its repr shows the algorithm and kid only."""

    __slots__ = ("_private_key", "_algorithm")

    def __init__(self, private_key: PrivateKey):
        if not isinstance(private_key, (ed25519.Ed25519PrivateKey, ec.EllipticCurvePrivateKey)):
            raise KeyFormatError(f"unsupported key type {type(private_key).__name__}: use Ed25519 or P-256")
        self._algorithm = _algorithm_of(private_key)
        self._private_key = private_key

    @property
    def algorithm(self) -> str:
        """``"ed25519"`` or ``"p256"``."""
        return self._algorithm

    @property
    def jws_alg(self) -> str:
        """The JWS ``alg`` this key signs with: ``EdDSA`` or ``ES256``."""
        return _JWS_ALG[self._algorithm]

    @property
    def public_key(self) -> PublicKey:
        return self._private_key.public_key()

    @property
    def kid(self) -> str:
        """RFC 7638 SHA-256 thumbprint of the public JWK."""
        return jwk_thumbprint(jwk_from_public_key(self.public_key))

    @property
    def public_jwk(self) -> dict[str, str]:
        """Public JWK with ``kid`` (a fresh dict on each access)."""
        jwk = jwk_from_public_key(self.public_key)
        jwk["kid"] = jwk_thumbprint(jwk)
        return jwk

    def sign(self, data: bytes) -> bytes:
        """Sign ``data``: Ed25519 (64 bytes) or ES256 as raw ``r || s`` (64 bytes, RFC 7518 3.4)."""
        if self._algorithm == "ed25519":
            return self._private_key.sign(data)
        r, s = decode_dss_signature(self._private_key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(_P256_COORD_BYTES, "big") + s.to_bytes(_P256_COORD_BYTES, "big")

    def jose_key(self) -> OKPKey | ECKey:
        """The key as joserfc takes it for signing a JWS (never serialised by us)."""
        return jose_key_of(self._private_key)

    def export_private_pem(self, passphrase: bytes | None = None) -> bytes:
        """PKCS#8 PEM; with a passphrase, encrypted (PBES2: PBKDF2-HMAC-SHA256, :data:`PBKDF2_ITERATIONS`, AES-256-CBC)."""
        if passphrase is not None and not passphrase:
            raise KeyFileError("the passphrase is empty")
        if passphrase is None:
            return self._private_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        der = self._private_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        return _encrypted_pkcs8_pem(der, passphrase)

    def __repr__(self) -> str:
        return f"IssuerKey(algorithm={self._algorithm!r}, kid={self.kid!r})"

    def __reduce__(self) -> Any:
        # Pickling would copy the private key into caches, queues or logs: refuse.
        raise TypeError("IssuerKey cannot be pickled")


def _encrypted_pkcs8_pem(private_key_info: bytes, passphrase: bytes) -> bytes:
    """An RFC 5958 EncryptedPrivateKeyInfo (PBES2, RFC 8018) around a DER PrivateKeyInfo, as PEM.

    cryptography's PKCS#8 writer picks its own, far lower, iteration count and offers no way
    to choose; the structure is assembled with asn1crypto, the cryptography is cryptography's.
    """
    salt, iv = os.urandom(16), os.urandom(16)
    key_encryption_key = PBKDF2HMAC(hashes.SHA256(), 32, salt, PBKDF2_ITERATIONS).derive(passphrase)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(private_key_info) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key_encryption_key), modes.CBC(iv)).encryptor()
    encrypted = encryptor.update(padded) + encryptor.finalize()
    info = asn1_keys.EncryptedPrivateKeyInfo(
        {
            "encryption_algorithm": {
                "algorithm": "pbes2",
                "parameters": {
                    "key_derivation_func": {
                        "algorithm": "pbkdf2",
                        "parameters": {
                            "salt": asn1_algos.Pbkdf2Salt(name="specified", value=salt),
                            "iteration_count": PBKDF2_ITERATIONS,
                            "key_length": 32,
                            "prf": {"algorithm": "sha256", "parameters": None},
                        },
                    },
                    "encryption_scheme": {"algorithm": "aes256_cbc", "parameters": iv},
                },
            },
            "encrypted_data": encrypted,
        }
    )
    return asn1_pem.armor("ENCRYPTED PRIVATE KEY", info.dump())


def generate_issuer_key(algorithm: str = "ed25519") -> IssuerKey:
    """A new random key; ``algorithm`` is one of :data:`ALGORITHMS`."""
    if algorithm == "ed25519":
        return IssuerKey(ed25519.Ed25519PrivateKey.generate())
    if algorithm == "p256":
        return IssuerKey(ec.generate_private_key(ec.SECP256R1()))
    raise KeyFileError(f"unknown key algorithm {algorithm!r}: choose one of {', '.join(ALGORITHMS)}")


def issuer_key_from_jwk(jwk: dict[str, Any]) -> IssuerKey:
    """Private JWK (with ``d``) to :class:`IssuerKey`; the public members must match ``d``."""
    algorithm, _ = _jwk_fields(jwk)
    if "d" not in jwk:
        raise KeyFormatError("the JWK has no private member 'd'")
    d = b64url_decode(jwk["d"], "JWK member 'd'")
    if algorithm == "ed25519":
        if len(d) != 32:
            raise KeyFormatError("Ed25519 JWK 'd' must be 32 bytes")
        key = IssuerKey(ed25519.Ed25519PrivateKey.from_private_bytes(d))
    else:
        if len(d) != _P256_COORD_BYTES:
            raise KeyFormatError("P-256 JWK 'd' must be 32 bytes")
        try:
            key = IssuerKey(ec.derive_private_key(int.from_bytes(d, "big"), ec.SECP256R1()))
        except ValueError:
            raise KeyFormatError("P-256 JWK 'd' is out of range") from None
    if not same_public_key(key.public_key, public_key_from_jwk(jwk)):
        raise KeyFormatError("the JWK's public members do not match its private member")
    return key


def issuer_key_from_multibase(private_multibase: str) -> IssuerKey:
    """Ed25519 ``secretKeyMultibase`` (multicodec ``ed25519-priv``, 32-byte seed) to a key."""
    raw = _multibase_bytes(private_multibase, "private key multibase")
    if raw[:2] != _ED25519_PRIV or len(raw) != 2 + 32:
        raise KeyFormatError("not an Ed25519 private Multikey (multicodec ed25519-priv, 32 bytes)")
    return IssuerKey(ed25519.Ed25519PrivateKey.from_private_bytes(raw[2:]))


def _pem_label(data: bytes) -> str | None:
    match = re.search(rb"-----BEGIN ([A-Z0-9 ]+)-----", data)
    return match.group(1).decode("ascii") if match else None


def load_issuer_key(path: str | os.PathLike[str], passphrase: bytes | None = None) -> IssuerKey:
    """Load a PEM private key file, with a :class:`KeyFileError` that says what is wrong."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = fh.read(_MAX_KEY_FILE_BYTES + 1)
    except FileNotFoundError:
        raise KeyFileError(f"{path}: no such key file") from None
    except OSError as exc:
        raise KeyFileError(f"{path}: cannot read key file: {exc.strerror}") from None
    if len(data) > _MAX_KEY_FILE_BYTES:
        raise KeyFileError(f"{path}: too large to be a private key file")
    label = _pem_label(data)
    if label is None:
        raise KeyFileError(f"{path}: not a PEM file (expected '-----BEGIN PRIVATE KEY-----')")
    if "PRIVATE KEY" not in label:
        raise KeyFileError(f"{path}: holds a {label}, not a private key")
    encrypted = label == "ENCRYPTED PRIVATE KEY" or b"Proc-Type: 4,ENCRYPTED" in data
    if encrypted and not passphrase:
        raise KeyFileError(f"{path}: the key is encrypted: a passphrase is needed")
    if not encrypted and passphrase:
        raise KeyFileError(f"{path}: the key is not encrypted but a passphrase was given")
    try:
        private_key = serialization.load_pem_private_key(data, password=passphrase)
    except UnsupportedAlgorithm:
        raise KeyFileError(f"{path}: unsupported key type: use Ed25519 or P-256") from None
    except (ValueError, TypeError):
        reason = "wrong passphrase, or the key is corrupt" if encrypted else "malformed private key"
        raise KeyFileError(f"{path}: {reason}") from None
    try:
        return IssuerKey(private_key)  # type: ignore[arg-type]
    except KeyFormatError as exc:
        raise KeyFileError(f"{path}: {exc}") from None


# --------------------------------------------------------------------------- issuer identity


@dataclass(frozen=True)
class IssuerIdentity:
    """Who signs: the issuer id written into credentials and the key's verification method id."""

    id: str
    verification_method: str


def validate_issuer_id(issuer_id: Any) -> str:
    """Return ``issuer_id`` if it is a ``did:web``, a valid ``did:key`` or an ``https://`` URL."""
    if not isinstance(issuer_id, str):
        raise KeyFormatError("the issuer id must be a string")
    if issuer_id.startswith("did:key:"):
        if "#" in issuer_id:
            raise KeyFormatError(f"issuer id must be a DID, not a DID URL: {issuer_id!r}")
        public_key_from_did_key(issuer_id)
        return issuer_id
    if issuer_id.startswith("did:web:"):
        if not _DID_WEB.match(issuer_id):
            raise KeyFormatError(f"malformed did:web identifier: {issuer_id!r}")
        return issuer_id
    if issuer_id.startswith("https://"):
        try:
            parts = urlsplit(issuer_id)
            hostname, fragment = parts.hostname, parts.fragment
        except ValueError:
            raise KeyFormatError(f"malformed https issuer URL: {issuer_id!r}") from None
        if not hostname or fragment or any(c.isspace() for c in issuer_id):
            raise KeyFormatError(f"malformed https issuer URL: {issuer_id!r}")
        return issuer_id
    raise KeyFormatError(f"unsupported issuer id {issuer_id!r}: use did:web:..., did:key:... or https://...")


def did_document(issuer_id: str | None, key: IssuerKey, operators: Iterable[str] = ()) -> dict[str, Any]:
    """A DID document (or, for an https id, a controlled identifier document) naming ``key``
    as an ``assertionMethod`` of ``issuer_id`` (default: the key's own ``did:key``).

    ``operators`` are the economic operator identifiers (LEI, EORI, GLN...) the issuer signs
    passports for, listed in ``alsoKnownAs`` as :func:`~batterypass.law.identifiers.operator_urn`
    URIs, so a trust store of DID documents carries them.
    """
    issuer = validate_issuer_id(issuer_id or did_key_from_public_key(key.public_key))
    if issuer.startswith("did:key:"):
        if not same_public_key(public_key_from_did_key(issuer), key.public_key):
            raise KeyFileError(f"{issuer} is the did:key of a different key")
        method_id = did_key_verification_method(issuer)
    else:
        method_id = f"{issuer}#{key.kid}"
    document: dict[str, Any] = {
        "@context": list(DID_CONTEXT if issuer.startswith("did:") else CID_CONTEXT),
        "id": issuer,
    }
    if operators := list(dict.fromkeys(operators)):
        if not all(isinstance(o, str) and 0 < len(o) <= 500 and o.strip() == o and o.isprintable() for o in operators):
            raise KeyFileError("an operator identifier is 1 to 500 printable characters without surrounding blanks")
        document["alsoKnownAs"] = [operator_urn(o) for o in operators]
    document["verificationMethod"] = [{"id": method_id, "type": "JsonWebKey", "controller": issuer, "publicKeyJwk": key.public_jwk}]
    document["assertionMethod"] = [method_id]
    return document


def verification_method_public_key(method: dict[str, Any]) -> PublicKey:
    """Public key of a ``JsonWebKey`` (``publicKeyJwk``) or ``Multikey`` (``publicKeyMultibase``)."""
    if not isinstance(method, dict):
        raise KeyFormatError("a verification method must be a JSON object")
    if "publicKeyJwk" in method:
        jwk = method["publicKeyJwk"]
        if isinstance(jwk, dict) and "d" in jwk:
            raise KeyFormatError("a verification method must not hold a private key ('d')")
        return public_key_from_jwk(jwk)
    if "publicKeyMultibase" in method:
        return public_key_from_multibase(method["publicKeyMultibase"])
    raise KeyFormatError("verification method has neither publicKeyJwk nor publicKeyMultibase")


def absolute_method_id(reference: str, document_id: str) -> str:
    """A verification method reference made absolute: ``#key-1`` in ``did:web:x`` is ``did:web:x#key-1``."""
    return document_id + reference if reference.startswith("#") else reference


def identity_from_did_document(doc: dict[str, Any], key: IssuerKey) -> IssuerIdentity:
    """Find the verification method of ``doc`` that holds ``key`` and is an ``assertionMethod``."""
    if not isinstance(doc, dict):
        raise KeyFileError("the DID document must be a JSON object")
    issuer = validate_issuer_id(doc.get("id"))
    methods = doc.get("verificationMethod", [])
    assertion = doc.get("assertionMethod", [])
    if not isinstance(methods, list) or not isinstance(assertion, list):
        raise KeyFileError("'verificationMethod' and 'assertionMethod' must be arrays")
    # assertionMethod entries are references to verificationMethod entries or embedded methods.
    candidates = [m for m in methods if isinstance(m, dict)] + [m for m in assertion if isinstance(m, dict)]
    assertion_ids = {absolute_method_id(a, issuer) for a in assertion if isinstance(a, str)}
    assertion_ids |= {
        absolute_method_id(m["id"], issuer) for m in assertion if isinstance(m, dict) and isinstance(m.get("id"), str)
    }
    for method in candidates:
        method_id = method.get("id")
        if not isinstance(method_id, str) or absolute_method_id(method_id, issuer) not in assertion_ids:
            continue
        try:
            public_key = verification_method_public_key(method)
        except KeyFormatError:
            continue
        if same_public_key(public_key, key.public_key):
            return IssuerIdentity(id=issuer, verification_method=absolute_method_id(method_id, issuer))
    raise KeyFileError(f"the DID document of {issuer} lists no assertionMethod holding key {key.kid}")


def write_key_directory(
    keydir: str | os.PathLike[str],
    key: IssuerKey,
    issuer_id: str | None = None,
    passphrase: bytes | None = None,
    operators: Iterable[str] = (),
) -> dict[str, Path]:
    """Write ``private.pem`` (0600), ``public.jwk.json`` and ``did.json`` into ``keydir``.

    Refuses to replace an existing ``private.pem``: losing an issuing key is not undoable.
    """
    keydir = Path(keydir)
    paths = {
        "private_key": keydir / PRIVATE_KEY_FILE,
        "public_jwk": keydir / PUBLIC_JWK_FILE,
        "did_document": keydir / DID_DOCUMENT_FILE,
    }
    if paths["private_key"].exists():
        raise KeyFileError(f"{paths['private_key']}: already exists; refusing to overwrite a private key")
    # Build everything first so a bad issuer id leaves no half-written directory.
    contents = {
        "private_key": key.export_private_pem(passphrase),
        "public_jwk": dumps_pretty(key.public_jwk),
        "did_document": dumps_pretty(did_document(issuer_id, key, operators)),
    }
    keydir.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        write_atomic(paths["private_key"], contents["private_key"], mode=0o600, overwrite=False)
    except FileExistsError:
        raise KeyFileError(f"{paths['private_key']}: already exists; refusing to overwrite a private key") from None
    write_atomic(paths["public_jwk"], contents["public_jwk"])
    write_atomic(paths["did_document"], contents["did_document"])
    return paths


def did_key_identity(key: IssuerKey) -> IssuerIdentity:
    """The identity a key has on its own, with no document binding it to anyone: its did:key."""
    did = did_key_from_public_key(key.public_key)
    return IssuerIdentity(id=did, verification_method=did_key_verification_method(did))


def load_signer(
    private_key_path: str | os.PathLike[str], passphrase: bytes | None = None
) -> tuple[IssuerKey, IssuerIdentity]:
    """Load a signing key and its identity from the ``did.json`` that keygen wrote beside it.

    A missing ``did.json`` is an error, not a fall-back to the key's did:key: silently
    signing as another issuer would make every passport of a pipeline untrusted.
    """
    key = load_issuer_key(private_key_path, passphrase)
    doc_path = Path(private_key_path).parent / DID_DOCUMENT_FILE
    if not doc_path.exists():
        raise KeyFileError(
            f"{doc_path}: missing; it binds the key to its issuer (restore it, or run keygen again)"
        )
    try:
        return key, identity_from_did_document(load_json_file(doc_path), key)
    except KeyFileError as exc:
        raise KeyFileError(f"{doc_path}: {exc}") from None
