"""The pydantic models: build data (input), the passport (output) and their Annex XIII tiers."""

from .access import AUDIENCE_POINTS, Access
from .build_data import BuildData
from .passport import Passport

__all__ = ["AUDIENCE_POINTS", "Access", "BuildData", "Passport"]
