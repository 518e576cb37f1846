"""The passport's JSON-LD context: every term a passport credential uses, shipped in the package.

Contract:

* :data:`~batterypass.securing.credential.PASSPORT_CONTEXT_V1` names the context every
  passport credential lists after the VC 2.0 context; :func:`passport_context` returns its
  document from the package, never from the network.
* A published version is frozen: a change to the terms is a new file under a new URL, added to
  :data:`CONTEXT_FILES`, and the old one stays, so passports signed under it keep verifying and
  expanding to the same data.
* :func:`offline_document_loader` serves these contexts (and documents the caller supplies) to
  a JSON-LD processor such as pyld, and refuses every other URL: expanding a passport never
  fetches anything.

Terms map to the vocabularies the field already uses where one exists: schema.org for
addresses and contacts, the Battery Pass Data Model 1.2 (SAMM URNs) where the property and its
unit are the same, and ``https://w3id.org/batterypass/v1#`` otherwise. The VC 2.0 context's
protected terms (``id``, ``type``, ``name``, ``description``) keep their VC meaning.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import cache
from importlib import resources
from typing import Any

from ..securing.credential import PASSPORT_CONTEXT_V1

#: Context URL -> the file in ``formats/contexts/`` that holds it. Never edit a published file.
CONTEXT_FILES = {PASSPORT_CONTEXT_V1: "batterypass-v1.jsonld"}


class ContextNotAvailableError(LookupError):
    """A JSON-LD processor asked for a document this offline loader does not hold."""


@cache
def _context_text(url: str) -> str:
    return resources.files(__package__).joinpath("contexts", CONTEXT_FILES[url]).read_text(encoding="utf-8")


def context_text(url: str = PASSPORT_CONTEXT_V1) -> str:
    """The context document at ``url`` exactly as shipped (what ``batterypass context`` prints).

    Raises :class:`ContextNotAvailableError` for a URL that is not one of ours.
    """
    if url not in CONTEXT_FILES:
        raise ContextNotAvailableError(f"{url} is not a batterypass context (known: {', '.join(CONTEXT_FILES)})")
    return _context_text(url)


def passport_context(url: str = PASSPORT_CONTEXT_V1) -> dict[str, Any]:
    """The context document at ``url``, parsed (a fresh copy each call)."""
    return json.loads(context_text(url))


def offline_document_loader(documents: Mapping[str, Any] | None = None) -> Callable[[str, Any], dict[str, Any]]:
    """A pyld ``documentLoader`` serving the batterypass contexts and ``documents`` (URL -> parsed
    JSON, e.g. the W3C credentials context a verifier keeps), refusing every other URL."""
    extra = dict(documents or {})

    def load(url: str, options: Any = None) -> dict[str, Any]:
        if url in CONTEXT_FILES:
            document = passport_context(url)
        elif url in extra:
            document = extra[url]
        else:
            raise ContextNotAvailableError(f"{url}: not available offline, and nothing is fetched")
        return {"contextUrl": None, "documentUrl": url, "document": document}

    return load
