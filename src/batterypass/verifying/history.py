"""A passport's history: every version verified, and the chain of versions checked.

Contract of :func:`verify_history`: given the files of one or more passports (a directory as
``build`` and ``update`` write it, or any list of files), it returns one
:class:`HistoryResult` per passport id, never raising for a bad file. Each version gets its
own :func:`~batterypass.verifying.verification.verify` verdict; a version that a later one
supersedes is still a valid statement of its time and is reported as VALID and superseded.
On top, the chain must hold, or the history is INVALID with the reason:

* versions numbered 1..N, each once: a missing number is a gap, two different credentials
  with one number a fork;
* each version after the first names the credential id of the one before and its digest
  (SHA-256 of its file's bytes, as written and published), and records its change no earlier than that one's;
* nothing follows a version that records the battery as recycled (the passport ceased);
* a second-life passport's link to each original version it names has that version's digest,
  where that version is among the files.

The current version is the last of an unbroken chain. Audience views (credentials whose type
states an audience) are verified on their own and listed with their version; the chain is
made of the full credentials, which the issuer keeps.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import BatteryPassError, InvalidInputError
from ..jsonio import digest_sri, read_bytes
from ..model.passport import Passport
from ..securing.credential import COUNTERSIGNATURE_CREDENTIAL_TYPE, credential_audience, is_passport_credential
from ..securing.documents import credential_of, load_document
from .trust import TrustStore
from .verification import PRECEDENCE, CheckedStatusLists, Status, VerificationResult, verify

#: Most files one history reads: a battery's life in versions, with room for views.
MAX_HISTORY_FILES = 100_000


@dataclass(frozen=True)
class VersionVerdict:
    """One file of a history: its verdict and its place in the chain."""

    file: str
    result: VerificationResult
    version: int | None = None
    credential_id: str | None = None
    audience: str | None = None
    superseded: bool = False
    countersignatures: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        passport = self.result.passport
        lifecycle = passport.lifecycle if passport else None
        return {
            "file": self.file,
            "version": self.version,
            "credentialId": self.credential_id,
            "audience": self.audience,
            "status": self.result.status.value,
            "superseded": self.superseded,
            "issuer": self.result.issuer,
            "operator": self.result.operator,
            "changedAt": lifecycle.changedAt.isoformat() if lifecycle else None,
            "changes": list(lifecycle.changes) if lifecycle else ["issued"],
            "reason": lifecycle.reason if lifecycle else None,
            "batteryStatus": passport.generalProductInformation.batteryStatus if passport else None,
            "countersignatures": list(self.countersignatures),
            "reasons": list(self.result.reasons),
        }


@dataclass(frozen=True)
class HistoryResult:
    """The verdict on one passport's versions."""

    passport_id: str
    status: Status
    reasons: tuple[str, ...]
    versions: tuple[VersionVerdict, ...]
    current: int | None = None
    ceased: bool = False

    @property
    def exit_code(self) -> int:
        return self.status.exit_code

    def to_dict(self) -> dict[str, Any]:
        return {
            "passportId": self.passport_id,
            "status": self.status.value,
            "exitCode": self.exit_code,
            "reasons": list(self.reasons),
            "currentVersion": self.current,
            "ceased": self.ceased,
            "versions": [v.to_dict() for v in self.versions],
        }


def history_files(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The files of ``paths``: a directory gives its ``*.json`` files (in name order), a file itself."""
    files: list[Path] = []
    for path in map(Path, paths):
        files.extend(sorted(path.glob("*.json")) if path.is_dir() else [path])
        if len(files) > MAX_HISTORY_FILES:
            raise InvalidInputError([], f"more than {MAX_HISTORY_FILES} files")
    return files


@dataclass
class _Passport:
    verdicts: list[VersionVerdict] = field(default_factory=list)
    # Countersignatures of its versions: (file, verdict, the version's credential id and digest).
    countersignatures: list[tuple[str, VerificationResult, str, str]] = field(default_factory=list)
    # The full credentials by version: their verdict, file bytes (what links pin) and passport.
    documents: dict[int, list[tuple[VersionVerdict, bytes, Passport | None]]] = field(default_factory=dict)


def _claimed(document: dict[str, Any] | str) -> tuple[str | None, int, str | None, str | None]:
    """Passport id, version, credential id and audience a document claims (unverified, for grouping)."""
    try:
        credential, _ = credential_of(document)
    except BatteryPassError:
        return None, 1, None, None
    if not is_passport_credential(credential):
        return None, 1, None, None
    subject = credential.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    lifecycle = subject.get("lifecycle")
    version = lifecycle.get("version") if isinstance(lifecycle, dict) else 1
    try:
        audience = credential_audience(credential)
    except ValueError:
        audience = None
    passport_id = subject.get("id")
    return (
        passport_id if isinstance(passport_id, str) else None,
        version if isinstance(version, int) and not isinstance(version, bool) else 0,
        credential.get("id") if isinstance(credential.get("id"), str) else None,
        audience.value if audience else None,
    )


def countersigned(document: dict[str, Any] | str) -> tuple[str, str, str, str] | None:
    """Passport id, version credential id, digest and the version's signer a countersignature
    claims; None for anything else."""
    try:
        credential, _ = credential_of(document)
    except BatteryPassError:
        return None
    types = credential.get("type")
    subject = credential.get("credentialSubject")
    if not (isinstance(types, list) and COUNTERSIGNATURE_CREDENTIAL_TYPE in types and isinstance(subject, dict)):
        return None
    target = subject.get("countersigns")
    if not (isinstance(subject.get("id"), str) and isinstance(target, dict)
            and all(isinstance(target.get(name), str) for name in ("id", "digestSRI", "issuer"))):
        return None
    return subject["id"], target["id"], target["digestSRI"], target["issuer"]


def _countersignature_verdicts(
    entry: _Passport, trust: TrustStore, version_id: str | None, digest: str, outgoing: str | None
) -> tuple[dict[str, Any], ...]:
    """The countersignatures of one version: accepted when valid, by an issuer that may sign for
    the operator responsible before the transfer, over this very file."""
    found = []
    for file, result, target, target_digest in entry.countersignatures:
        if target != version_id:
            continue
        if result.status is not Status.VALID:
            accepted, why = False, result.reasons[0] if result.reasons else result.status.value
        elif target_digest != digest:
            accepted, why = False, "it countersigns another document: the digest differs"
        elif outgoing is None or outgoing not in trust.operators_of(result.issuer or ""):
            accepted, why = False, f"{result.issuer} may not sign for {outgoing}, the outgoing operator"
        else:
            accepted, why = True, f"countersigned by {result.issuer} for operator {outgoing} (outgoing)"
        found.append({"file": file, "issuer": result.issuer, "operator": outgoing, "accepted": accepted, "detail": why})
    return tuple(found)


def verify_history(
    paths: Iterable[str | os.PathLike[str]],
    trust: TrustStore,
    *,
    now: datetime | None = None,
    status_lists: CheckedStatusLists | None = None,
    skip_other_files: bool = True,
) -> list[HistoryResult]:
    """Verify the versions of every passport among ``paths``; see the module docstring.

    Files that are not battery passport credentials are skipped when they come from a
    directory (status lists, reports); a named file that is not one is a failed history of
    its own.
    """
    paths = list(paths)  # read twice: for the files named, and for every file
    passports: dict[str, _Passport] = {}
    unreadable: list[HistoryResult] = []
    named = {Path(p) for p in paths if not Path(p).is_dir()}
    for path in history_files(paths):
        try:
            data = read_bytes(path)
            document = load_document(data, str(path))
        except InvalidInputError as exc:
            unreadable.append(_failed(str(path), "; ".join(str(p) for p in exc.problems)))
            continue
        passport_id, version, credential_id, audience = _claimed(document)
        if (claim := countersigned(document)) is not None:
            passports.setdefault(claim[0], _Passport()).countersignatures.append(
                (str(path), verify(document, trust, now=now, status_lists=status_lists), claim[1], claim[2])
            )
            continue
        if passport_id is None:
            if path in named or not skip_other_files:
                unreadable.append(_failed(str(path), "not a battery passport credential"))
            continue
        result = verify(document, trust, now=now, status_lists=status_lists)
        verdict = VersionVerdict(str(path), result, version, credential_id, audience)
        entry = passports.setdefault(passport_id, _Passport())
        entry.verdicts.append(verdict)
        if audience is None and isinstance(document, dict):
            entry.documents.setdefault(version, []).append((verdict, data, result.passport))
    digests = {
        verdict.credential_id: digest_sri(data)
        for entry in passports.values() for found in entry.documents.values() for verdict, data, _ in found
    }
    return [_judge_chain(passport_id, entry, digests, trust) for passport_id, entry in passports.items() if entry.verdicts] + unreadable


def _failed(file: str, reason: str) -> HistoryResult:
    verdict = VerificationResult(Status.INVALID, (reason,), ())
    return HistoryResult(file, Status.INVALID, (f"{file}: {reason}",), (VersionVerdict(file, verdict),))


def _original_link_problems(passport: Passport, digests: dict[str | None, str]) -> list[str]:
    """A second-life passport's links to its originals, checked where the original version was given too."""
    lifecycle = passport.lifecycle
    return [
        f"the original {original.passportId} version {original.version.id} is not the document this passport was linked to: its digest differs"
        for original in (lifecycle.originalPassports if lifecycle else [])
        if original.version.id in digests and digests[original.version.id] != original.version.digestSRI
    ]


def _judge_chain(passport_id: str, entry: _Passport, digests: dict[str | None, str], trust: TrustStore) -> HistoryResult:
    reasons: list[str] = []
    statuses = {v.result.status for v in entry.verdicts}
    for verdict in entry.verdicts:
        reasons.extend(f"{verdict.file}: {reason}" for reason in verdict.result.reasons)
    chain_ok = True
    current = None
    ceased = False
    previous: tuple[VersionVerdict, bytes, Passport | None] | None = None
    expected = 1
    # The versions given, not every number up to the highest: a forged file claiming version
    # 10**9 costs one reason, not a loop and a reason per missing number.
    for number in sorted(n for n in entry.documents if n >= 1):
        if number > expected:
            gap = f"version {expected}" if number == expected + 1 else f"the span from version {expected} to version {number - 1}"
            reasons.append(f"{gap} is missing: the chain has a gap")
            chain_ok, previous = False, None
        expected = number + 1
        found = entry.documents[number]
        if len({digest_sri(data) for _, data, _ in found}) > 1:
            files = ", ".join(v.file for v, _, _ in found)
            reasons.append(f"version {number} exists as different credentials ({files}): the chain forks")
            chain_ok, previous = False, None
            continue
        verdict, _, passport = found[0]
        if passport is None:  # not VALID: its own verdict says why; its successor's link is still checked
            previous = found[0]
            continue
        if ceased:
            reasons.append(f"version {number} follows the final version: the passport had ceased (Art. 77(8))")
            chain_ok = False
        lifecycle = passport.lifecycle
        if number > 1 and previous is not None and lifecycle and lifecycle.supersedes:
            before_verdict, before_data, before = previous
            link = lifecycle.supersedes
            if link.id != before_verdict.credential_id:
                reasons.append(f"version {number} supersedes {link.id}, not version {number - 1} ({before_verdict.credential_id})")
                chain_ok = False
            elif link.digestSRI != digest_sri(before_data):
                reasons.append(f"version {number - 1} ({before_verdict.file}) is not the document version {number} was linked to: its digest differs")
                chain_ok = False
            if before and before.lifecycle and lifecycle.changedAt < before.lifecycle.changedAt:
                reasons.append(f"version {number} records a change before version {number - 1}'s")
                chain_ok = False
        if found_problems := _original_link_problems(passport, digests):
            reasons.extend(found_problems)
            chain_ok = False
        ceased = ceased or bool(lifecycle and lifecycle.ceased)
        previous = found[0]
        if chain_ok:
            current = number
    if not entry.documents:
        reasons.append("only audience views: the chain is checked on the full credentials the issuer keeps")
    responsible = {
        number: found[0][2].responsible_operator
        for number, found in entry.documents.items()
        if found[0][2] is not None
    }
    file_digests = {v.file: digest_sri(data) for found in entry.documents.values() for v, data, _ in found}
    marked = tuple(
        VersionVerdict(
            v.file, v.result, v.version, v.credential_id, v.audience,
            superseded=current is not None and (v.version or 0) < current,
            countersignatures=_countersignature_verdicts(
                entry, trust, v.credential_id, file_digests.get(v.file, ""), responsible.get((v.version or 0) - 1)
            ) if v.audience is None else (),
        )
        for v in sorted(entry.verdicts, key=lambda v: (v.version or 0, v.audience or "", v.file))
    )
    if not chain_ok:
        statuses.add(Status.INVALID)
    status = next((s for s in PRECEDENCE if s in statuses), Status.VALID)
    return HistoryResult(passport_id, status, tuple(reasons), marked, current if chain_ok else None, ceased)
