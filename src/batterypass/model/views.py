"""Cut a passport down to what one audience may see (Art. 77(2), Annex XIII), and read views back.

The tiers come from the field metadata of the model (:mod:`.access`), so a view needs no
list of its own to keep in sync: a field is shown when its Annex XIII point is one the
audience may see, and nested objects are cut by the same rule. Fields without a point of
their own (the parts of an address) follow the field that holds them. Voluntary fields
(``x-basis: voluntary``, no Annex XIII point) are shown to persons with a legitimate interest
and authorities, and to the public only when the passport's
``supplyChainDueDiligence.voluntaryDataAudience`` is ``public``.

Reading a view back needs the same rule the other way round: :func:`disclosure_problems` finds
every field of a received view that its audience may not see (verification and publishing
both ask it), :func:`visible_to` answers it for one path, and :func:`view_model` is the model a
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

from ..errors import Problem, capped, json_path
from .access import AUDIENCE_POINTS, Access, field_point, is_voluntary
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
def _hidden(model: type[BaseModel], points: frozenset[int], voluntary_shown: bool) -> dict[str, Any]:
    """A pydantic ``exclude`` spec hiding from ``model`` every field outside ``points`` (and the
    voluntary ones unless ``voluntary_shown``)."""
    spec: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        point = field_point(info)
        if (point is not None and point not in points) or (is_voluntary(info) and not voluntary_shown):
            spec[name] = True
            continue
        nested = _nested_model(info.annotation)
        if nested is not None and (inner := _hidden(nested, points, voluntary_shown)):
            # Lists need "__all__"; a plain nested object takes the spec as is.
            spec[name] = {"__all__": inner} if _is_list(info.annotation) else inner
    return spec


def _voluntary_shown(audience: Access | None, voluntary_data_audience: Any) -> bool:
    """Whether ``audience`` (None: the full passport) sees the voluntary sourcing data, given
    the passport's ``voluntaryDataAudience``."""
    return audience is not Access.PUBLIC or voluntary_data_audience == "public"


def _voluntary_audience_of(subject: Any) -> Any:
    """``supplyChainDueDiligence.voluntaryDataAudience`` of passport JSON data, as it is there."""
    sourcing = subject.get("supplyChainDueDiligence") if isinstance(subject, dict) else None
    return sourcing.get("voluntaryDataAudience") if isinstance(sourcing, dict) else None


def view_for(passport: Passport, audience: Access | str) -> dict[str, Any]:
    """The passport as JSON data holding only what ``audience`` may see."""
    audience = Access(audience)
    sourcing = passport.supplyChainDueDiligence
    shown = _voluntary_shown(audience, sourcing.voluntaryDataAudience if sourcing else None)
    return passport.model_dump(mode="json", exclude_none=True, exclude=_hidden(Passport, AUDIENCE_POINTS[audience], shown))


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
    default or None. Whether such a field is *present* is :func:`disclosure_problems`'s
    question. (Voluntary fields are optional in the model already.)"""
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


_AUDIENCE_WORDS = {
    Access.PUBLIC: "a public view",
    Access.LEGITIMATE_INTEREST: "a legitimate-interest view",
    Access.AUTHORITY: "an authority view",
}


@functools.cache
def _field_facts(model: type[BaseModel]) -> dict[str, tuple[int | None, bool, type[BaseModel] | None]]:
    """Each field of ``model`` by name: its Annex XIII point, whether it is voluntary sourcing
    data, and the model it nests. Read from the class once: reading the field metadata and
    the type annotations anew for every key of every view cost more than verifying it."""
    return {name: (field_point(info), is_voluntary(info), _nested_model(info.annotation)) for name, info in model.model_fields.items()}


def disclosure_problems(subject: Any, audience: Access | str, prefix: tuple[str | int, ...] = ()) -> list[Problem]:
    """Where ``subject`` (a view as JSON data, at ``prefix`` in its document) holds more than
    ``audience`` may see, each naming the field and its Annex XIII point ("point 2 data in a
    public view").

    The same field metadata as :func:`view_for` decides, voluntary sourcing data by the
    view's own ``voluntaryDataAudience``, so what :func:`view_for` makes has no problem. Keys
    the passport model does not know are reported too: a view cannot show that they are meant
    for the audience. Nothing else is judged (a view leaves out required fields). At most
    :data:`~batterypass.errors.MAX_PROBLEMS` problems, by path, then one counting the rest.
    """
    audience = Access(audience)
    points = AUDIENCE_POINTS[audience]
    voluntary_shown = _voluntary_shown(audience, _voluntary_audience_of(subject))
    problems: list[Problem] = []

    def walk(model: type[BaseModel], data: Any, location: tuple[str | int, ...]) -> None:
        if isinstance(data, list):
            for index, item in enumerate(data):
                walk(model, item, location + (index,))
            return
        if not isinstance(data, dict):
            return
        facts = _field_facts(model)
        for key, value in data.items():
            fact = facts.get(key) if isinstance(key, str) else None
            if fact is None:
                problems.append(Problem(json_path(location + (key,)), "not a field of the battery passport"))
                continue
            point, voluntary, nested = fact
            if point is not None and point not in points:
                problems.append(Problem(json_path(location + (key,)), f"point {point} data in {_AUDIENCE_WORDS[audience]}"))
            elif voluntary and not voluntary_shown:
                problems.append(Problem(json_path(location + (key,)),
                                        f"voluntary sourcing data in {_AUDIENCE_WORDS[audience]} (voluntaryDataAudience is not public)"))
            elif nested is not None:
                walk(nested, value, location + (key,))

    walk(Passport, subject, prefix)
    # Cut like every problem list: a 1 MB view holds some 80,000 keys the model does not know.
    return capped(problems)


_PATH_PART = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")


@functools.lru_cache(maxsize=4096)  # the same few paths, in view after view
def _path_access(path: str, prefix: str) -> tuple[int | None, bool] | None:
    """The Annex XIII point that decides who sees the passport field at JSON ``path`` (below
    ``prefix``): the first point on the way down that an audience could lack, else the field's
    own; and whether a voluntary field is on the way. None for a path the model does not know."""
    if not path.startswith(prefix):
        return None
    model: type[BaseModel] | None = Passport
    decisive: int | None = None
    voluntary = False
    for name, _index in _PATH_PART.findall(path[len(prefix) :]):
        if not name:
            continue
        fact = _field_facts(model).get(name) if model else None
        if fact is None:
            return None
        point, field_voluntary, model = fact
        if point is not None and (decisive is None or decisive == 1):
            decisive = point
        voluntary = voluntary or field_voluntary
    return decisive, voluntary


def visible_to(path: str, audience: Access | str | None, subject: Any, prefix: str = "$") -> bool:
    """Whether ``audience`` (None: the full passport) may see the field at ``path`` of the
    passport data ``subject`` (whose ``voluntaryDataAudience`` decides the voluntary fields);
    fields the model does not know count as visible (they are not the views' business)."""
    if audience is None:
        return True
    audience = Access(audience)
    access = _path_access(path, prefix)
    if access is None:
        return True
    point, voluntary = access
    if voluntary and not _voluntary_shown(audience, _voluntary_audience_of(subject)):
        return False
    return point is None or point in AUDIENCE_POINTS[audience]
