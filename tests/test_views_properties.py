"""Properties of reading views back: the comparison finds exactly the field that was changed,
and a view's fields above its audience are found exactly, wherever they are."""

from __future__ import annotations

import copy
import json

from conftest import USER_EXAMPLE, load
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batterypass import build_passport, compare_credentials, issue_views, passport_credential
from batterypass.model.views import disclosure_problems

PASSPORT = build_passport(load(USER_EXAMPLE))
FULL = passport_credential(PASSPORT)
CREDENTIALS = {"full": FULL, **{a.value: v for a, v in issue_views(PASSPORT, None, credential=FULL).items()}}
AUDIENCES = sorted(CREDENTIALS)
SEES = {"public": {1}, "legitimate-interest": {1, 2, 4}, "authority": {1, 2, 3}}
# The restricted fields of the example passport and their Annex XIII points (DESIGN.md section 1,
# the Commission's data-point table); "voluntary": sourcing data the build data keeps from the
# public (voluntaryDataAudience legitimate-interest).
RESTRICTED = {
    ("materialComposition", "batteryMaterials"): 2,
    ("circularity", "sparePartSources"): 2,
    ("circularity", "dismantlingAndRemovalInformation"): 2,
    ("circularity", "componentPartNumbers"): 2,
    ("circularity", "safetyMeasures"): 2,
    ("labelsAndConformity", "resultOfTestReport"): 3,
    ("generalProductInformation", "batteryStatus"): 4,
    ("performanceAndDurability", "batteryTechnicalProperties", "expectedLifetimeYears"): 4,
    ("performanceAndDurability", "batteryCondition"): 4,
    ("supplyChainDueDiligence", "riskFindings"): "voluntary",
    ("supplyChainDueDiligence", "rawMaterialOrigin"): "voluntary",
    ("supplyChainDueDiligence", "untracedShares"): "voluntary",
}


def scalar_paths(value, location=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from scalar_paths(item, location + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from scalar_paths(item, location + (index,))
    else:
        yield location


def seen(audience, point) -> bool:
    return audience != "public" if point == "voluntary" else point in SEES[audience]


def above(subject, audience, prefix=()):
    """(path, point) of each disclosure problem, the point read back from its message."""
    found = set()
    for problem in disclosure_problems(subject, audience, prefix=prefix):
        words = problem.message.split()
        found.add((problem.path, int(words[1]) if words[0] == "point" else words[0]))
    return found


def json_path(location):
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in location)


json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**53), 2**53), st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20)
)


def differs(a, b) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is not b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a != b
    return type(a) is not type(b) or a != b


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(first=st.sampled_from(AUDIENCES), second=st.sampled_from(AUDIENCES), data=st.data())
def test_a_changed_shared_value_is_the_one_difference(first, second, data):
    a, b = CREDENTIALS[first], CREDENTIALS[second]
    shared = sorted(
        set(scalar_paths({k: v for k, v in a.items() if k not in ("id", "type", "proof")}))
        & set(scalar_paths(b)),
        key=repr,
    )
    location = data.draw(st.sampled_from(shared))
    changed = copy.deepcopy(b)
    parent = changed
    for part in location[:-1]:
        parent = parent[part]
    old = parent[location[-1]]
    new = data.draw(json_scalars.filter(lambda value: differs(value, old)))
    parent[location[-1]] = new
    comparison = compare_credentials(a, json.loads(json.dumps(changed)))
    assert [d.path for d in comparison.differences] == [json_path(location)]
    assert comparison.differences[0].second == new


@given(audience=st.sampled_from(sorted(SEES)), kept=st.sets(st.sampled_from(sorted(RESTRICTED))))
def test_fields_above_an_audience_are_found_exactly(audience, kept):
    """Start from the audience's view, put back any of the restricted fields: exactly those the
    audience may not see are reported, each with its point."""
    subject = copy.deepcopy(CREDENTIALS[audience]["credentialSubject"])
    for location in kept:
        source, target = FULL["credentialSubject"], subject
        for part in location[:-1]:
            source, target = source[part], target[part]
        target[location[-1]] = source[location[-1]]
    expected = {
        (json_path(("credentialSubject", *location)), point)
        for location, point in RESTRICTED.items()
        if location in kept and not seen(audience, point)
    }
    assert above(subject, audience, prefix=("credentialSubject",)) == expected


def test_the_full_passport_is_above_every_audience_by_exactly_the_restricted_fields():
    for audience in SEES:
        found = above(FULL["credentialSubject"], audience)
        assert found == {(json_path(location), point) for location, point in RESTRICTED.items() if not seen(audience, point)}
