"""What a file is (build data, a passport credential in one of its envelopes) and what is wrong
with its content. Used by ``validate`` and ``qr``; signatures are :mod:`.verification`'s business.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..securing import jose

from ..law import rules
from ..issuing.assemble import check_build_data, parse_build_data, qr_resolver
from ..errors import InvalidInputError, Problem
from ..jsonio import parse_json
from ..model.passport import Passport
from ..law.acts import ActsTable
from ..law.passport_content import check_passport_subject
from ..securing.signing import DATA_INTEGRITY, JOSE

BUILD_DATA = "build-data"
CREDENTIAL = "credential"
PASSPORT = "passport"


@dataclass(frozen=True)
class ContentReport:
    """The outcome of checking a file's content: its kind, every problem, and notes for a person."""

    kind: str
    problems: list[Problem]
    notes: list[str] = field(default_factory=list)
    passport: Passport | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "valid": self.ok,
            "problems": [p.to_dict() for p in self.problems],
            "notes": self.notes,
        }


def load_document(data: bytes, source: str) -> dict[str, Any] | str:
    """A file's content: a bare compact JWS as text, anything else as a strictly parsed JSON object."""
    text = data.strip()
    if text.startswith(b"ey"):
        return text.decode("ascii", "replace")
    document = parse_json(data, source)
    if not isinstance(document, dict):
        raise InvalidInputError([Problem("$", "must be a JSON object")], source)
    return document


def credential_of(document: dict[str, Any] | str) -> tuple[dict[str, Any], str | None]:
    """The credential inside a loaded document (plain, Data Integrity, bare or enveloped JWS), unverified.

    Returns the credential and the envelope name (None for an unsigned credential).
    """
    if isinstance(document, str):
        return jose.vc_payload(jose.parse_compact(document)), JOSE
    if document.get("type") == jose.ENVELOPE_TYPE:
        return jose.vc_payload(jose.parse_compact(jose.unwrap_envelope(document))), JOSE
    return document, (DATA_INTEGRITY if "proof" in document else None)


def is_build_data(document: dict[str, Any] | str) -> bool:
    return isinstance(document, dict) and "battery" in document and "credentialSubject" not in document


def is_bare_passport(document: dict[str, Any] | str) -> bool:
    return isinstance(document, dict) and "generalProductInformation" in document


def passport_of(document: dict[str, Any] | str, acts: ActsTable | None = None) -> tuple[str, Passport, str | None]:
    """The passport in a loaded document, unverified: a bare passport (what
    ``schemas/passport.schema.json`` describes) or a credential in any envelope.

    Returns its kind, the passport and the envelope name; raises :class:`InvalidInputError`
    with every problem, at paths in the document as it is.
    """
    if is_bare_passport(document):
        try:
            return PASSPORT, check_passport_subject(document, acts=acts), None
        except InvalidInputError as exc:
            problems = [Problem("$" + p.path.removeprefix("$.credentialSubject"), p.message) for p in exc.problems]
            raise InvalidInputError(problems, exc.source) from None
    credential, envelope = credential_of(document)
    return CREDENTIAL, check_passport_subject(credential.get("credentialSubject"), credential.get("id"), acts=acts), envelope


def check_content(data: bytes, source: str, acts: ActsTable | None = None) -> ContentReport:
    """Check build data or a passport (bare, or a credential in any envelope), reporting every
    problem with its JSON path; dates judged under ``acts`` (default: the built-in table)."""
    document = load_document(data, source)
    if is_build_data(document):
        return _check_build_data(document, source, acts)
    kind = PASSPORT if is_bare_passport(document) else CREDENTIAL
    try:
        kind, passport, envelope = passport_of(document, acts)
    except InvalidInputError as exc:
        return ContentReport(kind, exc.problems)
    if kind == PASSPORT:
        note = "a bare passport, not a credential: nothing to verify"
    elif envelope:
        note = f"signature not checked ({envelope} envelope): use `batterypass verify`"
    else:
        note = "unsigned credential"
    return ContentReport(kind, [], [note], passport)


def _check_build_data(document: dict[str, Any], source: str, acts: ActsTable | None) -> ContentReport:
    try:
        build = parse_build_data(document, source)
    except InvalidInputError as exc:
        return ContentReport(BUILD_DATA, exc.problems)
    problems = check_build_data(build, acts=acts)
    notes = []
    if not problems:
        notes.append(rules.passport_requirement(build).reason)
        notes += [f"pending: {o.title} ({o.article}): {o.reason}" for o in rules.obligations(build, acts=acts) if o.state == "pending"]
        if qr_resolver(build, None)[0] is None:
            notes.append("no https resolver for the QR link: build will need --resolver (or --no-qr)")
    return ContentReport(BUILD_DATA, problems, notes)
