"""Annex XIII access tiers, carried by every passport field as metadata.

Art. 77(2) and Annex XIII split the passport by audience:

==========  ===================================================  ======================
point       what                                                 tier
==========  ===================================================  ======================
1           label data, carbon footprint, sourcing report, ...   ``public``
2           detailed composition, part numbers, dismantling,      ``legitimate-interest``
            safety measures (also the Commission and authorities)
3           test reports                                         ``authority``
4           per-battery performance, state of health, status,    ``legitimate-interest``
            use data
==========  ===================================================  ======================

The audiences are not a ranking (:data:`AUDIENCE_POINTS`): an authority sees points 1-3,
a person with a legitimate interest points 1, 2 and 4. So a field records its Annex XIII
*point*; the tier shown to users is derived from it. Both go into the JSON Schema as
``x-access`` and ``x-annex-xiii-point``, so non-Python users read them there.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from pydantic import Field

from .data_points import obligation_summary


class Access(str, Enum):
    PUBLIC = "public"
    LEGITIMATE_INTEREST = "legitimate-interest"
    AUTHORITY = "authority"


#: Annex XIII point -> access tier.
POINT_TIER = {1: Access.PUBLIC, 2: Access.LEGITIMATE_INTEREST, 3: Access.AUTHORITY, 4: Access.LEGITIMATE_INTEREST}

#: Audience -> the Annex XIII points it may see (Art. 77(2)).
AUDIENCE_POINTS = {
    Access.PUBLIC: frozenset({1}),
    Access.LEGITIMATE_INTEREST: frozenset({1, 2, 4}),
    Access.AUTHORITY: frozenset({1, 2, 3}),
}

ACCESS_KEY = "x-access"
POINT_KEY = "x-annex-xiii-point"
DATA_POINT_KEY = "x-data-point"
OBLIGATION_KEY = "x-obligation"
BASIS_KEY = "x-basis"


def annex(
    point: int,
    description: str,
    *,
    data_point: int | tuple[int, ...] | None = None,
    **kwargs: Any,
) -> Any:
    """A pydantic ``Field`` that records which Annex XIII point (and so which tier) it falls under.

    ``data_point`` names the Commission data point(s) the field carries (see
    :mod:`.data_points`); their duties per category become ``x-obligation``.
    """
    extra: dict[str, Any] = {ACCESS_KEY: POINT_TIER[point].value, POINT_KEY: point}
    if data_point is not None:
        numbers = (data_point,) if isinstance(data_point, int) else data_point
        extra[DATA_POINT_KEY] = numbers[0] if len(numbers) == 1 else list(numbers)
        extra[OBLIGATION_KEY] = obligation_summary(numbers)
    return Field(description=description, json_schema_extra=extra, **kwargs)


def voluntary(description: str, **kwargs: Any) -> Any:
    """A field for voluntary data, which no Annex XIII point asks for (raw-material origin, sites,
    assurance, risk findings): ``x-basis: voluntary``, shown to persons with a legitimate interest
    and authorities by default (site identities are commercially sensitive); the passport's
    ``voluntaryDataAudience`` can make it public."""
    extra = {ACCESS_KEY: Access.LEGITIMATE_INTEREST.value, BASIS_KEY: "voluntary"}
    return Field(description=description, json_schema_extra=extra, **kwargs)


def is_voluntary(field_info: Any) -> bool:
    extra = field_info.json_schema_extra
    return isinstance(extra, dict) and extra.get(BASIS_KEY) == "voluntary"


def field_point(field_info: Any) -> int | None:
    """The Annex XIII point recorded on a pydantic ``FieldInfo`` (None for non-passport fields)."""
    extra = field_info.json_schema_extra
    return extra.get(POINT_KEY) if isinstance(extra, dict) else None
