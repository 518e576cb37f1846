"""The battery passport: seven sections after the Battery Pass Data Model 1.2 / DIN DKE SPEC 99100.

Property names follow Battery Pass 1.2 with its misspellings corrected (``warrantyPeriod``,
``batteryTechnicalProperties``, ``thirdPartyAssurances``) and DIN units throughout (W, kg,
Ah, V, kWh). Every field records its Annex XIII point with :func:`~.access.annex`, so the
JSON Schema shows each field's access tier and :func:`~.views.view_for` can cut a view for
an audience from the model alone.

A passport is assembled from build data by :mod:`batterypass.assemble`; this module only
describes and validates its shape, so that a verifier can check a passport someone else
issued with the same model.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, StrictBool

from .access import annex
from .build_data import BatteryStatus, Category, ChainOfCustody, Component, RiskCategory
from .lifecycle import Lifecycle
from .types import (
    CasNumber,
    Count,
    CountryCode,
    Email,
    IsoDate,
    NonEmptyStr,
    Number,
    Percent,
    PositiveNumber,
    WebUrl,
    YearMonth,
)

PASSPORT_VERSION = "1.0"


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class PostalAddress(_Part):
    streetAddress: NonEmptyStr
    postalCode: NonEmptyStr
    addressLocality: NonEmptyStr
    addressCountry: CountryCode


class OperatorInformation(_Part):
    name: NonEmptyStr = annex(1, "Registered trade name")
    identifier: NonEmptyStr = annex(1, "Unique operator identifier (LEI, EORI, GLN...)")
    postalAddress: PostalAddress = annex(1, "Postal address")
    emailAddress: Email = annex(1, "Contact e-mail address")
    webAddress: WebUrl | None = annex(1, "Web address", default=None)


#: Who may be responsible for a passport (Art. 77(4), (7), (8)).
OperatorRole = Literal[
    "manufacturer", "importer", "distributor", "authorised-representative", "mandated-operator", "producer",
    "producer-responsibility-organisation", "waste-management-operator",
]


class ResponsibleOperator(_Part):
    identifier: NonEmptyStr = annex(1, "Identifier of the economic operator responsible for the passport (LEI, EORI, GLN...)")
    name: NonEmptyStr = annex(1, "Its registered trade name")
    role: OperatorRole = annex(1, "Why it is responsible")
    mandateReference: NonEmptyStr | None = annex(1, "The written mandate, for an operator mandated by the responsible one (Art. 77(4))", default=None)


class ManufacturingPlace(_Part):
    facilityIdentifier: NonEmptyStr | None = annex(1, "Identifier of the manufacturing facility", default=None)
    postalAddress: PostalAddress = annex(1, "Address of the manufacturing facility")


class GeneralProductInformation(_Part):
    batteryPassportIdentifier: NonEmptyStr = annex(1, "Unique passport identifier (urn:uuid:)")
    batteryIdentifier: NonEmptyStr = annex(1, "Unique battery identifier (ISO/IEC 15459; GS1 (01)GTIN(21)serial)")
    serialNumber: NonEmptyStr = annex(1, "Battery serial number")
    gtin: NonEmptyStr | None = annex(1, "GTIN-14 of the battery model", default=None)
    batteryModel: NonEmptyStr = annex(1, "Battery model")
    batteryCategory: Category = annex(1, "Battery category")
    rechargeable: StrictBool = annex(1, "Rechargeable battery")
    exclusivelyExternalStorage: StrictBool = annex(
        1, "Industrial battery with exclusively external storage (its Art. 7 dates differ)", default=False
    )
    manufacturerInformation: OperatorInformation = annex(1, "Manufacturer (Annex VI Part A 1)")
    manufacturingPlace: ManufacturingPlace = annex(1, "Place of manufacture (Annex VI Part A 3)")
    manufacturingDate: YearMonth = annex(1, "Date of manufacture (Annex VI Part A 4)")
    placedOnMarketDate: IsoDate = annex(1, "Date of placing on the market or putting into service")
    batteryMass: PositiveNumber = annex(1, "Battery mass in kg (Annex VI Part A 5)", le=1e6)
    warrantyPeriod: Count | None = annex(1, "Commercial warranty in years", default=None)
    batteryStatus: BatteryStatus = annex(4, "Status: original, repurposed, re-used, remanufactured or waste")
    responsibleOperator: ResponsibleOperator | None = annex(
        1, "Economic operator responsible for the passport (default: the manufacturer)", default=None
    )
    voluntary: StrictBool = annex(1, "Issued voluntarily for a battery that Art. 77(1) does not cover", default=False)
    passportUrl: WebUrl | None = annex(
        1, "HTTPS link the battery's QR code holds, which resolves to this passport (Art. 13(6))", default=None
    )


class LifecycleStageFootprint(_Part):
    lifecycleStage: Literal[
        "RawMaterialAcquisition", "MainProduction", "Distribution", "EndOfLifeAndRecycling"
    ] = annex(1, "Life-cycle stage (Annex II)")
    carbonFootprint: Number = annex(1, "kg CO2e per kWh for this stage")


class CarbonFootprint(_Part):
    batteryCarbonFootprint: Number = annex(
        1, "Total kg CO2e per kWh of energy over service life: the sum of the stages (computed)"
    )
    carbonFootprintPerLifecycleStage: list[LifecycleStageFootprint] = annex(1, "Footprint by life-cycle stage")
    carbonFootprintPerformanceClass: Literal["A", "B", "C", "D", "E"] | None = annex(
        1, "Carbon footprint performance class (Art. 7(2))", default=None
    )
    carbonFootprintStudy: WebUrl = annex(1, "Public carbon footprint study")
    declarationIdentifier: NonEmptyStr | None = annex(1, "Identification of the carbon footprint declaration", default=None)
    unit: Literal["kg CO2e/kWh"] = annex(1, "Unit of all footprint values", default="kg CO2e/kWh")


class MineSiteAssurance(_Part):
    scheme: NonEmptyStr = annex(1, "Independent assurance scheme, e.g. IRMA")
    level: NonEmptyStr = annex(1, "Achievement level, e.g. 'IRMA 50'")
    auditReport: WebUrl | None = annex(1, "Audit report", default=None)
    auditDate: IsoDate | None = annex(1, "Audit date", default=None)


class SourceFacility(_Part):
    facilityType: Literal["mine", "refinery", "smelter", "recycler", "processor"] = annex(1, "Kind of site")
    name: NonEmptyStr = annex(1, "Site name")
    identifier: NonEmptyStr | None = annex(1, "Site identifier", default=None)


class RawMaterialSource(_Part):
    material: NonEmptyStr = annex(1, "Raw material")
    countryOfOrigin: CountryCode = annex(1, "Country of origin (ISO 3166-1 alpha-2)")
    facility: SourceFacility = annex(1, "Mine, refinery or other site")
    sharePercent: Percent = annex(1, "Share of this material from this source")
    chainOfCustodyModel: ChainOfCustody = annex(1, "Chain-of-custody model of the origin claim (IRMA CoC)")
    assurance: MineSiteAssurance | None = annex(1, "Independent mine-site assurance", default=None)


class ThirdPartyAssurance(_Part):
    body: NonEmptyStr = annex(1, "Notified body that verified the due-diligence policy (Art. 48(3))")
    reference: NonEmptyStr = annex(1, "Verification reference")
    date: IsoDate = annex(1, "Verification date")


class RiskFindingRecord(_Part):
    material: NonEmptyStr = annex(1, "Raw material concerned")
    riskCategory: RiskCategory = annex(1, "Risk category (Annex X)")
    finding: NonEmptyStr = annex(1, "What was found")
    mitigation: NonEmptyStr | None = annex(1, "How it is mitigated", default=None)


class SupplyChainDueDiligence(_Part):
    supplyChainDueDiligenceReport: WebUrl | None = annex(1, "Public due-diligence report (Art. 52(3))", default=None)
    dueDiligencePolicy: WebUrl | None = annex(1, "Supply-chain due-diligence policy (Art. 49)", default=None)
    thirdPartyAssurances: ThirdPartyAssurance | None = annex(1, "Third-party verification (Art. 48(3))", default=None)
    riskFindings: list[RiskFindingRecord] = annex(1, "Risk findings and mitigation (Art. 50)", default=[])
    rawMaterialOrigin: list[RawMaterialSource] = annex(1, "Origin of the raw materials, with chain of custody", default=[])


class BatteryChemistry(_Part):
    shortName: NonEmptyStr = annex(1, "Short chemistry name")
    clearName: NonEmptyStr = annex(1, "Chemistry in words")


class BatteryMaterial(_Part):
    batteryMaterialName: NonEmptyStr = annex(2, "Material name")
    batteryMaterialIdentifier: CasNumber | None = annex(2, "CAS Registry Number", default=None)
    batteryMaterialMass: PositiveNumber = annex(2, "Mass in kg")
    batteryMaterialLocation: Component = annex(2, "Component (cathode, anode, electrolyte...)")
    isCriticalRawMaterial: StrictBool = annex(2, "Critical raw material")


class HazardousSubstanceRecord(_Part):
    hazardousSubstanceName: NonEmptyStr = annex(1, "Substance name")
    hazardousSubstanceIdentifier: CasNumber | None = annex(1, "CAS Registry Number", default=None)
    hazardousSubstanceClass: NonEmptyStr = annex(1, "CLP hazard class and category")
    hazardousSubstanceLocation: Component = annex(1, "Component containing it")


class MaterialComposition(_Part):
    batteryChemistry: BatteryChemistry = annex(1, "Chemistry (Annex VI Part A 6)")
    criticalRawMaterials: list[NonEmptyStr] = annex(1, "Critical raw materials present above 0.1 % w/w (Annex VI Part A 9)")
    batteryMaterials: list[BatteryMaterial] = annex(
        2, "Detailed composition: cathode, anode, electrolyte (Annex XIII 2(a))", min_length=1
    )
    hazardousSubstances: list[HazardousSubstanceRecord] = annex(1, "Hazardous substances (Annex VI Part A 8)", default=[])


class RecycledContentShare(_Part):
    recycledMaterial: Literal["cobalt", "lithium", "nickel", "lead"] = annex(1, "Material (Art. 8)")
    preConsumerShare: Percent = annex(1, "Pre-consumer recycled share in %")
    postConsumerShare: Percent = annex(1, "Post-consumer recycled share in %")


class SparePartSupplier(_Part):
    nameOfSupplier: NonEmptyStr = annex(2, "Supplier of spare parts (Annex XIII 2(b))")
    supplierWebAddress: WebUrl | None = annex(2, "Supplier web address", default=None)
    emailAddressOfSupplier: Email | None = annex(2, "Supplier e-mail address", default=None)


class Circularity(_Part):
    recycledContent: list[RecycledContentShare] = annex(1, "Recycled content (Art. 8)", default=[])
    renewableContent: Percent | None = annex(1, "Renewable content in %", default=None)
    dismantlingAndRemovalInformation: WebUrl | None = annex(2, "Dismantling information (Annex XIII 2(c))", default=None)
    sparePartSources: list[SparePartSupplier] = annex(2, "Spare-part sources (Annex XIII 2(b))", default=[])
    extinguishingAgent: list[NonEmptyStr] = annex(1, "Usable extinguishing agent (Annex VI Part A 9)")
    endOfLifeInformation: WebUrl | None = annex(1, "Waste prevention and collection information (Art. 74)", default=None)


class ResistanceValue(_Part):
    batteryComponent: Literal["cell", "pack"] = annex(1, "Level at which it is measured")
    ohmicResistance: PositiveNumber = annex(1, "Initial internal resistance in ohm")


class TemperatureRangeIdle(_Part):
    minimum: Number = annex(1, "Lower idle temperature limit in degrees C")
    maximum: Number = annex(1, "Upper idle temperature limit in degrees C")


class BatteryTechnicalProperties(_Part):
    ratedCapacity: PositiveNumber | None = annex(1, "Rated capacity in Ah", default=None)
    nominalVoltage: PositiveNumber | None = annex(1, "Nominal voltage in V", default=None)
    minimumVoltage: PositiveNumber | None = annex(1, "Minimum voltage in V", default=None)
    maximumVoltage: PositiveNumber | None = annex(1, "Maximum voltage in V", default=None)
    ratedEnergy: PositiveNumber = annex(1, "Rated energy in kWh (stated, or Ah x V)", le=1e6)
    originalPowerCapability: PositiveNumber | None = annex(1, "Original power capability in W", default=None)
    expectedLifetime: Count | None = annex(1, "Expected lifetime in cycles", default=None)
    capacityThresholdForExhaustion: Percent | None = annex(1, "Capacity threshold for exhaustion in % (EV)", default=None)
    initialRoundTripEfficiency: Percent | None = annex(1, "Initial round-trip energy efficiency in %", default=None)
    initialInternalResistance: list[ResistanceValue] = annex(1, "Initial internal resistance", default=[])
    temperatureRangeIdleState: TemperatureRangeIdle | None = annex(1, "Idle-state temperature range", default=None)


class PerformanceAndDurability(_Part):
    batteryTechnicalProperties: BatteryTechnicalProperties = annex(1, "Performance and durability at placing on market")


class LabelsAndConformity(_Part):
    declarationOfConformity: WebUrl | None = annex(1, "EU declaration of conformity (Art. 18)", default=None)
    resultOfTestReport: WebUrl | None = annex(3, "Test reports proving compliance (Annex XIII 3)", default=None)


class Passport(_Part):
    """A battery passport: the ``credentialSubject`` of the passport credential."""

    id: NonEmptyStr = annex(1, "Passport identifier, stable for the battery's life (the credential id of version 1)")
    type: Literal["BatteryPassport"] = annex(1, "Subject type", default="BatteryPassport")
    passportVersion: Literal["1.0"] = annex(1, "Version of this passport model", default=PASSPORT_VERSION)
    generalProductInformation: GeneralProductInformation = annex(1, "General product information")
    carbonFootprint: CarbonFootprint | None = annex(1, "Carbon footprint (Art. 7)", default=None)
    supplyChainDueDiligence: SupplyChainDueDiligence | None = annex(1, "Supply-chain due diligence (Art. 47-52)", default=None)
    materialComposition: MaterialComposition = annex(1, "Material composition")
    circularity: Circularity | None = annex(1, "Circularity and resource efficiency", default=None)
    performanceAndDurability: PerformanceAndDurability | None = annex(1, "Performance and durability (Art. 10)", default=None)
    labelsAndConformity: LabelsAndConformity | None = annex(1, "Labels and conformity", default=None)
    lifecycle: Lifecycle | None = annex(1, "This version's place in the passport's life (none: version 1 as built)", default=None)

    @property
    def version(self) -> int:
        return self.lifecycle.version if self.lifecycle else 1
