"""UN Transparency Protocol Digital Product Passport 0.6.1: the battery as a UNTP DPP credential.

Contract: :func:`export_passport` writes an unsigned UNTP DPP 0.6.1 credential (the version
``dppvalidator`` checks) describing the battery: the product and its maker, its materials with
their mass and mass fraction, and claims for what the passport declares (carbon footprint,
EU declaration of conformity, recycled content), each linking its evidence. Quantities use
UN/ECE Recommendation 20 unit codes (KGM, P1). :func:`import_build_data` reads the product, its
maker, its materials and the claims this module writes back; UNTP describes a product for any
sector, without most Annex XIII data, so an import is a draft (``--draft``) for a person to
complete, and the loss report lists what build data has no place for.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, unquote

from ..law.identifiers import version_credential_id
from ..securing.credential import VC_CONTEXT_V2
from .mapping import Note, TrackedDocument, digital_link_parts, gs1_parts, manufacturer_responsible, passport_version, whole

NAME = "untp-dpp"
DESCRIPTION = "a UNTP Digital Product Passport credential"
UNTP_CONTEXT = "https://test.uncefact.org/vocabulary/untp/dpp/0.6.1/"
#: The Regulation the battery-specific claims refer to (its ELI).
BATTERY_REGULATION = {"type": ["Regulation"], "id": "http://data.europa.eu/eli/reg/2023/1542/oj",
                      "name": "Regulation (EU) 2023/1542 (Batteries)", "jurisdictionCountry": "EU",
                      "administeredBy": {"id": "https://commission.europa.eu", "name": "European Commission"}}
_CATEGORY_NAMES = {"ev": "electric vehicle battery", "lmt": "LMT battery", "industrial": "industrial battery",
                   "portable": "portable battery", "sli": "SLI battery"}


def detect(document: Any) -> bool:
    context = document.get("@context") if isinstance(document, dict) else None
    return isinstance(context, list) and any(isinstance(c, str) and "/vocabulary/untp/dpp/" in c for c in context)


def _measure(value: float, unit: str) -> dict[str, Any]:
    return {"type": ["Measure"], "value": whole(value), "unit": unit}


def _link(url: str, name: str) -> dict[str, Any]:
    return {"type": ["Link"], "linkURL": url, "linkName": name, "linkType": "https://schema.org/WebPage"}


def _claim(claim_id: str, topic: str, description: str, evidence: str | None, values: list[tuple[str, float, str]]) -> dict[str, Any]:
    claim: dict[str, Any] = {
        "type": ["Claim", "Declaration"], "id": claim_id, "description": description, "referenceRegulation": BATTERY_REGULATION,
        "conformance": True, "conformityTopic": topic,
    }
    if values:
        claim["declaredValue"] = [{"type": ["Metric"], "metricName": name, "metricValue": _measure(value, unit)} for name, value, unit in values]
    if evidence:
        claim["conformityEvidence"] = {"type": ["SecureLink", "Link"], "linkURL": evidence, "linkName": description}
    return claim


def export_passport(source: TrackedDocument, issued_at: str | None) -> dict[str, Any]:
    manufacturer_responsible(source, "the UNTP DPP")
    g = "generalProductInformation"
    maker = f"{g}.manufacturerInformation"
    passport_id = source.get("id")
    maker_id = source.get(f"{maker}.webAddress") or f"urn:batterypass:operator:{quote(source.peek(f'{maker}.identifier'), safe=':')}"
    product: dict[str, Any] = {
        "type": ["Product"],
        "id": source.get(f"{g}.passportUrl") or passport_id,
        "name": source.get(f"{g}.batteryModel"),
        "registeredId": source.get(f"{g}.batteryIdentifier"),
        "serialNumber": source.get(f"{g}.serialNumber"),
        "productCategory": [{"type": ["Classification"], "id": f"{BATTERY_REGULATION['id']}#category-{source.peek(f'{g}.batteryCategory')}",
                             "code": source.peek(f"{g}.batteryCategory"), "name": _CATEGORY_NAMES[source.get(f"{g}.batteryCategory")],
                             "schemeName": "Regulation (EU) 2023/1542 battery categories"}],
        "producedByParty": {"id": maker_id, "name": source.get(f"{maker}.name"), "registeredId": source.get(f"{maker}.identifier")},
        "countryOfProduction": source.get(f"{g}.manufacturingPlace.postalAddress.addressCountry"),
        "dimensions": {"type": ["Dimension"], "weight": _measure(source.get(f"{g}.batteryMass"), "KGM")},
    }
    if source.has(f"{g}.gtin"):
        product["idScheme"] = {"type": ["IdentifierScheme"], "id": "https://id.gs1.org/01/", "name": "GS1 GTIN"}
        source.get(f"{g}.gtin")  # in registeredId, the GS1 element string
    made = source.get(f"{g}.manufacturingDate")
    product["productionDate"] = made if len(made) == 10 else made + "-01"
    if len(made) == 7:
        source.losses.append(Note(f"$.{g}.manufacturingDate", "a month: written as its first day (UNTP wants a date)"))
    source.get(f"{g}.batteryPassportIdentifier"), source.get("type"), source.get("passportVersion")
    for member in ("postalAddress", "emailAddress"):
        source.lose(f"{maker}.{member}", "a UNTP party carries an identifier and a name")
    for member in ("manufacturingPlace.postalAddress.streetAddress", "manufacturingPlace.postalAddress.postalCode",
                   "manufacturingPlace.postalAddress.addressLocality", "manufacturingPlace.facilityIdentifier", "placedOnMarketDate",
                   "rechargeable", "exclusivelyExternalStorage", "warrantyPeriod", "batteryStatus", "voluntary"):
        source.lose(f"{g}.{member}", "UNTP has no place for it (its product carries the country of production only)")

    subject: dict[str, Any] = {"type": ["ProductPassport"], "id": passport_id, "granularityLevel": "item", "product": product}
    claims = []
    cf = "carbonFootprint"
    if source.has(cf):
        stages = [(f"carbon footprint, {source.get(f'{cf}.carbonFootprintPerLifecycleStage[{i}].lifecycleStage')}",
                   source.get(f"{cf}.carbonFootprintPerLifecycleStage[{i}].carbonFootprint"), "kg CO2e/kWh")
                  for i in range(source.count(f"{cf}.carbonFootprintPerLifecycleStage"))]
        study = source.get(f"{cf}.carbonFootprintStudy")
        claims.append(_claim(source.get(f"{cf}.declarationIdentifier") and f"{study}#{quote(source.peek(f'{cf}.declarationIdentifier'))}" or study,
                             "environment.emissions", "Carbon footprint declaration (Art. 7)", study,
                             [("carbon footprint per kWh over service life", source.get(f"{cf}.batteryCarbonFootprint"), "kg CO2e/kWh"), *stages]))
        source.get(f"{cf}.unit")
        source.lose(f"{cf}.carbonFootprintPerformanceClass", "UNTP claims state values, not a performance class")
    lc = "labelsAndConformity"
    if source.has(f"{lc}.declarationOfConformity"):
        doc = source.get(f"{lc}.declarationOfConformity")
        claims.append(_claim(doc, "governance.compliance", "EU declaration of conformity (Art. 18)", doc, []))
    source.lose(f"{lc}.resultOfTestReport", "authority-only test reports (Annex XIII 3) are not published in a UNTP passport")
    c = "circularity"
    shares = [(f"recycled {source.get(f'{c}.recycledContent[{i}].recycledMaterial')}, pre-consumer",
               source.get(f"{c}.recycledContent[{i}].preConsumerShare"), "P1") for i in range(source.count(f"{c}.recycledContent"))]
    shares += [(f"recycled {source.peek(f'{c}.recycledContent[{i}].recycledMaterial')}, post-consumer",
                source.get(f"{c}.recycledContent[{i}].postConsumerShare"), "P1") for i in range(source.count(f"{c}.recycledContent"))]
    if source.has(f"{c}.renewableContent"):
        shares.append(("renewable content", source.get(f"{c}.renewableContent"), "P1"))
    if shares:
        claims.append(_claim(f"{passport_id}#recycled-content", "circularity.content", "Recycled and renewable content (Art. 8)", None, shares))
    if claims:
        subject["conformityClaim"] = claims
    scorecard: dict[str, Any] = {"type": ["CircularityPerformance"]}
    if source.has(f"{c}.endOfLifeInformation"):
        scorecard["recyclingInformation"] = _link(source.get(f"{c}.endOfLifeInformation"), "Waste prevention and collection (Art. 74)")
    if source.has(f"{c}.dismantlingAndRemovalInformation"):
        scorecard["repairInformation"] = _link(source.get(f"{c}.dismantlingAndRemovalInformation"), "Dismantling and removal information")
    if len(scorecard) > 1:
        subject["circularityScorecard"] = scorecard
    for i in range(source.count(f"{c}.sparePartSources")):
        source.lose(f"{c}.sparePartSources[{i}]", "UNTP has no spare-part sources")
    source.lose(f"{c}.extinguishingAgent", "UNTP has no extinguishing agent")
    dd = "supplyChainDueDiligence"
    if source.has(f"{dd}.supplyChainDueDiligenceReport"):
        subject["dueDiligenceDeclaration"] = _link(source.get(f"{dd}.supplyChainDueDiligenceReport"), "Supply-chain due-diligence report (Art. 52(3))")
    for part in ("dueDiligencePolicy", "thirdPartyAssurances", "riskFindings", "rawMaterialOrigin"):
        source.lose(f"{dd}.{part}", "UNTP links one due-diligence declaration")

    m = "materialComposition"
    mass = source.peek(f"{g}.batteryMass")
    materials = []
    for i in range(source.count(f"{m}.batteryMaterials")):
        base = f"{m}.batteryMaterials[{i}]"
        material_mass = source.get(f"{base}.batteryMaterialMass")
        materials.append({"type": ["Material"], "name": source.get(f"{base}.batteryMaterialName"), "mass": _measure(material_mass, "KGM"),
                          "massFraction": material_mass / mass, "hazardous": False})
        for part in ("batteryMaterialIdentifier", "batteryMaterialLocation", "isCriticalRawMaterial"):
            source.lose(f"{base}.{part}", "a UNTP material carries its name, mass and whether it is hazardous")
    for i in range(source.count(f"{m}.hazardousSubstances")):
        source.lose(f"{m}.hazardousSubstances[{i}]", "UNTP lists a hazardous material only with its safety data sheet, which the passport does not link")
    if materials:
        subject["materialsProvenance"] = materials
    source.lose(f"{m}.batteryChemistry", "UNTP has no battery chemistry")
    source.lose(f"{m}.criticalRawMaterials", "UNTP has no critical raw materials")
    p = "performanceAndDurability.batteryTechnicalProperties"
    if source.has(p):
        source.lose(p, "UNTP product characteristics are sector extensions; the battery's performance is not carried")

    return {
        "@context": [VC_CONTEXT_V2, UNTP_CONTEXT],
        "type": ["DigitalProductPassport", "VerifiableCredential"],
        # The credential is one version's, as ours are: version 1 has the passport's id, each
        # later version its own; the product passport (the subject) keeps the passport's id.
        "id": version_credential_id(passport_id, passport_version(source)),
        "issuer": {"type": ["CredentialIssuer"], "id": maker_id, "name": source.peek(f"{maker}.name")},
        **({"validFrom": issued_at} if issued_at else {}),
        "credentialSubject": subject,
    }


def import_build_data(source: TrackedDocument) -> dict[str, Any]:
    """Build data from a UNTP DPP: the product, its maker, materials and the claims this module writes."""
    product = "credentialSubject.product"
    gtin, serial = gs1_parts(source.get(f"{product}.registeredId"))
    category = source.get(f"{product}.productCategory[0].code")
    source.get(f"{product}.productCategory")
    weight, unit = source.peek(f"{product}.dimensions.weight.value"), source.peek(f"{product}.dimensions.weight.unit")
    per_kilogram = {"KGM": 1, "GRM": 1000}.get(unit)
    if per_kilogram and isinstance(weight, (int, float)):
        source.get(f"{product}.dimensions.weight")
        mass = weight / per_kilogram
    else:
        source.lose(f"{product}.dimensions.weight", "build data takes the battery mass in kg (converted from KGM or GRM)")
        mass = None
    party = f"{product}.producedByParty"
    party_id = source.get(f"{party}.id")
    data: dict[str, Any] = {
        "battery": {
            "model": source.get(f"{product}.name"),
            "serialNumber": source.get(f"{product}.serialNumber") or serial,
            "gtin": gtin,
            "category": category if category in _CATEGORY_NAMES else None,
            "rechargeable": True if category in ("ev", "lmt") else None,  # traction batteries are, by definition
            "massKg": mass,
            "manufacturingDate": source.get(f"{product}.productionDate"),
        },
        "manufacturer": {
            "name": source.get(f"{party}.name"),
            "identifier": source.get(f"{party}.registeredId"),
            "web": party_id if isinstance(party_id, str) and party_id.startswith("https://") else None,
        },
        "manufacturingPlace": {"address": {"country": source.get(f"{product}.countryOfProduction")}},
    }
    resolver = digital_link_parts(source.get(f"{product}.id"))[2]
    if resolver:
        data["passport"] = {"resolverUrl": resolver}
    source.get(f"{product}.idScheme"), source.get(f"{product}.type")
    subject = "credentialSubject"
    circularity: dict[str, Any] = {}
    recycled: dict[str, dict[str, Any]] = {}
    for i in range(source.count(f"{subject}.conformityClaim")):
        claim = f"{subject}.conformityClaim[{i}]"
        topic = source.peek(f"{claim}.conformityTopic")
        metrics = {source.peek(f"{claim}.declaredValue[{j}].metricName"): f"{claim}.declaredValue[{j}]"
                   for j in range(source.count(f"{claim}.declaredValue"))}
        if topic == "environment.emissions":
            stages = {stage: source.get(f"{metrics[name]}.metricValue.value") for stage in _BUILD_STAGES
                      if (name := f"carbon footprint, {stage}") in metrics}
            total = metrics.get("carbon footprint per kWh over service life")
            study, claim_id = source.peek(f"{claim}.conformityEvidence.linkURL"), source.peek(f"{claim}.id")
            declared = isinstance(claim_id, str) and isinstance(study, str) and claim_id.startswith(study + "#")
            data["carbonFootprint"] = {
                "declarationId": unquote(claim_id.removeprefix(study + "#")) if declared else None,
                "kgCO2ePerKWhByLifecycleStage": {_BUILD_STAGES[stage]: value for stage, value in stages.items()},
                "totalKgCO2ePerKWh": source.get(f"{total}.metricValue.value") if total else None,
                "studyUrl": source.get(f"{claim}.conformityEvidence.linkURL"),
            }
        elif topic == "governance.compliance" and "declaration of conformity" in str(source.peek(f"{claim}.description")):
            data["conformity"] = {"declarationOfConformityUrl": source.get(f"{claim}.id")}
        elif topic == "circularity.content":
            for name, path in metrics.items():
                match = re.fullmatch(r"recycled (cobalt|lithium|nickel|lead), (pre|post)-consumer", str(name))
                if match:
                    recycled.setdefault(match[1], {"material": match[1]})[f"{match[2]}ConsumerPercent"] = source.get(f"{path}.metricValue.value")
                elif name == "renewable content":
                    circularity["renewableContentPercent"] = source.get(f"{path}.metricValue.value")
        else:
            continue
        for j in range(source.count(f"{claim}.declaredValue")):
            source.get(f"{claim}.declaredValue[{j}].metricName"), source.get(f"{claim}.declaredValue[{j}].metricValue.unit")
            source.get(f"{claim}.declaredValue[{j}].type"), source.get(f"{claim}.declaredValue[{j}].metricValue.type")
        for part in ("type", "id", "description", "referenceRegulation", "conformance", "conformityTopic", "conformityEvidence"):
            source.get(f"{claim}.{part}")
    circularity["recycledContent"] = list(recycled.values())
    circularity["endOfLifeInformationUrl"] = source.get(f"{subject}.circularityScorecard.recyclingInformation.linkURL")
    circularity["dismantlingInformationUrl"] = source.get(f"{subject}.circularityScorecard.repairInformation.linkURL")
    data["circularity"] = circularity
    report = source.get(f"{subject}.dueDiligenceDeclaration.linkURL")
    if report:
        data["dueDiligence"] = {"reportUrl": report}
    composition = []
    for i in range(source.count(f"{subject}.materialsProvenance")):
        material = f"{subject}.materialsProvenance[{i}]"
        if source.peek(f"{material}.hazardous") is True or source.peek(f"{material}.mass.unit") != "KGM":
            source.lose(material, "build data lists materials with their mass in kg (a hazardous one with its class)")
            continue
        composition.append({"name": source.get(f"{material}.name"), "massKg": source.get(f"{material}.mass.value")})
        source.get(f"{material}.mass"), source.get(f"{material}.massFraction"), source.get(f"{material}.hazardous"), source.get(f"{material}.type")
    if composition:
        data["materials"] = {"composition": composition}
    for fixed in ("@context", "type", "id", "issuer", "validFrom", f"{subject}.type", f"{subject}.id", f"{subject}.granularityLevel"):
        source.get(fixed)  # the credential's own bookkeeping: build assigns it anew
    return data


_BUILD_STAGES = {"RawMaterialAcquisition": "rawMaterialAcquisition", "MainProduction": "mainProduction",
                 "Distribution": "distribution", "EndOfLifeAndRecycling": "endOfLifeAndRecycling"}
