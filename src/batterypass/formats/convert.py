"""Convert between batterypass and the field's other formats: one entry point, one report.

Contract: :func:`convert` takes a parsed document and two format names from :data:`FORMATS`,
one of them ``native``. Exporting reads a batterypass passport (bare, or a credential in any
envelope, signed or not: the signature is not checked here) and writes the target format;
importing reads the format and writes batterypass build data, checked as ``build`` checks it.
The :class:`~.mapping.Conversion` it returns carries the converted document and, never
silently, what the target could not carry (``losses``) and what of the source was repaired to
read it (``repairs``). An import whose build data ``build`` would refuse raises
:class:`~batterypass.errors.InvalidInputError` with every problem, unless ``draft`` is set: then
the partial build data is returned with the problems in the report, for a person to complete.

:func:`detect_format` names the format of a document that is not ours, so ``validate`` can say
what a file is instead of calling it a broken credential.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import InvalidInputError, Problem
from ..issuing.assemble import check_build_data, parse_build_data
from ..jsonio import parse_json, read_bytes
from ..model.validation import shape_problems
from ..securing.credential import passport_subject
from ..verifying.documents import is_bare_passport, is_build_data, passport_of
from ..securing.documents import credential_of, load_document
from . import aas, battery_pass_12, batterypass_ready, catenax, untp
from .mapping import Conversion, Note, TrackedDocument

NATIVE = "native"
_CONVERTERS = {batterypass_ready.NAME: batterypass_ready, battery_pass_12.NAME: battery_pass_12, catenax.NAME: catenax, untp.NAME: untp, aas.NAME: aas}
#: Every format name ``convert`` knows, ``native`` first.
FORMATS = (NATIVE, *_CONVERTERS)
#: The formats whose documents can be imported as build data (``build --input-format``).
IMPORTABLE = tuple(name for name, module in _CONVERTERS.items() if hasattr(module, "import_build_data"))

_NOT_CARRIED = "the target format has no place for it"


def detect_format(document: Any) -> str | None:
    """The name of the (non-native) format ``document`` is in, or None."""
    return next((name for name, module in _CONVERTERS.items() if module.detect(document)), None)


def foreign_format_problem(document: Any, file: str = "FILE") -> tuple[str, Problem] | None:
    """What ``validate`` says of a document in another format: its name, and a problem that says
    which format it is and how to convert it."""
    name = detect_format(document)
    if name is None:
        return None
    if name in IMPORTABLE:
        how = (f"convert it with `batterypass convert {file} --from {name} --to native`"
               f" or build from it with `batterypass build {file} --input-format {name}`")
    else:
        how = "batterypass writes this format (`convert --to`) but does not import it"
    return name, Problem("$", f"{_CONVERTERS[name].DESCRIPTION}, not batterypass build data or a passport: {how}")


def load_input(path: str | Path, source_format: str) -> tuple[Any, list[Note]]:
    """The document in file ``path`` (for Battery Pass 1.2 also a directory of submodel files) in
    ``source_format``, and the repairs its reading needed (upstream encodings)."""
    if source_format == battery_pass_12.NAME:
        return battery_pass_12.read_submodels(path)
    if source_format == aas.NAME and str(path).lower().endswith(".aasx"):
        return aas.read_aasx(path), []
    if Path(path).is_dir():
        raise InvalidInputError([Problem("$", "is a directory: give a file")], str(path))
    return load_document(read_bytes(path), str(path)), []


def parse_input(raw: bytes, origin: str, source_format: str) -> tuple[Any, list[Note]]:
    """A document's bytes in ``source_format`` parsed (for Battery Pass 1.2 in its upstream encodings)."""
    repairs: list[Note] = []
    if source_format == battery_pass_12.NAME:
        return battery_pass_12.decode(raw, origin, repairs), repairs
    return parse_json(raw, origin), repairs


def import_items(
    items: Iterable[tuple[str, Any]], source_format: str, on_conversion: Callable[[str, Conversion], None] | None = None
) -> Iterator[tuple[str, Any]]:
    """Batch items (``(source, raw JSON or its error)`` as :func:`~batterypass.issuing.batch.read_items`
    yields) in ``source_format``, as build data; an item that does not convert becomes its error.
    ``on_conversion`` receives each item's conversion, so its losses reach the user."""
    for source, raw in items:
        if isinstance(raw, InvalidInputError):
            yield source, raw
            continue
        try:
            document, repairs = parse_input(raw, source, source_format)
            conversion = convert(document, source_format, NATIVE, origin=source)
        except InvalidInputError as exc:
            yield source, exc
            continue
        conversion.repairs[:0] = repairs
        if on_conversion:
            on_conversion(source, conversion)
        yield source, conversion.document


def convert(document: Any, source: str, target: str, *, draft: bool = False, origin: str | None = None) -> Conversion:
    """``document`` in format ``source`` converted to ``target`` (one of them ``native``).

    ``origin`` names the input in problems (a file name). Raises :class:`ValueError` for an
    unknown or unsupported pair and :class:`InvalidInputError` for input the source format's
    reader cannot take (or, without ``draft``, an import that ``build`` would refuse).
    """
    for name in (source, target):
        if name not in FORMATS:
            raise ValueError(f"unknown format {name!r} (known: {', '.join(FORMATS)})")
    if (source == NATIVE) == (target == NATIVE):
        raise ValueError("one side of a conversion is native: convert to native first, then from it")
    if source != NATIVE and source not in IMPORTABLE:
        raise ValueError(f"{source} is exported only (importable: {', '.join(IMPORTABLE)})")
    if source == NATIVE:
        return _export(document, target, origin)
    return _import(document, source, draft, origin)


def _export(document: Any, target: str, origin: str | None) -> Conversion:
    if is_build_data(document):
        raise InvalidInputError([Problem("$", "is build data: native on the way out is a passport (`batterypass build` makes one)")], origin)
    try:
        _, passport, _ = passport_of(document)
    except InvalidInputError as exc:
        raise InvalidInputError(exc.problems, origin) from None
    issued_at = None
    if not is_bare_passport(document):
        credential, _ = credential_of(document)
        issued_at = credential.get("validFrom")
    tracked = TrackedDocument(passport_subject(passport))
    converted = _CONVERTERS[target].export_passport(tracked, issued_at)
    return Conversion(NATIVE, target, converted, losses=tracked.losses + tracked.unread(_NOT_CARRIED))


def _import(document: Any, source: str, draft: bool, origin: str | None) -> Conversion:
    module = _CONVERTERS[source]
    if not module.detect(document):
        raise InvalidInputError([Problem("$", f"is not a {source} document")], origin)
    # The converters walk the document recursively: bound its depth and arrays first, as the
    # models bound build data, so that hostile nesting is a problem, never a RecursionError.
    if problems := shape_problems(document):
        raise InvalidInputError(problems, origin)
    tracked = TrackedDocument(None)
    try:
        document = aas.value_only(document) if module is aas else copy.deepcopy(document)
        repairs = module.repair(document) if hasattr(module, "repair") else []
        tracked = TrackedDocument(document)
        build_data = _prune(module.import_build_data(tracked))
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, ArithmeticError):
        # A converter maps a well-formed document; a value of another type than the format's
        # (hostile or broken input) is named where it was met, never a traceback.
        problem = Problem(tracked.last_read, f"is not what a {source} document holds there (wrong type or shape)")
        raise InvalidInputError([problem], origin) from None
    losses = tracked.losses + tracked.unread("build data has no place for it")
    conversion = Conversion(source, NATIVE, build_data, losses=losses, repairs=repairs)
    try:
        problems = check_build_data(parse_build_data(build_data, origin))
    except InvalidInputError as exc:
        problems = exc.problems
    if problems and not draft:
        raise InvalidInputError(
            [Problem(p.path, f"{p.message} (not in the {source} document: complete it, or convert with --draft)") for p in problems], origin
        )
    conversion.problems = problems
    return conversion


def _prune(value: Any) -> Any:
    """Build data without the members an import could not fill (None, empty objects): build
    then names what is required and missing, rather than every absent optional member."""
    if isinstance(value, dict):
        pruned = {key: _prune(item) for key, item in value.items()}
        return {key: item for key, item in pruned.items() if item is not None and item != {}}
    if isinstance(value, list):
        return [_prune(item) for item in value]
    return value
