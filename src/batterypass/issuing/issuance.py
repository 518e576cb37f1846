"""Issue one passport: assemble it, wrap it as a credential, sign it, and write it with its QR code.

This is the one path from build data to files; ``build``, ``batch`` and library users all
take it, so a passport written by any of them is the same. Files are written atomically, the
QR files first and the passport last, so a passport file on disk means the set is complete.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..carriers import qr
from .assemble import build_passport
from ..securing.credential import passport_credential
from ..errors import InvalidInputError, Problem
from ..law.identifiers import version_credential_id
from ..jsonio import dumps_pretty, write_atomic
from ..securing.keys import IssuerIdentity, IssuerKey, load_signer
from ..model.build_data import BuildData
from ..securing.jose import ENVELOPE_TYPE
from ..model.passport import Passport
from ..securing.signing import DATA_INTEGRITY, sign_credential
from ..securing.status_list import StatusListAllocator



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
        chain = Path(cert_chain).read_bytes() if cert_chain else None
        return cls(key, identity, envelope, chain)

    def sign(self, credential: dict[str, Any], created: str) -> dict[str, Any]:
        return sign_credential(credential, self.key, self.identity, self.envelope, self.cert_chain_pem, created)


@dataclass(frozen=True)
class QrOptions:
    """What QR files to write. ``resolver`` overrides the build data's resolver."""

    enabled: bool = True
    resolver: str | None = None
    formats: tuple[str, ...] = qr.FORMATS
    module_mm: float = qr.DEFAULT_MODULE_MM

    def __post_init__(self) -> None:
        # Checked here, when the options are made: a batch fails up front, not item by item.
        if self.enabled:
            qr.check_print_options(self.module_mm, self.formats)


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
    """
    stem = passport_id.removeprefix("urn:uuid:")
    return stem if version == 1 else f"{stem}.v{version}"


def passport_files(
    passport_id: str, out_dir: str | os.PathLike[str], qr_options: QrOptions = QrOptions(), version: int = 1
) -> dict[str, Path]:
    """The files :func:`issue_passport` writes for ``passport_id``, by the names it reports them under.

    Known before anything is built, so a caller can look for a passport issued earlier. The QR
    code is the passport's, not a version's: only version 1 writes one.
    """
    stem = Path(out_dir) / passport_file_stem(passport_id, version)
    formats = qr_options.formats if qr_options.enabled and version == 1 else ()
    return {**{f"qr{fmt.capitalize()}": Path(f"{stem}.qr.{fmt}") for fmt in formats}, "passport": Path(f"{stem}.json")}


def issue_passport(
    build_data: BuildData | dict[str, Any],
    out_dir: str | os.PathLike[str],
    *,
    signer: Signer | None = None,
    qr_options: QrOptions = QrOptions(),
    issued_at: datetime | None = None,
    voluntary: bool = False,
    source: str | None = None,
    durable: bool = True,
    valid_until: datetime | None = None,
    status_list: StatusListAllocator | None = None,
) -> IssuedPassport:
    """Build, wrap, sign (when ``signer`` is given) and write one passport and its QR files.

    Raises what :func:`~batterypass.assemble.build_passport` raises, before anything is written.
    ``durable`` is :func:`~batterypass.jsonio.write_atomic`'s.
    """
    passport = build_passport(build_data, voluntary=voluntary, resolver=qr_options.resolver, source=source)
    return write_passport(
        passport, out_dir, signer=signer, qr_options=qr_options, issued_at=issued_at, source=source, durable=durable,
        valid_until=valid_until, status_list=status_list,
    )


def write_passport(
    passport: Passport,
    out_dir: str | os.PathLike[str],
    *,
    signer: Signer | None = None,
    qr_options: QrOptions = QrOptions(),
    issued_at: datetime | None = None,
    source: str | None = None,
    durable: bool = True,
    valid_until: datetime | None = None,
    status_list: StatusListAllocator | None = None,
) -> IssuedPassport:
    """The second half of :func:`issue_passport`: wrap, sign and write a passport already built
    (with ``qr_options.resolver``, so that its recorded link is the one the QR code shows).

    With ``status_list`` the credential gets the list's next free entry. A version after the
    first (``passport.lifecycle``) is written to a name of its own and never replaces a file
    (:class:`FileExistsError` if the version exists); it writes no QR code. Version 1 is not
    replaced once a later version exists.
    """
    url = passport.generalProductInformation.passportUrl
    first = passport.version == 1
    if qr_options.enabled and first and url is None:
        raise InvalidInputError([Problem("$.passport.resolverUrl", _NO_RESOLVER)], source)
    if first and passport_files(passport.id, out_dir, version=2)["passport"].exists():
        # Replacing version 1 would break the link its successor pins: changes are versions.
        raise InvalidInputError(
            [Problem("$", f"passport {passport.id} already has later versions in {out_dir}: record changes with update")], source
        )
    credential = passport_credential(passport, issued_at, valid_until)
    if status_list is not None:
        credential["credentialStatus"] = status_list.next_entry()
    document = signer.sign(credential, created=credential["validFrom"]) if signer else credential

    out = Path(out_dir)
    stem = passport_file_stem(passport.id, passport.version)
    files: dict[str, Path] = {}
    side = None
    if qr_options.enabled and first:
        assert url is not None
        symbol = qr.encode_qr(url)
        side = symbol.side_mm(qr_options.module_mm)
        written = qr.write_qr_files(symbol, out / f"{stem}.qr", qr_options.module_mm, qr_options.formats, durable=durable)
        files.update({f"qr{fmt.capitalize()}": path for fmt, path in written.items()})
    files["passport"] = write_atomic(out / f"{stem}.json", dumps_pretty(document), durable=durable, overwrite=first)
    return IssuedPassport(passport, document, files, url if qr_options.enabled and first else None, side)
