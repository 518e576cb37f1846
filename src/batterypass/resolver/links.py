"""The resolver's URLs: GS1 Digital Link request paths, resource paths and the RFC 9264 linkset.

Contract:

* A request path is a GS1 Digital Link URI path ``/01/{gtin}/21/{serial}`` (GS1 Digital
  Link URI Syntax 1.2: segments percent-decoded one by one; GTIN-8/12/13/14 with a valid
  check digit, padded to 14; serial 1-20 characters of GS1 character set 82) or a passport id,
  ``/{uuid}`` or ``/urn:uuid:{uuid}`` (what QR codes of batteries without a GTIN hold).
  Anything else starting ``/01/`` (a malformed percent-encoding too) is malformed
  (:class:`PathError`, HTTP 400); other paths
  name nothing (None, HTTP 404).
* A passport's resources live under ``/passports/{uuid}/`` (another segment there is a
  :class:`PathError`, HTTP 400): ``page.html``,
  ``linkset.json``, ``{audience}.json`` (and ``{audience}.jwt`` when issued as a JWS), and
  ``versions/{n}/public.json``. The static export lays its files out the same way.
* The linkset names every resource with a link type; each credential link's type and title
  name its audience; every version of the public view is listed (``latest-version`` and
  ``predecessor-version``, RFC 5829). Hrefs are absolute paths, so the linkset is the same
  behind any host.
* A passport whose latest version is final (``lifecycle.ceased``: the battery is recycled,
  Art. 77(8)) says so to machines: a link of type :data:`CEASED` to that final version, in the
  linkset and in the ``Link`` header, so a client need not read the page or the credential.
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
#: The link type saying the passport has ceased, to its final version.
CEASED = BP_VOC + "ceased"
MAX_PATH_CHARS = 2048

_UUID = re.compile(r"(?:urn:uuid:)?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})")


_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


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
    # unquote() keeps a malformed escape ("%ZZ") as it is, and "%" is a serial character.
    if any(_BAD_ESCAPE.search(segment) for segment in segments):
        raise PathError("the path has a malformed percent-encoding (a % not followed by two hex digits)")
    try:
        gtin, serial = unquote(segments[1]), unquote(segments[3], errors="strict")
    except UnicodeDecodeError:  # "%FF": a well-formed escape of what is no UTF-8
        raise PathError("the path's percent-encoding is not UTF-8") from None
    if problem := gtin_problem(gtin):
        raise PathError(f"GTIN {gtin!r}: {problem}")
    if problem := serial_problem(serial):
        raise PathError(f"serial: {problem}")
    return PassportKey(gtin=gtin14(gtin), serial=serial)


def resource_passport_id(segment: str) -> str:
    """The passport id a ``/passports/{uuid}/`` path names; :class:`PathError` (HTTP 400) when
    the segment is not a uuid (it goes into the ``Link`` header)."""
    if not (match := _UUID.fullmatch(segment)):
        raise PathError("a passport's resources are under /passports/{uuid}/, and this is not a uuid")
    return f"urn:uuid:{match[1].lower()}"


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
    anchor: str, passport_id: str, audiences: list[str], jose: bool, versions: list[VersionLink], ceased: bool = False
) -> dict[str, Any]:
    """The RFC 9264 linkset of one passport (``versions``: the public view's, newest first;
    ``ceased``: the newest is the final version)."""
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
    version_links = [
        {
            "href": version_path(passport_id, v.number),
            "type": "application/vc+ld+json",
            "title": f"public view, version {v.number}" + (f", valid from {v.valid_from}" if v.valid_from else ""),
        }
        for v in versions
    ]
    if version_links:
        links["latest-version"] = version_links[:1]
    if version_links[1:]:
        links["predecessor-version"] = version_links[1:]
    if ceased and versions:
        links[CEASED] = [{**version_links[0], "title": _ceased_title(versions[0].number)}]
    return {"linkset": [links]}


def _ceased_title(number: int) -> str:
    return f"the passport has ceased: version {number} is the final one, the battery is recycled (Art. 77(8))"


def link_header(passport_id: str, final_version: int | None = None) -> str:
    """The ``Link`` header of every answer about a passport: its linkset and its page, and
    when its latest version (``final_version``) is final, that it has ceased."""
    base = resource_base(passport_id)
    header = (
        f'<{base}/linkset.json>; rel="linkset"; type="{LINKSET_TYPE}", '
        f'<{base}/page.html>; rel="{GS1_VOC}pip"; type="text/html"'
    )
    if final_version is not None:
        header += (f', <{version_path(passport_id, final_version)}>; rel="{CEASED}"; type="application/vc+ld+json"; '
                   f'title="{_ceased_title(final_version)}"')
    return header
