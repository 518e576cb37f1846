"""Consistency checks that span fields, shared by building (paths in build data) and verifying
(paths in a received passport). Each returns the problem's message, or None when all is well.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date

#: Art. 7 / issue 2: a stated total may differ from the sum of the stages by this much.
FOOTPRINT_TOLERANCE = 0.005
#: Shares of one material's sources must add up to 100 % within this many points.
SHARE_TOLERANCE_POINTS = 0.5
#: IRMA achievement levels (IRMA Standard for Responsible Mining, DESIGN 1b).
IRMA_LEVELS = ("IRMA Transparency", "IRMA 50", "IRMA 75", "IRMA 100")


def footprint_total(stages: Iterable[float]) -> float:
    """Sum of the life-cycle stages, rounded so float noise (68.39999999) never reaches a passport."""
    return round(sum(stages), 6)


def stated_total_problem(stated: float, computed: float) -> str | None:
    if abs(stated - computed) > FOOTPRINT_TOLERANCE * abs(computed):
        return f"{stated:g} disagrees with the sum of the life-cycle stages, {computed:g}, by more than 0.5 %"
    return None


def share_problems(origin: Sequence[tuple[str, float]], untraced: Sequence[tuple[str, float]]) -> dict[str, str]:
    """Where a material's source shares (traced ``origin`` and ``untraced``, as (material,
    share) pairs) do not add up to 100 %: the member holding its first source
    (``rawMaterialOrigin[0]``, ``untracedShares[1]``), with the message."""
    totals: dict[str, float] = {}
    first: dict[str, int] = {}
    for position, (material, share) in enumerate([*origin, *untraced]):
        totals[material] = totals.get(material, 0.0) + share
        first.setdefault(material, position)

    def member(position: int) -> str:
        return f"rawMaterialOrigin[{position}]" if position < len(origin) else f"untracedShares[{position - len(origin)}]"

    return {
        member(first[material]): f"shares of {material} add up to {total:g} %, not 100 % (+-{SHARE_TOLERANCE_POINTS:g})"
        for material, total in totals.items()
        if abs(total - 100) > SHARE_TOLERANCE_POINTS
    }


def recycled_share_problem(pre: float, post: float) -> str | None:
    if pre + post > 100:
        return f"pre-consumer {pre:g} % + post-consumer {post:g} % exceeds 100 %"
    return None


def past_date_problem(value: date, today: date) -> str | None:
    if value > today:
        return f"{value} is in the future"
    return None


def expired_problem(valid_until: date, today: date) -> str | None:
    if valid_until < today:
        return f"expired on {valid_until}"
    return None


def assurance_level_problem(scheme: str, level: str) -> str | None:
    if scheme.upper() == "IRMA" and level not in IRMA_LEVELS:
        return f"{level!r} is not an IRMA level ({', '.join(IRMA_LEVELS)})"
    return None


def range_problem(low: float, high: float, what: str) -> str | None:
    if low > high:
        return f"{what}: minimum {low:g} is above maximum {high:g}"
    return None


#: Art. 3(1): a portable battery weighs 5 kg or less (point 9), an LMT battery 25 kg or less
#: (point 11). The definitions set no energy limit for either.
CATEGORY_MAX_MASS_KG = {"portable": (5.0, "Art. 3(1)(9)"), "lmt": (25.0, "Art. 3(1)(11)")}


def category_mass_problem(category: str, mass_kg: float) -> str | None:
    """Why a battery of ``mass_kg`` cannot be of the declared ``category`` (Art. 3), or None."""
    limit = CATEGORY_MAX_MASS_KG.get(category)
    if limit and mass_kg > limit[0]:
        other = "an industrial battery (Art. 3(1)(13)) unless it is an EV or SLI battery" if category == "portable" else (
            "an EV battery (Art. 3(1)(14)) if it provides traction"
        )
        return (f"a {category} battery weighs {limit[0]:g} kg or less ({limit[1]}); at {mass_kg:g} kg this battery is "
                f"not {category} but {other}")
    return None


def serial_format_ok(serial: str) -> bool:
    """Serials end up in file names, URLs and labels: no control characters or surrounding blanks."""
    return serial == serial.strip() and not re.search(r"[\x00-\x1f\x7f]", serial)
