"""Voluntary sourcing data, honestly labelled: no Annex XIII point, legitimate interest by default."""

from __future__ import annotations

import copy
from datetime import date

import pytest
from conftest import ROOT, USER_EXAMPLE, load

from batterypass import InvalidInputError, build_passport, view_for
from batterypass.law.passport_content import check_passport_subject


def _defs():
    return load(ROOT / "schemas" / "passport.schema.json")["$defs"]


def test_sourcing_fields_are_voluntary_not_annex_xiii():
    defs = _defs()
    for model, field in [("RawMaterialSource", "countryOfOrigin"), ("SourceFacility", "name"), ("MineSiteAssurance", "level"),
                         ("RiskFindingRecord", "finding"), ("SupplyChainDueDiligence", "rawMaterialOrigin"),
                         ("SupplyChainDueDiligence", "thirdPartyAssurances")]:
        prop = defs[model]["properties"][field]
        assert prop["x-basis"] == "voluntary" and "x-annex-xiii-point" not in prop, (model, field)
        assert prop["x-access"] == "legitimate-interest"
    # the due-diligence report link is Annex XIII (data point 19); the notified body's verification has its own name
    report = defs["SupplyChainDueDiligence"]["properties"]["supplyChainDueDiligenceReport"]
    assert report["x-annex-xiii-point"] == 1 and report["x-data-point"] == 19
    assert defs["NotifiedBodyVerification"]["properties"]["body"]["x-annex-xiii-point"] == 1


def test_public_sees_sourcing_only_when_the_build_data_makes_it_public():
    data = load(USER_EXAMPLE)
    passport = build_passport(data)
    assert "rawMaterialOrigin" not in view_for(passport, "public")["supplyChainDueDiligence"]
    assert "riskFindings" not in view_for(passport, "public")["supplyChainDueDiligence"]
    assert view_for(passport, "public")["supplyChainDueDiligence"]["supplyChainDueDiligenceReport"]
    assert view_for(passport, "legitimate-interest")["supplyChainDueDiligence"]["rawMaterialOrigin"]
    data["passport"] = {"voluntaryDataAudience": "public"}
    public = view_for(build_passport(data), "public")["supplyChainDueDiligence"]
    assert public["rawMaterialOrigin"][0]["facility"]["name"] == "Example Cobalt Mine"


def test_mass_balance_and_book_and_claim_are_attributed_not_physical():
    passport = build_passport(load(USER_EXAMPLE))
    by_model = {s.chainOfCustodyModel: s.attribution for s in passport.supplyChainDueDiligence.rawMaterialOrigin}
    assert by_model == {"identity preserved": "physical", "mass balance": "attributed", "segregated": "physical",
                        "controlled blending": "physical"}
    subject = passport.model_dump(mode="json", exclude_none=True)
    forged = copy.deepcopy(subject)
    mass_balance = next(i for i, s in enumerate(forged["supplyChainDueDiligence"]["rawMaterialOrigin"])
                        if s["chainOfCustodyModel"] == "mass balance")
    forged["supplyChainDueDiligence"]["rawMaterialOrigin"][mass_balance]["attribution"] = "physical"
    with pytest.raises(InvalidInputError, match=r"attribution: must be 'attributed' under mass balance"):
        check_passport_subject(forged)


def test_an_untraced_share_may_complete_a_material():
    data = load(USER_EXAMPLE)
    data["materials"]["rawMaterialOrigin"] = [e for e in data["materials"]["rawMaterialOrigin"] if e["countryOfOrigin"] != "AU"
                                              or e["material"] != "lithium"]
    with pytest.raises(InvalidInputError, match="lithium add up to 70 %"):
        build_passport(data)
    data["materials"]["untracedShares"] = [{"material": "lithium", "sharePercent": 30.0}]
    passport = build_passport(data)
    assert passport.supplyChainDueDiligence.untracedShares[0].sharePercent == 30.0
    data["materials"]["untracedShares"] = [{"material": "lithium", "sharePercent": 20.0}]
    with pytest.raises(InvalidInputError, match=r"untracedShares\[0\].sharePercent|lithium add up to 90 %"):
        build_passport(data)


def test_an_expired_chain_of_custody_certificate_is_reported():
    data = load(USER_EXAMPLE)
    certificate = {"certificateId": "CoC-77", "certificationBody": "Example Certifier", "scope": "cobalt hydroxide trading",
                   "validUntil": "2030-12-31"}
    data["materials"]["rawMaterialOrigin"][0]["chainOfCustodyCertificate"] = certificate
    source = build_passport(data, today=date(2027, 4, 1)).supplyChainDueDiligence.rawMaterialOrigin[0]
    assert source.chainOfCustodyCertificate.certificationBody == "Example Certifier"
    with pytest.raises(InvalidInputError, match=r"chainOfCustodyCertificate.validUntil: expired on 2030-12-31"):
        build_passport(data, today=date(2031, 1, 1))


def test_risk_findings_know_biodiversity_fpic_and_communities_with_severity_status_and_date():
    data = load(USER_EXAMPLE)
    data["dueDiligence"]["riskAssessment"].append({
        "material": "lithium", "riskCategory": "indigenous peoples' rights (free, prior and informed consent)",
        "finding": "consultation with the Atacameno communities incomplete", "severity": "high", "status": "open",
        "date": "2026-10-01",
    })
    finding = build_passport(data).supplyChainDueDiligence.riskFindings[-1]
    assert (finding.severity, finding.status, finding.date.isoformat()) == ("high", "open", "2026-10-01")
    for category in ("biodiversity", "community impacts"):
        data["dueDiligence"]["riskAssessment"][-1]["riskCategory"] = category
        build_passport(data)


def test_raw_materials_under_due_diligence_are_annex_x_ones():
    data = load(USER_EXAMPLE)
    data["materials"]["rawMaterialOrigin"][0]["material"] = "manganese"
    with pytest.raises(InvalidInputError, match=r"rawMaterialOrigin\[0\].material"):
        build_passport(data)


def test_third_party_assurances_mean_what_battery_pass_1_2_means():
    data = load(USER_EXAMPLE)
    data["dueDiligence"]["thirdPartyAssurancesUrl"] = "https://aurora-cells.example/assurances"
    dd = build_passport(data).supplyChainDueDiligence
    assert dd.thirdPartyAssurances == "https://aurora-cells.example/assurances"
    assert dd.notifiedBodyVerification.body == "Example Notified Body 0000"
