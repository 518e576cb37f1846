"""Battery Pass Data Model 1.2 (DIN DKE SPEC 99100): the seven submodels of the Battery Pass consortium.

Contract: a Battery Pass 1.2 document here is one JSON object keyed by submodel
(:data:`SUBMODELS`: ``GeneralProductInformation``, ``CarbonFootprintForBatteries``,
``SupplyChainDueDiligence``, ``MaterialComposition``, ``Circularity``, ``PerformanceAndDurability``,
``Labeling``); :func:`read_submodels` also reads a directory of submodel files, as upstream
publishes them. The upstream files have known quirks, which reading repairs and reports
(:class:`~.mapping.Note` in ``repairs``): UTF-16 with a byte-order mark, misspelt property
names (``warrentyPeriod``, ``batteryTechicalProperties``, ``thirdPartyAussurances``,
``supplyChainIndicies``, ``remainingEnergyalue``), trailing spaces in CAS numbers. Units differ
from ours and convert explicitly: power in kW (ours W), material mass in g (ours kg).
Exports are written with the upstream spellings, which its schemas require.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

from ..errors import InvalidInputError, Problem
from ..jsonio import MAX_DOCUMENT_BYTES, parse_json, read_bytes
from .mapping import Note, TrackedDocument, gs1_parts, manufacturer_responsible, put, three_hazard_classes, whole

NAME = "battery-pass-1.2"
DESCRIPTION = "a Battery Pass Data Model 1.2 document (DIN DKE SPEC 99100 submodels)"

GENERAL, CARBON, DUE_DILIGENCE, MATERIALS, CIRCULARITY, PERFORMANCE, LABELS = SUBMODELS = (
    "GeneralProductInformation", "CarbonFootprintForBatteries", "SupplyChainDueDiligence", "MaterialComposition",
    "Circularity", "PerformanceAndDurability", "Labeling",
)
#: A member only each submodel has: how a file of the upstream layout is recognised (a file
#: named after its submodel, as ``convert --out DIR`` writes them, is recognised by its name).
_SIGNATURE = {
    GENERAL: "batteryPassportIdentifier", CARBON: "carbonFootprintPerLifecycleStage", DUE_DILIGENCE: "supplyChainDueDiligenceReport",
    MATERIALS: "batteryChemistry", CIRCULARITY: "recycledContent", PERFORMANCE: "batteryTechicalProperties", LABELS: "labels",
}
#: Upstream misspelling -> the property it means (read either; written as upstream spells it).
_MISSPELT = {
    "warrentyPeriod": "warrantyPeriod", "batteryTechicalProperties": "batteryTechnicalProperties",
    "thirdPartyAussurances": "thirdPartyAssurances", "supplyChainIndicies": "supplyChainIndices",
    "remainingEnergyalue": "remainingEnergyValue",
}
_STAGES = {"RawMaterialAcquisition": "RawMaterialExtraction", "MainProduction": "MainProduction",
           "Distribution": "Distribution", "EndOfLifeAndRecycling": "Recycling"}
_BUILD_STAGES = {"RawMaterialExtraction": "rawMaterialAcquisition", "MainProduction": "mainProduction",
                 "Distribution": "distribution", "Recycling": "endOfLifeAndRecycling"}
_STATUS = {"original": "Original", "repurposed": "Repurposed", "re-used": "Reused", "remanufactured": "Remanufactured", "waste": "Waste"}
_COMPONENTS = ("cathode", "anode", "electrolyte", "separator", "casing", "other")
#: At most this many files are read from a directory (seven submodels, and room for a README).
MAX_FILES = 16


def detect(document: Any) -> bool:
    return isinstance(document, dict) and bool(document) and set(document) <= set(SUBMODELS) and GENERAL in document


# --- reading the upstream files -------------------------------------------------------------


def decode(raw: bytes, source: str, repairs: list[Note]) -> Any:
    """A submodel file's JSON whatever its upstream encoding (UTF-16 with BOM, UTF-8), strictly parsed."""
    for bom, encoding in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"), (codecs.BOM_UTF8, "utf-8")):
        if raw.startswith(bom):
            try:
                text = raw[len(bom):].decode(encoding)
            except UnicodeDecodeError as exc:
                raise InvalidInputError([Problem("$", f"is not valid {encoding} ({exc.reason})")], source) from None
            repairs.append(Note(source, f"decoded from {encoding.upper()} with a byte-order mark"))
            return parse_json(text.encode("utf-8"), source)
    return parse_json(raw, source)


def read_submodels(path: str | Path) -> tuple[dict[str, Any], list[Note]]:
    """The Battery Pass 1.2 document in a file (one object keyed by submodel, or one submodel) or
    a directory of submodel files (searched recursively, at most :data:`MAX_FILES`), with the repairs made."""
    path = Path(path)
    repairs: list[Note] = []
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in (".json", ".schema") and "schema" not in p.name)
    if len(files) > MAX_FILES:
        raise InvalidInputError([Problem("$", f"holds {len(files)} files; a Battery Pass 1.2 directory has seven submodels")], str(path))
    document: dict[str, Any] = {}
    for file in files:
        content = decode(read_bytes(file, MAX_DOCUMENT_BYTES), str(file), repairs)
        if detect(content):
            document.update(content)
            continue
        submodel = file.stem if file.stem in SUBMODELS else next(
            (name for name, key in _SIGNATURE.items() if isinstance(content, dict) and key in content), None
        )
        if submodel is None:
            raise InvalidInputError([Problem("$", "is not a Battery Pass 1.2 submodel")], str(file))
        if submodel in document:
            raise InvalidInputError([Problem("$", f"a second {submodel} submodel (the first is already read)")], str(file))
        document[submodel] = content
    if GENERAL not in document:
        raise InvalidInputError([Problem("$", f"has no {GENERAL} submodel")], str(path))
    return document, repairs


# --- export ---------------------------------------------------------------------------------


def _address(source: TrackedDocument, path: str) -> dict[str, Any] | None:
    if not source.has(path):
        return None
    source.lose(f"{path}.addressLocality", "Battery Pass 1.2 addresses have no locality")
    return {key: source.get(f"{path}.{key}") for key in ("addressCountry", "postalCode", "streetAddress")}


def _contact(source: TrackedDocument, path: str) -> dict[str, Any]:
    contact = {
        "identifier": source.get(f"{path}.identifier"),
        "contactName": source.get(f"{path}.name"),
        "emailAddress": source.get(f"{path}.emailAddress"),
        "webAddress": source.get(f"{path}.webAddress"),
        "postalAddress": _address(source, f"{path}.postalAddress"),
    }
    return {key: value for key, value in contact.items() if value is not None}


def export_passport(source: TrackedDocument, issued_at: str | None) -> dict[str, Any]:
    """The seven submodels for the passport in ``source``, keyed by submodel name."""
    manufacturer_responsible(source, "Battery Pass 1.2")
    out: dict[str, Any] = {}
    g = "generalProductInformation"
    maker = _contact(source, f"{g}.manufacturerInformation")
    general = {
        "productIdentifier": source.get(f"{g}.batteryIdentifier"),
        "batteryPassportIdentifier": source.get(f"{g}.batteryPassportIdentifier"),
        "batteryCategory": source.get(f"{g}.batteryCategory"),
        "manufacturerInformation": maker,
        "operatorInformation": maker,
        "manufacturingDate": _date_time(source, f"{g}.manufacturingDate"),
        "puttingIntoService": _date_time(source, f"{g}.placedOnMarketDate"),
        "batteryStatus": _STATUS.get(source.get(f"{g}.batteryStatus")),
        "batteryMass": whole(source.get(f"{g}.batteryMass")),
        "manufacturingPlace": _address(source, f"{g}.manufacturingPlace.postalAddress"),
    }
    source.losses.append(Note(f"$.{g}.batteryPassportIdentifier", "written as is: the upstream pattern ^urn:[a-z0-9]+:[a-z0-9]+$ admits no UUID URN"))
    source.lose(f"{g}.manufacturingPlace.facilityIdentifier", "Battery Pass 1.2 gives the manufacturing place as an address only")
    source.lose(f"{g}.warrantyPeriod", "Battery Pass 1.2 states the warranty as a month of the year (--MM), not in years")
    source.get("id"), source.get("type"), source.get("passportVersion")
    if str(general["productIdentifier"]).startswith("(01)"):
        source.get(f"{g}.gtin"), source.get(f"{g}.serialNumber")  # in the GS1 element string
    for member in ("serialNumber", "gtin", "batteryModel", "rechargeable", "exclusivelyExternalStorage", "voluntary", "passportUrl"):
        source.lose(f"{g}.{member}", "Battery Pass 1.2 has no such property")
    out[GENERAL] = {key: value for key, value in general.items() if value is not None}

    cf = "carbonFootprint"
    if source.has(cf):
        stages = [
            {"lifecycleStage": _STAGES[source.get(f"{cf}.carbonFootprintPerLifecycleStage[{i}].lifecycleStage")],
             "carbonFootprint": whole(source.get(f"{cf}.carbonFootprintPerLifecycleStage[{i}].carbonFootprint"))}
            for i in range(source.count(f"{cf}.carbonFootprintPerLifecycleStage"))
        ]
        carbon = {
            "batteryCarbonFootprint": whole(source.get(f"{cf}.batteryCarbonFootprint")),
            "carbonFootprintPerLifecycleStage": stages,
            "carbonFootprintPerformanceClass": source.get(f"{cf}.carbonFootprintPerformanceClass"),
            "carbonFootprintStudy": source.get(f"{cf}.carbonFootprintStudy"),
            "absoluteCarbonFootprint": whole(source.get(f"{cf}.absoluteCarbonFootprint")),
        }
        source.get(f"{cf}.unit")
        source.lose(f"{cf}.declarationIdentifier", "Battery Pass 1.2 has no carbon-footprint declaration identifier")
        out[CARBON] = {key: value for key, value in carbon.items() if value is not None}

    dd = "supplyChainDueDiligence"
    if source.has(dd):
        due_diligence = {
            "supplyChainDueDiligenceReport": source.get(f"{dd}.supplyChainDueDiligenceReport"),
            "thirdPartyAussurances": source.get(f"{dd}.thirdPartyAssurances"),  # upstream's spelling, which its schema requires
        }
        out[DUE_DILIGENCE] = {key: value for key, value in due_diligence.items() if value is not None}
        for part in ("dueDiligencePolicy", "riskFindings", "rawMaterialOrigin", "untracedShares"):
            source.lose(f"{dd}.{part}", "Battery Pass 1.2 carries the report's link and a third-party assurance link only")

    m = "materialComposition"
    materials = []
    for i in range(source.count(f"{m}.batteryMaterials")):
        base = f"{m}.batteryMaterials[{i}]"
        entry = {
            "batteryMaterialName": source.get(f"{base}.batteryMaterialName"),
            "batteryMaterialIdentifier": source.get(f"{base}.batteryMaterialIdentifier"),
            "batteryMaterialMass": whole(round(source.get(f"{base}.batteryMaterialMass") * 1000, 9)),  # kg -> g
            "batteryMaterialLocation": {"componentName": source.get(f"{base}.batteryMaterialLocation").capitalize()},
            "isCriticalRawMaterial": source.get(f"{base}.isCriticalRawMaterial"),
        }
        materials.append({key: value for key, value in entry.items() if value is not None})
    hazardous = []
    for i in range(source.count(f"{m}.hazardousSubstances")):
        base = f"{m}.hazardousSubstances[{i}]"
        hazard_class = three_hazard_classes(source, f"{base}.hazardousSubstanceClass", "Battery Pass 1.2")
        entry = {
            "hazardousSubstanceName": source.get(f"{base}.hazardousSubstanceName"),
            "hazardousSubstanceIdentifier": source.get(f"{base}.hazardousSubstanceIdentifier"),
            "hazardousSubstanceClass": hazard_class,
            "hazardousSubstanceLocation": {"componentName": source.get(f"{base}.hazardousSubstanceLocation").capitalize()},
        }
        hazardous.append({key: value for key, value in entry.items() if value is not None})
    out[MATERIALS] = {
        "batteryChemistry": {"shortName": source.get(f"{m}.batteryChemistry.shortName"), "clearName": source.get(f"{m}.batteryChemistry.clearName")},
        "batteryMaterials": materials,
        "hazardousSubstances": hazardous,
    }
    source.get(f"{m}.criticalRawMaterials")  # derived from the materials' isCriticalRawMaterial again on import

    c = "circularity"
    if source.has(c):
        circularity: dict[str, Any] = {
            "recycledContent": [
                {"recycledMaterial": source.get(f"{c}.recycledContent[{i}].recycledMaterial").capitalize(),
                 "preConsumerShare": whole(source.get(f"{c}.recycledContent[{i}].preConsumerShare")),
                 "postConsumerShare": whole(source.get(f"{c}.recycledContent[{i}].postConsumerShare"))}
                for i in range(source.count(f"{c}.recycledContent"))
            ],
            "renewableContent": whole(source.get(f"{c}.renewableContent")),
            "sparePartSources": [
                {key: value for key, value in {
                    "nameOfSupplier": source.get(f"{c}.sparePartSources[{i}].nameOfSupplier"),
                    "supplierWebAddress": source.get(f"{c}.sparePartSources[{i}].supplierWebAddress"),
                    "emailAddressOfSupplier": source.get(f"{c}.sparePartSources[{i}].emailAddressOfSupplier"),
                }.items() if value is not None}
                for i in range(source.count(f"{c}.sparePartSources"))
            ],
            "safetyMeasures": {key: value for key, value in {
                "safetyInstructions": source.get(f"{c}.safetyMeasures"),
                "extinguishingAgent": source.get(f"{c}.extinguishingAgent", []),
            }.items() if value is not None},
        }
        dismantling = source.get(f"{c}.dismantlingAndRemovalInformation")
        if dismantling:
            circularity["dismantlingAndRemovalInformation"] = [{"documentType": "DismantlingManual", "mimeType": "text/html", "documentURL": dismantling}]
            source.losses.append(Note(f"$.{c}.dismantlingAndRemovalInformation", "a link: written as a dismantling manual of type text/html, which upstream requires"))
        end_of_life = {
            "wastePrevention": source.get(f"{c}.wasteInformation.wastePrevention"),
            "separateCollection": source.get(f"{c}.wasteInformation.separateCollection"),
            "informationOnCollection": source.get(f"{c}.endOfLifeInformation"),
        }
        source.lose(f"{c}.wasteInformation.collectionPoints", "Battery Pass 1.2's informationOnCollection holds endOfLifeInformation")
        if any(end_of_life.values()):
            circularity["endOfLifeInformation"] = {key: value for key, value in end_of_life.items() if value is not None}
        out[CIRCULARITY] = {key: value for key, value in circularity.items() if value is not None}

    p = "performanceAndDurability.batteryTechnicalProperties"
    if source.has(p):
        properties: dict[str, Any] = {}
        for ours, theirs in (("ratedCapacity", "ratedCapacity"), ("nominalVoltage", "nominalVoltage"), ("minimumVoltage", "minimumVoltage"),
                             ("maximumVoltage", "maximumVoltage"), ("ratedEnergy", "ratedEnergy"), ("expectedLifetime", "expectedLifetime"),
                             ("capacityThresholdForExhaustion", "capacityThresholdForExhaustion"), ("initialRoundTripEfficiency", "roundtripEfficiency")):
            put(properties, theirs, whole(source.get(f"{p}.{ours}")) if source.has(f"{p}.{ours}") else None)
        source.lose(f"{p}.originalPowerCapability", "Battery Pass 1.2 states the power capability at a stated state of charge (in kW)")
        resistances = [
            {"ohmicResistance": whole(source.get(f"{p}.initialInternalResistance[{i}].ohmicResistance")),
             "batteryComponent": source.get(f"{p}.initialInternalResistance[{i}].batteryComponent")}
            for i in range(source.count(f"{p}.initialInternalResistance"))
        ]
        if resistances:
            properties["initialInternalResistance"] = resistances
        if source.has(f"{p}.temperatureRangeIdleState"):
            properties["temperatureRangeIdleState"] = {
                "minimum": whole(source.get(f"{p}.temperatureRangeIdleState.minimum")),
                "maximum": whole(source.get(f"{p}.temperatureRangeIdleState.maximum")),
            }
        out[PERFORMANCE] = {"batteryTechicalProperties": properties}

    lc = "labelsAndConformity"
    if source.has(lc):
        labels = {"declarationOfConformity": source.get(f"{lc}.declarationOfConformity"), "resultOfTestReport": source.get(f"{lc}.resultOfTestReport")}
        out[LABELS] = {key: value for key, value in labels.items() if value is not None}
    return out


def _date_time(source: TrackedDocument, path: str) -> str | None:
    value = source.get(path)
    if value is None:
        return None
    if len(value) == 7:
        source.losses.append(Note(f"$.{path}", "a month: written as its first day, 00:00 UTC (upstream wants a date-time)"))
        value += "-01"
    return value + "T00:00:00Z"


# --- import ---------------------------------------------------------------------------------


def repair(document: dict[str, Any]) -> list[Note]:
    """Repair the upstream quirks in ``document`` in place (misspelt names, CAS spaces); what was done."""
    repairs: list[Note] = []
    _respell(document, "$", repairs)
    return repairs


def import_build_data(source: TrackedDocument) -> dict[str, Any]:
    """Build data from the (repaired) submodels in ``source``."""
    g = GENERAL
    gtin, serial = gs1_parts(source.get(f"{g}.productIdentifier"))
    maker = f"{g}.manufacturerInformation"
    data: dict[str, Any] = {
        "battery": {
            "serialNumber": serial,
            "gtin": gtin,
            "category": {"stationary": "industrial"}.get(source.peek(f"{g}.batteryCategory"), source.get(f"{g}.batteryCategory")),
            "exclusivelyExternalStorage": True if source.peek(f"{g}.batteryCategory") == "stationary" else None,
            # Traction batteries (EV, LMT) are rechargeable by definition; for others build asks.
            "rechargeable": True if source.peek(f"{g}.batteryCategory") in ("ev", "lmt") else None,
            "massKg": source.get(f"{g}.batteryMass"),
            "manufacturingDate": _date_of(source.get(f"{g}.manufacturingDate")),
            "placedOnMarketDate": _date_of(source.get(f"{g}.puttingIntoService")),
            "status": {value: key for key, value in _STATUS.items()}.get(source.get(f"{g}.batteryStatus")),
            "chemistry": source.get(f"{MATERIALS}.batteryChemistry"),
        },
        "manufacturer": {
            "name": source.get(f"{maker}.contactName"),
            "identifier": source.get(f"{maker}.identifier"),
            "email": source.get(f"{maker}.emailAddress"),
            "web": source.get(f"{maker}.webAddress"),
            "address": _build_address(source, f"{maker}.postalAddress"),
        },
        "manufacturingPlace": {"address": _build_address(source, f"{g}.manufacturingPlace")},
    }
    source.get(f"{g}.batteryPassportIdentifier")  # build assigns the passport id anew
    source.lose(f"{g}.warrantyPeriod", "a month of the year (--MM): build data states the warranty in years")
    if source.peek(f"{g}.operatorInformation") != source.peek(maker):
        source.lose(f"{g}.operatorInformation", "an operator other than the manufacturer (issue 9's responsible operator)")
    else:
        source.get(f"{g}.operatorInformation")

    cf = CARBON
    if source.has(cf):
        stages = {}
        for i in range(source.count(f"{cf}.carbonFootprintPerLifecycleStage")):
            stage = _BUILD_STAGES.get(source.get(f"{cf}.carbonFootprintPerLifecycleStage[{i}].lifecycleStage"))
            if stage:
                stages[stage] = source.get(f"{cf}.carbonFootprintPerLifecycleStage[{i}].carbonFootprint")
        data["carbonFootprint"] = {
            "kgCO2ePerKWhByLifecycleStage": stages,
            "totalKgCO2ePerKWh": source.get(f"{cf}.batteryCarbonFootprint"),
            "performanceClass": source.get(f"{cf}.carbonFootprintPerformanceClass"),
            "studyUrl": source.get(f"{cf}.carbonFootprintStudy"),
            "absoluteKgCO2e": source.get(f"{cf}.absoluteCarbonFootprint"),
        }
    if source.has(DUE_DILIGENCE):
        data["dueDiligence"] = {
            "reportUrl": source.get(f"{DUE_DILIGENCE}.supplyChainDueDiligenceReport"),
            "thirdPartyAssurancesUrl": source.get(f"{DUE_DILIGENCE}.thirdPartyAssurances"),
        }

    m = MATERIALS
    composition = []
    for i in range(source.count(f"{m}.batteryMaterials")):
        base = f"{m}.batteryMaterials[{i}]"
        grams = source.get(f"{base}.batteryMaterialMass")
        composition.append({
            "component": _component(source, f"{base}.batteryMaterialLocation"),
            "name": source.get(f"{base}.batteryMaterialName"),
            "casNumber": source.get(f"{base}.batteryMaterialIdentifier"),
            "massKg": grams / 1000 if isinstance(grams, (int, float)) and not isinstance(grams, bool) else grams,  # g -> kg
            "critical": source.get(f"{base}.isCriticalRawMaterial"),
        })
    hazardous = []
    for i in range(source.count(f"{m}.hazardousSubstances")):
        base = f"{m}.hazardousSubstances[{i}]"
        hazardous.append({
            "name": source.get(f"{base}.hazardousSubstanceName"),
            "casNumber": source.get(f"{base}.hazardousSubstanceIdentifier"),
            "hazardClass": source.get(f"{base}.hazardousSubstanceClass"),
            "location": _component(source, f"{base}.hazardousSubstanceLocation"),
        })
    if composition or hazardous:
        data["materials"] = {"composition": composition, "hazardousSubstances": hazardous}

    c = CIRCULARITY
    if source.has(c):
        dismantling = source.get(f"{c}.dismantlingAndRemovalInformation[0].documentURL")
        for i in range(source.count(f"{c}.dismantlingAndRemovalInformation")):
            source.lose(f"{c}.dismantlingAndRemovalInformation[{i}]" if i else f"{c}.dismantlingAndRemovalInformation[0].documentType",
                        "build data links one dismantling document")
        source.get(f"{c}.dismantlingAndRemovalInformation[0].mimeType")
        data["circularity"] = {
            "recycledContent": [
                {"material": (source.get(f"{c}.recycledContent[{i}].recycledMaterial") or "").lower() or None,
                 "preConsumerPercent": source.get(f"{c}.recycledContent[{i}].preConsumerShare"),
                 "postConsumerPercent": source.get(f"{c}.recycledContent[{i}].postConsumerShare")}
                for i in range(source.count(f"{c}.recycledContent"))
            ],
            "renewableContentPercent": source.get(f"{c}.renewableContent"),
            "dismantlingInformationUrl": dismantling,
            "sparePartSources": [
                {"name": source.get(f"{c}.sparePartSources[{i}].nameOfSupplier"),
                 "web": source.get(f"{c}.sparePartSources[{i}].supplierWebAddress"),
                 "email": source.get(f"{c}.sparePartSources[{i}].emailAddressOfSupplier")}
                for i in range(source.count(f"{c}.sparePartSources"))
            ],
            "extinguishingAgent": source.get(f"{c}.safetyMeasures.extinguishingAgent"),
            "endOfLifeInformationUrl": source.get(f"{c}.endOfLifeInformation.informationOnCollection"),
            "safetyMeasuresUrl": source.get(f"{c}.safetyMeasures.safetyInstructions"),
            "wasteInformation": {
                "wastePreventionUrl": source.get(f"{c}.endOfLifeInformation.wastePrevention"),
                "separateCollectionUrl": source.get(f"{c}.endOfLifeInformation.separateCollection"),
            },
        }

    p = f"{PERFORMANCE}.batteryTechnicalProperties"
    battery = data["battery"]
    battery["ratedCapacityAh"] = source.get(f"{p}.ratedCapacity")
    battery["nominalVoltageV"] = source.get(f"{p}.nominalVoltage")
    battery["ratedEnergyKWh"] = source.get(f"{p}.ratedEnergy")
    if source.has(p):
        idle = source.peek(f"{p}.temperatureRangeIdleState")
        data["performance"] = {
            "minimumVoltageV": source.get(f"{p}.minimumVoltage"),
            "maximumVoltageV": source.get(f"{p}.maximumVoltage"),
            "expectedLifetimeCycles": source.get(f"{p}.expectedLifetime"),
            "capacityThresholdForExhaustionPercent": source.get(f"{p}.capacityThresholdForExhaustion"),
            "initialRoundTripEfficiencyPercent": source.get(f"{p}.roundtripEfficiency"),
            "internalResistanceOhm": {
                source.get(f"{p}.initialInternalResistance[{i}].batteryComponent"): source.get(f"{p}.initialInternalResistance[{i}].ohmicResistance")
                for i in range(source.count(f"{p}.initialInternalResistance"))
            } or None,
            "idleTemperatureRangeC": {"min": source.get(f"{p}.temperatureRangeIdleState.minimum"),
                                      "max": source.get(f"{p}.temperatureRangeIdleState.maximum")} if isinstance(idle, dict) else None,
        }
        if not isinstance(idle, dict):
            source.lose(f"{p}.temperatureRangeIdleState", "one number (1.2.0): build data states the idle range's two bounds")
        if source.count(f"{p}.originalPowerCapability") == 1:  # kW at one state of charge -> W
            kilowatts = source.get(f"{p}.originalPowerCapability[0].powerCapabilityAt")
            data["performance"]["originalPowerCapabilityW"] = kilowatts * 1000 if isinstance(kilowatts, (int, float)) else kilowatts
            source.lose(f"{p}.originalPowerCapability[0].atSoC", "build data states the power capability without its state of charge")
    if source.has(LABELS):
        data["conformity"] = {"declarationOfConformityUrl": source.get(f"{LABELS}.declarationOfConformity"),
                              "testReportsUrl": source.get(f"{LABELS}.resultOfTestReport")}
    return data


def _respell(value: Any, path: str, repairs: list[Note]) -> None:
    """Rename the upstream misspellings in place, and strip CAS numbers' trailing spaces."""
    if isinstance(value, dict):
        for key in list(value):
            if key in _MISSPELT and _MISSPELT[key] not in value:
                value[_MISSPELT[key]] = value.pop(key)
                repairs.append(Note(f"{path}.{key}", f"misspelt upstream: read as {_MISSPELT[key]}"))
        for key, item in value.items():
            if key.endswith("Identifier") and isinstance(item, str) and item != item.strip() and item.strip()[:1].isdigit():
                value[key] = item.strip()
                repairs.append(Note(f"{path}.{key}", "a CAS number with surrounding spaces: stripped"))
            _respell(item, f"{path}.{key}", repairs)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _respell(item, f"{path}[{index}]", repairs)



def _date_of(value: Any) -> Any:
    """The date part of an upstream date-time (build data states dates)."""
    return value[:10] if isinstance(value, str) and len(value) > 10 and value[10] == "T" else value


def _build_address(source: TrackedDocument, path: str) -> dict[str, Any] | None:
    if not source.has(path):
        return None
    return {"street": source.get(f"{path}.streetAddress"), "postalCode": source.get(f"{path}.postalCode"),
            "locality": source.get(f"{path}.addressLocality"), "country": source.get(f"{path}.addressCountry")}


def _component(source: TrackedDocument, path: str) -> str | None:
    name = source.get(f"{path}.componentName")
    source.lose(f"{path}.componentId", "build data names the component only")
    if isinstance(name, str) and name.lower() in _COMPONENTS:
        return name.lower()
    return name
