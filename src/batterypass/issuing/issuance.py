"""Issue one passport: assemble it, wrap it as a credential, sign it, and write it with its QR code.

This is the one path from build data to files; ``build``, ``batch`` and library users all
take it, so a passport written by any of them is the same. Files are written atomically, the
QR files first, then the audience views (:mod:`.views`), the full passport credential last, so
a passport file on disk means the set is complete.
"""

from __future__ import annotations

import base64
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ..carriers import qr
from .assemble import build_passport
from ..law.acts import ActsTable
from ..securing.credential import credential_issuer_id, passport_credential
from ..errors import BatteryPassError, InvalidInputError, Problem, shorten
from ..law.identifiers import version_credential_id
from ..jsonio import dumps_pretty, read_bytes, write_atomic
from ..securing.keys import IssuerIdentity, IssuerKey, load_signer
from ..model.build_data import BuildData
from ..securing import jose
from ..securing.data_integrity import ProofError, check_proof, verify_checked_proof
from ..securing.jose import ENVELOPE_TYPE
from ..model.passport import Passport
from ..securing.signing import DATA_INTEGRITY, sign_credential
from ..model.access import Access
from ..securing.status_list import StatusListAllocator
from ..securing.documents import credential_of, load_document
from .views import ALL_AUDIENCES, view_file_key, view_path, write_views



#: Largest --cert-chain file read (a leaf and a few intermediates are a few KB).
MAX_CERT_CHAIN_BYTES = 256 * 1024
#: A passport id as files are named after it: ``urn:uuid:`` and a UUID in canonical (lowercase) form.
_PASSPORT_ID = re.compile(r"urn:uuid:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")
_NO_RESOLVER = "no https resolver for the QR link: give --resolver, passport.resolverUrl or an https manufacturer.web"


@dataclass(frozen=True)
class Signer:
    """An issuing key, the identity it signs as, and how it secures credentials."""

    key: IssuerKey
    identity: IssuerIdentity
    envelope: str = DATA_INTEGRITY
    cert_chain_pem: bytes | None = None

    @classmethod
    def from_files(
        cls,
        private_key: str | os.PathLike[str],
        passphrase: bytes | None = None,
        envelope: str = DATA_INTEGRITY,
        cert_chain: str | os.PathLike[str] | None = None,
    ) -> Signer:
        """Load ``private.pem`` (and the ``did.json`` beside it) and an optional PEM chain."""
        key, identity = load_signer(private_key, passphrase)
        chain = read_bytes(cert_chain, limit=MAX_CERT_CHAIN_BYTES) if cert_chain else None
        return cls(key, identity, envelope, chain)

    def sign(self, credential: dict[str, Any], created: str) -> dict[str, Any]:
        return sign_credential(credential, self.key, self.identity, self.envelope, self.cert_chain_pem, created)

    def signature_problem(self, document: dict[str, Any] | str) -> str | None:
        """Why ``document`` is not signed by this signer as it is now (None: it is).

        It must carry a signature in this signer's envelope, by its current key, naming its
        verification method (and, for a chain, carrying its current chain), and the signature
        must verify. A batch rerun keeps only passports that pass.
        """
        try:
            if self.envelope == DATA_INTEGRITY:
                if not isinstance(document, dict) or "proof" not in document:
                    return "it has no Data Integrity proof"
                proof = check_proof(document)
                if proof.verification_method != self.identity.verification_method:
                    return f"it is signed by {proof.verification_method}, not by the current key {self.identity.verification_method}"
                verify_checked_proof(proof, {k: v for k, v in document.items() if k != "proof"}, self.key.public_key)
                return None
            token = jose.unwrap_envelope(document) if isinstance(document, dict) else document
            parsed = jose.parse_compact(token)
            if parsed.header.get("kid") != self.identity.verification_method:
                return f"it is signed by {parsed.header.get('kid')!r}, not by the current key {self.identity.verification_method}"
            if parsed.header.get("x5c") != self._x5c():
                return "its certificate chain is not the current one"
            jose.verify_signature(parsed, self.key.public_key)
            return None
        except (ProofError, jose.JoseError) as exc:
            return f"its signature does not verify: {exc.reason}"

    def _x5c(self) -> list[str] | None:
        if self.cert_chain_pem is None:
            return None
        certificates = x509.load_pem_x509_certificates(self.cert_chain_pem)
        return [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode("ascii") for c in certificates]


@dataclass(frozen=True)
class QrOptions:
    """What QR files to write. ``resolver`` overrides the build data's resolver; ``label`` is
    the human-readable line under the code (:data:`~batterypass.carriers.qr.LABEL_CHOICES` or
    ``text:ANYTHING``)."""

    enabled: bool = True
    resolver: str | None = None
    formats: tuple[str, ...] = qr.FORMATS
    module_mm: float = qr.DEFAULT_MODULE_MM
    label: str = "identifier"

    def __post_init__(self) -> None:
        # Checked here, when the options are made: a batch fails up front, not item by item.
        if self.enabled:
            qr.check_print_options(self.module_mm, self.formats)
            qr.label_text(self.label, "", "")


@dataclass(frozen=True)
class IssuedPassport:
    """What :func:`issue_passport` made and wrote."""

    passport: Passport
    document: dict[str, Any]
    files: dict[str, Path] = field(default_factory=dict)
    url: str | None = None
    qr_side_mm: float | None = None

    @property
    def passport_id(self) -> str:
        return self.passport.id

    @property
    def document_credential_id(self) -> str:
        return version_credential_id(self.passport.id, self.passport.version)

    def summary(self) -> dict[str, Any]:
        """The ``--json`` description of what was written."""
        out: dict[str, Any] = {
            "passportId": self.passport.id,
            "version": self.passport.version,
            "credentialId": self.document_credential_id,
            "batteryIdentifier": self.passport.generalProductInformation.batteryIdentifier,
            "signed": "proof" in self.document or self.document.get("type") == ENVELOPE_TYPE,
            "voluntary": self.passport.generalProductInformation.voluntary,
            "files": {name: str(path) for name, path in self.files.items()},
        }
        if self.url:
            out["url"] = self.url
            out["qrSideMm"] = self.qr_side_mm
        return out


def passport_file_stem(passport_id: str, version: int = 1) -> str:
    """File names are the passport's UUID: unique, stable across runs, safe on every filesystem.

    Version 1 is ``<uuid>``, later versions ``<uuid>.v<N>``: every version a file of its own.
    Anything but a ``urn:uuid:`` URN with a canonical UUID raises :class:`InvalidInputError`
    before a path is made of it: an id such as ``urn:uuid:../../x`` must not name a file
    outside the output directory.
    """
    match = _PASSPORT_ID.fullmatch(passport_id) if isinstance(passport_id, str) else None
    if match is None:
        raise InvalidInputError([Problem("$.id", f"{shorten(passport_id)} is not a urn:uuid: passport id; nothing was written")])
    stem = match[1]
    return stem if version == 1 else f"{stem}.v{version}"


def passport_path(passport_id: str, out_dir: str | os.PathLike[str], version: int = 1) -> Path:
    """The full credential's file of version ``version`` of ``passport_id`` in ``out_dir``."""
    return Path(out_dir) / f"{passport_file_stem(passport_id, version)}.json"


def passport_files(
    passport_id: str,
    out_dir: str | os.PathLike[str],
    qr_options: QrOptions = QrOptions(),
    views: tuple[Access, ...] = ALL_AUDIENCES,
    version: int = 1,
) -> dict[str, Path]:
    """The files :func:`issue_passport` writes for ``passport_id``, by the names it reports them under.

    Known before anything is built, so a caller can look for a passport issued earlier. The QR
    code is the passport's, not a version's: only version 1 writes one.
    """
    full = passport_path(passport_id, out_dir, version)
    formats = qr_options.formats if qr_options.enabled and version == 1 else ()
    return {
        **{f"qr{fmt.capitalize()}": full.with_name(f"{full.stem}.qr.{fmt}") for fmt in formats},
        **{view_file_key(audience): view_path(full, audience) for audience in views},
        "passport": full,
    }


class OtherIssuerError(BatteryPassError):
    """The output already holds this battery's passport, signed by another issuer."""


def _other_signed_issuer(path: Path, issuer: str) -> str | None:
    """The issuer of the signed passport at ``path`` when it is not ``issuer``; None otherwise
    (no file, an unsigned or unreadable one: nobody's signature is lost by replacing it)."""
    if not os.path.exists(path):
        return None
    try:
        credential, envelope = credential_of(load_document(read_bytes(path), str(path)))
    except BatteryPassError:
        return None
    found = credential_issuer_id(credential)
    return str(found) if envelope and found != issuer else None


def issue_passport(
    build_data: BuildData | dict[str, Any],
    out_dir: str | os.PathLike[str],
    *,
    signer: Signer | None = None,
    qr_options: QrOptions = QrOptions(),
    issued_at: datetime | None = None,
    voluntary: bool = False,
    views: tuple[Access, ...] = ALL_AUDIENCES,
    source: str | None = None,
    durable: bool = True,
    valid_until: datetime | None = None,
    status_list: StatusListAllocator | None = None,
    replace_other_issuer: bool = False,
    acts: ActsTable | None = None,
) -> IssuedPassport:
    """Build, wrap, sign (when ``signer`` is given) and write one passport, its audience views
    (``views``, default one per audience; see :mod:`.views`) and its QR files.

    Raises what :func:`~batterypass.assemble.build_passport` raises, before anything is written.
    ``durable`` is :func:`~batterypass.jsonio.write_atomic`'s; ``replace_other_issuer`` is
    :func:`write_passport`'s; ``acts`` the acts table the dates are judged under (default: the
    built-in one).
    """
    passport = build_passport(build_data, voluntary=voluntary, resolver=qr_options.resolver, source=source, acts=acts)
    return write_passport(
        passport, out_dir, signer=signer, qr_options=qr_options, issued_at=issued_at, views=views, source=source,
        durable=durable, valid_until=valid_until, status_list=status_list, replace_other_issuer=replace_other_issuer,
    )


def write_passport(
    passport: Passport,
    out_dir: str | os.PathLike[str],
    *,
    signer: Signer | None = None,
    qr_options: QrOptions = QrOptions(),
    issued_at: datetime | None = None,
    views: tuple[Access, ...] = ALL_AUDIENCES,
    source: str | None = None,
    durable: bool = True,
    valid_until: datetime | None = None,
    status_list: StatusListAllocator | None = None,
    replace_other_issuer: bool = False,
) -> IssuedPassport:
    """The second half of :func:`issue_passport`: wrap, sign and write a passport already built
    (with ``qr_options.resolver``, so that its recorded link is the one the QR code shows).

    With ``status_list`` the credential gets the list's next free entry. A version after the
    first (``passport.lifecycle``) is written to a name of its own and never replaces a file
    (:class:`FileExistsError` if the version exists); it writes no QR code. Version 1 is not
    replaced once a later version exists. A passport file already in ``out_dir`` that another
    issuer signed is not replaced (:class:`OtherIssuerError`, naming both) unless
    ``replace_other_issuer`` is set.
    """
    stem = passport_file_stem(passport.id, passport.version)  # refuses an id that is no file name, before anything else
    url = passport.generalProductInformation.passportUrl
    first = passport.version == 1
    if qr_options.enabled and first and url is None:
        raise InvalidInputError([Problem("$.passport.resolverUrl", _NO_RESOLVER)], source)
    full = Path(out_dir) / f"{stem}.json"
    if first and os.path.exists(passport_path(passport.id, out_dir, version=2)):
        # Replacing version 1 would break the link its successor pins: changes are versions.
        raise InvalidInputError(
            [Problem("$", f"passport {passport.id} already has later versions in {out_dir}: record changes with update")], source
        )
    credential = passport_credential(passport, issued_at, valid_until)
    issuer = signer.identity.id if signer else credential["issuer"]["id"]
    if not replace_other_issuer and (other := _other_signed_issuer(full, issuer)):
        raise OtherIssuerError(
            f"{full} is signed by {other}; this run issues as {issuer}: refusing to replace "
            "another issuer's passport (--replace-other-issuer to do it anyway)"
        )
    if status_list is not None:  # after every refusal: a refused passport takes no entry
        credential["credentialStatus"] = status_list.next_entry()
    document = signer.sign(credential, created=credential["validFrom"]) if signer else credential

    files: dict[str, Path] = {}
    side = None
    if qr_options.enabled and first:
        assert url is not None
        symbol = qr.encode_qr(url)
        side = symbol.side_mm(qr_options.module_mm)
        general = passport.generalProductInformation
        label = qr.label_text(qr_options.label, general.batteryIdentifier, general.serialNumber)
        written = qr.write_qr_files(
            symbol, full.with_name(f"{stem}.qr"), qr_options.module_mm, qr_options.formats, label=label, durable=durable
        )
        files.update({f"qr{fmt.capitalize()}": path for fmt, path in written.items()})
    if first:
        files.update(write_views(passport, credential, full, signer=signer, audiences=views, durable=durable))
        files["passport"] = write_atomic(full, dumps_pretty(document), durable=durable)
    else:
        # A later version claims its name first (atomically: two writers cannot both win), then
        # its views follow, so a loser never overwrites the winner's views.
        files["passport"] = write_atomic(full, dumps_pretty(document), durable=durable, overwrite=False)
        files.update(write_views(passport, credential, full, signer=signer, audiences=views, durable=durable))
    return IssuedPassport(passport, document, files, url if qr_options.enabled and first else None, side)
