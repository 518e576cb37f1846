"""Turn pydantic's validation errors into :class:`~batterypass.errors.Problem` s a person can act on.

Every problem names its JSON path (``$.battery.massKg``) and says what is wrong in plain
words; an unknown key gets a "did you mean" hint when it looks like a typo of a known one.

Work is bounded before a model sees the data: an array over :data:`MAX_ARRAY_ITEMS` items or
nesting deeper than :data:`MAX_DEPTH` is refused outright (a 1 MB file of empty objects would
otherwise become over a million problems), and at most :data:`~batterypass.errors.MAX_PROBLEMS`
problems are described.
"""

from __future__ import annotations

import difflib
import typing
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import MAX_PROBLEMS, InvalidInputError, Problem, json_path

M = TypeVar("M", bound=BaseModel)
#: Most items an array of build data or a passport may hold.
MAX_ARRAY_ITEMS = 10_000
#: Deepest nesting of objects and arrays (the models need about ten levels).
MAX_DEPTH = 64


def models_in(annotation: Any) -> list[type[BaseModel]]:
    """The model classes an annotation can hold (through Optional, list, Annotated, unions)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        found += models_in(arg)
    return found


def _model_at(root: type[BaseModel], location: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class whose object sits at ``location`` (list indices skipped)."""
    model: type[BaseModel] | None = root
    for part in location:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(part)
        candidates = models_in(field.annotation) if field else []
        model = candidates[0] if len(candidates) == 1 else None
    return model


def _message(error: dict[str, Any], root: type[BaseModel]) -> str:
    kind = error["type"]
    location = error["loc"]
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        parent = _model_at(root, location[:-1])
        known = list(parent.model_fields) if parent else []
        hint = difflib.get_close_matches(str(location[-1]), known, n=1, cutoff=0.75)
        return "unknown key" + (f"; did you mean {hint[0]!r}?" if hint else f" (allowed: {', '.join(known)})")
    if kind == "literal_error":
        return "must be " + error["msg"].removeprefix("Input should be ")
    message = error["msg"]
    for prefix, replacement in (("Value error, ", ""), ("Input should be ", "must be "), ("String should ", "must ")):
        if message.startswith(prefix):
            message = replacement + message[len(prefix) :]
    return message


def shape_problems(data: Any, prefix: tuple[str | int, ...] = ()) -> list[Problem]:
    """Arrays too long and nesting too deep in ``data``, found without recursion."""
    if _within_bounds(data):
        return []
    problems: list[Problem] = []
    # Containers only (scalars cannot be too long or too deep), each with its depth and a link
    # to its parent, so that a path is spelled out only for a problem.
    stack: list[tuple[Any, int, Any, str | int | None]] = [(data, 0, None, None)]
    while stack and len(problems) < MAX_PROBLEMS:
        entry = stack.pop()
        value, depth = entry[0], entry[1]
        if depth >= MAX_DEPTH:
            problems.append(Problem(_path_of(entry, prefix), f"nested deeper than {MAX_DEPTH} levels"))
        elif isinstance(value, list):
            if len(value) > MAX_ARRAY_ITEMS:
                problems.append(Problem(_path_of(entry, prefix), f"holds {len(value)} items, more than the {MAX_ARRAY_ITEMS} allowed"))
            else:
                stack.extend((child, depth + 1, entry, index) for index, child in enumerate(value) if isinstance(child, (dict, list)))
        elif isinstance(value, dict):
            stack.extend((child, depth + 1, entry, key) for key, child in value.items() if isinstance(child, (dict, list)))
    return problems


def _within_bounds(data: Any) -> bool:
    """Whether :func:`shape_problems` finds nothing: one pass level by level, keeping no paths.

    Nearly every document is within bounds, and this pass costs a fraction of the walk that
    links each container to its parent to spell out a problem's path, so that walk runs only
    for a document that fails."""
    level = [data] if isinstance(data, (dict, list)) else []
    for _ in range(MAX_DEPTH):
        if not level:
            return True
        if any(len(value) > MAX_ARRAY_ITEMS for value in level if isinstance(value, list)):
            return False
        level = [
            child for value in level for child in (value.values() if isinstance(value, dict) else value)
            if isinstance(child, (dict, list))
        ]
    return not level


def _path_of(entry: tuple[Any, int, Any, str | int | None], prefix: tuple[str | int, ...]) -> str:
    keys: list[str | int] = []
    while entry[2] is not None:
        keys.append(entry[3])  # type: ignore[arg-type]
        entry = entry[2]
    return json_path(prefix + tuple(reversed(keys)))


def problems_from(exc: ValidationError, root: type[BaseModel], prefix: tuple[str | int, ...] = ()) -> list[Problem]:
    """One :class:`Problem` per pydantic error (the first :data:`MAX_PROBLEMS`), paths rooted at ``$`` (+ ``prefix``)."""
    problems = []
    for error in exc.errors(include_url=False)[:MAX_PROBLEMS]:
        # Union members add their type name to the location; it means nothing to a user.
        location = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith(("function-", "union["))))
        problems.append(Problem(json_path(prefix + location), _message(error, root)))
    return problems


def validate_model(
    model: type[M], data: Any, source: str | None = None, prefix: tuple[str | int, ...] = (), *, bounded: bool = False
) -> M:
    """Validate ``data`` as ``model``; on failure raise :class:`InvalidInputError` listing every problem.

    ``bounded``: the caller knows that :func:`shape_problems` finds nothing in ``data``, from
    the text it was read from, and the walk is saved.
    """
    if not isinstance(data, dict):
        raise InvalidInputError([Problem(json_path(prefix), "must be a JSON object")], source)
    if not bounded and (problems := shape_problems(data, prefix)):
        raise InvalidInputError(problems, source)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = problems_from(exc, model, prefix)
        raise InvalidInputError(problems, source, more=exc.error_count() - len(problems)) from None


__all__ = ["problems_from", "validate_model"]
