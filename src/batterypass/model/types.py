"""Value types shared by the build-data and passport models: each validates one thing well.

Numbers are strict (a JSON string is never silently read as a number), dates are ISO 8601
strings only (pydantic alone would read the integer 20270415 as a Unix time), URLs and
e-mail addresses keep the user's exact spelling (no normalisation that would change what is
signed).
"""

from __future__ import annotations

import functools
import re
from datetime import date
from typing import Annotated
from urllib.parse import urlsplit

import pycountry
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, Strict, StringConstraints


def _documented(pattern: str, **schema: str) -> object:
    """Publish a check's pattern in the JSON Schema while the validator gives the friendly message."""
    return Field(json_schema_extra={"pattern": pattern, **schema})

NonEmptyStr = Annotated[str, StringConstraints(strip_whitespace=False, min_length=1, max_length=500), Strict()]
Number = Annotated[float, Strict()]
PositiveNumber = Annotated[float, Strict(), Field(gt=0)]
NonNegativeNumber = Annotated[float, Strict(), Field(ge=0)]
Percent = Annotated[float, Strict(), Field(ge=0, le=100)]
Count = Annotated[int, Strict(), Field(ge=0)]


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_YEAR_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})(?:-([0-9]{2}))?")
_COUNTRY = re.compile(r"[A-Z]{2}")
_CAS = re.compile(r"([0-9]{2,7})-([0-9]{2})-([0-9])")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
#: What str.isspace() calls white space (the re module's \s for str patterns is the same test).
_WHITESPACE = re.compile(r"\s")
# The checks below that parse, look up or match are cached per value: a batch of passports repeats
# the same addresses, countries and web links thousands of times. The caches hold valid values
# only (a refusal raises, which is not cached) and are bounded.
_CACHED = functools.lru_cache(maxsize=4096)


def _iso_date(value: object) -> object:
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("must be an ISO 8601 date YYYY-MM-DD")
    if not isinstance(value, (str, date)):
        raise ValueError("must be an ISO 8601 date string YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]


@_CACHED
def _year_month(value: str) -> str:
    match = _YEAR_MONTH.fullmatch(value)
    if not match:
        raise ValueError("must be an ISO 8601 date, YYYY-MM or YYYY-MM-DD")
    year, month, day = (int(g) if g else 1 for g in match.groups())
    try:
        date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"is not a calendar date ({exc})") from None
    return value


#: A manufacturing date: Annex VI Part A asks for month and year; a full date is accepted.
YearMonth = Annotated[str, Strict(), AfterValidator(_year_month), _documented(r"^[0-9]{4}-[0-9]{2}(-[0-9]{2})?$")]


@_CACHED
def _country(value: str) -> str:
    if not _COUNTRY.fullmatch(value) or pycountry.countries.get(alpha_2=value) is None:
        raise ValueError("must be an ISO 3166-1 alpha-2 country code (e.g. DE)")
    return value


CountryCode = Annotated[str, Strict(), AfterValidator(_country), _documented("^[A-Z]{2}$")]


def cas_check_digit(body_digits: str) -> int:
    """CAS Registry Number check digit: sum of digits weighted 1, 2, 3... from the right, mod 10."""
    return sum(i * int(d) for i, d in enumerate(reversed(body_digits), start=1)) % 10


@_CACHED
def _cas(value: str) -> str:
    match = _CAS.fullmatch(value)
    if not match:
        raise ValueError("must be a CAS Registry Number NNNNNNN-NN-N")
    expected = cas_check_digit(match[1] + match[2])
    if int(match[3]) != expected:
        raise ValueError(f"CAS check digit is {match[3]}, expected {expected}")
    return value


CasNumber = Annotated[str, Strict(), AfterValidator(_cas), _documented(r"^[0-9]{2,7}-[0-9]{2}-[0-9]$")]


@_CACHED
def _web_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname or _WHITESPACE.search(value):
        raise ValueError("must be an http(s) URL")
    return value


#: The longest web address a passport holds (passportUrl, links to documents).
MAX_URL_CHARS = 2000
WebUrl = Annotated[str, Strict(), StringConstraints(max_length=MAX_URL_CHARS), AfterValidator(_web_url), _documented("^https?://", format="uri")]


@_CACHED
def _email(value: str) -> str:
    # Deliverability is not ours to judge; this only catches what is plainly not an address.
    if not _EMAIL.fullmatch(value):
        raise ValueError("must be an e-mail address")
    return value


Email = Annotated[str, Strict(), StringConstraints(max_length=320), AfterValidator(_email), _documented(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", format="email")]


class StrictModel(BaseModel):
    """The base of every build-data, passport and change model: an unknown member is refused (a
    misspelt field must not pass unnoticed), a validated value is immutable, and NaN or infinity
    is never a number."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
