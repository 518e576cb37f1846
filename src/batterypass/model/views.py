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
