"""The trust store: which keys may sign for which issuer, decided offline.

A valid signature proves nothing until its key is tied to the issuer named in the credential.
The trust store is a file or a directory that the verifying user controls. It holds:

* **Controlled identifier documents** (``*.json``; W3C Controlled Identifiers 1.0, of which a
  DID document is one kind): ``id`` is an issuer id (``did:web``, ``did:key`` or ``https://``),
  ``verificationMethod`` lists keys of type ``JsonWebKey`` (``publicKeyJwk``) or ``Multikey``
  (``publicKeyMultibase``), and ``assertionMethod`` lists the methods allowed to sign for that
  issuer: method ids, ``#fragment`` references relative to ``id``, or embedded methods. A
  ``did:web`` document saved for offline use and a key pinned to an ``https://`` issuer are the
  same format.
* **X.509 root certificates** (``*.pem`` / ``*.crt``, PEM, one or more per file) for issuers who
  bind their ES256 key with a certificate chain carried in the JWS ``x5c`` header. Every root
  file needs a **scope**: a text file beside it named like it plus ``.issuers``
  (``acme-root.pem.issuers``) listing, one a line, the issuer ids its chains may certify
  (``#`` starts a comment). An entry is an issuer id, or a pattern: a ``did:web:HOST:`` or
  ``https://HOST/`` prefix followed by ``*``, standing for every id under it. A root without a
  scope (or with an empty one) is refused at load time, so a company root trusted for one
  manufacturer cannot vouch for another.

In a directory, other files (README, notes) are ignored; a directory with nothing to load is
an error, as is any malformed document (the error names the file and the ``$.path``).

**The trust rule.** A verification method *M* is trusted for issuer *I* iff the store holds a
document whose ``id`` is exactly *I* and whose ``assertionMethod`` lists *M*. The key of *M*
comes from that same document (a ``verificationMethod`` entry or an embedded method) or, for a
``did:key`` URL, from the identifier itself; an ``assertionMethod`` reference to anything else
is a load error. A ``did:key`` method therefore always *resolves* (the signature can be
checked) but is only *trusted* when some document for the issuer lists it: this is how an
``https://`` or ``did:web`` issuer pins a ``did:key``, and how a ``did:key`` issuer itself is
trusted (``{"id": "did:key:z…", "assertionMethod": ["did:key:z…#z…"]}``).

**Key rotation.** A verification method may carry, as XML Schema dateTimeStamps:

* ``validFrom`` / ``validUntil`` (batterypass): the window in which the key may *sign*. They
  are compared with the time the credential says it was signed (the proof's ``created`` for
  Data Integrity, ``iat`` for JOSE, else the credential's ``validFrom``, else the verification
  time), so passports signed before a key was retired keep verifying for their whole life,
  and anything claiming to be signed with a retired key after ``validUntil`` is refused.
  Rotate by adding the new key and setting ``validUntil`` on the old one.
* ``revoked`` and ``expires`` (CID 1.0, with its meaning): from that instant on the method
  verifies *nothing*, whatever date a credential claims, because whoever holds a compromised
  key can also backdate. Use ``revoked`` when a key leaks (and re-issue what it signed), never
  for ordinary rotation.

Both windows are half-open: a key is usable from ``validFrom`` inclusive to ``validUntil``
exclusive, and unusable at or after ``revoked`` / ``expires``.

**Roots and pinned issuers.** An issuer that has a document in the store is pinned by it: a
certificate chain speaks for it only when a root's scope names it *exactly* (a pattern never
covers a pinned issuer). The store then says so, on purpose.

**X.509 chains.** ``x5c`` (standard base64 DER, leaf first) is validated with
``cryptography.x509.verification`` against the store's roots at the credential's signing time
(the same time as for ``validFrom``/``validUntil``, so a passport outlives its 2-year
certificate). Certificate validity failures are reported as ``expired``, distinct from an
unknown root or a root outside its scope (``untrusted``). The leaf must hold a P-256 key
(chains secure ES256 only; an Ed25519 issuer pins its key in a document) and carry a
SubjectAlternativeName (RFC 5280 client profile) tying it to the issuer: a ``URI`` equal to the issuer id, or, for a ``did:web:<host>``
issuer without path or port, a ``DNS`` name equal to ``<host>``. If the leaf has an Extended Key
Usage it must include ``documentSigning`` (RFC 9336) or ``anyExtendedKeyUsage``, so a TLS
server certificate cannot sign passports. There is no revocation checking (CRL/OCSP) offline.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import verification
from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier

from ..errors import InvalidInputError, Problem, shorten
from ..jsonio import load_json_file, read_bytes
from ..law.identifiers import operator_of_urn
from ..securing.certificates import certificate_subject, certificate_validity_problems
from ..securing.credential import parse_date_time_stamp
from ..securing.keys import (
    absolute_method_id,
    KeyFormatError,
    PublicKey,
    did_key_verification_method,
    public_key_from_did_key,
    same_public_key,
    validate_issuer_id,
    verification_method_public_key,
)

#: Verification method types understood, and the member holding each one's key.
METHOD_TYPES = {
    "JsonWebKey": "publicKeyJwk",
    "Multikey": "publicKeyMultibase",
    # The 2020 suite names that many published DID documents still use; same key encodings.
    "JsonWebKey2020": "publicKeyJwk",
    "Ed25519VerificationKey2020": "publicKeyMultibase",
}
DOCUMENT_SUFFIXES = (".json",)
CERTIFICATE_SUFFIXES = (".pem", ".crt")

#: id-kp-documentSigning (RFC 9336).
DOCUMENT_SIGNING_EKU = ObjectIdentifier("1.3.6.1.5.5.7.3.36")
#: A leaf, at most a few intermediates, a root: longer x5c chains are refused before parsing.
MAX_X5C_CERTIFICATES = 8
_MAX_CERTIFICATE_FILE_BYTES = 256 * 1024
#: The scope file beside a root certificate file: its name plus this suffix.
SCOPE_SUFFIX = ".issuers"
_MAX_SCOPE_FILE_BYTES = 64 * 1024
#: A scope pattern: a did:web host (and path) prefix ending in ':' or an https prefix ending in '/', then '*'.
_SCOPE_PATTERN = re.compile(r"(did:web:[^:*#%\s]+(?::[^:*#\s]+)*:|https://[^/*#\s]+/[^*#\s]*)\*")

FailureKind = Literal["invalid", "untrusted", "expired"]

@dataclass(frozen=True)
class KeyResolution:
    """What the trust store says about one signing key for one issuer.

    ``public_key`` is None when the key cannot be found at all (the signature cannot be
    checked). ``trusted`` is True only when the key is tied to the issuer at the given time;
    otherwise ``failure`` says how it failed: ``"invalid"`` (malformed ``x5c``),
    ``"untrusted"`` (not tied to the issuer, outside its validity window, revoked, unknown
    root, subject mismatch) or ``"expired"`` (a certificate not valid at the signing time).
    """

    public_key: PublicKey | None
    trusted: bool
    reason: str
    failure: FailureKind | None = None


@dataclass(frozen=True)
class _Method:
    id: str
    public_key: PublicKey
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    revoked: datetime | None = None
    expires: datetime | None = None


@dataclass(frozen=True)
class _Document:
    id: str
    methods: dict[str, _Method]
    assertion: frozenset[str]
    source: str
    content: str  # canonical text, to tell a harmless duplicate from a conflicting one
    operators: frozenset[str] = frozenset()  # from alsoKnownAs: who the issuer may sign passports for



@dataclass(frozen=True)
class TrustAnchor:
    """A root certificate and the issuer ids (or patterns, see the module docstring) it may certify."""

    certificate: x509.Certificate
    scope: tuple[str, ...]
    source: str = "trust anchor"

    def covers(self, issuer: str, pinned: bool) -> bool:
        """Whether this root may certify ``issuer``; a ``pinned`` issuer only when named exactly."""
        if issuer in self.scope:
            return True
        return not pinned and any(
            entry.endswith("*") and issuer.startswith(entry[:-1]) and len(issuer) > len(entry) - 1 for entry in self.scope
        )


def parse_scope(entries: Iterable[str], source: str) -> tuple[str, ...]:
    """Check the issuer ids and patterns of a root's scope; :class:`InvalidInputError` names each bad one."""
    scope, problems = [], []
    for index, entry in enumerate(entries):
        if not isinstance(entry, str):
            problems.append(Problem(f"$[{index}]", "must be an issuer id or pattern (a string)"))
        elif entry.endswith("*"):
            if _SCOPE_PATTERN.fullmatch(entry):
                scope.append(entry)
            else:
                problems.append(Problem(f"$[{index}]", f"{shorten(entry)} is not a pattern: did:web:HOST:* or https://HOST/PATH*"))
        else:
            try:
                scope.append(validate_issuer_id(entry))
            except KeyFormatError as exc:
                problems.append(Problem(f"$[{index}]", str(exc)))
    if not scope and not problems:
        problems.append(Problem("$", "names no issuer: a root certifies only the issuers its scope lists"))
    if problems:
        raise InvalidInputError(problems, source)
    return tuple(scope)


def _load_scope(certificate_file: Path) -> tuple[str, ...]:
    scope_file = certificate_file.with_name(certificate_file.name + SCOPE_SUFFIX)
    if not scope_file.is_file():
        raise InvalidInputError(
            [Problem("$", f"an unscoped root: write {scope_file.name} beside it, listing the issuer ids it may certify")],
            str(certificate_file),
        )
    data = read_bytes(scope_file, limit=_MAX_SCOPE_FILE_BYTES)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInputError([Problem("$", "not UTF-8 text")], str(scope_file)) from None
    # Issuer ids hold no '#' (no fragments), so everything from one on is a comment.
    lines = (line.partition("#")[0].strip() for line in text.splitlines())
    return parse_scope([line for line in lines if line], str(scope_file))
def _named(error: InvalidInputError) -> list[Problem]:
    """``error``'s problems with the file they are in written into their paths."""
    return [Problem(f"{error.source}: {p.path}" if error.source else p.path, p.message) for p in error.problems]


def _did_part(method_id: str) -> str:
    return method_id.partition("#")[0]


def _parse_method(raw: Any, path: str, document_id: str, problems: list[Problem]) -> _Method | None:
    if not isinstance(raw, dict):
        problems.append(Problem(path, "a verification method must be a JSON object"))
        return None
    count = len(problems)
    method_id = raw.get("id")
    if not isinstance(method_id, str) or not method_id or method_id == "#":
        problems.append(Problem(f"{path}.id", "must be a non-empty string (an id or a '#fragment')"))
    method_type = raw.get("type")
    if not isinstance(method_type, str) or method_type not in METHOD_TYPES:
        problems.append(
            Problem(f"{path}.type", f"{shorten(method_type)} is not a supported method type ({', '.join(METHOD_TYPES)})")
        )
    else:
        member = METHOD_TYPES[method_type]
        other = next(m for m in METHOD_TYPES.values() if m != member)
        if member not in raw:
            problems.append(Problem(f"{path}.{member}", f"a {method_type} method needs {member}"))
        if other in raw:
            problems.append(Problem(f"{path}.{other}", f"a {method_type} method must not carry {other}"))
    times: dict[str, datetime | None] = {}
    for name in ("validFrom", "validUntil", "revoked", "expires"):
        times[name] = None
        if name in raw:
            try:
                times[name] = parse_date_time_stamp(raw[name])
            except ValueError as exc:
                problems.append(Problem(f"{path}.{name}", str(exc)))
    if times["validFrom"] and times["validUntil"] and times["validUntil"] <= times["validFrom"]:
        problems.append(Problem(f"{path}.validUntil", "must be later than validFrom"))
    if len(problems) > count:
        return None
    try:
        public_key = verification_method_public_key(raw)
    except KeyFormatError as exc:
        problems.append(Problem(f"{path}.{METHOD_TYPES[method_type]}", str(exc)))
        return None
    absolute_id = absolute_method_id(method_id, document_id)
    if absolute_id.startswith("did:key:"):
        try:
            matches = same_public_key(public_key_from_did_key(absolute_id), public_key)
        except KeyFormatError as exc:
            problems.append(Problem(f"{path}.id", str(exc)))
            return None
        if not matches:
            problems.append(Problem(f"{path}.id", f"{absolute_id} is the did:key of a different key"))
            return None
    return _Method(
        id=absolute_id,
        public_key=public_key,
        valid_from=times["validFrom"],
        valid_until=times["validUntil"],
        revoked=times["revoked"],
        expires=times["expires"],
    )


def _parse_document(raw: Any, source: str) -> _Document:
    """Check one controlled identifier document; every problem is reported with its path."""
    problems: list[Problem] = []
    if not isinstance(raw, dict):
        raise InvalidInputError([Problem("$", "a trust document must be a JSON object (a DID or controlled identifier document)")], source)
    try:
        document_id = validate_issuer_id(raw.get("id"))
    except KeyFormatError as exc:
        raise InvalidInputError([Problem("$.id", str(exc))], source) from None

    methods: dict[str, _Method] = {}
    declared = raw.get("verificationMethod", [])
    if not isinstance(declared, list):
        problems.append(Problem("$.verificationMethod", "must be an array"))
        declared = []
    for index, entry in enumerate(declared):
        method = _parse_method(entry, f"$.verificationMethod[{index}]", document_id, problems)
        if method is not None:
            if method.id in methods:
                problems.append(Problem(f"$.verificationMethod[{index}].id", f"duplicate method id {method.id}"))
            else:
                methods[method.id] = method

    assertion: set[str] = set()
    listed = raw.get("assertionMethod")
    if not isinstance(listed, list) or not listed:
        problems.append(Problem("$.assertionMethod", "must be a non-empty array: it names the keys that may sign for this issuer"))
        listed = []
    for index, entry in enumerate(listed):
        path = f"$.assertionMethod[{index}]"
        if isinstance(entry, dict):
            method = _parse_method(entry, path, document_id, problems)
            if method is not None:
                if methods.setdefault(method.id, method) != method:
                    problems.append(Problem(f"{path}.id", f"method {method.id} is already defined differently"))
                assertion.add(method.id)
            continue
        if not isinstance(entry, str) or not entry:
            problems.append(Problem(path, "must be a method id, a '#fragment' or an embedded method"))
            continue
        method_id = absolute_method_id(entry, document_id)
        if method_id not in methods:
            if not method_id.startswith("did:key:"):
                problems.append(
                    Problem(path, f"refers to {method_id}, which is not defined in this document (only did:key methods resolve by themselves)")
                )
                continue
            try:
                canonical = did_key_verification_method(_did_part(method_id))
            except KeyFormatError as exc:
                problems.append(Problem(path, str(exc)))
                continue
            if canonical != method_id:
                problems.append(Problem(path, f"a did:key method id is {canonical}, not {method_id}"))
                continue
            methods[method_id] = _Method(id=method_id, public_key=public_key_from_did_key(method_id))
        assertion.add(method_id)
    operators: set[str] = set()
    aliases = raw.get("alsoKnownAs", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        problems.append(Problem("$.alsoKnownAs", "must be an array of URIs"))
        aliases = []
    for alias in aliases:
        if (operator := operator_of_urn(alias)) is not None:
            operators.add(operator)
    if problems:
        raise InvalidInputError(problems, source)
    return _Document(
        id=document_id,
        methods=methods,
        assertion=frozenset(assertion),
        source=source,
        content=json.dumps(raw, sort_keys=True, separators=(",", ":")),
        operators=frozenset(operators),
    )


def _load_certificates(path: Path) -> list[x509.Certificate]:
    data = read_bytes(path, limit=_MAX_CERTIFICATE_FILE_BYTES)
    if b"PRIVATE KEY-----" in data:
        raise InvalidInputError(
            [Problem("$", "holds a private key: a trust store takes issuers' public documents (did.json) and root certificates only")],
            str(path),
        )
    try:
        certificates = x509.load_pem_x509_certificates(data)
    except (ValueError, x509.InvalidVersion) as exc:  # InvalidVersion is no ValueError
        raise InvalidInputError([Problem("$", f"not a PEM certificate file ({exc})")], str(path)) from None
    problems = []
    for index, certificate in enumerate(certificates):
        # Extensions and keys are parsed lazily, here: a malformed one is this file's problem.
        try:
            certificate.public_key()
            is_ca = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        except x509.ExtensionNotFound:
            is_ca = False
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            problems.append(Problem(f"$[{index}]", f"malformed certificate ({shorten(str(exc), 200)})"))
            continue
        if not is_ca:
            problems.append(
                Problem(f"$[{index}]", f"{certificate_subject(certificate)} is not a CA certificate: only roots belong in a trust store")
            )
    if problems:
        raise InvalidInputError(problems, str(path))
    return certificates


def _decode_x5c(chain_b64: Any) -> list[x509.Certificate]:
    """x5c entries (RFC 7515 4.1.6: standard base64 of DER, leaf first) as certificates."""
    if not isinstance(chain_b64, list) or not chain_b64:
        raise ValueError("x5c must be a non-empty array of base64 certificates")
    if len(chain_b64) > MAX_X5C_CERTIFICATES:
        raise ValueError(f"x5c holds {len(chain_b64)} certificates, more than {MAX_X5C_CERTIFICATES}")
    certificates = []
    for index, entry in enumerate(chain_b64):
        try:
            der = base64.b64decode(entry, validate=True)
            certificates.append(x509.load_der_x509_certificate(der))
        except (TypeError, binascii.Error, ValueError, x509.InvalidVersion):
            raise ValueError(f"x5c[{index}] is not a base64 DER certificate") from None
    return certificates


def _check_document_signing_eku(policy: Any, certificate: x509.Certificate, extension: Any) -> None:
    if extension is None:
        return
    if DOCUMENT_SIGNING_EKU not in extension and ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE not in extension:
        raise ValueError(f"the Extended Key Usage of {certificate_subject(certificate)} does not include documentSigning (RFC 9336)")


def _san_problem(subjects: Iterable[x509.GeneralName] | None, issuer: str) -> str | None:
    uris = [name.value for name in subjects or () if isinstance(name, x509.UniformResourceIdentifier)]
    dns_names = [name.value.lower() for name in subjects or () if isinstance(name, x509.DNSName)]
    if issuer in uris:
        return None
    host = issuer[len("did:web:") :] if issuer.startswith("did:web:") else None
    # Only a bare did:web host maps to a DNS name; a path or a %3A port does not.
    if host and ":" not in host and "%" not in host and host.lower() in dns_names:
        return None
    return (
        f"the certificate's subject alternative names (URI {uris or 'none'}, DNS {dns_names or 'none'}) "
        f"do not name issuer {issuer}"
    )


class TrustStore:
    """Issuers' controlled identifier documents and X.509 roots; see the module docstring."""

    def __init__(self, documents: Iterable[_Document] = (), roots: Iterable[TrustAnchor] = ()):
        # Use load(), from_documents() or empty(): the constructor takes parsed documents.
        self._documents: dict[str, _Document] = {}
        for document in documents:
            known = self._documents.setdefault(document.id, document)
            if known.content != document.content:
                raise InvalidInputError(
                    [Problem("$.id", f"{document.id} is also defined, differently, in {known.source}: keep one document per issuer")],
                    document.source,
                )
        self._anchors = list(roots)
        try:
            self._store = verification.Store([a.certificate for a in self._anchors]) if self._anchors else None
        except (ValueError, TypeError) as exc:
            raise InvalidInputError([Problem("$", f"the root certificates cannot form a store ({exc})")], "trust store") from None
        self._skipped: tuple[InvalidInputError, ...] = ()

    @classmethod
    def empty(cls) -> TrustStore:
        """A store that trusts nothing (signatures by did:key methods can still be checked)."""
        return cls()

    @classmethod
    def from_documents(
        cls, documents: Iterable[dict[str, Any]], roots: Iterable[tuple[x509.Certificate, Iterable[str]]] = ()
    ) -> TrustStore:
        """A store from documents and scoped roots already in memory.

        ``roots`` are ``(certificate, scope)`` pairs, the scope listing the issuer ids and
        patterns the root may certify (as in a ``.issuers`` file); a bare certificate is refused.
        """
        anchors = []
        for index, root in enumerate(roots):
            source = f"root certificate [{index}]"
            if not isinstance(root, tuple) or len(root) != 2 or isinstance(root[1], str):
                raise InvalidInputError([Problem("$", "an unscoped root: give (certificate, [issuer ids it may certify])")], source)
            certificate, scope = root
            anchors.append(TrustAnchor(certificate, parse_scope(list(scope), source), source))
        return cls([_parse_document(d, f"trust document [{i}]") for i, d in enumerate(documents)], anchors)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> TrustStore:
        """Load a trust document, a PEM root file, or a directory of them (not recursive).

        A malformed document in a directory is left out and listed in :attr:`skipped` (a PEM
        file that holds no certificate is always an error); raises
        :class:`InvalidInputError`, naming each file and the ``$.path`` of each problem, when
        nothing usable remains (or the one file given is malformed).
        """
        path = Path(path)
        if path.is_dir():
            try:
                files = sorted(
                    p for p in path.iterdir()
                    if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in DOCUMENT_SUFFIXES + CERTIFICATE_SUFFIXES
                )
            except OSError as exc:
                raise InvalidInputError([Problem("$", f"cannot read the trust directory: {exc.strerror}")], str(path)) from None
            if not files:
                raise InvalidInputError(
                    [Problem("$", "the trust directory holds no *.json documents and no *.pem/*.crt root certificates")], str(path)
                )
        elif path.is_file():
            if path.suffix.lower() not in DOCUMENT_SUFFIXES + CERTIFICATE_SUFFIXES:
                raise InvalidInputError(
                    [Problem("$", "a trust file is a *.json document or a *.pem/*.crt root certificate file")], str(path)
                )
            files = [path]
        else:
            raise InvalidInputError([Problem("$", "no such file or directory")], str(path))
        documents: list[_Document] = []
        roots: list[TrustAnchor] = []
        skipped: list[InvalidInputError] = []
        for file in files:
            if file.suffix.lower() in CERTIFICATE_SUFFIXES:
                # Never skipped: a PEM that is no certificate may be a private key in the wrong place,
                # and an unscoped root is refused outright.
                certificates = _load_certificates(file)
                scope = _load_scope(file)
                roots.extend(TrustAnchor(certificate, scope, str(file)) for certificate in certificates)
                continue
            try:
                documents.append(_parse_document(load_json_file(file), str(file)))
            except InvalidInputError as exc:
                # One broken document must not take the issuers of all the others with it.
                skipped.append(exc)
        if skipped and not documents and not roots:
            if len(skipped) == 1:
                raise skipped[0]
            raise InvalidInputError([p for exc in skipped for p in _named(exc)], str(path))
        store = cls(documents, roots)
        store._skipped = tuple(skipped)
        return store

    @property
    def skipped(self) -> tuple[InvalidInputError, ...]:
        """The files :meth:`load` left out of the store, each with its problems (``source`` names it)."""
        return self._skipped

    @property
    def issuers(self) -> tuple[str, ...]:
        """The issuer ids that have a document in the store."""
        return tuple(sorted(self._documents))

    def operators_of(self, issuer: str) -> frozenset[str]:
        """The economic operators ``issuer``'s document says it signs for (``alsoKnownAs``); empty
        when it states none or the store has no document for it."""
        document = self._documents.get(issuer)
        return document.operators if document else frozenset()

    @property
    def roots(self) -> tuple[x509.Certificate, ...]:
        """The X.509 root certificates in the store."""
        return tuple(anchor.certificate for anchor in self._anchors)

    @property
    def anchors(self) -> tuple[TrustAnchor, ...]:
        """The root certificates with the issuers each may certify."""
        return tuple(self._anchors)

    def _scope_problem(self, root: x509.Certificate, issuer: str) -> str | None:
        """Why ``root`` may not certify ``issuer`` (None: it may)."""
        pinned = issuer in self._documents
        anchors = [a for a in self._anchors if a.certificate == root]
        if any(anchor.covers(issuer, pinned) for anchor in anchors):
            return None
        scope = sorted({entry for anchor in anchors for entry in anchor.scope})
        sources = ", ".join(sorted({anchor.source for anchor in anchors}))
        pinned_note = f"; {issuer} is pinned by a document in the store, so only a root naming it exactly may certify it" if pinned else ""
        return f"root {certificate_subject(root)} ({sources}) may certify only {', '.join(scope) or 'nobody'}, not issuer {issuer}{pinned_note}"

    def resolve(
        self, verification_method_id: str, issuer: str, at: datetime, *, now: datetime | None = None
    ) -> KeyResolution:
        """The key of ``verification_method_id`` and whether it may sign for ``issuer``.

        ``at`` is when the credential says it was signed (checked against ``validFrom`` /
        ``validUntil``); ``now`` (default: the current time) is checked against ``revoked``
        and ``expires``. A ``#fragment`` id is taken relative to ``issuer``.
        """
        now = now or datetime.now(timezone.utc)
        method_id = absolute_method_id(verification_method_id, issuer)
        document = self._documents.get(issuer)
        if document is None or method_id not in document.methods:
            return self._untrusted_key(method_id, issuer, document)
        method = document.methods[method_id]
        if method_id not in document.assertion:
            return KeyResolution(method.public_key, False, f"method {method_id} is not in assertionMethod of {issuer}", "untrusted")
        for state, cutoff in (("revoked", method.revoked), ("expired", method.expires)):
            if cutoff is not None and now >= cutoff:
                return KeyResolution(
                    method.public_key, False,
                    f"method {method_id} of {issuer} is {state} since {cutoff.isoformat()}: it verifies nothing any more",
                    "untrusted",
                )
        if method.valid_from is not None and at < method.valid_from:
            return KeyResolution(
                method.public_key, False,
                f"method {method_id} may sign for {issuer} only from {method.valid_from.isoformat()}; the credential was signed at {at.isoformat()}",
                "untrusted",
            )
        if method.valid_until is not None and at >= method.valid_until:
            return KeyResolution(
                method.public_key, False,
                f"method {method_id} was retired for {issuer} on {method.valid_until.isoformat()}; the credential was signed at {at.isoformat()}",
                "untrusted",
            )
        return KeyResolution(
            method.public_key, True, f"method {method_id} is an assertionMethod of {issuer} in the trust store ({document.source})"
        )

    def _untrusted_key(self, method_id: str, issuer: str, document: _Document | None) -> KeyResolution:
        """The key of a method that no document of ``issuer`` defines, for the reason message."""
        if method_id.startswith("did:key:"):
            try:
                public_key: PublicKey | None = public_key_from_did_key(method_id)
            except KeyFormatError as exc:
                return KeyResolution(None, False, f"verification method {method_id} is malformed: {exc}", "untrusted")
            if document is None:
                return KeyResolution(
                    public_key, False,
                    f"{method_id} resolved from the did:key identifier, but no trust-store entry ties it to issuer {issuer}",
                    "untrusted",
                )
        else:
            owner = self._documents.get(_did_part(method_id))
            found = owner.methods.get(method_id) if owner else None
            public_key = found.public_key if found else None
            if public_key is None:
                where = f"issuer {issuer} is not in the trust store" if document is None else f"it is not in the document of {issuer}"
                return KeyResolution(None, False, f"verification method {method_id} cannot be resolved: {where}", "untrusted")
        if document is None:
            return KeyResolution(public_key, False, f"issuer {issuer} is not in the trust store", "untrusted")
        return KeyResolution(public_key, False, f"method {method_id} is not in assertionMethod of {issuer}", "untrusted")

    def _verifier(self, at: datetime) -> verification.ClientVerifier:
        ee_policy = verification.ExtensionPolicy.webpki_defaults_ee().may_be_present(
            x509.ExtendedKeyUsage, verification.Criticality.AGNOSTIC, _check_document_signing_eku
        )
        # A CA may be restricted to documentSigning too (the web PKI default asks clientAuth of it).
        ca_policy = verification.ExtensionPolicy.webpki_defaults_ca().may_be_present(
            x509.ExtendedKeyUsage, verification.Criticality.AGNOSTIC, _check_document_signing_eku
        )
        return (
            verification.PolicyBuilder()
            .store(self._store)
            .time(at)
            .extension_policies(ca_policy=ca_policy, ee_policy=ee_policy)
            .build_client_verifier()
        )

    def validate_x5c(self, chain_b64: list[str], issuer: str, at: datetime) -> KeyResolution:
        """Validate an ``x5c`` chain to a root in the store at ``at`` and tie its leaf to ``issuer``.

        The resolution's ``public_key`` is the leaf's key whenever the chain parses, so the
        signature can be checked even when the chain is not trusted.
        """
        try:
            certificates = _decode_x5c(chain_b64)
        except ValueError as exc:
            return KeyResolution(None, False, str(exc), "invalid")
        leaf, intermediates = certificates[0], certificates[1:]
        try:
            public_key: PublicKey = leaf.public_key()  # type: ignore[assignment]
        except (ValueError, UnsupportedAlgorithm) as exc:
            return KeyResolution(None, False, f"x5c[0] public key is unusable: {exc}", "invalid")
        if not (isinstance(public_key, ec.EllipticCurvePublicKey) and isinstance(public_key.curve, ec.SECP256R1)):
            return KeyResolution(None, False, "the x5c leaf must hold a P-256 key: certificate chains secure ES256 only", "invalid")
        if self._store is None:
            return KeyResolution(public_key, False, "the trust store holds no X.509 root certificates", "untrusted")
        try:
            verified = self._verifier(at).verify(leaf, intermediates)
        except verification.VerificationError as exc:
            return self._classify_chain_failure(public_key, leaf, intermediates, issuer, at, exc)
        root = verified.chain[-1]
        problem = _san_problem(verified.subjects, issuer) or self._scope_problem(root, issuer)
        if problem:
            return KeyResolution(public_key, False, problem, "untrusted")
        return KeyResolution(
            public_key, True, f"certificate chain of {certificate_subject(leaf)} leads to trusted root {certificate_subject(root)}, whose scope names {issuer}"
        )

    def _classify_chain_failure(
        self,
        public_key: PublicKey,
        leaf: x509.Certificate,
        intermediates: list[x509.Certificate],
        issuer: str,
        at: datetime,
        error: Exception,
    ) -> KeyResolution:
        """Tell "valid chain, wrong time" (expired) from every other failure (untrusted)."""
        certificates = [leaf, *intermediates]
        start = max(c.not_valid_before_utc for c in certificates)
        end = min(c.not_valid_after_utc for c in certificates)
        if start <= end:
            # Retry at a time when every supplied certificate is valid: if the chain then
            # validates, time was its only fault.
            try:
                verified = self._verifier(start).verify(leaf, intermediates)
            except verification.VerificationError:
                pass
            else:
                problem = _san_problem(verified.subjects, issuer) or self._scope_problem(verified.chain[-1], issuer)
                if problem:
                    return KeyResolution(public_key, False, problem, "untrusted")
                reasons = certificate_validity_problems(verified.chain, at)
                if reasons:
                    return KeyResolution(public_key, False, "; ".join(reasons), "expired")
        return KeyResolution(public_key, False, f"certificate chain of {certificate_subject(leaf)} is not trusted: {error}", "untrusted")
