"""IDTA-02035 Digital Battery Passport as an Asset Administration Shell environment (export).

Contract: :func:`export_passport` maps the passport onto the IDTA-02035 parts 1-7 (nameplate,
handover documentation, product condition, carbon footprint, technical data, material
composition, circularity), one submodel each, with the element idShorts of the IDTA
templates, builds an AAS environment with the Eclipse BaSyx Python SDK (a shell for the battery and the seven submodels, each
identified by the passport id and semantically by its IDTA template's aspect URN) and returns
it as AAS JSON; :func:`aasx_package` packs such an environment as AASX. :func:`import_build_data`
reads the parts back (from :func:`value_only` content of an environment, or :func:`read_aasx`).
BaSyx is imported only here, and only for writing and for AASX (the ``formats`` extra).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

from ..errors import BatteryPassError, InvalidInputError, Problem
from ..jsonio import MAX_DOCUMENT_BYTES
from .mapping import Note, TrackedDocument, digital_link_parts, manufacturer_responsible, three_hazard_classes

NAME = "aas"
DESCRIPTION = "an Asset Administration Shell environment (IDTA-02035)"
#: Part -> (submodel idShort, the IDTA template's aspect URN, its semantic id).
PARTS = {
    1: ("Nameplate", "urn:samm:io.admin-shell.idta.batterypass.digital_nameplate:1.0.0#NameplateBattery"),
    2: ("HandoverDocumentation", "urn:samm:io.admin-shell.idta.batterypass.handover_documentation:1.0.0#HandoverDocumentationBattery"),
    3: ("ProductCondition", "urn:samm:io.admin-shell.idta.batterypass.product_condition:1.0.1#ProductConditionBattery"),
    4: ("CarbonFootprint", "urn:samm:io.admin-shell.idta.batterypass.carbon_footprint:1.0.0#CarbonFootprintBattery"),
    5: ("TechnicalData", "urn:samm:io.admin-shell.idta.batterypass.technical_data:1.0.1#TechnicalDataBattery"),
    6: ("MaterialComposition", "urn:samm:io.admin-shell.idta.batterypass.material_composition:1.0.1#MaterialCompositionBattery"),
    7: ("Circularity", "urn:samm:io.admin-shell.idta.batterypass.circularity:1.0.0#CircularityBattery"),
}


_PART_NAMES = {id_short for id_short, _ in PARTS.values()}


def detect(document: Any) -> bool:
    """An AAS environment, or value-only content of the parts keyed by submodel idShort."""
    if not isinstance(document, dict):
        return False
    environment = "assetAdministrationShells" in document and "submodels" in document
    return environment or ("Nameplate" in document and set(document) <= _PART_NAMES | {"id"})


def _en(text: str | None) -> list[dict[str, str]] | None:
    """A multi-language text in value-only form."""
    return [{"en": text}] if text is not None else None


class _File(str):
    """A link written as an AAS File element (value-only: the link itself)."""


def _file(url: str | None) -> _File | None:
    return _File(url) if url else None


def _files(source: TrackedDocument, path: str) -> list[_File]:
    """The link at ``path`` as a document set of one file (none when absent)."""
    return [_File(source.get(path))] if source.has(path) else []


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        cleaned = {key: _clean(item) for key, item in value.items()}
        return {key: item for key, item in cleaned.items() if item not in (None, {}, [])}
    if isinstance(value, list):
        return [cleaned for cleaned in (_clean(item) for item in value) if cleaned is not None]
    return value


def _is_multi_language(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(
        isinstance(item, dict) and len(item) == 1 and all(len(k) == 2 and isinstance(v, str) for k, v in item.items()) for item in value
    )


def export_passport(source: TrackedDocument, issued_at: str | None) -> dict[str, Any]:
    """The AAS environment (JSON) of the passport in ``source``."""
    manufacturer_responsible(source, "IDTA-02035")
    store = environment(_content(source))
    text = io.StringIO()
    _basyx().json.write_aas_json_file(text, store)
    return json.loads(text.getvalue())


def aasx_package(environment_json: dict[str, Any]) -> bytes:
    """An AASX package (Open Packaging Conventions) holding the environment ``environment_json``."""
    basyx = _basyx()
    store = basyx.json.read_aas_json_file(io.StringIO(json.dumps(environment_json)))
    shells = [obj.id for obj in store if isinstance(obj, basyx.model.AssetAdministrationShell)]
    buffer = io.BytesIO()
    with basyx.aasx.AASXWriter(buffer) as writer:
        # JSON inside: BaSyx writes XML in the AAS 3.1 namespace, which AAS 3.0 readers refuse.
        writer.write_aas(shells, store, basyx.aasx.DictSupplementaryFileContainer(), write_json=True)
    return buffer.getvalue()


def _basyx() -> Any:
    try:
        from basyx.aas import model
        from basyx.aas.adapter import aasx
        from basyx.aas.adapter import json as aas_json
    except ImportError:
        raise BatteryPassError("the aas format needs the Eclipse BaSyx Python SDK: pip install 'batterypass[formats]'") from None
    return SimpleNamespace(model=model, aasx=aasx, json=aas_json)


def _content(source: TrackedDocument) -> dict[str, Any]:
    """The seven parts' value-only content, keyed by submodel idShort, plus ``id`` (the passport id)."""
    g = "generalProductInformation"
    maker = f"{g}.manufacturerInformation"
    made = source.get(f"{g}.manufacturingDate")
    if made and len(made) == 7:
        source.losses.append(Note(f"$.{g}.manufacturingDate", "a month: written as its first day (IDTA-02035 wants a date)"))
    nameplate = {
        "URIOfTheProduct": source.get(f"{g}.passportUrl") or source.get("id"),
        "ManufacturerName": _en(source.get(f"{maker}.name")),
        "ManufacturerProductDesignation": _en(source.get(f"{g}.batteryModel")),
        "AddressInformation": {
            "Street": _en(source.get(f"{maker}.postalAddress.streetAddress")),
            "ZipCode": _en(source.get(f"{maker}.postalAddress.postalCode")),
            "CityTown": _en(source.get(f"{maker}.postalAddress.addressLocality")),
            "NationalCode": _en(source.get(f"{maker}.postalAddress.addressCountry")),
            "Email": {"EmailAddress": source.get(f"{maker}.emailAddress")},
            "AddressOfAdditionalLink": source.get(f"{maker}.webAddress"),
        },
        "ManufacturerIdentifier": source.get(f"{maker}.identifier"),
        "SerialNumber": source.get(f"{g}.serialNumber"),
        "DateOfManufacture": made if not made or len(made) == 10 else made + "-01",
        "DateOfPuttingIntoService": source.get(f"{g}.placedOnMarketDate"),
        "UniqueFacilityIdentifier": source.get(f"{g}.manufacturingPlace.facilityIdentifier"),
        "LifeCycleStage": source.get(f"{g}.batteryStatus"),
        "EUDeclarationOfConformity": [_file(source.get("labelsAndConformity.declarationOfConformity"))],
        "ResultsOfTestReportsProvingCompliance": [_file(source.get("labelsAndConformity.resultOfTestReport"))],
    }
    source.get(f"{g}.batteryPassportIdentifier"), source.get("type"), source.get("passportVersion")
    source.get(f"{g}.batteryIdentifier")  # derived again from the manufacturer, GTIN and serial
    if source.has(f"{g}.passportUrl"):
        source.get(f"{g}.gtin")  # in the Digital Link of URIOfTheProduct
    else:
        source.lose(f"{g}.gtin", "no passport link: the GTIN travels only in URIOfTheProduct's Digital Link")
    for member in ("rechargeable", "exclusivelyExternalStorage", "voluntary", "manufacturingPlace.postalAddress"):
        source.lose(f"{g}.{member}", "the IDTA-02035 nameplate has no such property")
    cf = "carbonFootprint"
    footprints = []
    if source.has(cf):
        study = source.get(f"{cf}.carbonFootprintStudy")
        performance_class = source.get(f"{cf}.carbonFootprintPerformanceClass")
        stages = [("Total", source.get(f"{cf}.batteryCarbonFootprint"))] + [
            (source.get(f"{cf}.carbonFootprintPerLifecycleStage[{i}].lifecycleStage"), source.get(f"{cf}.carbonFootprintPerLifecycleStage[{i}].carbonFootprint"))
            for i in range(source.count(f"{cf}.carbonFootprintPerLifecycleStage"))
        ]
        for phase, value in stages:
            footprints.append({"PcfCo2eq": value, "ReferenceImpactUnitForCalculation": "kwH", "LifeCyclePhases": _PHASES[phase],
                               "PerformanceClass": performance_class, "WebLinkToPublicCarbonFootprintStudy": [_file(study)]})
        source.get(f"{cf}.unit")
        source.lose(f"{cf}.declarationIdentifier", "IDTA-02035 has no carbon-footprint declaration identifier")
    p = "performanceAndDurability.batteryTechnicalProperties"
    resistance = {source.peek(f"{p}.initialInternalResistance[{i}].batteryComponent"): f"{p}.initialInternalResistance[{i}]"
                  for i in range(source.count(f"{p}.initialInternalResistance"))}
    for path in resistance.values():
        source.get(f"{path}.batteryComponent")
    technical = {
        "GeneralInformation": {
            "ManufacturerName": source.peek(f"{maker}.name"),
            "ManufacturerIdentifier": source.peek(f"{maker}.identifier"),
            "WarrantyInformation": {"WarrantyPeriod": f"P{source.get(f'{g}.warrantyPeriod')}Y" if source.has(f"{g}.warrantyPeriod") else None},
            "BatteryCategory": source.get(f"{g}.batteryCategory"),
            "BatteryMass": source.get(f"{g}.batteryMass"),
        },
        "TechnicalPropertyAreas": {
            "CapacityEnergyVoltage": {"NominalVoltage": source.get(f"{p}.nominalVoltage"), "MinVoltage": source.get(f"{p}.minimumVoltage"),
                                      "MaxVoltage": source.get(f"{p}.maximumVoltage"), "RatedCapacity": source.get(f"{p}.ratedCapacity")},
            "RoundTripEnergyEfficiency": {"InitialRoundTripEnergyEfficiency": source.get(f"{p}.initialRoundTripEfficiency")},
            "Resistance": {"InitialInternalResistanceAtBatteryCellLevel": source.get(f"{resistance['cell']}.ohmicResistance") if "cell" in resistance else None,
                           "InitialInternalResistanceAtBatteryPackLevel": source.get(f"{resistance['pack']}.ohmicResistance") if "pack" in resistance else None},
            "Temperature": {"TemperatureRangeIdleState_LowerBoundary": source.get(f"{p}.temperatureRangeIdleState.minimum"),
                            "TemperatureRangeIdleState_UpperBoundary": source.get(f"{p}.temperatureRangeIdleState.maximum")},
            "Lifetime": {"ExpectedNumberOfCycles": source.get(f"{p}.expectedLifetime"),
                         "CapacityThresholdExhaustion": source.get(f"{p}.capacityThresholdForExhaustion")},
        },
    }
    source.lose(f"{p}.ratedEnergy", "IDTA-02035 technical data states the certified usable energy, not the rated energy")
    source.lose(f"{p}.originalPowerCapability", "IDTA-02035 states the power capability at a stated state of charge")
    m = "materialComposition"
    materials = {
        "BatteryChemistry": {"ShortName": source.get(f"{m}.batteryChemistry.shortName"), "ClearName": source.get(f"{m}.batteryChemistry.clearName")},
        "BatteryMaterials": [{"BatteryMaterialLocation": {"ComponentName": source.get(f"{m}.batteryMaterials[{i}].batteryMaterialLocation")},
                              "BatteryMaterialIdentifier": source.get(f"{m}.batteryMaterials[{i}].batteryMaterialIdentifier"),
                              "BatteryMaterialName": source.get(f"{m}.batteryMaterials[{i}].batteryMaterialName"),
                              "BatteryMaterialMass": source.get(f"{m}.batteryMaterials[{i}].batteryMaterialMass"),
                              "IsCriticalRawMaterial": source.get(f"{m}.batteryMaterials[{i}].isCriticalRawMaterial")}
                             for i in range(source.count(f"{m}.batteryMaterials"))],
        "HazardousSubstances": [{"HazardousSubstanceClass": three_hazard_classes(source, f"{m}.hazardousSubstances[{i}].hazardousSubstanceClass", "IDTA-02035"),
                                 "HazardousSubstanceName": source.get(f"{m}.hazardousSubstances[{i}].hazardousSubstanceName"),
                                 "HazardousSubstanceIdentifier": source.get(f"{m}.hazardousSubstances[{i}].hazardousSubstanceIdentifier"),
                                 "HazardousSubstanceLocation": {"ComponentName": source.get(f"{m}.hazardousSubstances[{i}].hazardousSubstanceLocation")}}
                                for i in range(source.count(f"{m}.hazardousSubstances"))],
    }
    source.get(f"{m}.criticalRawMaterials")  # each material's IsCriticalRawMaterial
    c = "circularity"
    circularity = {
        "DismantlingAndRemovalInformation": _files(source, f"{c}.dismantlingAndRemovalInformation"),
        "SparePartSources": [{"NameOfSupplier": _en(source.get(f"{c}.sparePartSources[{i}].nameOfSupplier")),
                              "SupplierWebAddress": source.get(f"{c}.sparePartSources[{i}].supplierWebAddress"),
                              "EmailAddressOfSupplier": {"EmailAddress": source.get(f"{c}.sparePartSources[{i}].emailAddressOfSupplier")}}
                             for i in range(source.count(f"{c}.sparePartSources"))],
        "RecycledContentInformation": [{"PreConsumerShare": source.get(f"{c}.recycledContent[{i}].preConsumerShare"),
                                        "RecycledMaterial": source.get(f"{c}.recycledContent[{i}].recycledMaterial").capitalize(),
                                        "PostConsumerShare": source.get(f"{c}.recycledContent[{i}].postConsumerShare")}
                                       for i in range(source.count(f"{c}.recycledContent"))],
        "SafetyMeasures": {"SafetyInstructions": _files(source, f"{c}.safetyMeasures"), "ExtinguishingAgents": source.get(f"{c}.extinguishingAgent", [])},
        "EndOfLifeInformation": {"WastePrevention": _files(source, f"{c}.wasteInformation.wastePrevention"),
                                 "SeparateCollection": _files(source, f"{c}.wasteInformation.separateCollection"),
                                 "InformationOnCollection": _files(source, f"{c}.endOfLifeInformation")},
        "RenewableContent": source.get(f"{c}.renewableContent"),
    }
    source.lose(f"{c}.wasteInformation.collectionPoints", "IDTA-02035's InformationOnCollection holds endOfLifeInformation")
    dd = "supplyChainDueDiligence"
    documents = [{"DocumentIdentifier": name, "DigitalFile": _file(source.get(path))}
                 for name, path in (("SupplyChainDueDiligenceReport", f"{dd}.supplyChainDueDiligenceReport"),
                                    ("DueDiligencePolicy", f"{dd}.dueDiligencePolicy")) if source.has(path)]
    for part in ("thirdPartyAssurances", "riskFindings", "rawMaterialOrigin"):
        source.lose(f"{dd}.{part}", "IDTA-02035 parts 1-7 have no place for due-diligence records beyond documents")
    return _clean({
        "id": source.peek("id"),
        PARTS[1][0]: nameplate,
        PARTS[2][0]: {"Documents": documents},
        PARTS[3][0]: {},
        PARTS[4][0]: {"ProductCarbonFootprints": footprints},
        PARTS[5][0]: technical,
        PARTS[6][0]: materials,
        PARTS[7][0]: circularity,
    }) | {PARTS[3][0]: {}}


def environment(content: dict[str, Any]) -> Any:
    """The BaSyx object store (an AAS environment) for the parts' content."""
    model = _basyx().model

    passport_id = content["id"]
    store = model.DictIdentifiableStore()
    references = []
    for part, (id_short, aspect) in PARTS.items():
        submodel = model.Submodel(
            id_=f"{passport_id}/submodel/{quote(id_short)}", id_short=id_short,
            semantic_id=model.ExternalReference((model.Key(model.KeyTypes.GLOBAL_REFERENCE, aspect),)),
            submodel_element=[_element(model, key, value) for key, value in content.get(id_short, {}).items()],
        )
        store.add(submodel)
        references.append(model.ModelReference.from_referable(submodel))
    shell = model.AssetAdministrationShell(
        id_=f"{passport_id}/aas", id_short="BatteryPassport",
        asset_information=model.AssetInformation(asset_kind=model.AssetKind.INSTANCE, global_asset_id=passport_id),
        submodel=set(references),
    )
    store.add(shell)
    return store


def _element(model: Any, id_short: str | None, value: Any) -> Any:
    if _is_multi_language(value):
        return model.MultiLanguageProperty(id_short, value=model.MultiLanguageTextType({k: v for item in value for k, v in item.items()}))
    if isinstance(value, _File):
        return model.File(id_short, content_type="text/html", value=str(value))
    if isinstance(value, dict):
        return model.SubmodelElementCollection(id_short, value=[_element(model, k, v) for k, v in value.items()])
    if isinstance(value, list):
        items = [_element(model, None, item) for item in value]
        kind = type(items[0]) if items else model.SubmodelElementCollection
        value_type = items[0].value_type if items and isinstance(items[0], model.Property) else None
        return model.SubmodelElementList(id_short, type_value_list_element=kind, value=items, value_type_list_element=value_type)
    value_type = bool if isinstance(value, bool) else int if isinstance(value, int) else float if isinstance(value, float) else str
    return model.Property(id_short, value_type=value_type, value=value)


# --- import ---------------------------------------------------------------------------------

_NUMBER_TYPES = {"xs:double": float, "xs:float": float, "xs:decimal": float, "xs:int": int, "xs:integer": int, "xs:long": int,
                 "xs:short": int, "xs:nonNegativeInteger": int, "xs:positiveInteger": int}


def read_aasx(path: str | Path) -> dict[str, Any]:
    """The AAS environment (JSON) inside an AASX package."""
    basyx = _basyx()
    # BaSyx reads every part whole: bound what the package unpacks to, as any document read is.
    try:
        with zipfile.ZipFile(path) as package:
            unpacked = sum(member.file_size for member in package.infolist())
    except (OSError, zipfile.BadZipFile) as exc:
        raise InvalidInputError([Problem("$", f"is not a readable AASX package ({exc})")], str(path)) from None
    if unpacked > MAX_DOCUMENT_BYTES:
        raise InvalidInputError([Problem("$", f"unpacks to {unpacked} bytes, over the {MAX_DOCUMENT_BYTES}-byte limit")], str(path))
    store, files = basyx.model.DictIdentifiableStore(), basyx.aasx.DictSupplementaryFileContainer()
    try:
        with basyx.aasx.AASXReader(str(path)) as reader:
            reader.read_into(store, files)
    except (OSError, ValueError, KeyError) as exc:
        raise InvalidInputError([Problem("$", f"is not a readable AASX package ({exc})")], str(path)) from None
    text = io.StringIO()
    basyx.json.write_aas_json_file(text, store)
    return json.loads(text.getvalue())


def _values(elements: Any) -> Any:
    """AAS submodel elements (JSON) as value-only content: idShort -> value, lists and collections nested."""
    if not isinstance(elements, list):
        raise ValueError("submodel elements must be a list")
    found: dict[str, Any] = {}
    for element in elements:
        found[element.get("idShort")] = _value(element)
    return found


def _value(element: dict[str, Any]) -> Any:
    kind = element.get("modelType")
    if kind == "SubmodelElementCollection":
        return _values(element.get("value", []))
    if kind == "SubmodelElementList":
        return [_value(item) for item in element.get("value", [])]
    if kind == "MultiLanguageProperty":
        return [{entry["language"]: entry["text"]} for entry in element.get("value", [])]
    if kind == "File":
        return element.get("value")
    value, value_type = element.get("value"), element.get("valueType")
    if value is None:
        return None
    if value_type == "xs:boolean":
        return value == "true"
    return _NUMBER_TYPES[value_type](value) if value_type in _NUMBER_TYPES else value


def import_build_data(source: TrackedDocument) -> dict[str, Any]:
    """Build data from the IDTA-02035 submodels of an AAS environment (read as value-only content)."""
    n = "Nameplate"
    address = f"{n}.AddressInformation"
    gtin_in_link, serial_in_link, resolver = digital_link_parts(source.get(f"{n}.URIOfTheProduct"))
    general, areas = "TechnicalData.GeneralInformation", "TechnicalData.TechnicalPropertyAreas"
    category = source.get(f"{general}.BatteryCategory")
    data: dict[str, Any] = {
        "battery": {
            "model": _text(source, f"{n}.ManufacturerProductDesignation"),
            "serialNumber": source.get(f"{n}.SerialNumber") or serial_in_link,
            "gtin": source.get(f"{n}.GTIN") or gtin_in_link,
            "category": category,
            "rechargeable": True if category in ("ev", "lmt") else None,  # traction batteries are, by definition
            "chemistry": {"shortName": source.get("MaterialComposition.BatteryChemistry.ShortName"),
                          "clearName": source.get("MaterialComposition.BatteryChemistry.ClearName")},
            "ratedCapacityAh": source.get(f"{areas}.CapacityEnergyVoltage.RatedCapacity"),
            "nominalVoltageV": source.get(f"{areas}.CapacityEnergyVoltage.NominalVoltage"),
            "massKg": source.get(f"{general}.BatteryMass"),
            "manufacturingDate": source.get(f"{n}.DateOfManufacture"),
            "placedOnMarketDate": source.get(f"{n}.DateOfPuttingIntoService"),
            "status": source.get(f"{n}.LifeCycleStage"),
        },
        "manufacturer": {
            "name": _text(source, f"{n}.ManufacturerName"),
            "identifier": source.get(f"{n}.ManufacturerIdentifier"),
            "address": {"street": _text(source, f"{address}.Street"), "postalCode": _text(source, f"{address}.ZipCode"),
                        "locality": _text(source, f"{address}.CityTown"), "country": _text(source, f"{address}.NationalCode")},
            "email": source.get(f"{address}.Email.EmailAddress"),
            "web": source.get(f"{address}.AddressOfAdditionalLink"),
        },
        "manufacturingPlace": {"facilityIdentifier": source.get(f"{n}.UniqueFacilityIdentifier")},
        "passport": {"resolverUrl": resolver},
    }
    source.get("id")
    for same in ("ManufacturerName", "ManufacturerIdentifier"):  # the nameplate's, again
        if source.peek(f"{general}.{same}") in (None, source.peek(f"{n}.{same}"), _text(source, f"{n}.{same}", mark=False)):
            source.get(f"{general}.{same}")
    footprints = "CarbonFootprint.ProductCarbonFootprints"
    if source.count(footprints):
        stages: dict[str, Any] = {}
        footprint: dict[str, Any] = {"kgCO2ePerKWhByLifecycleStage": stages}
        for i in range(source.count(footprints)):
            entry = f"{footprints}[{i}]"
            phases = source.peek(f"{entry}.LifeCyclePhases")
            stage = next((name for name, listed in _PHASES.items() if listed == phases), None)
            if stage is None or source.peek(f"{entry}.ReferenceImpactUnitForCalculation") != "kwH":
                source.lose(entry, f"life-cycle phases {phases!r} per {source.peek(f'{entry}.ReferenceImpactUnitForCalculation')!r}: "
                                   "build data takes Annex II's four stages per kWh")
                continue
            value = source.get(f"{entry}.PcfCo2eq")
            if stage == "Total":
                footprint["totalKgCO2ePerKWh"] = value
            else:
                stages[_BUILD_STAGES[stage]] = value
            footprint["performanceClass"] = source.get(f"{entry}.PerformanceClass")
            footprint["studyUrl"] = source.get(f"{entry}.WebLinkToPublicCarbonFootprintStudy[0]")
            source.get(f"{entry}.WebLinkToPublicCarbonFootprintStudy"), source.get(f"{entry}.ReferenceImpactUnitForCalculation")
            source.get(f"{entry}.LifeCyclePhases")
        data["carbonFootprint"] = footprint
    documents = {source.peek(f"HandoverDocumentation.Documents[{i}].DocumentIdentifier"): f"HandoverDocumentation.Documents[{i}]"
                 for i in range(source.count("HandoverDocumentation.Documents"))}
    due_diligence = {}
    for name, key in (("SupplyChainDueDiligenceReport", "reportUrl"), ("DueDiligencePolicy", "policyUrl")):
        if name in documents:
            due_diligence[key] = source.get(f"{documents[name]}.DigitalFile")
            source.get(documents[name])
    if due_diligence:
        data["dueDiligence"] = due_diligence
    m = "MaterialComposition"
    data["materials"] = {
        "composition": [{"component": source.get(f"{m}.BatteryMaterials[{i}].BatteryMaterialLocation.ComponentName"),
                         "name": source.get(f"{m}.BatteryMaterials[{i}].BatteryMaterialName"),
                         "casNumber": source.get(f"{m}.BatteryMaterials[{i}].BatteryMaterialIdentifier"),
                         "massKg": source.get(f"{m}.BatteryMaterials[{i}].BatteryMaterialMass"),
                         "critical": source.get(f"{m}.BatteryMaterials[{i}].IsCriticalRawMaterial")}
                        for i in range(source.count(f"{m}.BatteryMaterials"))],
        "hazardousSubstances": [{"name": source.get(f"{m}.HazardousSubstances[{i}].HazardousSubstanceName"),
                                 "casNumber": source.get(f"{m}.HazardousSubstances[{i}].HazardousSubstanceIdentifier"),
                                 "hazardClass": source.get(f"{m}.HazardousSubstances[{i}].HazardousSubstanceClass"),
                                 "location": source.get(f"{m}.HazardousSubstances[{i}].HazardousSubstanceLocation.ComponentName")}
                                for i in range(source.count(f"{m}.HazardousSubstances"))],
    }
    c = "Circularity"
    data["circularity"] = {
        "recycledContent": [{"material": str(source.get(f"{c}.RecycledContentInformation[{i}].RecycledMaterial")).lower(),
                             "preConsumerPercent": source.get(f"{c}.RecycledContentInformation[{i}].PreConsumerShare"),
                             "postConsumerPercent": source.get(f"{c}.RecycledContentInformation[{i}].PostConsumerShare")}
                            for i in range(source.count(f"{c}.RecycledContentInformation"))],
        "renewableContentPercent": source.get(f"{c}.RenewableContent"),
        "dismantlingInformationUrl": source.get(f"{c}.DismantlingAndRemovalInformation[0]"),
        "sparePartSources": [{"name": _text(source, f"{c}.SparePartSources[{i}].NameOfSupplier"),
                              "web": source.get(f"{c}.SparePartSources[{i}].SupplierWebAddress"),
                              "email": source.get(f"{c}.SparePartSources[{i}].EmailAddressOfSupplier.EmailAddress")}
                             for i in range(source.count(f"{c}.SparePartSources"))],
        "extinguishingAgent": source.get(f"{c}.SafetyMeasures.ExtinguishingAgents"),
        "endOfLifeInformationUrl": source.get(f"{c}.EndOfLifeInformation.InformationOnCollection[0]"),
        "safetyMeasuresUrl": source.get(f"{c}.SafetyMeasures.SafetyInstructions[0]"),
        "wasteInformation": {"wastePreventionUrl": source.get(f"{c}.EndOfLifeInformation.WastePrevention[0]"),
                             "separateCollectionUrl": source.get(f"{c}.EndOfLifeInformation.SeparateCollection[0]")},
    }
    idle = {"min": source.get(f"{areas}.Temperature.TemperatureRangeIdleState_LowerBoundary"),
            "max": source.get(f"{areas}.Temperature.TemperatureRangeIdleState_UpperBoundary")}
    data["performance"] = {
        "minimumVoltageV": source.get(f"{areas}.CapacityEnergyVoltage.MinVoltage"),
        "maximumVoltageV": source.get(f"{areas}.CapacityEnergyVoltage.MaxVoltage"),
        "expectedLifetimeCycles": source.get(f"{areas}.Lifetime.ExpectedNumberOfCycles"),
        "capacityThresholdForExhaustionPercent": source.get(f"{areas}.Lifetime.CapacityThresholdExhaustion"),
        "initialRoundTripEfficiencyPercent": source.get(f"{areas}.RoundTripEnergyEfficiency.InitialRoundTripEnergyEfficiency"),
        "internalResistanceOhm": {"cell": source.get(f"{areas}.Resistance.InitialInternalResistanceAtBatteryCellLevel"),
                                  "pack": source.get(f"{areas}.Resistance.InitialInternalResistanceAtBatteryPackLevel")},
        "idleTemperatureRangeC": idle if None not in idle.values() else None,
        "commercialWarrantyYears": _years(source, f"{general}.WarrantyInformation.WarrantyPeriod"),
    }
    data["conformity"] = {"declarationOfConformityUrl": source.get(f"{n}.EUDeclarationOfConformity[0]"),
                          "testReportsUrl": source.get(f"{n}.ResultsOfTestReportsProvingCompliance[0]")}
    return data


def value_only(environment_json: dict[str, Any]) -> dict[str, Any]:
    """An environment's IDTA-02035 submodels as value-only content keyed by submodel idShort (what
    :func:`import_build_data` reads); ``id`` is the shell's global asset id. Value-only content
    given as such (the IDTA example payloads' form, keyed by part) is returned as a copy."""
    if "assetAdministrationShells" not in environment_json:
        return json.loads(json.dumps(environment_json))
    shells = environment_json.get("assetAdministrationShells") or [{}]
    content: dict[str, Any] = {"id": shells[0].get("assetInformation", {}).get("globalAssetId")}
    for submodel in environment_json.get("submodels", []):
        content[submodel.get("idShort")] = _values(submodel.get("submodelElements", []))
    return content


_BUILD_STAGES = {"RawMaterialAcquisition": "rawMaterialAcquisition", "MainProduction": "mainProduction",
                 "Distribution": "distribution", "EndOfLifeAndRecycling": "endOfLifeAndRecycling"}
#: Annex II's life-cycle stages as the EN 15804 modules IDTA-02035 lists (the total: all four).
_PHASES = {
    "RawMaterialAcquisition": ["A1 - raw material supply (and upstream production)"],
    "MainProduction": ["A3 - production"],
    "Distribution": ["A4 - transport to final destination"],
    "EndOfLifeAndRecycling": ["C1-C4"],
}
_PHASES["Total"] = [phase for phases in list(_PHASES.values()) for phase in phases]


def _text(source: TrackedDocument, path: str, mark: bool = True) -> Any:
    """A multi-language text's English (else first) entry; other values as they are."""
    value = source.get(path) if mark else source.peek(path)
    if _is_multi_language(value):
        texts = {k: v for item in value for k, v in item.items()}
        return texts.get("en", next(iter(texts.values())))
    return value


def _years(source: TrackedDocument, path: str) -> int | None:
    """Whole years of an ISO 8601 duration (``P8Y``, ``P96M``), else a loss."""
    value = source.peek(path)
    match = re.fullmatch(r"P([0-9]+)([YM])", value) if isinstance(value, str) else None
    if value is None:
        return None
    if not match or (match[2] == "M" and int(match[1]) % 12):
        source.lose(path, "build data states the warranty in whole years")
        return None
    source.get(path)
    return int(match[1]) // (12 if match[2] == "M" else 1)
