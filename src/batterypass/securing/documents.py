"""A credential document as read from a file: a strictly parsed JSON object or a compact JWS,
and the credential inside it with the envelope that secures it (unverified: whether the
signature holds is :mod:`batterypass.verifying.verification`'s question)."""

from __future__ import annotations

from typing import Any

from . import jose
from ..errors import InvalidInputError, Problem
from ..jsonio import MAX_DOCUMENT_BYTES, parse_json
from ..model.validation import MAX_ARRAY_ITEMS, MAX_DEPTH
from .jcs import parse_canonical
from .signing import DATA_INTEGRITY, JOSE


def load_document(data: bytes, source: str) -> dict[str, Any] | str:
    """A file's content: a bare compact JWS as text, anything else as a strictly parsed JSON object."""
    text = data.strip()
    if text.startswith(b"ey"):
        return text.decode("ascii", "replace")
    document = parse_json(data, source)
    if not isinstance(document, dict):
        raise InvalidInputError([Problem("$", "must be a JSON object")], source)
    return document


def load_proved_document(data: bytes) -> tuple[dict[str, Any], bytes, bool] | None:
    """A file holding a JSON object with a ``proof`` (a Data Integrity credential, as nearly
    every file a verifier reads), read in one pass: ``(document, its RFC 8785 form, bounded)``.

    ``document`` is what :func:`load_document` gives, the form is what the proof needs, both
    from :func:`~.jcs.parse_canonical`. ``bounded`` is True when the text alone shows that no
    part of the document nests beyond or holds more than the models' bounds
    (:func:`~batterypass.model.validation.shape_problems` would find none): it was admitted at
    :data:`~batterypass.model.validation.MAX_DEPTH` levels, and an array of more than
    :data:`~batterypass.model.validation.MAX_ARRAY_ITEMS` items takes over twice as many bytes.

    None for anything else, and for what that pass refuses: :func:`load_document` reads those
    and says what is wrong.
    """
    if len(data) > MAX_DOCUMENT_BYTES or b'"proof"' not in data:
        return None
    parsed = parse_canonical(data, max_depth=MAX_DEPTH)
    if parsed is None or not isinstance(parsed[0], dict) or "proof" not in parsed[0]:
        return None
    document, canonical = parsed
    return document, canonical, len(data) <= 2 * MAX_ARRAY_ITEMS


def credential_of(document: dict[str, Any] | str) -> tuple[dict[str, Any], str | None]:
    """The credential inside a loaded document (plain, Data Integrity, bare or enveloped JWS), unverified.

    Returns the credential and the envelope name (None for an unsigned credential).
    """
    if isinstance(document, str):
        return jose.vc_payload(jose.parse_compact(document)), JOSE
    if document.get("type") == jose.ENVELOPE_TYPE:
        return jose.vc_payload(jose.parse_compact(jose.unwrap_envelope(document))), JOSE
    return document, (DATA_INTEGRITY if "proof" in document else None)
