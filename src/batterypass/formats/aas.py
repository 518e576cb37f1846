"""IDTA-02035 Digital Battery Passport as an Asset Administration Shell environment (export).

Contract: :func:`export_passport` maps the passport onto the IDTA-02035 parts 1-7 (nameplate,
handover documentation, product condition, carbon footprint, technical data, material
composition, circularity), one submodel each, with the element idShorts of the IDTA
templates, builds an AAS environment with the Eclipse BaSyx Python SDK (a shell for the battery and the seven submodels, each
identified by the passport id and semantically by its IDTA template's aspect URN) and returns
it as AAS JSON; :func:`aasx_package` packs such an environment as AASX. Export only; BaSyx is
imported only here (the ``formats`` extra).
"""

from __future__ import annotations

import io
import json
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

from ..errors import BatteryPassError
from .mapping import Note, TrackedDocument

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


def detect(document: Any) -> bool:
    return isinstance(document, dict) and "assetAdministrationShells" in document and "submodels" in document


def _en(text: str | None) -> dict[str, str] | None:
    return {"en": text} if text is not None else None


def _file(url: str | None) -> dict[str, str] | None:
    return {"value": url, "contentType": "text/html"} if url else None


def _clean(value: Any) -> Any:
    if isinstance(value, dict) and not _is_leaf_object(value):
        cleaned = {key: _clean(item) for key, item in value.items()}
        return {key: item for key, item in cleaned.items() if item not in (None, {}, [])}
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return value


def _is_leaf_object(value: dict[str, Any]) -> bool:
    return set(value) == {"en"} or set(value) == {"value", "contentType"}


def export_passport(source: TrackedDocument, issued_at: str | None) -> dict[str, Any]:
    """The AAS environment (JSON) of the passport in ``source``."""
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
        "BatteryCategory": source.get(f"{g}.batteryCategory"),
        "BatteryMass": source.get(f"{g}.batteryMass"),
        "BatteryIdentifier": source.get(f"{g}.batteryIdentifier"),
        "GTIN": source.get(f"{g}.gtin"),
        "WarrantyPeriodYears": source.get(f"{g}.warrantyPeriod"),
        "EUDeclarationOfConformity": _file(source.get("labelsAndConformity.declarationOfConformity")),
        "ResultsOfTestReportsProvingCompliance": _file(source.get("labelsAndConformity.resultOfTestReport")),
    }
    source.get(f"{g}.batteryPassportIdentifier"), source.get("type"), source.get("passportVersion")
    for member in ("rechargeable", "exclusivelyExternalStorage", "voluntary", "manufacturingPlace.postalAddress"):
        source.lose(f"{g}.{member}", "the IDTA-02035 nameplate has no such property")
    cf = "carbonFootprint"
    footprints = []
    if source.has(cf):
        study = source.get(f"{cf}.carbonFootprintStudy")
        performance_class = source.get(f"{cf}.carbonFootprintPerformanceClass")
        stages = [("total", source.get(f"{cf}.batteryCarbonFootprint"))] + [
            (source.get(f"{cf}.carbonFootprintPerLifecycleStage[{i}].lifecycleStage"), source.get(f"{cf}.carbonFootprintPerLifecycleStage[{i}].carbonFootprint"))
            for i in range(source.count(f"{cf}.carbonFootprintPerLifecycleStage"))
        ]
        for phase, value in stages:
            footprints.append({"PcfCO2eq": value, "ReferenceImpactUnitForCalculation": "kWh", "LifeCyclePhases": phase,
                               "PerformanceClass": performance_class, "WebLinkToPublicCarbonFootprintStudy": _file(study)})
        source.get(f"{cf}.unit")
        source.lose(f"{cf}.declarationIdentifier", "IDTA-02035 has no carbon-footprint declaration identifier")
    p = "performanceAndDurability.batteryTechnicalProperties"
    technical = {
        "RatedCapacity": source.get(f"{p}.ratedCapacity"), "NominalVoltage": source.get(f"{p}.nominalVoltage"),
        "MinimumVoltage": source.get(f"{p}.minimumVoltage"), "MaximumVoltage": source.get(f"{p}.maximumVoltage"),
        "RatedEnergy": source.get(f"{p}.ratedEnergy"), "OriginalPowerCapability": source.get(f"{p}.originalPowerCapability"),
        "ExpectedLifetime": source.get(f"{p}.expectedLifetime"), "CapacityThresholdForExhaustion": source.get(f"{p}.capacityThresholdForExhaustion"),
        "InitialRoundTripEfficiency": source.get(f"{p}.initialRoundTripEfficiency"),
        "InitialInternalResistance": [{"BatteryComponent": source.get(f"{p}.initialInternalResistance[{i}].batteryComponent"),
                                       "OhmicResistance": source.get(f"{p}.initialInternalResistance[{i}].ohmicResistance")}
                                      for i in range(source.count(f"{p}.initialInternalResistance"))],
        "TemperatureRangeIdleState": {"Minimum": source.get(f"{p}.temperatureRangeIdleState.minimum"),
                                      "Maximum": source.get(f"{p}.temperatureRangeIdleState.maximum")},
    }
    m = "materialComposition"
    materials = {
        "BatteryChemistry": {"ShortName": source.get(f"{m}.batteryChemistry.shortName"), "ClearName": source.get(f"{m}.batteryChemistry.clearName")},
        "BatteryMaterials": [{"BatteryMaterialLocation": {"ComponentName": source.get(f"{m}.batteryMaterials[{i}].batteryMaterialLocation")},
                              "BatteryMaterialIdentifier": source.get(f"{m}.batteryMaterials[{i}].batteryMaterialIdentifier"),
                              "BatteryMaterialName": source.get(f"{m}.batteryMaterials[{i}].batteryMaterialName"),
                              "BatteryMaterialMass": source.get(f"{m}.batteryMaterials[{i}].batteryMaterialMass"),
                              "IsCriticalRawMaterial": source.get(f"{m}.batteryMaterials[{i}].isCriticalRawMaterial")}
                             for i in range(source.count(f"{m}.batteryMaterials"))],
        "HazardousSubstances": [{"HazardousSubstanceClass": source.get(f"{m}.hazardousSubstances[{i}].hazardousSubstanceClass"),
                                 "HazardousSubstanceName": source.get(f"{m}.hazardousSubstances[{i}].hazardousSubstanceName"),
                                 "HazardousSubstanceIdentifier": source.get(f"{m}.hazardousSubstances[{i}].hazardousSubstanceIdentifier"),
                                 "HazardousSubstanceLocation": {"ComponentName": source.get(f"{m}.hazardousSubstances[{i}].hazardousSubstanceLocation")}}
                                for i in range(source.count(f"{m}.hazardousSubstances"))],
    }
    source.get(f"{m}.criticalRawMaterials")  # each material's IsCriticalRawMaterial
    c = "circularity"
    circularity = {
        "DismantlingAndRemovalInformation": [_file(source.get(f"{c}.dismantlingAndRemovalInformation"))] if source.has(f"{c}.dismantlingAndRemovalInformation") else [],
        "SparePartSources": [{"NameOfSupplier": _en(source.get(f"{c}.sparePartSources[{i}].nameOfSupplier")),
                              "SupplierWebAddress": source.get(f"{c}.sparePartSources[{i}].supplierWebAddress"),
                              "EmailAddressOfSupplier": {"EmailAddress": source.get(f"{c}.sparePartSources[{i}].emailAddressOfSupplier")}}
                             for i in range(source.count(f"{c}.sparePartSources"))],
        "RecycledContentInformation": [{"PreConsumerShare": source.get(f"{c}.recycledContent[{i}].preConsumerShare"),
                                        "RecycledMaterial": source.get(f"{c}.recycledContent[{i}].recycledMaterial").capitalize(),
                                        "PostConsumerShare": source.get(f"{c}.recycledContent[{i}].postConsumerShare")}
                                       for i in range(source.count(f"{c}.recycledContent"))],
        "SafetyMeasures": {"ExtinguishingAgents": [_en(agent) for agent in source.get(f"{c}.extinguishingAgent", [])]},
        "EndOfLifeInformation": {"InformationOnCollection": [_file(source.get(f"{c}.endOfLifeInformation"))] if source.has(f"{c}.endOfLifeInformation") else []},
        "RenewableContent": source.get(f"{c}.renewableContent"),
    }
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
    if isinstance(value, dict) and set(value) == {"en"}:
        return model.MultiLanguageProperty(id_short, value=model.MultiLanguageTextType(value))
    if isinstance(value, dict) and set(value) == {"value", "contentType"}:
        return model.File(id_short, content_type=value["contentType"], value=value["value"])
    if isinstance(value, dict):
        return model.SubmodelElementCollection(id_short, value=[_element(model, k, v) for k, v in value.items()])
    if isinstance(value, list):
        items = [_element(model, None, item) for item in value]
        kind = type(items[0]) if items else model.SubmodelElementCollection
        value_type = items[0].value_type if items and isinstance(items[0], model.Property) else None
        return model.SubmodelElementList(id_short, type_value_list_element=kind, value=items, value_type_list_element=value_type)
    value_type = bool if isinstance(value, bool) else int if isinstance(value, int) else float if isinstance(value, float) else str
    return model.Property(id_short, value_type=value_type, value=value)
