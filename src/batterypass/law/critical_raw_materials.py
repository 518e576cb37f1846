"""Critical raw materials in a battery (data point 15, Annex VI Part A(10)), named as the EU list names them.

Contract: :func:`critical_raw_materials` returns, sorted, the materials of the EU critical raw
materials list (Regulation (EU) 2024/1252, Annex II) that a composition entry names and whose
entry weighs more than 0.1 % of the battery. A compound ("Lithium nickel manganese cobalt
oxide") names each listed material it contains; the list's own names are returned, never
the compound's. Build data give each compound's mass, not each element's share in it, so the
compound's share is the bound used: a material is listed when the compound holding it is
above 0.1 % w/w. Synthetic graphite is not natural graphite and is not listed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

#: Annex VI Part A(10): listed above this share of the battery's mass.
THRESHOLD_SHARE = 0.001

#: Materials of the EU list (Reg. (EU) 2024/1252, Annex II section 1) that battery compositions
#: name, with the words that name them in a compound's name.
_NAMED_BY = {
    "aluminium": r"alumin(?:i)?um",
    "antimony": r"antimony",
    "boron": r"bor(?:on|ate)",
    "cobalt": r"cobalt",
    "copper": r"copper",
    "lithium": r"lithium",
    "magnesium": r"magnesium",
    "manganese": r"manganese",
    "natural graphite": r"natural graphite",
    "nickel": r"nickel",
    "niobium": r"niobium|niobate",
    "phosphorus": r"phosph(?:orus|ate)",
    "silicon metal": r"silicon(?! ?(?:di)?oxide| carbide)",
    "titanium metal": r"titanium(?! ?(?:di)?oxide)",
    "vanadium": r"vanad(?:ium|ate)",
    "tungsten": r"tungsten",
}
_PATTERNS = {material: re.compile(rf"\b(?:{words})\b", re.IGNORECASE) for material, words in _NAMED_BY.items()}


def critical_raw_materials(composition: Iterable[tuple[str, float]], battery_mass_kg: float) -> list[str]:
    """The listed materials that ``composition`` ((name, mass in kg) pairs) holds above 0.1 % w/w."""
    found = set()
    for name, mass in composition:
        if mass > THRESHOLD_SHARE * battery_mass_kg:
            found |= _named_in(name)
    return sorted(found)


@functools.lru_cache(maxsize=1024)
def _named_in(name: str) -> frozenset[str]:
    # A batch names the same few compounds in every battery: each is read once.
    return frozenset(material for material, pattern in _PATTERNS.items() if pattern.search(name))
