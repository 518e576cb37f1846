"""Cut a passport down to what one audience may see (Art. 77(2), Annex XIII), and read views back.

The tiers come from the field metadata of the model (:mod:`.access`), so a view needs no
list of its own to keep in sync: a field is shown when its Annex XIII point is one the
audience may see, and nested objects are cut by the same rule. Fields without a point of
their own (the parts of an address) follow the field that holds them.

Reading a view back needs the same rule the other way round: :func:`fields_above` finds every
field of a received view that its audience may not see, and :func:`view_model` is the model a
view validates against (the fields its audience may not see are absent by design, so they are
optional there; everything the audience sees keeps its constraints).
"""

from __future__ import annotations

import copy
import functools
import re
import types
import typing
from typing import Any, TypeVar

from pydantic import BaseModel, create_model

from ..errors import json_path
from .access import AUDIENCE_POINTS, Access, field_point
from .passport import Passport
from .validation import models_in

M = TypeVar("M", bound=BaseModel)


def _is_list(annotation: Any) -> bool:
    """``list[X]`` or ``list[X] | None``."""
    return typing.get_origin(annotation) is list or any(typing.get_origin(a) is list for a in typing.get_args(annotation))


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    nested = models_in(annotation)
    return nested[0] if len(nested) == 1 else None


@functools.cache
def _hidden(model: type[BaseModel], points: frozenset[int]) -> dict[str, Any]:
    """A pydantic ``exclude`` spec hiding from ``model`` every field outside ``points``."""
    spec: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        point = field_point(info)
        if point is not None and point not in points:
            spec[name] = True
            continue
        nested = _nested_model(info.annotation)
        if nested is not None and (inner := _hidden(nested, points)):
            # Lists need "__all__"; a plain nested object takes the spec as is.
            spec[name] = {"__all__": inner} if _is_list(info.annotation) else inner
    return spec


def view_for(passport: Passport, audience: Access | str) -> dict[str, Any]:
    """The passport as JSON data holding only what ``audience`` may see."""
    points = AUDIENCE_POINTS[Access(audience)]
    return passport.model_dump(mode="json", exclude_none=True, exclude=_hidden(Passport, points))


def _substitute(annotation: Any, old: type[BaseModel], new: type[BaseModel]) -> Any:
    """``annotation`` with the model ``old`` replaced by ``new`` (through Optional and list)."""
    if annotation is old:
        return new
    args = typing.get_args(annotation)
    if not args:
        return annotation
    replaced = tuple(_substitute(arg, old, new) for arg in args)
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        return typing.Union[replaced]  # noqa: UP007 - built from a tuple
    return origin[replaced if len(replaced) > 1 else replaced[0]]


@functools.cache
def view_model(model: type[M], points: frozenset[int]) -> type[M]:
    """``model`` as an audience seeing ``points`` receives it: a subclass (so it is still a
    ``Passport``) whose fields outside ``points`` are optional and default to their own
    default or None. Whether such a field is *present* is :func:`fields_above`'s question."""
    overrides: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        point = field_point(info)
        if point is not None and point not in points:
            default = None if info.is_required() else info.default
            hidden = copy.copy(info)
            hidden.default, hidden.metadata = default, []
            overrides[name] = (info.annotation | None, hidden)  # type: ignore[operator]
            continue
        nested = _nested_model(info.annotation)
        if nested is not None and (inner := view_model(nested, points)) is not nested:
            overrides[name] = (_substitute(info.annotation, nested, inner), copy.copy(info))
    if not overrides:
        return model
    name = f"{model.__name__}View{''.join(map(str, sorted(points)))}"
    return typing.cast(type[M], create_model(name, __base__=model, __module__=__name__, **overrides))


def passport_view_model(audience: Access | str) -> type[Passport]:
    """The passport model a view for ``audience`` validates against."""
    return view_model(Passport, AUDIENCE_POINTS[Access(audience)])


def fields_above(data: Any, audience: Access | str, prefix: tuple[str | int, ...] = ()) -> list[tuple[str, int]]:
    """Every field of passport data ``data`` that ``audience`` may not see: (JSON path, Annex XIII point).

    Only what the model knows is judged; unknown keys are the model's to refuse.
    """
    points = AUDIENCE_POINTS[Access(audience)]
    found: list[tuple[str, int]] = []

    def walk(model: type[BaseModel], value: Any, location: tuple[str | int, ...]) -> None:
        if not isinstance(value, dict):
            return
        for key, item in value.items():
            info = model.model_fields.get(key) if isinstance(key, str) else None
            if info is None:
                continue
            point = field_point(info)
            if point is not None and point not in points:
                found.append((json_path(location + (key,)), point))
                continue
            nested = _nested_model(info.annotation)
            if nested is None:
                continue
            for index, element in enumerate(item) if isinstance(item, list) else [(None, item)]:
                walk(nested, element, location + ((key, index) if index is not None else (key,)))

    walk(Passport, data, prefix)
    return found


_PATH_PART = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")


def point_at(path: str, prefix: str = "$") -> int | None:
    """The Annex XIII point that decides who sees the passport field at JSON ``path`` (below
    ``prefix``): the first point on the way down that an audience could lack, else the field's own.

    None for a path the passport model does not know.
    """
    if not path.startswith(prefix):
        return None
    model: type[BaseModel] | None = Passport
    decisive: int | None = None
    for name, _index in _PATH_PART.findall(path[len(prefix) :]):
        if not name:
            continue
        info = model.model_fields.get(name) if model else None
        if info is None:
            return None
        point = field_point(info)
        if point is not None and (decisive is None or decisive == 1):
            decisive = point
        model = _nested_model(info.annotation)
    return decisive


def visible_to(path: str, audience: Access | str | None, prefix: str = "$") -> bool:
    """Whether ``audience`` (None: the full passport) may see the field at ``path``; fields the
    model does not know count as visible (they are not the views' business)."""
    if audience is None:
        return True
    point = point_at(path, prefix)
    return point is None or point in AUDIENCE_POINTS[Access(audience)]
