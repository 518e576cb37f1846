"""Cut a passport down to what one audience may see (Art. 77(2), Annex XIII).

The tiers come from the field metadata of the model (:mod:`.access`), so a view needs no
list of its own to keep in sync: a field is shown when its Annex XIII point is one the
audience may see, and nested objects are cut by the same rule. Fields without a point of
their own (the parts of an address) follow the field that holds them. Voluntary fields
(``x-basis: voluntary``, no Annex XIII point) are shown to persons with a legitimate interest
and authorities, and to the public only when the passport's
``supplyChainDueDiligence.voluntaryDataAudience`` is ``public``.
"""

from __future__ import annotations

import functools
import typing
from typing import Any

from pydantic import BaseModel

from ..errors import Problem
from .access import AUDIENCE_POINTS, Access, field_point, is_voluntary
from .passport import Passport
from .validation import models_in


def _is_list(annotation: Any) -> bool:
    """``list[X]`` or ``list[X] | None``."""
    return typing.get_origin(annotation) is list or any(typing.get_origin(a) is list for a in typing.get_args(annotation))


@functools.cache
def _hidden(model: type[BaseModel], points: frozenset[int], voluntary_shown: bool) -> dict[str, Any]:
    """A pydantic ``exclude`` spec hiding from ``model`` every field outside ``points`` (and the
    voluntary ones unless ``voluntary_shown``)."""
    spec: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        point = field_point(info)
        if (point is not None and point not in points) or (is_voluntary(info) and not voluntary_shown):
            spec[name] = True
            continue
        nested = models_in(info.annotation)
        if len(nested) == 1 and (inner := _hidden(nested[0], points, voluntary_shown)):
            # Lists need "__all__"; a plain nested object takes the spec as is.
            spec[name] = {"__all__": inner} if _is_list(info.annotation) else inner
    return spec


def view_for(passport: Passport, audience: Access | str) -> dict[str, Any]:
    """The passport as JSON data holding only what ``audience`` may see."""
    audience = Access(audience)
    sourcing = passport.supplyChainDueDiligence
    shown = audience is not Access.PUBLIC or bool(sourcing and sourcing.voluntaryDataAudience == "public")
    return passport.model_dump(mode="json", exclude_none=True, exclude=_hidden(Passport, AUDIENCE_POINTS[audience], shown))


def disclosure_problems(subject: Any, audience: Access | str) -> list[Problem]:
    """Where ``subject`` (a view as JSON data) holds more than ``audience`` may see.

    The same field metadata as :func:`view_for` decides, so what :func:`view_for` makes has no
    problem. Keys the passport model does not know are reported too: a view cannot show that
    they are meant for the audience. Nothing else is judged (a view leaves out required fields).
    """
    audience = Access(audience)
    sourcing = subject.get("supplyChainDueDiligence") if isinstance(subject, dict) else None
    shown = audience is not Access.PUBLIC or (isinstance(sourcing, dict) and sourcing.get("voluntaryDataAudience") == "public")
    problems: list[Problem] = []
    _disclosure(Passport, subject, AUDIENCE_POINTS[audience], shown, "$", problems)
    return problems


def _disclosure(
    model: type[BaseModel], data: Any, points: frozenset[int], voluntary_shown: bool, path: str, problems: list[Problem]
) -> None:
    if isinstance(data, list):
        for index, item in enumerate(data):
            _disclosure(model, item, points, voluntary_shown, f"{path}[{index}]", problems)
        return
    if not isinstance(data, dict):
        return
    for key, value in data.items():
        info = model.model_fields.get(key)
        where = f"{path}.{key}"
        if info is None:
            problems.append(Problem(where, "not a field of the battery passport"))
            continue
        point = field_point(info)
        if point is not None and point not in points:
            problems.append(Problem(where, f"Annex XIII point {point} is not for this audience"))
            continue
        if is_voluntary(info) and not voluntary_shown:
            problems.append(Problem(where, "voluntary data not made public by voluntaryDataAudience"))
            continue
        nested = models_in(info.annotation)
        if len(nested) == 1:
            _disclosure(nested[0], value, points, voluntary_shown, where, problems)
