"""The passport's life after it is built: updates, status changes, end of life, second life.

Every change is a new version (Art. 77(4)): the passport id stays, the version gets its own
credential id, number and time, and a digest-pinned link to the version it supersedes
(:class:`~batterypass.model.lifecycle.Lifecycle`). A version is written under a name of its
own and never replaces a file, so two updates of the same version cannot both land (the
second finds the name taken: no fork). Nothing follows a version that records the battery
as recycled (Art. 77(8)).

Contract of :func:`update_passport`, :func:`end_of_life` and :func:`second_life`: they read
the version(s) they start from as issued (the issuer's own files, unverified: ``history``
verifies), raise :class:`~batterypass.errors.InvalidInputError` naming the field or file
before anything is written, and return the :class:`~batterypass.issuing.issuance.IssuedPassport`
they wrote.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, get_args

from ..errors import BatteryPassError, InvalidInputError, Problem
from ..jsonio import read_bytes
from ..law.passport_content import check_passport_subject
from ..model.dynamic import BatteryCondition
from ..law import identifiers
from ..model.build_data import BuildData
from ..model.lifecycle import ChangeKind, ChangeRequest, Lifecycle, OriginalPassport, SecondLifeOperation, VersionLink
from ..model.passport import Passport, ResponsibleOperator
from ..model.validation import validate_model
from ..securing.credential import is_passport_credential
from ..securing.data_integrity import digest_sri
from ..securing.status_list import StatusListAllocator
from ..verifying.documents import credential_of, load_document
from .assemble import build_passport, parse_build_data, qr_resolver
from .issuance import IssuedPassport, QrOptions, Signer, passport_files, write_passport

#: How far a record's time may lie ahead of this machine's clock (clocks of BMS and servers differ).
CLOCK_SKEW = timedelta(minutes=5)
#: The article that moves responsibility for a passport at each kind of transfer.
WASTE_ARTICLE = "Art. 77(8) of Regulation (EU) 2023/1542"
SECOND_LIFE_ARTICLE = "Art. 77(7) of Regulation (EU) 2023/1542"
END_OF_LIFE_STATUSES = ("waste", "recycled")


class PassportCeasedError(BatteryPassError):
    """The passport's battery is recycled: its last version was final (Art. 77(8))."""


@dataclass(frozen=True)
class IssuedVersion:
    """One issued version as read from its file: the document as signed, its credential, its passport."""

    path: Path
    document: dict[str, Any]
    credential: dict[str, Any]
    passport: Passport

    @classmethod
    def of(cls, issued: IssuedPassport) -> IssuedVersion:
        """The version an issue just wrote, to start the next change from."""
        return cls(issued.files["passport"], issued.document, credential_of(issued.document)[0], issued.passport)

    @property
    def link(self) -> VersionLink:
        """The digest-pinned link a later version (or a second-life passport) makes to this one."""
        return VersionLink(id=self.credential["id"], digestSRI=digest_sri(self.document))


def read_version(path: str | os.PathLike[str]) -> IssuedVersion:
    """Read an issued passport version (signed or not) from ``path``; errors name the file."""
    source = str(path)
    document = load_document(read_bytes(path), source)
    if isinstance(document, str):
        raise InvalidInputError([Problem("$", "a bare compact JWS: give the passport file build or update wrote")], source)
    try:
        credential, _ = credential_of(document)
    except BatteryPassError as exc:
        raise InvalidInputError([Problem("$", str(exc))], source) from None
    if not is_passport_credential(credential):
        raise InvalidInputError([Problem("$.type", "is not a battery passport credential")], source)
    try:
        passport = check_passport_subject(credential.get("credentialSubject"), credential.get("id"))
    except InvalidInputError as exc:
        raise InvalidInputError(exc.problems, source) from None
    return IssuedVersion(Path(path), document, credential, passport)


def _record_time(moment: datetime, issued_at: datetime, path: str) -> datetime:
    """A record cannot postdate the version that states it (issued now, or at ``--issued-at``)."""
    if moment > issued_at + CLOCK_SKEW:
        raise InvalidInputError([Problem(path, f"{moment.isoformat()} is in the future: the version is issued at {issued_at.isoformat()}")])
    return moment


def _next_version(
    previous: IssuedVersion,
    changes: list[ChangeKind],
    changed_at: datetime,
    *,
    reason: str | None = None,
    subject: dict[str, Any] | None = None,
    records: list[BatteryCondition] | None = None,
    responsibility_article: str | None = None,
    ceased: bool = False,
    source: str | None = None,
) -> Passport:
    """The passport of the version after ``previous``: its subject (default: unchanged) with a new lifecycle."""
    before = previous.passport
    if before.lifecycle and before.lifecycle.ceased:
        raise PassportCeasedError(
            f"{previous.path}: the battery is recycled and version {before.version} was final; the passport has ceased (Art. 77(8))"
        )
    if before.lifecycle and changed_at < before.lifecycle.changedAt:
        raise InvalidInputError(
            [Problem("$.recordedAt", f"{changed_at.isoformat()} is before version {before.version}'s change at "
                     f"{before.lifecycle.changedAt.isoformat()}")], source)
    data = subject if subject is not None else before.model_dump(mode="json", exclude_none=True)
    lifecycle = Lifecycle(
        version=before.version + 1,
        changedAt=changed_at,
        changes=changes,
        reason=reason,
        supersedes=previous.link,
        responsibilityArticle=responsibility_article,
        conditionRecords=records or [],
        originalPassports=before.lifecycle.originalPassports if before.lifecycle else [],
        ceased=ceased,
    )
    data["lifecycle"] = lifecycle.model_dump(mode="json", exclude_none=True)
    data["id"] = before.id
    try:
        return check_passport_subject(data)
    except InvalidInputError as exc:
        raise InvalidInputError(exc.problems, source) from None


def _merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON merge patch: objects merge member by member, ``null`` removes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = _merge_patch(result.get(name), value)
    return result


#: Members a correction may not touch: the passport's identity and the version chain are not data.
_NOT_CORRECTABLE = ("id", "type", "lifecycle", "passportVersion")


def update_passport(
    previous: str | os.PathLike[str] | IssuedVersion,
    change: ChangeRequest | dict[str, Any],
    out_dir: str | os.PathLike[str],
    *,
    signer: Signer | None = None,
    issued_at: datetime | None = None,
    status_list: StatusListAllocator | None = None,
    source: str | None = None,
    durable: bool = True,
) -> IssuedPassport:
    """Issue the version after ``previous`` recording ``change`` (``update.state-of-health.json``'s shape).

    A condition record (``dynamic``), a status change and corrected data (a merge patch of the
    passport, with a ``reason``) may come together. Refused: a record time more than
    :data:`CLOCK_SKEW` after the version's issue time (``issued_at``, default now) or before
    the previous change, a status of ``waste``
    (that is :func:`end_of_life`'s, which moves responsibility), anything after a final version.
    """
    version = previous if isinstance(previous, IssuedVersion) else read_version(previous)
    request = change if isinstance(change, ChangeRequest) else validate_model(ChangeRequest, change, source)
    issue_time = (issued_at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    moment = _record_time(request.recordedAt.astimezone(timezone.utc), issue_time, "$.recordedAt")
    subject = version.passport.model_dump(mode="json", exclude_none=True)
    changes: list[ChangeKind] = []
    records = []
    if request.dynamic is not None:
        if request.source == "placing-on-market":
            raise InvalidInputError([Problem("$.source", "an update records bms, service or test values")], source)
        members = {"recordedAt": request.recordedAt.isoformat(), "source": request.source, **request.dynamic}
        records.append(validate_model(BatteryCondition, members, source, prefix=("dynamic",)))
        changes.append("condition")
    if request.corrections is not None:
        touched = [name for name in _NOT_CORRECTABLE if name in request.corrections]
        if touched:
            raise InvalidInputError([Problem(f"$.corrections.{name}", "cannot be corrected") for name in touched], source)
        subject = _merge_patch(subject, request.corrections)
        changes.append("correction")
    if request.status is not None:
        if request.status == "waste":
            raise InvalidInputError([Problem("$.status", "use end-of-life for waste: responsibility moves with it")], source)
        subject.setdefault("generalProductInformation", {})["batteryStatus"] = request.status
        changes.append("status")
    passport = _next_version(
        version, changes, moment, reason=request.reason, subject=subject, records=records, source=source
    )
    return _write_version(passport, out_dir, signer, issued_at, status_list, durable)


def end_of_life(
    previous: str | os.PathLike[str] | IssuedVersion,
    status: str,
    out_dir: str | os.PathLike[str],
    *,
    signer: Signer | None = None,
    operator: ResponsibleOperator | dict[str, Any] | None = None,
    reason: str | None = None,
    issued_at: datetime | None = None,
    status_list: StatusListAllocator | None = None,
) -> IssuedPassport:
    """The version that records the battery as ``waste`` or as ``recycled``.

    At waste, responsibility moves (Art. 77(8)) to ``operator``: the producer by default (the
    manufacturer, as producer), or the producer responsibility organisation or waste
    management operator named. ``recycled`` is the final version, signed by whoever is then
    responsible: the passport ceases.
    """
    if status not in END_OF_LIFE_STATUSES:
        raise InvalidInputError([Problem("--status", f"must be one of {', '.join(END_OF_LIFE_STATUSES)}")])
    version = previous if isinstance(previous, IssuedVersion) else read_version(previous)
    moment = (issued_at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    subject = version.passport.model_dump(mode="json", exclude_none=True)
    general = subject["generalProductInformation"]
    general["batteryStatus"] = "waste"
    if status == "waste":
        maker = version.passport.generalProductInformation.manufacturerInformation
        chosen = operator or {"identifier": maker.identifier, "name": maker.name, "role": "producer"}
        general["responsibleOperator"] = chosen.model_dump(mode="json", exclude_none=True) if isinstance(chosen, ResponsibleOperator) else chosen
        passport = _next_version(
            version, ["status", "responsibility"], moment, subject=subject,
            reason=reason or "the battery has become waste", responsibility_article=WASTE_ARTICLE,
        )
    else:
        passport = _next_version(
            version, ["ceased"], moment, subject=subject, reason=reason or "the battery has been recycled", ceased=True
        )
    return _write_version(passport, out_dir, signer, issued_at, status_list, True)


def _write_version(
    passport: Passport,
    out_dir: str | os.PathLike[str],
    signer: Signer | None,
    issued_at: datetime | None,
    status_list: StatusListAllocator | None,
    durable: bool,
) -> IssuedPassport:
    target = passport_files(passport.id, out_dir, version=passport.version)["passport"]
    try:
        return write_passport(
            passport, out_dir, signer=signer, qr_options=QrOptions(enabled=False), issued_at=issued_at,
            status_list=status_list, durable=durable,
        )
    except FileExistsError:
        raise InvalidInputError(
            [Problem("$", f"version {passport.version} already exists ({target}): update the current version, not an older one")],
            str(target),
        ) from None


#: The operation a second-life battery's status implies when none is given (Art. 2 definitions).
OPERATION_OF_STATUS = {"re-used": "preparation-for-re-use", "repurposed": "repurposing", "remanufactured": "remanufacturing"}


def second_life_passport_id(build: BuildData, originals: list[IssuedVersion]) -> str:
    """A second-life battery's passport id: new even when it keeps an original's GTIN and serial.

    The battery's identifiers alone would give the original's id back (same manufacturer
    identifier, GTIN and serial); adding the original passport ids keeps it deterministic
    (a rerun gives the same id) and distinct.
    """
    battery = build.battery
    base = identifiers.passport_id(build.manufacturer.identifier, battery.serialNumber, battery.gtin)
    return identifiers.passport_id(base, "second-life:" + ",".join(sorted(o.passport.id for o in originals)))


def second_life(
    originals: list[str | os.PathLike[str] | IssuedVersion],
    build_data: BuildData | dict[str, Any],
    out_dir: str | os.PathLike[str],
    *,
    signer: Signer | None = None,
    operation: str | None = None,
    voluntary: bool = False,
    qr_options: QrOptions = QrOptions(),
    issued_at: datetime | None = None,
    status_list: StatusListAllocator | None = None,
    source: str | None = None,
) -> tuple[IssuedPassport, list[IssuedPassport]]:
    """The new passport of a battery made from ``originals`` (Art. 77(7)), and the originals' status changes.

    The new passport is built from ``build_data`` as ``build`` would (Art. 77(1) judged on its
    own placing-on-market date; due diligence does not apply), with a new id, and links to
    the current version of each original with the ``operation`` (default: from
    ``battery.status``). Each original gets a version recording its new status and that
    responsibility passed to the new operator (written beside the original's file).
    """
    versions = [o if isinstance(o, IssuedVersion) else read_version(o) for o in originals]
    build = build_data if isinstance(build_data, BuildData) else parse_build_data(build_data, source)
    status = build.battery.status
    chosen = operation or OPERATION_OF_STATUS.get(status)
    if chosen is None:
        raise InvalidInputError([Problem("$.battery.status", f"is {status!r}: give --operation, or the status re-used, repurposed or remanufactured")], source)
    if chosen not in get_args(SecondLifeOperation):
        raise InvalidInputError([Problem("--operation", f"must be one of {', '.join(get_args(SecondLifeOperation))}")], source)
    if len({v.passport.id for v in versions}) != len(versions):
        raise InvalidInputError([Problem("ORIGINAL", "the same original passport is named twice")], source)
    for version in versions:
        if version.passport.lifecycle and version.passport.lifecycle.ceased:
            raise PassportCeasedError(f"{version.path}: the original battery was recycled; its passport has ceased")
    moment = (issued_at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    built = build_passport(build, voluntary=voluntary, resolver=qr_options.resolver, source=source)
    new_id = second_life_passport_id(build, versions)
    general = built.generalProductInformation
    resolver = qr_resolver(build, qr_options.resolver)[0]
    # Without a GTIN the link names the passport id, which is new.
    url = identifiers.qr_link(resolver, new_id, general.gtin, general.serialNumber) if resolver else None
    lifecycle = Lifecycle(
        version=1, changedAt=moment, changes=["responsibility"], responsibilityArticle=SECOND_LIFE_ARTICLE,
        reason=f"{chosen} of {len(versions)} original batter{'y' if len(versions) == 1 else 'ies'}",
        originalPassports=[OriginalPassport(passportId=v.passport.id, version=v.link, operation=chosen) for v in versions],
    )
    passport = built.model_copy(update={
        "id": new_id,
        "generalProductInformation": general.model_copy(update={"batteryPassportIdentifier": new_id, "passportUrl": url}),
        "lifecycle": lifecycle,
    })
    passport = check_passport_subject(passport.model_dump(mode="json", exclude_none=True))
    # The originals' status changes are prepared first, so bad input writes nothing at all.
    original_status = {"preparation-for-re-use": "re-used", "remanufacturing": "remanufactured"}.get(chosen, "repurposed")
    updated = []
    incoming = {"identifier": build.manufacturer.identifier, "name": build.manufacturer.name, "role": "manufacturer"}
    for version in versions:
        subject = version.passport.model_dump(mode="json", exclude_none=True)
        subject["generalProductInformation"]["batteryStatus"] = original_status
        subject["generalProductInformation"]["responsibleOperator"] = incoming
        updated.append(_next_version(
            version, ["status", "responsibility"], moment, subject=subject, responsibility_article=SECOND_LIFE_ARTICLE,
            reason=f"{chosen}: made into the battery of passport {new_id} by {build.manufacturer.name}",
        ))
    for later, version in zip(updated, versions):
        if (taken := passport_files(later.id, version.path.parent, version=later.version)["passport"]).exists():
            raise InvalidInputError(
                [Problem("ORIGINAL", f"version {later.version} already exists ({taken}): name the current version")], str(version.path)
            )
    issued = write_passport(passport, out_dir, signer=signer, qr_options=qr_options, issued_at=issued_at,
                            status_list=status_list, source=source)
    changed = [_write_version(p, v.path.parent, signer, issued_at, status_list, True) for p, v in zip(updated, versions)]
    return issued, changed
