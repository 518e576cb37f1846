"""JSON Schemas published for people who do not use Python, generated from the models.

``schemas/*.schema.json`` in the repository are the output of :func:`write_schemas`; a test
fails when they drift from the models. Regenerate with ``batterypass schemas --out schemas``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..jsonio import dumps_pretty, write_atomic
from .build_data import BuildData
from .passport import Passport

_BASE_ID = "https://batterypass.dev/schemas/"

SCHEMAS: dict[str, tuple[type[BaseModel], str]] = {
    "build-data.schema.json": (BuildData, "Battery build data: the input of `batterypass build`"),
    "passport.schema.json": (
        Passport,
        "Battery passport: the credentialSubject of a batterypass passport credential. "
        "x-access gives each field's Annex XIII access tier, x-annex-xiii-point its point.",
    ),
}


def schema_for(model: type[BaseModel], name: str, description: str) -> dict[str, Any]:
    schema = model.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": _BASE_ID + name,
        "description": description,
        **{key: value for key, value in schema.items() if key != "description"},
    }


def rendered_schemas() -> dict[str, bytes]:
    """File name -> the exact bytes that belong in ``schemas/``."""
    return {name: dumps_pretty(schema_for(model, name, text)) for name, (model, text) in SCHEMAS.items()}


def write_schemas(directory: str | Path) -> list[Path]:
    return [write_atomic(Path(directory) / name, data) for name, data in rendered_schemas().items()]
