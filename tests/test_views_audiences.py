"""Each audience view holds exactly what Art. 77(2) lets its audience see, field by field
against the Commission's data-point table (its Annex XIII point per data point)."""

from __future__ import annotations

import json
import re

import pytest
from conftest import DEMO, REFERENCE, USER_EXAMPLE, load

from batterypass import Access, Signer, Status, TrustStore, build_passport, issue_views, passport_credential, verify
from batterypass.securing.credential import AUDIENCE_CREDENTIAL_TYPES

# Art. 77(2), written out here rather than imported: the test's own reading of the law.
SEES = {"public": {1}, "legitimate-interest": {1, 2, 4}, "authority": {1, 2, 3}}

# Where each data point of the Commission's table sits in our passport (credentialSubject).
DATA_POINT_FIELDS = {
    1: ["generalProductInformation.batteryPassportIdentifier"],
    2: ["generalProductInformation.responsibleOperator"],
    3: ["generalProductInformation.manufacturerInformation.name"],
    4: ["generalProductInformation.manufacturerInformation.postalAddress"],
    5: ["generalProductInformation.manufacturerInformation.emailAddress"],
    6: ["generalProductInformation.batteryCategory"],
    7: ["generalProductInformation.batteryModel", "generalProductInformation.serialNumber"],
    8: ["generalProductInformation.manufacturingPlace"],
    9: ["generalProductInformation.manufacturingDate"],
    10: ["generalProductInformation.batteryMass"],
    11: ["performanceAndDurability.batteryTechnicalProperties.ratedCapacity"],
    12: ["materialComposition.batteryChemistry"],
    13: ["materialComposition.hazardousSubstances"],
    14: ["circularity.extinguishingAgent"],
    15: ["materialComposition.criticalRawMaterials"],
    17: ["carbonFootprint"],
    19: ["supplyChainDueDiligence.supplyChainDueDiligenceReport"],
    20: ["circularity.recycledContent"],
    24: ["circularity.renewableContent"],
    26: ["performanceAndDurability.batteryTechnicalProperties.minimumVoltage"],
    27: ["performanceAndDurability.batteryTechnicalProperties.nominalVoltage"],
    28: ["performanceAndDurability.batteryTechnicalProperties.maximumVoltage"],
    29: ["performanceAndDurability.batteryTechnicalProperties.originalPowerCapability"],
    30: ["performanceAndDurability.batteryTechnicalProperties.powerLimits"],
    31: ["performanceAndDurability.batteryTechnicalProperties.expectedLifetime"],
    32: ["performanceAndDurability.batteryTechnicalProperties.cycleLifeReferenceTest"],
    33: ["performanceAndDurability.batteryTechnicalProperties.capacityThresholdForExhaustion"],
    34: ["performanceAndDurability.batteryTechnicalProperties.temperatureRangeIdleState"],
    35: ["generalProductInformation.warrantyPeriod"],
    36: ["performanceAndDurability.batteryTechnicalProperties.initialRoundTripEfficiency"],
    37: ["performanceAndDurability.batteryTechnicalProperties.roundTripEfficiencyAt50PercentCycleLife"],
    38: ["performanceAndDurability.batteryTechnicalProperties.initialInternalResistance"],
    39: ["performanceAndDurability.batteryTechnicalProperties.cycleLifeCRate"],
    42: ["labelsAndConformity.declarationOfConformity"],
    43: ["circularity.endOfLifeInformation"],
    45: ["materialComposition.batteryMaterials"],
    46: ["circularity.componentPartNumbers"],
    47: ["circularity.sparePartSources"],
    48: ["circularity.dismantlingAndRemovalInformation"],
    49: ["circularity.safetyMeasures"],
    50: ["labelsAndConformity.resultOfTestReport"],
    60: ["performanceAndDurability.batteryTechnicalProperties.expectedLifetimeYears"],
    # The state of health (Art. 14) and the other Annex XIII 4 values sit together in the
    # battery's condition, with when and how they were recorded.
    61: ["performanceAndDurability.batteryCondition"],
    67: ["generalProductInformation.batteryStatus"],
}


# Voluntary sourcing data (no data point): the public sees it only when the build data says
# so (passport.voluntaryDataAudience); the user example keeps it from the public.
VOLUNTARY_FIELDS = [
    "supplyChainDueDiligence.riskFindings",
    "supplyChainDueDiligence.rawMaterialOrigin",
    "supplyChainDueDiligence.untracedShares",
]


def _annex_point(data_point: dict) -> int:
    """Annex XIII point from the table's source column; Annex VI Part A and Art. 77(3) data are public."""
    found = re.match(r"BR Annex XIII (\d)", data_point["source"] or "")
    return int(found[1]) if found else 1


TABLE = {dp["nr"]: dp for dp in load(REFERENCE / "ec-guidance" / "ec-guidance-datapoints.json")["dataPoints"]}


def leaves(value, prefix=""):
    """Every scalar in ``value`` by its dotted path (list items as [i])."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, f"{prefix}.{key}" if prefix else key)
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            yield from leaves(item, f"{prefix}[{index}]")
    else:
        yield prefix, value


def under(path: str, field: str) -> bool:
    return path == field or path.startswith((field + ".", field + "["))


@pytest.fixture(scope="module")
def signer():
    return Signer.from_files(DEMO / "issuer-ed25519" / "private.pem")


@pytest.fixture(scope="module")
def issued(signer):
    passport = build_passport(load(USER_EXAMPLE))
    credential = passport_credential(passport)
    return passport, credential, issue_views(passport, signer, credential=credential)


def test_the_user_example_holds_every_tabled_field(issued):
    full = dict(leaves(issued[1]["credentialSubject"]))
    for number, fields in DATA_POINT_FIELDS.items():
        for field in fields:
            assert any(under(path, field) for path in full), f"data point {number}: {field} is not in the example passport"
    for field in VOLUNTARY_FIELDS:
        assert any(under(path, field) for path in full), f"voluntary {field} is not in the example passport"


@pytest.mark.parametrize("audience", ["public", "legitimate-interest", "authority"])
def test_view_holds_exactly_what_its_audience_may_see(issued, audience):
    _, credential, views = issued
    full = dict(leaves(credential["credentialSubject"]))
    view = dict(leaves(views[audience]["credentialSubject"]))
    hidden = [
        field
        for number, fields in DATA_POINT_FIELDS.items()
        if _annex_point(TABLE[number]) not in SEES[audience]
        for field in fields
    ] + (VOLUNTARY_FIELDS if audience == "public" else [])
    # Nothing missing that the audience may see, nothing more, each value as in the full passport.
    expected = {path: value for path, value in full.items() if not any(under(path, field) for field in hidden)}
    assert view == expected
    for number, fields in DATA_POINT_FIELDS.items():
        shown = _annex_point(TABLE[number]) in SEES[audience]
        for field in fields:
            assert any(under(path, field) for path in view) is shown, (number, field, audience)
    for field in VOLUNTARY_FIELDS:
        assert any(under(path, field) for path in view) is (audience != "public"), (field, audience)


def test_voluntary_data_made_public_is_in_the_public_view(signer):
    data = load(USER_EXAMPLE)
    data.setdefault("passport", {})["voluntaryDataAudience"] = "public"
    passport = build_passport(data)
    public = issue_views(passport, signer, audiences=(Access.PUBLIC,))[Access.PUBLIC]
    sourcing = public["credentialSubject"]["supplyChainDueDiligence"]
    assert sourcing["rawMaterialOrigin"] == passport_credential(passport)["credentialSubject"]["supplyChainDueDiligence"]["rawMaterialOrigin"]
    result = verify(json.dumps(public).encode(), TrustStore.load(DEMO / "trust"))
    assert result.status is Status.VALID, result.reasons


def test_the_table_agrees_with_the_tiers_it_states(issued):
    """The table's own tier column and its Annex XIII source agree on every data point we show."""
    tier = {1: "public", 2: "legitimateInterest", 3: "notifiedBodiesAndAuthorities", 4: "legitimateInterest"}
    for number in DATA_POINT_FIELDS:
        assert TABLE[number]["accessTier"] == tier[_annex_point(TABLE[number])], number


def test_views_are_the_same_passport_version_and_state_their_audience(issued):
    passport, credential, views = issued
    assert set(views) == set(Access)
    ids = {view["id"] for view in views.values()}
    assert len(ids) == 3 and credential["id"] not in ids
    for audience, view in views.items():
        assert view["type"] == ["VerifiableCredential", "BatteryPassport", AUDIENCE_CREDENTIAL_TYPES[audience]]
        assert view["credentialSubject"]["id"] == passport.id
        assert view["validFrom"] == credential["validFrom"] and view["issuer"]["id"] == "did:web:aurora-cells.example"
        assert view["proof"]["created"] == credential["validFrom"]


def test_view_ids_are_deterministic(signer, issued):
    passport, credential, views = issued
    again = issue_views(passport, signer, credential=credential)
    assert {a: v["id"] for a, v in again.items()} == {a: v["id"] for a, v in views.items()}
    assert again == views  # Ed25519 is deterministic: the same version gives the same bytes


@pytest.mark.parametrize("envelope", ["data-integrity", "jose"])
def test_every_view_verifies_and_names_its_audience(envelope):
    signer = Signer.from_files(DEMO / "issuer-ed25519" / "private.pem", envelope=envelope)
    passport = build_passport(load(USER_EXAMPLE))
    trust = TrustStore.load(DEMO / "trust")
    for audience, view in issue_views(passport, signer).items():
        result = verify(json.dumps(view).encode(), trust)
        assert result.status is Status.VALID, result.reasons
        assert result.audience == audience.value and result.to_dict()["audience"] == audience.value
        assert result.passport.id == passport.id
        # What the audience may not see is not there (None), not refused as missing.
        status_seen = 4 in SEES[audience.value]
        assert (result.passport.generalProductInformation.batteryStatus is not None) is status_seen


def test_unsigned_views_without_a_signer(issued):
    passport, _, _ = issued
    views = issue_views(passport, None, audiences=(Access.PUBLIC,))
    assert list(views) == [Access.PUBLIC] and "proof" not in views[Access.PUBLIC]
