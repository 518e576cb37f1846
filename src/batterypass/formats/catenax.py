"""Catena-X ``io.catenax.battery.battery_pass`` 6.1.0, the aspect Catena-X partners exchange.

Contract: :func:`export_passport` writes what a passport holds in the aspect's shape (quantities
as value + ``unit:`` objects, documents as ``{contentType, header, content}`` links);
:func:`import_build_data` reads one back. Catena-X names companies and sites by their BPNL and
BPNA numbers: an identifier of another scheme cannot go there and is reported as lost, as is
everything else the aspect has no place for. Its recycled share per material is one number:
ours (pre- plus post-consumer) is written as their sum, and the split is reported lost. Material
shares are a percentage of the battery's mass, converted from and to our kilograms.
"""

from __future__ import annotations

import re
from typing import Any

from .mapping import Note, TrackedDocument, manufacturer_responsible, passport_version, whole

NAME = "catenax-6.1"
DESCRIPTION = "a Catena-X battery_pass 6.1 payload"
SPEC_VERSION = "urn:io.catenax.battery.battery_pass:6.1.0"

_BPNL = re.compile(r"BPNL[a-zA-Z0-9]{12}")
_BPNA = re.compile(r"BPNA[a-zA-Z0-9]{12}")
_CATEGORIES = {"ev": "EV", "lmt": "LMT", "industrial": "industrial", "portable": "portable", "sli": "SLI"}
_STAGES = {
    "RawMaterialAcquisition": "raw material acquisition and pre-processing",
    "MainProduction": "main product production",
    "Distribution": "distribution",
    "EndOfLifeAndRecycling": "end of life and recycling",
}
_BUILD_STAGES = dict(zip(_STAGES.values(), ["rawMaterialAcquisition", "mainProduction", "distribution", "endOfLifeAndRecycling"]))
_CF_UNIT = "kg CO2 / kWh"
_ACTIVE = ("nickel", "lithium", "cobalt", "lead")
_COMPONENTS = ("cathode", "anode", "electrolyte", "separator", "casing", "other")


def detect(document: Any) -> bool:
    return isinstance(document, dict) and str(document.get("specVersion", "")).startswith("urn:io.catenax.battery.battery_pass:")


def _link(header: str, url: str | None) -> list[dict[str, str]]:
    return [{"contentType": "URL", "header": header, "content": url}] if url else []


def export_passport(source: TrackedDocument, issued_at: str | None) -> dict[str, Any]:
    manufacturer_responsible(source, "Catena-X battery_pass 6.1")
    g = "generalProductInformation"
    maker_id = source.peek(f"{g}.manufacturerInformation.identifier")
    facility_id = source.peek(f"{g}.manufacturingPlace.facilityIdentifier")
    out: dict[str, Any] = {"specVersion": SPEC_VERSION}
    # The passport's version as the semantic version Catena-X asks for (version 2 is "2.0.0").
    metadata: dict[str, Any] = {"passportIdentifier": source.get("id"), "version": f"{passport_version(source)}.0.0", "status": "approved"}
    if issued_at:
        metadata["issueDate"] = issued_at[:10]
    if maker_id and _BPNL.fullmatch(maker_id):
        metadata["economicOperatorId"] = source.get(f"{g}.manufacturerInformation.identifier")
    out["metadata"] = metadata
    identification: dict[str, Any] = {
        "category": _CATEGORIES[source.get(f"{g}.batteryCategory")],
        "chemistry": source.get("materialComposition.batteryChemistry.clearName"),
        "identification": {
            "type": {"nameAtManufacturer": source.get(f"{g}.batteryModel"), "manufacturerPartId": source.get(f"{g}.batteryModel")},
            "serial": [{"key": "partInstanceId", "value": source.get(f"{g}.serialNumber")}],
            "codes": [{"key": "GTIN", "value": source.get(f"{g}.gtin")}] if source.has(f"{g}.gtin") else [],
        },
    }
    source.lose(f"{g}.passportUrl", "Catena-X describes the data carrier's type and position, not the link it holds")
    source.lose("materialComposition.batteryChemistry.shortName", "Catena-X names the chemistry once (written: its clear name)")
    out["identification"] = identification
    operation: dict[str, Any] = {"manufacturer": {"facility": []}}
    if maker_id and _BPNL.fullmatch(maker_id):
        operation["manufacturer"]["manufacturer"] = maker_id
    else:
        source.lose(f"{g}.manufacturerInformation.identifier", "Catena-X identifies the manufacturer by its BPNL number")
    if facility_id and _BPNA.fullmatch(facility_id):
        operation["manufacturer"]["facility"] = [{"facility": source.get(f"{g}.manufacturingPlace.facilityIdentifier")}]
    else:
        source.lose(f"{g}.manufacturingPlace.facilityIdentifier", "Catena-X identifies the plant by its BPNA number")
    made = source.get(f"{g}.manufacturingDate")
    if made:
        operation["manufacturer"]["manufacturingDate"] = made if len(made) == 10 else made + "-01"
        if len(made) == 7:
            source.losses.append(Note(f"$.{g}.manufacturingDate", "a month: written as its first day (Catena-X wants a date)"))
    out["operation"] = operation
    out["commercial"] = {"placedOnMarket": source.get(f"{g}.placedOnMarketDate"), "purpose": []}
    characteristics: dict[str, Any] = {"physicalDimension": {"weight": {"value": whole(source.get(f"{g}.batteryMass")), "unit": "unit:kilogram"}}}
    if source.has(f"{g}.warrantyPeriod"):
        characteristics["warranty"] = {"lifeValue": source.get(f"{g}.warrantyPeriod"), "lifeUnit": "unit:year"}
    out["characteristics"] = characteristics
    for member in ("manufacturerInformation.name", "manufacturerInformation.postalAddress", "manufacturerInformation.emailAddress",
                   "manufacturerInformation.webAddress", "manufacturingPlace.postalAddress", "batteryIdentifier", "batteryPassportIdentifier"):
        if member in ("batteryPassportIdentifier", "batteryIdentifier"):
            source.get(f"{g}.{member}")  # the passport id again; derived from manufacturer, GTIN and serial
        else:
            source.lose(f"{g}.{member}", "Catena-X names companies and sites by BPN, without names or addresses")
    source.get("type"), source.get("passportVersion"), source.get(f"{g}.rechargeable"), source.get(f"{g}.voluntary")
    source.lose(f"{g}.exclusivelyExternalStorage", "Catena-X has no such property")

    sustainability: dict[str, Any] = {"status": source.get(f"{g}.batteryStatus"), "carbonFootprint": []}
    cf = "carbonFootprint"
    if source.has(cf):
        study = source.get(f"{cf}.carbonFootprintStudy")
        performance_class = source.get(f"{cf}.carbonFootprintPerformanceClass")
        entries = [("Climate Change Total", "total", source.get(f"{cf}.batteryCarbonFootprint"))]
        for i in range(source.count(f"{cf}.carbonFootprintPerLifecycleStage")):
            base = f"{cf}.carbonFootprintPerLifecycleStage[{i}]"
            if source.peek(f"{base}.carbonFootprint") < 0:
                source.lose(base, "Catena-X footprint values are not negative: a stage's credits cannot be stated")
                continue
            entries.append(("Climate Change Total", _STAGES[source.get(f"{base}.lifecycleStage")], source.get(f"{base}.carbonFootprint")))
        for kind, lifecycle, value in entries:
            entry = {"type": kind, "lifecycle": lifecycle, "value": whole(value), "unit": _CF_UNIT, "rulebook": [],
                     "declaration": _link("Carbon footprint study", study), "manufacturingPlant": operation["manufacturer"]["facility"]}
            if performance_class:
                entry["performanceClass"] = performance_class
            sustainability["carbonFootprint"].append(entry)
        source.get(f"{cf}.unit")
        source.lose(f"{cf}.declarationIdentifier", "Catena-X has no carbon-footprint declaration identifier")
    c = "circularity"
    sustainability["documents"] = {
        "separateCollection": [],
        "wastePrevention": _link("Waste prevention and collection (Art. 74)", source.get(f"{c}.endOfLifeInformation")),
    }
    out["sustainability"] = sustainability

    m = "materialComposition"
    mass = source.peek(f"{g}.batteryMass")
    composition = []
    for i in range(source.count(f"{m}.batteryMaterials")):
        base = f"{m}.batteryMaterials[{i}]"
        identifier = {"type": "CAS", "id": source.get(f"{base}.batteryMaterialIdentifier"), "name": source.get(f"{base}.batteryMaterialName")}
        composition.append({
            "id": [identifier] if identifier["id"] else [],
            "concentration": source.get(f"{base}.batteryMaterialMass") / mass * 100,  # kg -> % of the battery's mass
            "unit": "unit:percent",
            "location": source.get(f"{base}.batteryMaterialLocation"),
            "critical": source.get(f"{base}.isCriticalRawMaterial"),
            "documentation": [],
        })
        if not identifier["id"]:
            source.lose(f"{base}.batteryMaterialName", "Catena-X names a material only with its CAS number")
    active: dict[str, Any] = {}
    for i in range(source.count(f"{c}.recycledContent")):
        base = f"{c}.recycledContent[{i}]"
        material = source.get(f"{base}.recycledMaterial")
        active[material] = {"recycled": whole(source.get(f"{base}.preConsumerShare") + source.get(f"{base}.postConsumerShare")), "documentation": []}
        source.losses.append(Note(f"$.{base}", "Catena-X states one recycled share: written as pre- plus post-consumer"))
    hazardous = []
    for i in range(source.count(f"{m}.hazardousSubstances")):
        base = f"{m}.hazardousSubstances[{i}]"
        hazardous.append({
            "materialIdentification": [{"type": "CAS", "id": source.get(f"{base}.hazardousSubstanceIdentifier"), "name": source.get(f"{base}.hazardousSubstanceName")}]
            if source.has(f"{base}.hazardousSubstanceIdentifier") else [],
            "location": source.get(f"{base}.hazardousSubstanceLocation"),
            "documentation": [], "impactOfSubstances": [],
        })
        source.lose(f"{base}.hazardousSubstanceClass", "Catena-X states a substance's concentration and impact, not its CLP class")
    source.get(f"{m}.criticalRawMaterials")  # each material's critical flag
    out["materials"] = {"composition": composition, "active": active, "hazardous": {"other": hazardous}}

    p = "performanceAndDurability.batteryTechnicalProperties"
    rated: dict[str, Any] = {}
    if source.has(f"{p}.ratedCapacity") or source.has(f"{p}.capacityThresholdForExhaustion"):
        rated["capacity"] = {k: v for k, v in {"value": whole(source.get(f"{p}.ratedCapacity")) if source.has(f"{p}.ratedCapacity") else None,
                                                "thresholdExhaustion": source.get(f"{p}.capacityThresholdForExhaustion")}.items() if v is not None}
    rated["energy"] = {"value": whole(source.get(f"{p}.ratedEnergy"))}
    voltage = {"nominal": source.get(f"{p}.nominalVoltage"), "min": source.get(f"{p}.minimumVoltage"), "max": source.get(f"{p}.maximumVoltage")}
    if any(v is not None for v in voltage.values()):
        rated["voltage"] = {k: whole(v) for k, v in voltage.items() if v is not None}
    if source.has(f"{p}.originalPowerCapability"):
        rated["power"] = {"value": whole(source.get(f"{p}.originalPowerCapability"))}  # W, as Catena-X states it
    resistance = {source.get(f"{p}.initialInternalResistance[{i}].batteryComponent"): source.get(f"{p}.initialInternalResistance[{i}].ohmicResistance")
                  for i in range(source.count(f"{p}.initialInternalResistance"))}
    if resistance:
        rated["resistance"] = resistance
    if source.has(f"{p}.initialRoundTripEfficiency"):
        rated["roundTripEfficiency"] = {"initial": whole(source.get(f"{p}.initialRoundTripEfficiency"))}
    if source.has(f"{p}.temperatureRangeIdleState"):
        rated["temperature"] = {"lower": whole(source.get(f"{p}.temperatureRangeIdleState.minimum")), "upper": whole(source.get(f"{p}.temperatureRangeIdleState.maximum"))}
    if source.has(f"{p}.expectedLifetime"):
        rated["lifetime"] = {"cycleLifeTesting": {"cycles": source.get(f"{p}.expectedLifetime")}, "report": []}
    out["performance"] = {"rated": rated}

    lc, dd = "labelsAndConformity", "supplyChainDueDiligence"
    out["conformity"] = {
        "declarationOfConformity": _link("EU declaration of conformity", source.get(f"{lc}.declarationOfConformity")),
        "resultOfTestReport": _link("Test reports", source.get(f"{lc}.resultOfTestReport")),
        "dueDiligencePolicy": _link("Supply-chain due-diligence policy", source.get(f"{dd}.dueDiligencePolicy")),
        "thirdPartyAssurance": [],
    }
    for part in ("supplyChainDueDiligenceReport", "thirdPartyAssurances", "riskFindings", "rawMaterialOrigin"):
        source.lose(f"{dd}.{part}", "Catena-X carries the due-diligence policy only")
    out["safety"] = {
        "usableExtinguishAgent": [{"media": agent, "fireClass": ""} for agent in source.get(f"{c}.extinguishingAgent", [])],
        "dismantling": _link("Dismantling and removal information", source.get(f"{c}.dismantlingAndRemovalInformation")),
        "safetyMeasures": [], "meaningOfLabels": [],
    }
    if source.count(f"{c}.extinguishingAgent"):
        source.losses.append(Note(f"$.{c}.extinguishingAgent", "written without a fire class, which Catena-X asks for and the passport does not state"))
    out["handling"] = {"applicable": bool(source.count(f"{c}.sparePartSources")), "content": {"producer": [], "sparePart": []}}
    for i in range(source.count(f"{c}.sparePartSources")):
        source.lose(f"{c}.sparePartSources[{i}]", "Catena-X lists spare parts by part number and producer BPNL, not suppliers' contacts")
    source.lose(f"{c}.renewableContent", "Catena-X states renewable content per material, not for the battery")
    return out


def import_build_data(source: TrackedDocument) -> dict[str, Any]:
    ident = "identification"
    category = {v: k for k, v in _CATEGORIES.items()}.get(source.get(f"{ident}.category"))
    serials = [source.get(f"{ident}.identification.serial[{i}].value") for i in range(source.count(f"{ident}.identification.serial"))
               if source.get(f"{ident}.identification.serial[{i}].key") == "partInstanceId"]
    gtins = [source.get(f"{ident}.identification.codes[{i}].value") for i in range(source.count(f"{ident}.identification.codes"))
             if source.get(f"{ident}.identification.codes[{i}].key") == "GTIN"]
    chemistry = source.get(f"{ident}.chemistry")
    weight = source.get("characteristics.physicalDimension.weight.value")
    unit = source.get("characteristics.physicalDimension.weight.unit")
    mass = weight / 1000 if unit == "unit:gram" and isinstance(weight, (int, float)) else weight
    if unit not in ("unit:gram", "unit:kilogram", None):
        source.lose("characteristics.physicalDimension.weight", f"mass in {unit}: build data takes kg (converted from g or kg only)")
        mass = None
    rated = "performance.rated"
    battery = {
        "model": source.get(f"{ident}.identification.type.nameAtManufacturer"),
        "serialNumber": serials[0] if serials else None,
        "gtin": gtins[0] if gtins else None,
        "category": category,
        "rechargeable": True if category in ("ev", "lmt") else None,  # traction batteries are, by definition
        "chemistry": {"shortName": chemistry, "clearName": chemistry} if chemistry else None,
        "ratedCapacityAh": source.get(f"{rated}.capacity.value"),
        "nominalVoltageV": source.get(f"{rated}.voltage.nominal"),
        "ratedEnergyKWh": source.get(f"{rated}.energy.value"),
        "massKg": mass,
        "manufacturingDate": source.get("operation.manufacturer.manufacturingDate"),
        "placedOnMarketDate": source.get("commercial.placedOnMarket"),
        "status": source.get("sustainability.status"),
    }
    source.get(f"{ident}.identification.type.manufacturerPartId")
    data: dict[str, Any] = {
        "battery": battery,
        "manufacturer": {"identifier": source.get("operation.manufacturer.manufacturer") or source.get("metadata.economicOperatorId")},
        "manufacturingPlace": {"facilityIdentifier": source.get("operation.manufacturer.facility[0].facility")},
    }
    cf = "sustainability.carbonFootprint"
    stages, total, study, performance_class = {}, None, None, None
    for i in range(source.count(cf)):
        if source.peek(f"{cf}[{i}].type") != "Climate Change Total":
            continue
        lifecycle = source.get(f"{cf}[{i}].lifecycle")
        value = source.get(f"{cf}[{i}].value")
        source.get(f"{cf}[{i}].type"), source.get(f"{cf}[{i}].unit"), source.get(f"{cf}[{i}].manufacturingPlant")
        study = study or source.get(f"{cf}[{i}].declaration[0].content")
        source.get(f"{cf}[{i}].declaration")
        performance_class = performance_class or source.get(f"{cf}[{i}].performanceClass")
        if lifecycle == "total":
            total = value
        elif lifecycle in _BUILD_STAGES:
            stages[_BUILD_STAGES[lifecycle]] = value
    if stages or total is not None:
        data["carbonFootprint"] = {"kgCO2ePerKWhByLifecycleStage": stages, "totalKgCO2ePerKWh": total,
                                   "performanceClass": performance_class, "studyUrl": study}
    composition = []
    for i in range(source.count("materials.composition")):
        base = f"materials.composition[{i}]"
        share = source.get(f"{base}.concentration")
        if source.get(f"{base}.unit") != "unit:percent" or not isinstance(mass, (int, float)) or not isinstance(share, (int, float)):
            source.lose(base, "a share not in percent of a known battery mass: build data states each material's mass in kg")
            continue
        composition.append({
            "component": _component(source, f"{base}.location"),
            "name": source.get(f"{base}.id[0].name"),
            "casNumber": source.get(f"{base}.id[0].id") if source.get(f"{base}.id[0].type") == "CAS" else None,
            "massKg": round(share * mass / 100, 9),  # % of the battery's mass -> kg
            "critical": source.get(f"{base}.critical"),
        })
    hazardous = []
    for i in range(source.count("materials.hazardous.other")):
        base = f"materials.hazardous.other[{i}]"
        identifier = f"{base}.materialIdentification[0]"
        hazardous.append({
            "name": source.get(f"{identifier}.name"),
            "casNumber": source.get(f"{identifier}.id") if source.get(f"{identifier}.type") == "CAS" else None,
            "location": _component(source, f"{base}.location"),
        })  # its CLP hazard class Catena-X does not state: build asks for it
    if composition or hazardous:
        data["materials"] = {"composition": composition, "hazardousSubstances": hazardous}
    recycled = []
    for material in _ACTIVE:
        if source.has(f"materials.active.{material}.recycled"):
            source.losses.append(Note(f"$.materials.active.{material}.recycled", "one recycled share: imported as post-consumer (Catena-X does not split it)"))
            recycled.append({"material": material, "preConsumerPercent": 0, "postConsumerPercent": source.get(f"materials.active.{material}.recycled")})
    agents = [source.get(f"safety.usableExtinguishAgent[{i}].media") for i in range(source.count("safety.usableExtinguishAgent"))]
    data["circularity"] = {
        "recycledContent": recycled,
        "extinguishingAgent": agents or None,
        "dismantlingInformationUrl": source.get("safety.dismantling[0].content"),
        "endOfLifeInformationUrl": source.get("sustainability.documents.wastePrevention[0].content"),
    }
    data["performance"] = {
        "minimumVoltageV": source.get(f"{rated}.voltage.min"),
        "maximumVoltageV": source.get(f"{rated}.voltage.max"),
        "originalPowerCapabilityW": source.get(f"{rated}.power.value"),
        "expectedLifetimeCycles": source.get(f"{rated}.lifetime.cycleLifeTesting.cycles"),
        "capacityThresholdForExhaustionPercent": source.get(f"{rated}.capacity.thresholdExhaustion"),
        "initialRoundTripEfficiencyPercent": source.get(f"{rated}.roundTripEfficiency.initial"),
        "internalResistanceOhm": {"cell": source.get(f"{rated}.resistance.cell"), "pack": source.get(f"{rated}.resistance.pack")},
        "idleTemperatureRangeC": {"min": source.get(f"{rated}.temperature.lower"), "max": source.get(f"{rated}.temperature.upper")}
        if source.has(f"{rated}.temperature.lower") and source.has(f"{rated}.temperature.upper") else None,
    }
    data["performance"]["commercialWarrantyYears"] = _warranty_years(source)
    data["conformity"] = {"declarationOfConformityUrl": source.get("conformity.declarationOfConformity[0].content"),
                          "testReportsUrl": source.get("conformity.resultOfTestReport[0].content")}
    policy = source.get("conformity.dueDiligencePolicy[0].content")
    if policy:
        data["dueDiligence"] = {"policyUrl": policy}
    for fixed in ("specVersion", "metadata.passportIdentifier", "metadata.version", "metadata.status", "metadata.issueDate"):
        source.get(fixed)  # the passport's own bookkeeping: build assigns it anew
    return data


def _component(source: TrackedDocument, path: str) -> str | None:
    """Catena-X's free-text location as one of our components ("other" when it is none of them)."""
    location = source.get(path)
    if not isinstance(location, str) or location.lower() in _COMPONENTS:
        return location.lower() if isinstance(location, str) else location
    source.losses.append(Note(f"$.{path}", f"{location!r}: imported as component 'other'"))
    return "other"


def _warranty_years(source: TrackedDocument) -> int | None:
    """The warranty in whole years (build data's unit), from years or months; else a loss."""
    value, unit = source.peek("characteristics.warranty.lifeValue"), source.peek("characteristics.warranty.lifeUnit")
    per_year = {"unit:year": 1, "unit:month": 12}.get(unit)
    if not isinstance(value, (int, float)) or per_year is None or value % per_year:
        source.lose("characteristics.warranty", "build data states the warranty in whole years")
        return None
    source.get("characteristics.warranty")
    return int(value // per_year)
