"""The resolver's URLs: GS1 Digital Link request paths, resource paths and the RFC 9264 linkset.

Contract:

* A request path is a GS1 Digital Link URI path ``/01/{gtin}/21/{serial}`` (GS1 Digital
  Link URI Syntax 1.2: segments percent-decoded one by one; GTIN-8/12/13/14 with a valid
  check digit, padded to 14; serial 1-20 characters of GS1 character set 82) or a passport id,
  ``/{uuid}`` or ``/urn:uuid:{uuid}`` (what QR codes of batteries without a GTIN hold).
  Anything else starting ``/01/`` is malformed (:class:`PathError`, HTTP 400); other paths
  name nothing (None, HTTP 404).
* A passport's resources live under ``/passports/{uuid}/``: ``page.html``,
  ``linkset.json``, ``{audience}.json`` (and ``{audience}.jwt`` when issued as a JWS), and
  ``versions/{n}/public.json``. The static export lays its files out the same way.
* The linkset names every resource with a link type; each credential link's type and title
  name its audience. Hrefs are absolute paths, so the linkset is the same behind any host.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from ..law.identifiers import gtin14, gtin_problem, serial_problem
from ..model.access import Access

GS1_VOC = "https://gs1.org/voc/"
BP_VOC = "https://batterypass.dev/voc/"
#: Link type of each audience's credential, and its short form for ``?linkType=``.
AUDIENCE_LINK_TYPES = {
    Access.PUBLIC.value: "publicView",
    Access.LEGITIMATE_INTEREST.value: "legitimateInterestView",
    Access.AUTHORITY.value: "authorityView",
}
PAGE_LINK_TYPES = ("pip", "defaultLink")
LINKSET_TYPE = "application/linkset+json"
MAX_PATH_CHARS = 2048

_UUID = re.compile(r"(?:urn:uuid:)?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})")


class PathError(ValueError):
    """A malformed GS1 Digital Link path (HTTP 400); the message says what is wrong."""


@dataclass(frozen=True)
class PassportKey:
    """What a request path names: a GTIN-14 and serial, or a passport uuid."""

    gtin: str | None = None
    serial: str | None = None
    uuid: str | None = None


def parse_request_path(raw_path: str) -> PassportKey | None:
    """The passport a resolver request path names, None when it names nothing we resolve."""
    if len(raw_path) > MAX_PATH_CHARS:
        raise PathError(f"the path is over {MAX_PATH_CHARS} characters")
    segments = raw_path.split("/")[1:]
    if segments and segments[-1] == "":
        segments = segments[:-1]  # a trailing slash
    if segments[:1] == ["01"]:
        return _digital_link(segments)
    if len(segments) == 1 and (match := _UUID.fullmatch(unquote(segments[0]))):
        return PassportKey(uuid=match[1].lower())
    return None


def _digital_link(segments: list[str]) -> PassportKey:
    if len(segments) != 4 or segments[2] != "21":
        raise PathError("a battery's GS1 Digital Link path is /01/{GTIN}/21/{serial}")
    gtin, serial = unquote(segments[1]), unquote(segments[3], errors="strict")
    if problem := gtin_problem(gtin):
        raise PathError(f"GTIN {gtin!r}: {problem}")
    if problem := serial_problem(serial):
        raise PathError(f"serial: {problem}")
    return PassportKey(gtin=gtin14(gtin), serial=serial)


def uuid_of(passport_id: str) -> str:
    return passport_id.removeprefix("urn:uuid:")


def resource_base(passport_id: str) -> str:
    return f"/passports/{uuid_of(passport_id)}"


def digital_link_path(gtin: str, serial: str) -> str:
    return f"/01/{gtin}/21/{quote(serial, safe='')}"


def canonical_path(passport_id: str, gtin: str | None, serial: str | None) -> str:
    """The path a QR code of this passport holds on this resolver."""
    return digital_link_path(gtin, serial) if gtin and serial else f"/{passport_id}"


def link_type_uri(name: str) -> str | None:
    """A ``linkType`` value (short ``gs1:pip``, ``bp:publicView`` or the full URI) as its URI."""
    for prefix, vocabulary in (("gs1:", GS1_VOC), ("bp:", BP_VOC)):
        if name.startswith(prefix):
            return vocabulary + name.removeprefix(prefix)
    return name if name.startswith((GS1_VOC, BP_VOC)) else None


@dataclass(frozen=True)
class VersionLink:
    number: int
    valid_from: str | None


def version_path(passport_id: str, number: int) -> str:
    return f"{resource_base(passport_id)}/versions/{number}/public.json"


def linkset(
    anchor: str, passport_id: str, audiences: list[str], jose: bool, versions: list[VersionLink]
) -> dict[str, Any]:
    """The RFC 9264 linkset of one passport (``versions``: the public view's, newest first)."""
    base = resource_base(passport_id)
    page = [{"href": f"{base}/page.html", "type": "text/html", "title": "Battery passport page (public)"}]
    links: dict[str, Any] = {"anchor": anchor}
    for name in PAGE_LINK_TYPES:
        links[GS1_VOC + name] = page
    for audience in sorted(audiences, key=list(AUDIENCE_LINK_TYPES).index):
        restriction = "open to anyone" if audience == Access.PUBLIC.value else f"needs a bearer token of the {audience} audience"
        title = f"{audience} view, signed credential ({restriction})"
        targets = [{"href": f"{base}/{audience}.json", "type": "application/vc+ld+json", "title": title}]
        if jose:
            targets.append({"href": f"{base}/{audience}.jwt", "type": "application/vc+jwt", "title": title})
        links[BP_VOC + AUDIENCE_LINK_TYPES[audience]] = targets
    if older := versions[1:]:
        links["predecessor-version"] = [
            {
                "href": version_path(passport_id, v.number),
                "type": "application/vc+ld+json",
                "title": f"public view, version {v.number}" + (f", valid from {v.valid_from}" if v.valid_from else ""),
            }
            for v in older
        ]
    return {"linkset": [links]}


def link_header(passport_id: str) -> str:
    """The ``Link`` header of every answer about a passport: its linkset and its page."""
    base = resource_base(passport_id)
    return (
        f'<{base}/linkset.json>; rel="linkset"; type="{LINKSET_TYPE}", '
        f'<{base}/page.html>; rel="{GS1_VOC}pip"; type="text/html"'
    )
