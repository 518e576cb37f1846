"""The passport's life after it is built: updates, status changes, end of life, second life.

Every change is a new version (Art. 77(4)): the passport id stays, the version gets its own
credential id, number and time, and a digest-pinned link to the version it supersedes
(:class:`~batterypass.model.lifecycle.Lifecycle`). A version is written under a name of its
own and never replaces a file, so two updates of the same version cannot both land (the
second finds the name taken: no fork). Nothing follows a version that records the battery
as recycled (Art. 77(8)).

Contract of :func:`update_passport`, :func:`update_passport_in_turn`, :func:`end_of_life` and
:func:`second_life`: they read the version(s) they start from as issued (the issuer's own
files, unverified: ``history`` verifies), raise :class:`~batterypass.errors.InvalidInputError`
naming the field or file before anything is written, and return the
:class:`~batterypass.issuing.issuance.IssuedPassport` (s) they wrote.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, get_args

from ..errors import BatteryPassError, InvalidInputError, Problem
from ..jsonio import digest_sri, dumps_pretty, read_bytes, write_atomic
from ..law.passport_content import check_passport_subject
from ..model.dynamic import BatteryCondition
from ..law import identifiers
from ..law.acts import ActsTable
from ..model.build_data import BuildData
from ..model.lifecycle import ChangeKind, ChangeRequest, Lifecycle, OriginalPassport, SecondLifeOperation, VersionLink
from ..model.passport import Passport, ResponsibleOperator
from ..model.access import Access
from ..model.validation import validate_model
from ..securing.credential import countersignature_credential, credential_issuer_id, is_passport_credential, passport_credential
from ..securing.status_list import StatusListAllocator
from ..securing.documents import credential_of, load_document
from .assemble import build_passport, condition_for_category, parse_build_data, qr_resolver
from .batch import DEFER_SYNC, ItemResult, item_data, item_failure, run_batch, run_in_workers
from .issuance import IssuedPassport, QrOptions, Signer, passport_file_stem, passport_path, write_passport
from .views import ALL_AUDIENCES, view_path, write_views

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
    """One issued version as read from its file: its bytes, the document as signed, its credential, its passport."""

    path: Path
    data: bytes
    document: dict[str, Any]
    credential: dict[str, Any]
    passport: Passport

    @classmethod
    def of(cls, issued: IssuedPassport) -> IssuedVersion:
        """The version an issue just wrote, to start the next change from."""
        # The file holds exactly dumps_pretty(document) (write_passport writes it so).
        return cls(issued.files["passport"], dumps_pretty(issued.document), issued.document,
                   credential_of(issued.document)[0], issued.passport)

    @property
    def subject(self) -> dict[str, Any]:
        """The passport as stored (the credential's ``credentialSubject``, held to the passport
        model): what the next version starts from. It is part of ``credential``, so a change
        builds on copies of what it changes and never changes it in place."""
        return self.credential["credentialSubject"]

    @property
    def link(self) -> VersionLink:
        """The digest-pinned link a later version (or a second-life passport) makes to this one."""
        return VersionLink(id=self.credential["id"], digestSRI=digest_sri(self.data))


def read_version(path: str | os.PathLike[str]) -> IssuedVersion:
    """Read an issued passport version (signed or not) from ``path``; errors name the file.

    The subject is held to the passport model only: the version made from it is checked in
    full (consistency and rules) before it is written, and ``history`` checks every version.
    """
    source = str(path)
    data = read_bytes(path)
    document = load_document(data, source)
    if isinstance(document, str):
        raise InvalidInputError([Problem("$", "a bare compact JWS: give the passport file build or update wrote")], source)
    try:
        credential, _ = credential_of(document)
    except BatteryPassError as exc:
        raise InvalidInputError([Problem("$", str(exc))], source) from None
    if not is_passport_credential(credential):
        raise InvalidInputError([Problem("$.type", "is not a battery passport credential")], source)
    try:
        passport = validate_model(Passport, credential.get("credentialSubject"), source, prefix=("credentialSubject",))
    except InvalidInputError as exc:
        raise InvalidInputError(exc.problems, source) from None
    return IssuedVersion(Path(path), data, document, credential, passport)


def _record_time(moment: datetime, issued_at: datetime, path: str) -> datetime:
    """A record cannot postdate the version that states it (issued now, or at ``--issued-at``)."""
    if moment > issued_at + CLOCK_SKEW:
        raise InvalidInputError([Problem(path, f"{moment.isoformat()} is in the future: the version is issued at {issued_at.isoformat()}")])
    return moment


def _next_version(
    previous: IssuedVersion,
    changes: list[ChangeKind],
    changed_at: datetime,
    subject: dict[str, Any],
    *,
    reason: str | None = None,
    records: list[BatteryCondition] | None = None,
    responsibility_article: str | None = None,
    ceased: bool = False,
    source: str | None = None,
) -> Passport:
    """The passport of the version after ``previous``: ``subject`` (the passport as JSON data,
    changed as the version says) with a new lifecycle, checked in full.

    ``subject`` is built on the previous version's as stored rather than on a dump of its
    model: a passport another tool wrote may leave out defaults or spell a null, but what
    the check returns (and what is signed) is the model either way.
    """
    before = previous.passport
    if before.lifecycle and before.lifecycle.ceased:
        raise PassportCeasedError(
            f"{previous.path}: the battery is recycled and version {before.version} was final; the passport has ceased (Art. 77(8))"
        )
    if before.lifecycle and changed_at < before.lifecycle.changedAt:
        raise InvalidInputError(
            [Problem("$.recordedAt", f"{changed_at.isoformat()} is before version {before.version}'s change at "
                     f"{before.lifecycle.changedAt.isoformat()}")], source)
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
    data = {**subject, "id": before.id, "lifecycle": lifecycle.model_dump(mode="json", exclude_none=True)}
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
    views: tuple[Access, ...] = ALL_AUDIENCES,
) -> IssuedPassport:
    """Issue the version after ``previous`` recording ``change`` (``update.state-of-health.json``'s shape),
    with its audience ``views``.

    A condition record (``dynamic``), a status change and corrected data (a merge patch of the
    passport, with a ``reason``) may come together. Refused: a record time more than
    :data:`CLOCK_SKEW` after the version's issue time (``issued_at``, default now) or before
    the previous change, a status of ``waste`` (that is :func:`end_of_life`'s, which moves
    responsibility), anything after a final version.
    """
    version = previous if isinstance(previous, IssuedVersion) else read_version(previous)
    request = change if isinstance(change, ChangeRequest) else validate_model(ChangeRequest, change, source)
    issue_time = (issued_at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    passport = _prepare_update(version, request, issue_time, source)
    return _write_version(passport, out_dir, signer, issued_at, status_list, durable, views)


def update_passport_in_turn(
    previous: str | os.PathLike[str] | IssuedVersion,
    changes: list[ChangeRequest | dict[str, Any]],
    out_dir: str | os.PathLike[str],
    *,
    signer: Signer | None = None,
    issued_at: datetime | None = None,
    status_list: StatusListAllocator | None = None,
    source: str | None = None,
    durable: bool = True,
    views: tuple[Access, ...] = ALL_AUDIENCES,
) -> list[IssuedPassport]:
    """One version per change, each recording its change on the one before (an EPCIS document's
    events, in time order), as :func:`update_passport` issues one.

    Every change is checked before any version is written: a refused later change would
    otherwise leave the versions before it written, and a rerun of the corrected document
    refused as already recorded. What can only fail while writing (a full status list, a
    disk error) can still stop between two versions.
    """
    version = previous if isinstance(previous, IssuedVersion) else read_version(previous)
    if len(changes) > 1:
        _check_changes(version, changes, issued_at, source)
    issued: list[IssuedPassport] = []
    for change in changes:
        issued.append(update_passport(
            version, change, out_dir, signer=signer, issued_at=issued_at, status_list=status_list, source=source,
            durable=durable, views=views,
        ))
        version = IssuedVersion.of(issued[-1])
    return issued


def _check_changes(
    version: IssuedVersion, changes: list[ChangeRequest | dict[str, Any]], issued_at: datetime | None, source: str | None
) -> None:
    """Raise the problems of the first of ``changes`` :func:`update_passport` would refuse for its
    data (its values, its times, the passport it makes), each change made on the one before it,
    nothing signed or written.

    The versions are made unsigned here, so each links to its unsigned predecessor; what is
    checked (the records, their times, the passport in full) does not depend on the links.
    """
    issue_time = (issued_at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    for number, change in enumerate(changes, start=1):
        where = f"{source or 'changes'} (change {number} of {len(changes)})"
        try:
            request = change if isinstance(change, ChangeRequest) else validate_model(ChangeRequest, change, where)
            passport = _prepare_update(version, request, issue_time, where)
        except InvalidInputError as exc:
            raise InvalidInputError(exc.problems, where) from None
        credential = passport_credential(passport, issued_at)
        version = IssuedVersion(version.path, dumps_pretty(credential), credential, credential, passport)


def _prepare_update(version: IssuedVersion, request: ChangeRequest, issue_time: datetime, source: str | None) -> Passport:
    """The passport of the version after ``version`` that records ``request``."""
    moment = _record_time(request.recordedAt.astimezone(timezone.utc), issue_time, "$.recordedAt")
    subject = version.subject  # each change below copies what it changes (the merge patch too)
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
    if records:
        # Annex XIII point 4: the passport states the battery's condition now. The version's
        # record is the latest (a version never goes back in time) and may carry a few values
        # only (one EPCIS event, say): each data point it carries replaces the previous value,
        # the others keep theirs, so a mandatory data point is never lost. The record keeps
        # every value; the condition only those the guidance says to fill for the category.
        # A member left out and one stated as null are the same to the model.
        category = version.passport.generalProductInformation.batteryCategory
        performance = subject.get("performanceAndDurability") or {}
        before = performance.get("batteryCondition") or {}
        stated = condition_for_category(records[-1].model_dump(mode="json", exclude_none=True), category)
        condition = {**before, **stated}
        if "negativeEvents" in condition:
            # Negative events (Annex XIII 4(d), data point 69) are the battery's history, not a
            # value that a newer one replaces: a record adds its events to the earlier ones, and
            # one stating none (every BMS record) takes none away.
            earlier = before.get("negativeEvents") or []
            # Compared by their JSON text, in a set: a record may carry thousands of events,
            # and comparing each with every earlier one would take seconds.
            known = {json.dumps(event, sort_keys=True) for event in earlier}
            condition["negativeEvents"] = earlier + [
                event for event in stated.get("negativeEvents", []) if json.dumps(event, sort_keys=True) not in known
            ]
        subject = {**subject, "performanceAndDurability": {**performance, "batteryCondition": condition}}
    if request.status is not None:
        if request.status == "waste":
            raise InvalidInputError([Problem("$.status", "use end-of-life for waste: responsibility moves with it")], source)
        general = subject.get("generalProductInformation") or {}
        subject = {**subject, "generalProductInformation": {**general, "batteryStatus": request.status}}
        changes.append("status")
    passport = _next_version(version, changes, moment, reason=request.reason, subject=subject, records=records, source=source)
    before = version.passport
    # A correction mends data; it does not move the battery on. Who is responsible changes with
    # end-of-life or second-life (which record the article), the status with "status".
    if passport.responsible_operator != before.responsible_operator:
        raise InvalidInputError([Problem("$.corrections.generalProductInformation", "cannot move responsibility for the battery: "
                                         "end-of-life and second-life record who takes over, and under which article")], source)
    status = passport.generalProductInformation.batteryStatus
    if status != (request.status or before.generalProductInformation.batteryStatus):
        raise InvalidInputError([Problem("$.corrections.generalProductInformation.batteryStatus",
                                         "is changed with status (waste: with end-of-life), not corrected")], source)
    return passport


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
    views: tuple[Access, ...] = ALL_AUDIENCES,
) -> IssuedPassport:
    """The version that records the battery as ``waste`` or as ``recycled``, with its audience ``views``.

    At waste, responsibility moves (Art. 77(8)) to ``operator``: the producer by default (the
    manufacturer, as producer), or the producer responsibility organisation or waste
    management operator named. ``recycled`` is the final version, signed by whoever is then
    responsible: the passport ceases.
    """
    if status not in END_OF_LIFE_STATUSES:
        raise InvalidInputError([Problem("--status", f"must be one of {', '.join(END_OF_LIFE_STATUSES)}")])
    version = previous if isinstance(previous, IssuedVersion) else read_version(previous)
    moment = (issued_at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    general = {**version.subject["generalProductInformation"], "batteryStatus": "waste"}  # the stored subject stays as read
    subject = {**version.subject, "generalProductInformation": general}
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
    return _write_version(passport, out_dir, signer, issued_at, status_list, True, views)


def _write_version(
    passport: Passport,
    out_dir: str | os.PathLike[str],
    signer: Signer | None,
    issued_at: datetime | None,
    status_list: StatusListAllocator | None,
    durable: bool,
    views: tuple[Access, ...] = ALL_AUDIENCES,
) -> IssuedPassport:
    try:
        return write_passport(
            passport, out_dir, signer=signer, qr_options=QrOptions(enabled=False), issued_at=issued_at,
            status_list=status_list, durable=durable, views=views,
        )
    except FileExistsError:
        target = passport_path(passport.id, out_dir, version=passport.version)
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
    acts: ActsTable | None = None,
    replace_other_issuer: bool = False,
    views: tuple[Access, ...] = ALL_AUDIENCES,
) -> tuple[IssuedPassport, list[IssuedPassport]]:
    """The new passport of a battery made from ``originals`` (Art. 77(7)), and the originals' status changes.

    The new passport is built from ``build_data`` as ``build`` would (Art. 77(1) judged on its
    own placing-on-market date; due diligence does not apply), with a new id, and links to
    the current version of each original with the ``operation`` (default: from
    ``battery.status``). Each original gets a version recording its new status and that
    responsibility passed to the new operator (written beside the original's file).
    ``replace_other_issuer`` is :func:`write_passport`'s, for the new passport.
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
    built = build_passport(build, voluntary=voluntary, resolver=qr_options.resolver, source=source, acts=acts)
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
        general = {**version.subject["generalProductInformation"], "batteryStatus": original_status, "responsibleOperator": incoming}
        subject = {**version.subject, "generalProductInformation": general}
        updated.append(_next_version(
            version, ["status", "responsibility"], moment, subject=subject, responsibility_article=SECOND_LIFE_ARTICLE,
            reason=f"{chosen}: made into the battery of passport {new_id} by {build.manufacturer.name}",
        ))
    for later, version in zip(updated, versions):
        if (taken := passport_path(later.id, version.path.parent, version=later.version)).exists():
            raise InvalidInputError(
                [Problem("ORIGINAL", f"version {later.version} already exists ({taken}): name the current version")], str(version.path)
            )
    issued = write_passport(passport, out_dir, signer=signer, qr_options=qr_options, issued_at=issued_at, views=views,
                            status_list=status_list, source=source, replace_other_issuer=replace_other_issuer)
    changed = [_write_version(p, v.path.parent, signer, issued_at, status_list, True, views) for p, v in zip(updated, versions)]
    return issued, changed


def countersign(
    version: str | os.PathLike[str] | IssuedVersion,
    out_dir: str | os.PathLike[str],
    *,
    signer: Signer,
    issued_at: datetime | None = None,
) -> Path:
    """The outgoing operator's countersignature of a transfer version (second life, waste),
    written beside it as ``<version stem>.countersignature.json``; ``history`` shows it."""
    issued = version if isinstance(version, IssuedVersion) else read_version(version)
    lifecycle = issued.passport.lifecycle
    if lifecycle is None or "responsibility" not in lifecycle.changes:
        raise InvalidInputError([Problem("$.credentialSubject.lifecycle.changes", "is not a transfer of responsibility: nothing to countersign")],
                                str(issued.path))
    link = issued.link
    version_issuer = credential_issuer_id(issued.credential)
    if version_issuer is None:
        raise InvalidInputError([Problem("$.issuer", "names no issuer: a countersignature names who signed the version")], str(issued.path))
    credential = countersignature_credential(issued.passport.id, link.id, link.digestSRI, version_issuer, signer.identity.id, issued_at)
    document = signer.sign(credential, created=credential["validFrom"])
    stem = passport_file_stem(issued.passport.id, issued.passport.version)
    return write_atomic(Path(out_dir) / f"{stem}.countersignature.json", dumps_pretty(document))


# --------------------------------------------------------------------------- many updates


def current_version_path(passport_id: str, directory: str | os.PathLike[str]) -> Path | None:
    """The file of the highest version of ``passport_id`` in ``directory`` (None: not there).

    Versions are numbered without gaps, so the highest is found by doubling and bisecting on
    whether a version's file exists: a few file look-ups however long the history.
    """
    def exists(version: int) -> bool:
        return passport_path(passport_id, directory, version=version).exists()

    if not exists(1):
        return None
    low, high = 1, 2
    while exists(high):
        low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if exists(middle) else (low, middle)
    return passport_path(passport_id, directory, version=low)


def _same_change(current: Passport, candidate: Passport) -> bool:
    """Whether ``candidate`` (made from ``current``) records the change ``current`` already records."""
    before, after = current.lifecycle, candidate.lifecycle
    if before is None or after is None:
        return False
    keep = {"changedAt", "changes", "reason", "conditionRecords"}
    # The small lifecycle first: a new change differs there (its time, at least), and only a
    # rerun's candidate goes on to the comparison of the whole passports.
    return (before.model_dump(include=keep) == after.model_dump(include=keep)
            and current.model_dump(exclude={"lifecycle"}) == candidate.model_dump(exclude={"lifecycle"}))


@dataclass(frozen=True)
class _UpdateSettings:
    directory: Path
    signer: Signer | None
    issued_at: datetime
    status_list: StatusListAllocator | None
    views: tuple[Access, ...]


def _update_entry(settings: _UpdateSettings, entry: Any) -> ItemResult:
    if isinstance(entry, ItemResult):
        return entry
    source, passport_id, change = entry
    try:
        path = current_version_path(passport_id, settings.directory)
        if path is None:
            return ItemResult(source, "failed", passport_id, error=f"no passport {passport_id} in {settings.directory}")
        try:
            current = read_version(path)
        except InvalidInputError as exc:
            # The problems' paths are the stored passport's, not the change's: say which file they are in.
            return ItemResult(source, "failed", passport_id, problems=tuple(exc.problems),
                              error=f"the current version {exc.source} is not a valid passport version: nothing was written")
        request = validate_model(ChangeRequest, change, source)
        candidate = _prepare_update(current, request, settings.issued_at, source)
        if _same_change(current.passport, candidate):
            # A run killed between a version and its views: the rerun writes the views it lacks.
            missing = tuple(audience for audience in settings.views if not view_path(path, audience).exists())
            if missing and settings.signer is not None:
                write_views(current.passport, current.credential, path, signer=settings.signer, audiences=missing,
                            durable=not DEFER_SYNC)
            return ItemResult(source, "skipped", passport_id, {"passport": path})
        issued = _write_version(candidate, settings.directory, settings.signer, settings.issued_at, settings.status_list,
                                durable=not DEFER_SYNC, views=settings.views)
    except InvalidInputError as exc:
        return ItemResult(source, "failed", passport_id, problems=tuple(exc.problems))
    except BatteryPassError as exc:
        return ItemResult(source, "failed", passport_id, error=str(exc))
    except Exception as exc:  # noqa: BLE001 - see item_failure
        return item_failure(source, passport_id, exc)
    return ItemResult(source, "ok", passport_id, issued.files)


def _update_entries(items: Iterable[tuple[str, Any]]) -> Iterator[Any]:
    """Parse each item and claim its passport, in input order: one change per passport per batch."""
    claimed_by: dict[str, str] = {}
    for source, data in items:
        try:
            data = item_data(source, data)
        except InvalidInputError as exc:
            yield ItemResult(source, "failed", problems=tuple(exc.problems))
            continue
        passport_id = data.get("passportId") if isinstance(data, dict) else None
        if not isinstance(passport_id, str) or not passport_id:
            yield ItemResult(source, "failed", problems=(Problem("$.passportId", "must name the passport to update"),))
            continue
        if passport_id in claimed_by:
            yield ItemResult(source, "failed", passport_id, error=f"{passport_id} is already updated by {claimed_by[passport_id]}: one change per passport per batch")
            continue
        claimed_by[passport_id] = source
        yield source, passport_id, {name: value for name, value in data.items() if name != "passportId"}


def update_many(
    items: Iterable[tuple[str, Any]],
    directory: str | os.PathLike[str],
    *,
    signer: Signer | None = None,
    issued_at: datetime | None = None,
    status_list: StatusListAllocator | None = None,
    jobs: int = 1,
    report: str | os.PathLike[str] | None = None,
    views: tuple[Access, ...] = ALL_AUDIENCES,
) -> Iterator[ItemResult]:
    """Apply one change per passport to the passports in ``directory`` (a fleet's nightly update),
    each new version with its audience ``views``.

    ``items`` are ``(source, data)`` pairs as :func:`~batterypass.issuing.batch.read_items`
    yields them; each data is a change (:func:`update_passport`'s) with a ``passportId``. Each
    change becomes the next version of that passport, written into ``directory``; results come
    in input order, and a bad item never stops the others. Resumable: a change that the
    passport's current version already records is skipped, so a rerun after a crash issues
    only what is missing. ``issued_at`` (default: now, taken once) is every version's issue time.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    settings = _UpdateSettings(out, signer, (issued_at or datetime.now(timezone.utc)).astimezone(timezone.utc), status_list, views)
    yield from run_batch(out, run_in_workers(functools.partial(_update_entry, settings), _update_entries(items), jobs), report)
