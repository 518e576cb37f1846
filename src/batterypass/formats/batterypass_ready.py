"""BatteryPass-Ready (Battery Pass consortium, attribute longlist v1.3, data model 1.0).

Contract: :func:`export_passport` writes a passport as the ``Battery_Passport`` object that the
consortium's per-category JSON Schemas describe (:func:`schema_name` says which one applies),
with every quantity as the format's unit + value object in the unit it names; :func:`import_build_data`
reads one back into build data. What either side cannot carry is reported, never dropped:
the format flattens materials, hazardous substances and spare parts to text, states
resistance and idle temperatures in whole units, and has no place for raw-material origins,
risk findings or the warranty in years (it wants an end date).

The format's postal addresses are one line of text; ours are written as
``street, postal code, locality, country`` and read back when they have that shape.
"""

from __future__ import annotations

import re
from typing import Any

from .mapping import Note, TrackedDocument, digital_link_parts, manufacturer_responsible, put, whole

NAME = "batterypass-ready"
DESCRIPTION = "a BatteryPass-Ready document (Battery Pass consortium data model 1.0)"
ROOT = "Battery_Passport"

_CATEGORY_VALUES = {"ev": "electric vehicle battery", "lmt": "LMT battery", "industrial": "industrial/non-stationary battery"}
_STATIONARY = "industrial/stationary battery"
_CATEGORIES = {value: key for key, value in _CATEGORY_VALUES.items()} | {_STATIONARY: "industrial", "industrial battery": "industrial"}
_STAGES = {
    "RawMaterialAcquisition": "ContributionOfRawMaterialAcquisitionAndPre-processingLifecycleStage",
    "MainProduction": "ContributionOfMainProductProductionLifecycleStage",
    "Distribution": "ContributionOfDistributionLifecycleStage",
    "EndOfLifeAndRecycling": "ContributionOfEndOfLifeAndRecyclingLifecycleStage",
}
_BUILD_STAGES = {
    "RawMaterialAcquisition": "rawMaterialAcquisition",
    "MainProduction": "mainProduction",
    "Distribution": "distribution",
    "EndOfLifeAndRecycling": "endOfLifeAndRecycling",
}
_RECYCLED = {"nickel": "Nickel", "cobalt": "Cobalt", "lithium": "Lithium"}
_CF_UNIT = "kgCO2-eq/kWh"
_IDS = "IdentifiersAndProductData"
_PERF = "PerformanceAndDurability"
_CIRC = "CircularityAndResourceEfficiency"
_LABELS = "SymbolsLabelsAndDocumentationOfConformity"
_CF = "BatteryCarbonFootprint"
_MATERIALS = "BatteryMaterialsAndComposition"
_DD = "SupplyChainDueDiligence"
_WASTE_PREVENTION = "InformationOnTheRoleOfEnd-usersInContributingToWastePrevention"
_SEPARATE_COLLECTION = "InformationOnTheRoleOfEnd-usersInContributingToTheSeparateCollectionOfWasteBatteries"
_ADDRESS = re.compile(r"(?P<street>[^,]+), (?P<postalCode>[^,]+), (?P<locality>[^,]+), (?P<country>[A-Z]{2})")


def schema_name(passport: dict[str, Any]) -> str:
    """The consortium schema (file stem) for a passport's category: EV, LMT, OtherIndustrial2kWh
    or, for an industrial battery with exclusively external storage, StationaryIndustrial2kWh."""
    general = passport.get("generalProductInformation", {})
    category = general.get("batteryCategory")
    if category == "industrial":
        return "StationaryIndustrial2kWh" if general.get("exclusivelyExternalStorage") else "OtherIndustrial2kWh"
    return {"ev": "EV", "lmt": "LMT"}.get(category, "EV")


def detect(document: Any) -> bool:
    return isinstance(document, dict) and isinstance(document.get(ROOT), dict) and _IDS in document[ROOT]


def _percent(value: Any) -> dict[str, Any] | None:
    return None if value is None else {"percentageValue": whole(value), "percent": "%"}


def _volt(value: Any) -> dict[str, Any] | None:
    return None if value is None else {"voltValue": whole(value), "volt": "V"}


def _cf(value: Any) -> dict[str, Any] | None:
    return None if value is None else {"kgCO2-equivalentPerKilowattHourValue": whole(value), "kgCO2-equivalentPerKilowattHour": _CF_UNIT}


def _address_line(address: dict[str, Any] | None) -> str | None:
    if not address:
        return None
    return f"{address['streetAddress']}, {address['postalCode']}, {address['addressLocality']}, {address['addressCountry']}"


def _operator(source: TrackedDocument, path: str) -> dict[str, Any] | None:
    if not source.has(path):
        return None
    operator = {
        "name": source.get(f"{path}.name"),
        "registeredTradeNameOrRegisteredTrademark": source.get(f"{path}.name"),
        "postalAddress": _address_line(source.get(f"{path}.postalAddress")),
        "webAddress": source.get(f"{path}.webAddress"),
        "e-mailAddress": source.get(f"{path}.emailAddress"),
    }
    return {key: value for key, value in operator.items() if value is not None}


def export_passport(source: TrackedDocument, issued_at: str | None) -> dict[str, Any]:
    """The BatteryPass-Ready document for the passport in ``source`` (``issued_at``: its version's time)."""
    manufacturer_responsible(source, "BatteryPass-Ready")
    out: dict[str, Any] = {}
    g = "generalProductInformation"
    ids = {
        "DPPSchemaVersion": "BatteryPass-Ready 1.0",
        "DPPStatus": {"dppStatusValue": "Active"},
        "DPPGranularity": "item",
        "Date-timeOfLatestUpdateOfDPP": issued_at,
        "BatteryModelIdentifier": source.get(f"{g}.batteryModel"),
        "UniqueBatteryPassportIdentifierUniqueDPPIdentifier": source.get("id"),
        "UniqueBatteryIdentifierUniqueProductIdentifier": source.get(f"{g}.passportUrl"),
        "BatterySerialNumber": source.get(f"{g}.serialNumber"),
        "UniqueEconomicOperatorIdentifier": source.get(f"{g}.manufacturerInformation.identifier"),
        "UniqueManufacturerIdentifier": source.get(f"{g}.manufacturerInformation.identifier"),
        "UniqueFacilityIdentifier": source.get(f"{g}.manufacturingPlace.facilityIdentifier"),
        "EconomicOperatorInformation": _operator(source, f"{g}.manufacturerInformation"),
        "ManufacturerInformation": _operator(source, f"{g}.manufacturerInformation"),
        "ManufacturingPlace": _address_line(source.get(f"{g}.manufacturingPlace.postalAddress")),
        "ManufacturingDate": _full_date(source.get(f"{g}.manufacturingDate")),
        "DateOfPuttingTheBatteryIntoService": source.get(f"{g}.placedOnMarketDate"),
        "BatteryMass": {"gramKgValue": whole(source.get(f"{g}.batteryMass")), "gramKg": "kg"},
        "BatteryStatus": {"batteryStatusValues": source.get(f"{g}.batteryStatus")},
    }
    category = source.get(f"{g}.batteryCategory")
    stationary = source.get(f"{g}.exclusivelyExternalStorage")
    ids["BatteryCategory"] = {"batteryCategoryValue": _STATIONARY if category == "industrial" and stationary else _CATEGORY_VALUES.get(category)}
    if category not in _CATEGORY_VALUES:
        source.lose(f"{g}.batteryCategory", f"BatteryPass-Ready has no category for {category!r} batteries")
    if source.get(f"{g}.manufacturingDate") and len(source.get(f"{g}.manufacturingDate")) == 7:
        source.losses.append(Note(f"$.{g}.manufacturingDate", "a month: written as its first day (the format wants a date)"))
    source.lose(f"{g}.warrantyPeriod", "BatteryPass-Ready states the warranty's end date, not its length in years")
    source.get(f"{g}.batteryPassportIdentifier")  # the same as the passport id
    source.get(f"{g}.batteryIdentifier")  # derived again from the manufacturer, GTIN and serial on import
    source.get(f"{g}.gtin")  # carried in the Digital Link of the product identifier
    if not source.has(f"{g}.passportUrl"):
        source.lose(f"{g}.gtin", "no passport link: the GTIN travels only in the product identifier's Digital Link")
    source.get("type"), source.get("passportVersion"), source.get(f"{g}.rechargeable"), source.get(f"{g}.voluntary")
    out[_IDS] = {key: value for key, value in ids.items() if value is not None}

    cf = "carbonFootprint"
    if source.has(cf):
        footprint = {"BatteryCarbonFootprintPerFunctionalUnit": _cf(source.get(f"{cf}.batteryCarbonFootprint"))}
        for index in range(source.count(f"{cf}.carbonFootprintPerLifecycleStage")):
            stage = source.get(f"{cf}.carbonFootprintPerLifecycleStage[{index}].lifecycleStage")
            footprint[_STAGES[stage]] = _cf(source.get(f"{cf}.carbonFootprintPerLifecycleStage[{index}].carbonFootprint"))
        footprint["CarbonFootprintPerformanceClass"] = source.get(f"{cf}.carbonFootprintPerformanceClass")
        footprint["WebLinkToPublicCarbonFootprintStudy"] = source.get(f"{cf}.carbonFootprintStudy")
        absolute = source.peek(f"{cf}.absoluteCarbonFootprint")
        if isinstance(absolute, (int, float)) and float(absolute).is_integer():
            footprint["AbsoluteBatteryCarbonFootprint"] = {"kgCO2-equivalentValue": int(source.get(f"{cf}.absoluteCarbonFootprint")),
                                                           "kgCO2-equivalent": "kgCO2-eq"}
        else:
            source.lose(f"{cf}.absoluteCarbonFootprint", "BatteryPass-Ready states the absolute footprint in whole kg CO2e")
        source.get(f"{cf}.unit")
        source.lose(f"{cf}.declarationIdentifier", "BatteryPass-Ready has no carbon-footprint declaration identifier")
        out[_CF] = {key: value for key, value in footprint.items() if value is not None}

    dd = "supplyChainDueDiligence"
    if source.has(dd):
        put(out, f"{_DD}.InformationOfDueDiligenceReport", source.get(f"{dd}.supplyChainDueDiligenceReport"))
        put(out, f"{_DD}.ThirdPartyAssurancesOfRecognisedSchemes", source.get(f"{dd}.thirdPartyAssurances"))
        for part in ("dueDiligencePolicy", "riskFindings", "rawMaterialOrigin", "untracedShares"):
            source.lose(f"{dd}.{part}", "BatteryPass-Ready carries only the links to the due-diligence report and third-party assurances")

    m = "materialComposition"
    chemistry = source.get(f"{m}.batteryChemistry.shortName")
    put(out, f"{_MATERIALS}.BatteryChemistry", {"additionallyPossibleValue": chemistry} if chemistry else None)
    source.lose(f"{m}.batteryChemistry.clearName", "BatteryPass-Ready names a chemistry by one value")
    put(out, f"{_MATERIALS}.CriticalRawMaterials", "; ".join(source.get(f"{m}.criticalRawMaterials", [])) or None)
    materials = [source.get(f"{m}.batteryMaterials[{i}].batteryMaterialName") for i in range(source.count(f"{m}.batteryMaterials"))]
    put(out, f"{_MATERIALS}.MaterialsUsedInCathodeAnodeAndElectrolyte", "; ".join(materials) or None)
    for index in range(source.count(f"{m}.batteryMaterials")):
        for part in ("batteryMaterialIdentifier", "batteryMaterialMass", "batteryMaterialLocation", "isCriticalRawMaterial"):
            source.lose(f"{m}.batteryMaterials[{index}].{part}", "BatteryPass-Ready lists the materials as text (names only)")
    hazardous = []
    for index in range(source.count(f"{m}.hazardousSubstances")):
        base = f"{m}.hazardousSubstances[{index}]"
        hazardous.append(f"{source.get(f'{base}.hazardousSubstanceName')} ({source.get(f'{base}.hazardousSubstanceClass')})")
        for part in ("hazardousSubstanceIdentifier", "hazardousSubstanceLocation"):
            source.lose(f"{base}.{part}", "BatteryPass-Ready lists hazardous substances as text (name and class)")
    put(out, f"{_MATERIALS}.HazardousSubstances", "; ".join(hazardous) or None)

    c = "circularity"
    for index in range(source.count(f"{c}.recycledContent")):
        base = f"{c}.recycledContent[{index}]"
        if source.peek(f"{base}.recycledMaterial") == "lead":
            source.lose(base, "BatteryPass-Ready states one recycled lead share, not pre- and post-consumer")
            continue
        material = source.get(f"{base}.recycledMaterial")
        put(out, f"{_CIRC}.Pre-consumerRecycled{_RECYCLED[material]}Share", _percent(source.get(f"{base}.preConsumerShare")))
        put(out, f"{_CIRC}.Post-consumerRecycled{_RECYCLED[material]}Share", _percent(source.get(f"{base}.postConsumerShare")))
    put(out, f"{_CIRC}.RenewableContentShare", _percent(source.get(f"{c}.renewableContent")))
    put(out, f"{_CIRC}.DismantlingInformation-ManualsForTheRemovalAndTheDisassemblyOfTheBatteryPack",
        source.get(f"{c}.dismantlingAndRemovalInformation"))
    put(out, f"{_CIRC}.InformationOnBatteryCollectionPreparationForSecondLifeAndOnTreatmentAtEndOfLife",
        source.get(f"{c}.endOfLifeInformation"))
    put(out, f"{_CIRC}.SafetyMeasures", source.get(f"{c}.safetyMeasures"))
    put(out, f"{_CIRC}.{_WASTE_PREVENTION}", source.get(f"{c}.wasteInformation.wastePrevention"))
    put(out, f"{_CIRC}.{_SEPARATE_COLLECTION}", source.get(f"{c}.wasteInformation.separateCollection"))
    source.lose(f"{c}.wasteInformation.collectionPoints", "BatteryPass-Ready's one link on collection and treatment holds endOfLifeInformation")
    suppliers = source.count(f"{c}.sparePartSources")
    if suppliers == 1 and source.has(f"{c}.sparePartSources[0].supplierWebAddress"):
        put(out, f"{_CIRC}.InformationOnSourcesOfSpareParts", source.get(f"{c}.sparePartSources[0].supplierWebAddress"))
    for index in range(suppliers):
        for part in ("nameOfSupplier", "supplierWebAddress", "emailAddressOfSupplier"):
            source.lose(f"{c}.sparePartSources[{index}].{part}", "BatteryPass-Ready links one page of spare-part sources, not a list of suppliers")
    agents = source.get(f"{c}.extinguishingAgent", [])
    put(out, f"{_LABELS}.ExtinguishingAgent", {"extinguishingAgent": "; ".join(agents)} if agents else None)

    p = "performanceAndDurability.batteryTechnicalProperties"
    capacity = source.get(f"{p}.ratedCapacity")
    if capacity is not None:
        put(out, f"{_PERF}.RatedCapacity", _ampere_hours(source, f"{p}.ratedCapacity", capacity))
    put(out, f"{_PERF}.NominalVoltage", _volt(source.get(f"{p}.nominalVoltage")))
    put(out, f"{_PERF}.MinimumVoltage", _volt(source.get(f"{p}.minimumVoltage")))
    put(out, f"{_PERF}.MaximumVoltage", _volt(source.get(f"{p}.maximumVoltage")))
    source.lose(f"{p}.ratedEnergy", "BatteryPass-Ready has no rated energy (only certified and remaining usable energy)")
    source.lose(f"{p}.originalPowerCapability", "BatteryPass-Ready states the power capability at 80 % and 20 % state of charge, not one value")
    put(out, f"{_PERF}.ExpectedLifetime-NumberOfCharge-dischargeCycles", source.get(f"{p}.expectedLifetime"))
    put(out, f"{_PERF}.CapacityThresholdForExhaustion", _percent(source.get(f"{p}.capacityThresholdForExhaustion")))
    put(out, f"{_PERF}.InitialRoundTripEnergyEfficiency", _percent(source.get(f"{p}.initialRoundTripEfficiency")))
    put(out, f"{_PERF}.RoundTripEnergyEfficiencyAt50OfCycleLife", _percent(source.get(f"{p}.roundTripEfficiencyAt50PercentCycleLife")))
    put(out, f"{_PERF}.ExpectedLifetimeInCalendarYears", whole(source.get(f"{p}.expectedLifetimeYears")))
    put(out, f"{_PERF}.Cycle-lifeReferenceTest", source.get(f"{p}.cycleLifeReferenceTest"))
    c_rate = source.get(f"{p}.cycleLifeCRate")  # a C-rate of 1 is 1 A per Ah of capacity
    put(out, f"{_PERF}.C-rateOfRelevantCycle-lifeTest", None if c_rate is None else {"amperePerAmpereHourValue": c_rate, "amperePerAmpereHour": "A/Ah"})
    for index in range(source.count(f"{p}.initialInternalResistance")):
        source.lose(f"{p}.initialInternalResistance[{index}]", "BatteryPass-Ready states internal resistance in whole ohms")
    for bound, name in (("minimum", "Lower"), ("maximum", "Upper")):
        value = source.get(f"{p}.temperatureRangeIdleState.{bound}")
        if value is None:
            continue
        if float(value).is_integer():
            put(out, f"{_PERF}.TemperatureRangeIdleState{name}Boundary", {"celsiusValue": int(value), "degreeCelsius": "°C"})
        else:
            source.lose(f"{p}.temperatureRangeIdleState.{bound}", "BatteryPass-Ready states idle temperatures in whole degrees Celsius")

    lc = "labelsAndConformity"
    put(out, f"{_LABELS}.EUDeclarationOfConformity", source.get(f"{lc}.declarationOfConformity"))
    put(out, f"{_LABELS}.ResultsOfTestReportsProvingCompliance", source.get(f"{lc}.resultOfTestReport"))
    return {ROOT: out}


def _full_date(month_or_date: str | None) -> str | None:
    if month_or_date is None:
        return None
    return month_or_date + "-01" if len(month_or_date) == 7 else month_or_date


def _ampere_hours(source: TrackedDocument, path: str, ampere_hours: float) -> dict[str, Any] | None:
    """Rated capacity as the format's whole Ah, or whole mAh when that is exact; else a loss."""
    if float(ampere_hours).is_integer():
        return {"amperehourMiliamperehourValue": int(ampere_hours), "ampereHourMiliamperehour": "Ah"}
    milli = round(ampere_hours * 1000, 6)
    if milli.is_integer():
        return {"amperehourMiliamperehourValue": int(milli), "ampereHourMiliamperehour": "mAh"}
    source.lose(path, "BatteryPass-Ready states capacity in whole Ah or mAh")
    return None


def import_build_data(source: TrackedDocument) -> dict[str, Any]:
    """Build data from a BatteryPass-Ready document (what it lacks, ``build`` will name)."""
    r = ROOT
    data: dict[str, Any] = {}
    ids = f"{r}.{_IDS}"
    link = source.get(f"{ids}.UniqueBatteryIdentifierUniqueProductIdentifier")
    gtin, serial_in_link, resolver = digital_link_parts(link)
    battery = {
        "model": source.get(f"{ids}.BatteryModelIdentifier"),
        "serialNumber": source.get(f"{ids}.BatterySerialNumber") or serial_in_link,
        "gtin": gtin,
        "category": _CATEGORIES.get(source.get(f"{ids}.BatteryCategory.batteryCategoryValue")),
        # Traction batteries (EV, LMT) are rechargeable by definition (Art. 3(1)(12), (11)); the
        # format does not say it for industrial ones, so build asks.
        "rechargeable": True if _CATEGORIES.get(source.get(f"{ids}.BatteryCategory.batteryCategoryValue")) in ("ev", "lmt") else None,
        "exclusivelyExternalStorage": source.get(f"{ids}.BatteryCategory.batteryCategoryValue") == _STATIONARY or None,
        "chemistry": _chemistry(source, f"{r}.{_MATERIALS}.BatteryChemistry"),
        "ratedCapacityAh": _import_ampere_hours(source.get(f"{r}.{_PERF}.RatedCapacity")),
        "nominalVoltageV": source.get(f"{r}.{_PERF}.NominalVoltage.voltValue"),
        "massKg": _kilograms(source.get(f"{ids}.BatteryMass")),
        "manufacturingDate": source.get(f"{ids}.ManufacturingDate"),
        "placedOnMarketDate": source.get(f"{ids}.DateOfPuttingTheBatteryIntoService"),
        "status": source.get(f"{ids}.BatteryStatus.batteryStatusValues"),
    }
    data["battery"] = battery
    maker = f"{ids}.ManufacturerInformation"
    data["manufacturer"] = {
        "name": source.get(f"{maker}.name"),
        "identifier": source.get(f"{ids}.UniqueManufacturerIdentifier"),
        "address": _parse_address(source.get(f"{maker}.postalAddress")),
        "email": source.get(f"{maker}.e-mailAddress"),
        "web": source.get(f"{maker}.webAddress"),
    }
    source.get(f"{maker}.registeredTradeNameOrRegisteredTrademark")
    source.get(f"{ids}.UniqueEconomicOperatorIdentifier")
    for part in ("name", "registeredTradeNameOrRegisteredTrademark", "postalAddress", "webAddress", "e-mailAddress"):
        if source.get(f"{ids}.EconomicOperatorInformation.{part}") != source.get(f"{maker}.{part}"):
            source.lose(f"{ids}.EconomicOperatorInformation.{part}", "an economic operator other than the manufacturer (issue 9's responsible operator)")
    data["manufacturingPlace"] = {
        "facilityIdentifier": source.get(f"{ids}.UniqueFacilityIdentifier"),
        "address": _parse_address(source.get(f"{ids}.ManufacturingPlace")),
    }
    for fixed in ("DPPSchemaVersion", "DPPStatus", "DPPGranularity", "Date-timeOfLatestUpdateOfDPP", "UniqueBatteryPassportIdentifierUniqueDPPIdentifier"):
        source.get(f"{ids}.{fixed}")  # the passport's own bookkeeping: build assigns it anew
    source.lose(f"{ids}.WarrantyPeriodOfTheBattery", "a warranty end date: build data states the warranty in years")
    if resolver:
        data["passport"] = {"resolverUrl": resolver}

    cf = f"{r}.{_CF}"
    if source.has(cf):
        stages = {
            _BUILD_STAGES[stage]: source.get(f"{cf}.{name}.kgCO2-equivalentPerKilowattHourValue")
            for stage, name in _STAGES.items()
        }
        for name in _STAGES.values():
            source.get(f"{cf}.{name}.kgCO2-equivalentPerKilowattHour")
        data["carbonFootprint"] = {
            "kgCO2ePerKWhByLifecycleStage": stages,
            "totalKgCO2ePerKWh": source.get(f"{cf}.BatteryCarbonFootprintPerFunctionalUnit.kgCO2-equivalentPerKilowattHourValue"),
            "performanceClass": source.get(f"{cf}.CarbonFootprintPerformanceClass"),
            "studyUrl": source.get(f"{cf}.WebLinkToPublicCarbonFootprintStudy"),
            "absoluteKgCO2e": source.get(f"{cf}.AbsoluteBatteryCarbonFootprint.kgCO2-equivalentValue"),
        }
        source.get(f"{cf}.BatteryCarbonFootprintPerFunctionalUnit.kgCO2-equivalentPerKilowattHour")
        source.get(f"{cf}.AbsoluteBatteryCarbonFootprint.kgCO2-equivalent")

    report = source.get(f"{r}.{_DD}.InformationOfDueDiligenceReport")
    assurances = source.get(f"{r}.{_DD}.ThirdPartyAssurancesOfRecognisedSchemes")
    if report or assurances:
        data["dueDiligence"] = {"reportUrl": report, "thirdPartyAssurancesUrl": assurances}

    mat = f"{r}.{_MATERIALS}"
    source.lose(f"{mat}.MaterialsUsedInCathodeAnodeAndElectrolyte", "text: build data lists each material with its mass and component")
    source.lose(f"{mat}.HazardousSubstances", "text: build data lists each substance with its class and location")
    source.lose(f"{mat}.CriticalRawMaterials", "text: build data marks each material critical or not")

    circ = f"{r}.{_CIRC}"
    recycled = []
    for material, name in _RECYCLED.items():
        pre = source.get(f"{circ}.Pre-consumerRecycled{name}Share.percentageValue")
        post = source.get(f"{circ}.Post-consumerRecycled{name}Share.percentageValue")
        source.get(f"{circ}.Pre-consumerRecycled{name}Share.percent"), source.get(f"{circ}.Post-consumerRecycled{name}Share.percent")
        if pre is not None or post is not None:
            recycled.append({"material": material, "preConsumerPercent": pre, "postConsumerPercent": post})
    source.lose(f"{circ}.RecycledLeadShare", "one recycled lead share: build data splits it into pre- and post-consumer")
    agent = source.get(f"{r}.{_LABELS}.ExtinguishingAgent.extinguishingAgent")
    data["circularity"] = {
        "recycledContent": recycled,
        "renewableContentPercent": source.get(f"{circ}.RenewableContentShare.percentageValue"),
        "dismantlingInformationUrl": source.get(f"{circ}.DismantlingInformation-ManualsForTheRemovalAndTheDisassemblyOfTheBatteryPack"),
        "endOfLifeInformationUrl": source.get(f"{circ}.InformationOnBatteryCollectionPreparationForSecondLifeAndOnTreatmentAtEndOfLife"),
        "extinguishingAgent": [a for a in (agent or "").split("; ") if a] or None,
        "safetyMeasuresUrl": source.get(f"{circ}.SafetyMeasures"),
        "wasteInformation": {
            "wastePreventionUrl": source.get(f"{circ}.{_WASTE_PREVENTION}"),
            "separateCollectionUrl": source.get(f"{circ}.{_SEPARATE_COLLECTION}"),
        },
    }
    source.get(f"{circ}.RenewableContentShare.percent")
    spare = source.get(f"{circ}.InformationOnSourcesOfSpareParts")
    if spare:
        source.losses.append(Note(f"$.{circ}.InformationOnSourcesOfSpareParts", "a link without a supplier name: build data names each spare-part supplier"))

    perf = f"{r}.{_PERF}"
    temperature = {
        "min": source.get(f"{perf}.TemperatureRangeIdleStateLowerBoundary.celsiusValue"),
        "max": source.get(f"{perf}.TemperatureRangeIdleStateUpperBoundary.celsiusValue"),
    }
    source.get(f"{perf}.TemperatureRangeIdleStateLowerBoundary.degreeCelsius"), source.get(f"{perf}.TemperatureRangeIdleStateUpperBoundary.degreeCelsius")
    for bound in ("Nominal", "Minimum", "Maximum"):
        source.get(f"{perf}.{bound}Voltage.volt")
    data["performance"] = {
        "minimumVoltageV": source.get(f"{perf}.MinimumVoltage.voltValue"),
        "maximumVoltageV": source.get(f"{perf}.MaximumVoltage.voltValue"),
        "expectedLifetimeCycles": source.get(f"{perf}.ExpectedLifetime-NumberOfCharge-dischargeCycles"),
        "capacityThresholdForExhaustionPercent": source.get(f"{perf}.CapacityThresholdForExhaustion.percentageValue"),
        "initialRoundTripEfficiencyPercent": source.get(f"{perf}.InitialRoundTripEnergyEfficiency.percentageValue"),
        "idleTemperatureRangeC": temperature if None not in temperature.values() else None,
        "roundTripEfficiencyAt50PercentCycleLifePercent": source.get(f"{perf}.RoundTripEnergyEfficiencyAt50OfCycleLife.percentageValue"),
        "expectedLifetimeYears": source.get(f"{perf}.ExpectedLifetimeInCalendarYears"),
        "cycleLifeReferenceTest": source.get(f"{perf}.Cycle-lifeReferenceTest"),
        "cycleLifeCRate": source.get(f"{perf}.C-rateOfRelevantCycle-lifeTest.amperePerAmpereHourValue"),
    }
    source.get(f"{perf}.RoundTripEnergyEfficiencyAt50OfCycleLife.percent"), source.get(f"{perf}.C-rateOfRelevantCycle-lifeTest.amperePerAmpereHour")
    source.get(f"{perf}.CapacityThresholdForExhaustion.percent"), source.get(f"{perf}.InitialRoundTripEnergyEfficiency.percent")
    labels = f"{r}.{_LABELS}"
    doc = source.get(f"{labels}.EUDeclarationOfConformity")
    if doc or source.has(f"{labels}.ResultsOfTestReportsProvingCompliance"):
        data["conformity"] = {"declarationOfConformityUrl": doc, "testReportsUrl": source.get(f"{labels}.ResultsOfTestReportsProvingCompliance")}
    return data



def _chemistry(source: TrackedDocument, path: str) -> dict[str, Any] | None:
    code = source.get(f"{path}.chemicalCodeValue") or source.get(f"{path}.additionallyPossibleValue")
    return {"shortName": code, "clearName": code} if code else None


def _import_ampere_hours(quantity: dict[str, Any] | None) -> float | None:
    if not quantity:
        return None
    value = quantity.get("amperehourMiliamperehourValue")
    return value / 1000 if quantity.get("ampereHourMiliamperehour") == "mAh" else value


def _kilograms(quantity: dict[str, Any] | None) -> float | None:
    if not quantity:
        return None
    value = quantity.get("gramKgValue")
    return value / 1000 if quantity.get("gramKg") == "g" and isinstance(value, (int, float)) else value


def _parse_address(line: str | None) -> dict[str, str] | None:
    match = _ADDRESS.fullmatch(line or "")
    return match.groupdict() if match else None
