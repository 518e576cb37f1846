"""What a file is (build data, a passport credential in one of its envelopes) and what is wrong
with its content; which files a shipment to verify consists of. Used by ``validate``, ``qr``
and ``verify``; signatures are :mod:`.verification`'s business.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from ..securing import jose

from ..law import rules
from ..issuing.assemble import check_build_data, parse_build_data, qr_resolver
from ..errors import InvalidInputError, Problem
from ..jsonio import MAX_DOCUMENT_BYTES, jsonl_items, read_bytes, read_stream
from ..model.passport import Passport
from ..law.acts import ActsTable
from ..law.passport_content import check_bare_passport, check_passport_subject
from ..securing.credential import credential_audience
from ..securing.documents import credential_of, load_document
from ..securing.signing import DATA_INTEGRITY, JOSE

BUILD_DATA = "build-data"
CREDENTIAL = "credential"
PASSPORT = "passport"

#: What ``verify DIR`` reads: every credential file, whatever it holds (a full passport, an
#: audience view, a status list); QR images and the batch report are not credentials.
CREDENTIAL_SUFFIXES = (".json", ".jwt")
STDIN = "-"


@dataclass(frozen=True)
class ContentReport:
    """The outcome of checking a file's content: its kind, every problem, and notes for a person."""

    kind: str
    problems: list[Problem]
    notes: list[str] = field(default_factory=list)
    passport: Passport | None = None
    envelope: str | None = None
    """The signed envelope the content came in; its signature is never checked here."""

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "valid": self.ok,
            "problems": [p.to_dict() for p in self.problems],
            "notes": self.notes,
            "envelope": self.envelope,
            "signatureChecked": False,
        }

    def verdict(self, source: str) -> str:
        """One line for a person; a signed document's never says "valid" without "signature not checked"."""
        if not self.ok:
            return f"{source}: {self.kind} has {len(self.problems)} problem(s)"
        if self.envelope:
            return (
                f"{source}: {self.kind} content valid, signature NOT checked ({self.envelope}): "
                f"run `batterypass verify {source} --trust TRUST` before relying on it"
            )
        return f"{source}: {self.kind} valid"


def is_build_data(document: dict[str, Any] | str) -> bool:
    return isinstance(document, dict) and "battery" in document and "credentialSubject" not in document


def is_bare_passport(document: dict[str, Any] | str) -> bool:
    return isinstance(document, dict) and "generalProductInformation" in document


def passport_of(document: dict[str, Any] | str, acts: ActsTable | None = None) -> tuple[str, Passport, str | None]:
    """The passport in a loaded document, unverified: a bare passport (what
    ``schemas/passport.schema.json`` describes) or a credential in any envelope (a full
    passport or an audience view, checked as such).

    Returns its kind, the passport and the envelope name; raises :class:`InvalidInputError`
    with every problem, at paths in the document as it is.
    """
    if is_bare_passport(document):
        return PASSPORT, check_bare_passport(document, acts=acts), None
    credential, envelope = credential_of(document)
    try:
        audience = credential_audience(credential)
    except ValueError as exc:
        raise InvalidInputError([Problem("$.type", str(exc))]) from None
    # An audience view has its own credential id; its passport id is the subject's.
    credential_id = credential.get("id") if audience is None else None
    return CREDENTIAL, check_passport_subject(credential.get("credentialSubject"), credential_id, audience, acts=acts), envelope


def check_content(data: bytes, source: str, acts: ActsTable | None = None) -> ContentReport:
    """Check build data or a passport (bare, or a credential in any envelope), reporting every
    problem with its JSON path; dates judged under ``acts`` (default: the built-in table)."""
    document = load_document(data, source)
    if is_build_data(document):
        return _check_build_data(document, source, acts)
    kind = PASSPORT if is_bare_passport(document) else CREDENTIAL
    envelope = None if kind == PASSPORT else _envelope_of(document)
    try:
        kind, passport, envelope = passport_of(document, acts)
    except InvalidInputError as exc:
        return ContentReport(kind, exc.problems, envelope=envelope)
    if kind == PASSPORT:
        note = "a bare passport, not a credential: nothing to verify"
    elif envelope:
        note = f"signature not checked ({envelope} envelope): use `batterypass verify`"
    else:
        note = "unsigned credential"
    return ContentReport(kind, [], [note], passport, envelope)


def _envelope_of(document: dict[str, Any] | str) -> str | None:
    if isinstance(document, str) or document.get("type") == jose.ENVELOPE_TYPE:
        return JOSE
    return DATA_INTEGRITY if "proof" in document else None


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


def credential_inputs(sources: Iterable[str | Path]) -> Iterator[tuple[str, bytes | InvalidInputError]]:
    """``(name, content)`` of every document to verify, lazily, in order.

    A source is a file; a directory (its non-hidden ``*.json`` / ``*.jwt`` files, by name, not
    recursive); or ``-``: standard input, which is either one JSON document laid out over
    several lines (as ``build`` writes them, named ``stdin``: its first non-blank line opens
    with ``{`` but is no JSON object by itself) or one entry a line, each a document (a line
    opening with ``{`` or a compact JWS, named ``stdin:LINE``) or the path of a file or directory.
    What cannot be read is yielded as its :class:`InvalidInputError`, never raised.
    """
    for source in sources:
        if str(source) == STDIN:
            yield from _stdin_inputs()
        else:
            yield from _path_inputs(str(source if isinstance(source, Path) else Path(source)))


def _stdin_inputs() -> Iterator[tuple[str, bytes | InvalidInputError]]:
    stream, head = sys.stdin.buffer, []
    while line := stream.readline(MAX_DOCUMENT_BYTES + 1):
        head.append(line)
        if line.strip():
            break
    if head and _opens_multiline_document(head[-1]):
        try:
            yield "stdin", read_stream(stream, "stdin", b"".join(head))
        except InvalidInputError as exc:
            yield "stdin", exc
        return
    for name, line in jsonl_items(_Replay(head, stream), "stdin"):
        if isinstance(line, InvalidInputError) or line.lstrip().startswith((b"{", b"ey")):
            yield name, line
        else:
            yield from _path_inputs(str(Path(line.strip().decode("utf-8", "replace"))))


def _opens_multiline_document(line: bytes) -> bool:
    """A first line opening a JSON object it does not close: a pretty-printed document, not JSONL."""
    if not line.lstrip().startswith(b"{"):
        return False
    try:
        # Only to tell the layouts apart: the document itself is parsed strictly when verified.
        return not isinstance(json.loads(line), dict)
    except (ValueError, RecursionError):  # malformed, or nested too deep to tell: not one line's object
        return True


class _Replay:
    """Lines already read from a stream, then the rest of it, for :func:`jsonl_items`."""

    def __init__(self, head: list[bytes], rest: BinaryIO):
        self.head, self.rest = list(head), rest

    def readline(self, limit: int = -1) -> bytes:
        return self.head.pop(0) if self.head else self.rest.readline(limit)


def _path_inputs(path: str) -> Iterator[tuple[str, bytes | InvalidInputError]]:
    # ``path`` is spelled as Path spells it (``./a.json`` is ``a.json``: --compare finds the files
    # it names). A pipeline names thousands of files: each is read at once, and only one that
    # cannot be read is asked whether it is a directory (a stat a file, and a Path made and
    # spelled out again, cost more than reading it).
    try:
        data: bytes | InvalidInputError = read_bytes(path)
    except InvalidInputError as exc:
        data = exc
    if not (isinstance(data, InvalidInputError) and os.path.isdir(path)):
        yield path, data
        return
    for file in sorted(
        p for p in Path(path).iterdir() if p.suffix.lower() in CREDENTIAL_SUFFIXES and not p.name.startswith(".") and p.is_file()
    ):
        try:
            yield str(file), read_bytes(file)
        except InvalidInputError as exc:
            yield str(file), exc
