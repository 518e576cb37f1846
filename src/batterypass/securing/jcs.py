"""RFC 8785 JSON Canonicalization Scheme (JCS): the bytes a Data Integrity proof signs.

:func:`canonical_json` gives the same bytes whichever implementation runs:

* ``jcs-admit`` (Rust, wheels for Linux x86-64 and arm64, macOS, Windows) when it is
  installed: the value is written by orjson (or, where orjson would write it its own way, by
  the standard library's encoder) and the text canonicalised by ``jcs_admit.admit_with``,
  some three to four times faster than ``rfc8785`` on a passport;
* ``rfc8785`` (pure Python) otherwise, and always for what ``jcs-admit`` cannot read.

Both refuse what JCS cannot represent (NaN, Infinity, integers beyond +-(2^53 - 1), strings
holding unpaired surrogates, types JSON has none for) with :class:`InvalidInputError`, and
nesting deeper than :data:`MAX_NESTING` levels (``rfc8785`` alone would recurse up to Python's
limit). Differences remain outside JSON only (parsed JSON holds none of these), where
``rfc8785`` refuses and the ``jcs-admit`` path writes: a dict key that is not a string (``1`` as
``"1"``, as the standard library writes it), a UUID (its string) and a member of a plain
enumeration (its value), as orjson and so :func:`~batterypass.jsonio.dumps_pretty` write them.

The tests hold both to the RFC 8785 and W3C eddsa-jcs-2022 test data byte for byte, and to
each other on arbitrary JSON.
"""

from __future__ import annotations

import json
from typing import Any, NoReturn

import orjson
import rfc8785

from ..errors import InvalidInputError, Problem

try:
    import jcs_admit
except ImportError:  # no wheel for this platform
    jcs_admit = None

#: Deepest nesting of arrays and objects canonicalised (``jcs-admit``'s supported maximum).
MAX_NESTING = 512

_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"), check_circular=False)
#: What orjson must not write its own way: dates, dataclasses and subclasses of str, int, dict
#: and list raise instead, and go to the standard library's encoder as before.
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS


def canonical_json(value: Any) -> bytes:
    """RFC 8785 (JCS) bytes of ``value``.

    JCS can only represent what an IEEE-754 double can: NaN/Infinity, integers beyond
    +-(2^53 - 1) and non-JSON types (Decimal, bytes) raise :class:`InvalidInputError`;
    convert such values deliberately (e.g. to strings) before signing.
    """
    if jcs_admit is not None:
        return _with_jcs_admit(value)
    return _with_rfc8785(value)


def parse_canonical(data: bytes, max_depth: int = MAX_NESTING) -> tuple[Any, bytes] | None:
    """JSON text ``data`` parsed, with its RFC 8785 form; None where ``jcs-admit`` is not installed
    or refuses the text. Parse it strictly then (:func:`~batterypass.jsonio.parse_json`, which says
    what is wrong) and canonicalise what it gives.

    One pass of jcs-admit over the text checks it as strictly as ``parse_json`` does (a member
    name twice in an object, NaN, an unpaired surrogate, bytes that are not UTF-8 are refused)
    and canonicalises it. It also refuses what ``parse_json`` lets through and JCS cannot
    represent (an integer beyond +-(2^53 - 1), 1e400), and nesting deeper than ``max_depth``
    levels (a top-level ``[]`` is one). orjson then reads a text jcs-admit admitted exactly as
    ``parse_json`` would, values and types alike (``1.0`` stays a float), in a third of the time
    (a text with very long numerals excepted, below). The tests hold these claims to
    ``parse_json`` and ``rfc8785`` on arbitrary text.
    """
    if jcs_admit is None:
        return None
    try:
        canonical = jcs_admit.admit_with(data, max_depth=min(max_depth, MAX_NESTING), max_bytes=None, safe_integers=True)
    except jcs_admit.JcsError:
        return None
    # orjson (3.13) misreads some numerals of hundreds of digits: the exact midpoint between two
    # doubles, written out in full, rounds the wrong way. jcs-admit reads it right, so the
    # signature would verify over one number while another was handed on. A text holding a run
    # of 20 digits or points goes to the standard library's parser, which rounds correctly;
    # numerals of at most 19 significant digits orjson reads exactly (tested).
    if _LONG_NUMERAL in data.translate(_NUMERAL_BYTES):
        return json.loads(data.decode("utf-8")), canonical
    return orjson.loads(data), canonical


#: ``bytes.translate`` table: the bytes of a numeral's digits and point become 1, all others 0.
_NUMERAL_BYTES = bytes(1 if byte in b"0123456789." else 0 for byte in range(256))
_LONG_NUMERAL = b"\x01" * 20


def canonical_without_member(canonical: bytes, name: str, value: Any) -> bytes | None:
    """The RFC 8785 form of an object without its member ``name``, whose value is ``value``, cut
    from ``canonical``, the form of the whole object; None when the cut is not certain.

    RFC 8785 writes an object as its members sorted by name, each as ``JCS(name):JCS(value)``,
    commas between them (section 3.2.3). The form of the object without one member is therefore
    the form of the whole without that member's text and one comma, which saves canonicalising
    the rest again. The member's text is found by searching, so it is cut only when it occurs
    once in ``canonical``: that one occurrence is the object's own member, not a copy of it
    nested in another value. ``canonical`` must be the form of an object that holds ``name``
    with ``value``; a member found anywhere but between the object's own ``{``, ``,`` and ``}``
    gives None. So does a ``value`` holding a fractional number: the one value two readers of
    the same text may read apart (see :func:`parse_canonical`), and then the text searched for
    might be a nested copy's rather than the member's own.
    """
    if _holds_float(value):
        return None
    member = canonical_json(name) + b":" + canonical_json(value)
    start = canonical.find(member)
    if start < 1 or canonical.find(member, start + 1) != -1:
        return None
    end = start + len(member)
    before, after = canonical[start - 1 : start], canonical[end : end + 1]
    if before == b"," and after in (b",", b"}"):
        return canonical[: start - 1] + canonical[end:]
    if start == 1 and before == b"{" and after == b",":
        return canonical[:start] + canonical[end + 1 :]
    if start == 1 and before == b"{" and canonical[end:] == b"}":
        return b"{}"
    return None


def _holds_float(value: Any) -> bool:
    values = [value]
    while values:
        item = values.pop()
        if isinstance(item, float):
            return True
        if isinstance(item, dict):
            values.extend(item.values())
        elif isinstance(item, list):
            values.extend(item)
    return False


def _json_text(value: Any) -> bytes:
    """``value`` as JSON text, for ``jcs-admit`` to canonicalise.

    orjson writes it ten times faster than the standard library, but as ``null`` where it meets
    NaN or Infinity, which must be refused, never signed as null: text holding ``null`` at all
    (rare in a passport) is written again by the standard library's encoder, which refuses them.
    Whatever orjson will not write (a subclass, a date, an integer beyond 64 bits, a key that is
    not a string, nesting beyond 255 levels) takes that encoder too.
    """
    try:
        text = orjson.dumps(value, option=_ORJSON_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError is one
        return _ENCODER.encode(value).encode("utf-8")
    if b"null" in text:  # perhaps a NaN or an Infinity: the standard library's encoder refuses them
        return _ENCODER.encode(value).encode("utf-8")
    return text


def _with_jcs_admit(value: Any) -> bytes:
    try:
        text = _json_text(value)
    except (TypeError, ValueError, UnicodeEncodeError, RecursionError):
        # Not JSON at all: rfc8785 says precisely what (which type, which number).
        return _with_rfc8785(value)
    try:
        return jcs_admit.admit_with(text, max_depth=MAX_NESTING, max_bytes=None, safe_integers=True)
    except jcs_admit.JcsError as exc:
        if exc.variant == "TooDeep":
            _refuse(f"document is nested more than {MAX_NESTING} levels deep")
        # safe_integers refuses every integral value beyond 2^53, the float 1e+30 too (the
        # encoder's text no longer tells an int from a float): rfc8785 tells them apart.
        return _with_rfc8785(value)


def _with_rfc8785(value: Any) -> bytes:
    try:
        return rfc8785.dumps(_within_nesting(value))
    except rfc8785.IntegerDomainError as exc:
        _refuse(f"{exc}: integers must be within +-(2^53 - 1); write larger ones as strings")
    except rfc8785.FloatDomainError as exc:
        _refuse(f"{exc}: only finite numbers can be signed")
    except rfc8785.CanonicalizationError as exc:
        _refuse(f"cannot canonicalise (JCS): {exc}")
    except UnicodeEncodeError:  # rfc8785 sorts keys as UTF-16 before it checks them
        _refuse("cannot canonicalise (JCS): a key holds an unpaired surrogate")
    except RecursionError:
        _refuse(f"document is nested more than {MAX_NESTING} levels deep")


def _within_nesting(value: Any) -> Any:
    """``value``, once it is known to nest at most :data:`MAX_NESTING` levels (as ``jcs-admit`` counts)."""
    level, depth = [value], 0
    while level:
        containers = [item for item in level if isinstance(item, (dict, list, tuple))]
        if not containers:
            return value
        depth += 1
        if depth > MAX_NESTING:
            raise RecursionError
        level = [child for item in containers for child in (item.values() if isinstance(item, dict) else item)]
    return value


def _refuse(message: str) -> NoReturn:
    raise InvalidInputError([Problem("$", message)], "document to sign")
