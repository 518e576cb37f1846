"""A credential document as read from a file: a strictly parsed JSON object or a compact JWS,
and the credential inside it with the envelope that secures it (unverified: whether the
signature holds is :mod:`batterypass.verifying.verification`'s question)."""

from __future__ import annotations

from typing import Any

from . import jose
from ..errors import InvalidInputError, Problem
from ..jsonio import parse_json
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


def credential_of(document: dict[str, Any] | str) -> tuple[dict[str, Any], str | None]:
    """The credential inside a loaded document (plain, Data Integrity, bare or enveloped JWS), unverified.

    Returns the credential and the envelope name (None for an unsigned credential).
    """
    if isinstance(document, str):
        return jose.vc_payload(jose.parse_compact(document)), JOSE
    if document.get("type") == jose.ENVELOPE_TYPE:
        return jose.vc_payload(jose.parse_compact(jose.unwrap_envelope(document))), JOSE
    return document, (DATA_INTEGRITY if "proof" in document else None)
