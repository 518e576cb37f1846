"""Identifiers: the passport id, the battery's unique identifier, GTINs and the QR link.

* The passport id is ``urn:uuid:`` + a UUIDv5 of (manufacturer identifier, serial number)
  under :data:`PASSPORT_ID_NAMESPACE`, so rebuilding the same battery never mints a second
  passport (Art. 77(3): one passport per battery).
* The battery identifier follows ISO/IEC 15459: with a GTIN it is the GS1 element string
  ``(01)<GTIN-14>(21)<serial>``; without one, the issuing agency code (IAC) of an ISO/IEC
  15459 issuing agency, the company identification number (CIN) that agency gave the
  manufacturer, and the serial number: ``<IAC><CIN><serial>``.
* The QR content is an HTTPS URL only (Art. 13(6), DESIGN 5): a GS1 Digital Link when a
  GTIN is known, else the resolver base plus the passport id.
"""

from __future__ import annotations

import functools
import re
import uuid
from urllib.parse import quote, unquote, urlsplit

#: Fixed namespace for passport ids: UUIDv5("batterypass passport") under the URL namespace.
#: Changing it would change every passport id ever issued: never do.
PASSPORT_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://batterypass.dev/ns/passport-id")

# GS1 General Specifications 7.11, "GS1 AI encodable character set 82" (AI 21 serial).
_CSET82 = re.compile(r"^[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$")


def gtin_check_digit(body: str) -> int:
    """GS1 mod-10 check digit for the digits before it (weights 3,1,3,... from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


@functools.lru_cache(maxsize=4096)  # a batch repeats a few GTINs thousands of times
def gtin_problem(gtin: str) -> str | None:
    """Why ``gtin`` is not a valid GTIN-8/12/13/14, or None when it is."""
    if not re.fullmatch(r"[0-9]+", gtin):
        return "must contain digits only"
    if len(gtin) not in (8, 12, 13, 14):
        return f"must have 8, 12, 13 or 14 digits, not {len(gtin)}"
    expected = gtin_check_digit(gtin[:-1])
    if int(gtin[-1]) != expected:
        return f"check digit is {gtin[-1]}, expected {expected}"
    return None


def gtin14(gtin: str) -> str:
    """A valid GTIN padded to the 14 digits GS1 element strings and Digital Links use; anything
    else is a ValueError (the result becomes URLs and, in a static export, directory names)."""
    if problem := gtin_problem(gtin):
        raise ValueError(f"GTIN {gtin!r}: {problem}")
    return gtin.zfill(14)


def serial_problem(serial: str) -> str | None:
    """Why ``serial`` cannot be a GS1 AI (21) serial number, or None when it can."""
    if _CSET82.fullmatch(serial):
        return None
    if not 1 <= len(serial) <= 20:
        return f"a GS1 serial (AI 21) has 1 to 20 characters, not {len(serial)}"
    return "a GS1 serial (AI 21) may only use the GS1 character set 82 (letters, digits and !\"%&'()*+,-./:;<=>?_)"


#: Operator identifiers (LEI, EORI, GLN...) as URIs, so a DID document can list them in
#: ``alsoKnownAs`` (a set of URIs): ``urn:batterypass:operator:LEI:5299...``.
OPERATOR_URN_PREFIX = "urn:batterypass:operator:"


def operator_urn(identifier: str) -> str:
    """The URI form of an economic operator's identifier."""
    return OPERATOR_URN_PREFIX + quote(identifier, safe=":")


def operator_of_urn(uri: str) -> str | None:
    """The operator identifier an :func:`operator_urn` names, or None for any other URI."""
    return unquote(uri.removeprefix(OPERATOR_URN_PREFIX)) if uri.startswith(OPERATOR_URN_PREFIX) and len(uri) > len(OPERATOR_URN_PREFIX) else None


def version_credential_id(passport_id: str, version: int) -> str:
    """The credential id of one version of a passport.

    Version 1 is the passport id itself (so passports issued before versions existed keep
    their ids); each later version gets a UUIDv5 of (passport id, version) under
    :data:`PASSPORT_ID_NAMESPACE`: its own id, which anyone can recompute.
    """
    if version == 1:
        return passport_id
    return f"urn:uuid:{uuid.uuid5(PASSPORT_ID_NAMESPACE, f'{passport_id}#version-{version}')}"


@functools.lru_cache(maxsize=1024)  # building a passport asks for its id more than once
def passport_id(manufacturer_identifier: str, serial_number: str, gtin: str | None = None) -> str:
    """The deterministic passport id for one battery of one manufacturer.

    GS1 serial numbers are unique per GTIN, not per manufacturer: two product lines may both
    have a battery "000123". With a GTIN the id therefore names (manufacturer, GTIN-14,
    serial); without one the manufacturer's serial must be unique on its own.
    """
    # The NUL separator keeps ("AB", "C") and ("A", "BC") apart. Padded, not gtin14(): batch
    # claims ids before the data is validated, and a bad GTIN is refused later with its reason.
    parts = [manufacturer_identifier, *([gtin.zfill(14)] if gtin else []), serial_number]
    return f"urn:uuid:{uuid.uuid5(PASSPORT_ID_NAMESPACE, chr(0).join(parts))}"


#: ISO/IEC 15459-4 item identifiers: an issuing agency code (one digit for GS1's range, else
#: two or three upper-case letters, as the AIM register assigns them), the company
#: identification number, then the item part; upper-case letters and digits, the item part
#: also '-', '.' and '/'; 50 characters at most.
ISO15459_FORM = "IAC (e.g. UN) + company identification number + serial, upper-case letters and digits, at most 50 characters"
_IAC = re.compile(r"^(?:[0-9]|[A-Z]{2,3})$")
_CIN = re.compile(r"^[A-Z0-9]{1,35}$")
_ITEM = re.compile(r"^[A-Z0-9./-]+$")
ISO15459_MAX = 50


def iso15459_problem(agency_code: str, company_number: str, serial_number: str) -> str | None:
    """Why (IAC, CIN, serial) cannot make an ISO/IEC 15459 item identifier, or None when they can."""
    if not _IAC.fullmatch(agency_code):
        return f"ISO/IEC 15459: the issuing agency code {agency_code!r} must be a digit or 2-3 upper-case letters ({ISO15459_FORM})"
    if not _CIN.fullmatch(company_number):
        return f"ISO/IEC 15459: the company identification number {company_number!r} must be 1-35 upper-case letters or digits"
    if not _ITEM.fullmatch(serial_number):
        return f"ISO/IEC 15459: the serial number {serial_number!r} may only hold upper-case letters, digits, '-', '.' and '/'"
    if len(agency_code + company_number + serial_number) > ISO15459_MAX:
        return f"ISO/IEC 15459: the identifier would have more than {ISO15459_MAX} characters"
    return None


def battery_identifier(serial_number: str, gtin: str | None, agency_code: str | None = None, company_number: str | None = None) -> str:
    """The battery's unique identifier (ISO/IEC 15459): the GS1 element string when a GTIN is
    known, else issuing agency code + company identification number + serial."""
    if gtin:
        return f"(01){gtin14(gtin)}(21){serial_number}"
    return f"{agency_code}{company_number}{serial_number}"


@functools.lru_cache(maxsize=256)  # a batch asks about the same few bases for every battery
def resolver_problem(base: str) -> str | None:
    """Why ``base`` cannot be a resolver base URL for QR links, or None when it can."""
    if not base.isascii() or not base.isprintable() or " " in base:
        # What a QR code holds must read the same in every scanner (carriers.qr): printable ASCII.
        return "must be printable ASCII without spaces (percent-encode anything else; an international host in its xn-- form)"
    try:
        parts = urlsplit(base)
        parts.port  # noqa: B018 - parsing the port is what rejects "https://host:x"
    except ValueError:  # "https://[x": an unterminated IPv6 literal and the like
        return "is not a valid URL"
    if parts.scheme != "https":
        return "must be an https:// URL"
    if not parts.hostname:
        return "must name a host"
    if parts.query or parts.fragment:
        return "must not have a query or fragment"
    if parts.username or parts.password:
        return "must not carry credentials"
    return None


def digital_link_url(resolver: str, gtin: str, serial: str) -> str:
    """GS1 Digital Link URI ``https://<resolver>/01/<GTIN-14>/21/<serial>``.

    The serial is percent-encoded as GS1 Digital Link 1.2 (section 7.3) asks: every
    character outside the URI unreserved set.
    """
    return f"{resolver.rstrip('/')}/01/{gtin14(gtin)}/21/{quote(serial, safe='')}"


def passport_url(resolver: str, passport_id_: str) -> str:
    """Resolver link for a battery without GTIN: ``https://<resolver>/<passport-id>``."""
    return f"{resolver.rstrip('/')}/{quote(passport_id_, safe=':')}"


def qr_link(resolver: str, passport_id_: str, gtin: str | None, serial: str) -> str:
    """The URL a battery's QR code holds: a GS1 Digital Link when a GTIN is known."""
    return digital_link_url(resolver, gtin, serial) if gtin else passport_url(resolver, passport_id_)
