"""The battery passport: seven sections after the Battery Pass Data Model 1.2 / DIN DKE SPEC 99100.

Property names follow Battery Pass 1.2 with its misspellings corrected (``warrantyPeriod``,
``batteryTechnicalProperties``, ``thirdPartyAssurances``, which means what 1.2 means: a link to
third-party supply-chain assurances) and DIN units throughout (W, kg, Ah, V, kWh).
Voluntary sourcing data (origin, sites, assurance, risk findings) is no Annex XIII item: its
fields carry ``x-basis: voluntary`` instead of a point (:func:`~.access.voluntary`). Every field records its Annex XIII point with :func:`~.access.annex`, so the
JSON Schema shows each field's access tier and :func:`~.views.view_for` can cut a view for
an audience from the model alone.

A passport is assembled from build data by :mod:`batterypass.assemble`; this module only
describes and validates its shape, so that a verifier can check a passport someone else
issued with the same model.
"""

from __future__ import annotations

from typing import Literal

from pydantic import StrictBool

from .access import annex, voluntary
from .build_data import (
    BatteryStatus,
    Category,
    ChainOfCustody,
    Component,
    DueDiligenceMaterial,
    OperatorRole,
    RiskCategory,
    RiskSeverity,
    RiskStatus,
)
from .dynamic import BatteryCondition
from .lifecycle import Lifecycle
from .types import (
    StrictModel,
    CasNumber,
    Count,
    CountryCode,
    Email,
    IsoDate,
    NonEmptyStr,
    NonNegativeNumber,
    Number,
    Percent,
    PositiveNumber,
    WebUrl,
    YearMonth,
)

PASSPORT_VERSION = "1.0"


class PostalAddress(StrictModel):
    streetAddress: NonEmptyStr
    postalCode: NonEmptyStr
    addressLocality: NonEmptyStr
    addressCountry: CountryCode


class OperatorInformation(StrictModel):
    name: NonEmptyStr = annex(1, "Registered trade name", data_point=3)
    identifier: NonEmptyStr = annex(1, "Unique operator identifier (LEI, EORI, GLN...)")
    postalAddress: PostalAddress = annex(1, "Postal address", data_point=4)
    emailAddress: Email = annex(1, "Contact e-mail address", data_point=5)
    webAddress: WebUrl | None = annex(1, "Web address", data_point=5, default=None)


class ResponsibleOperator(StrictModel):
    identifier: NonEmptyStr = annex(1, "Unique operator identifier (LEI, EORI, GLN...)")
    name: NonEmptyStr = annex(1, "Registered trade name")
    role: OperatorRole = annex(1, "Role of the operator (Art. 77(4))")
    mandateReference: NonEmptyStr | None = annex(1, "Reference of the written mandate (Art. 77(4))", default=None)


class ManufacturingPlace(StrictModel):
    facilityIdentifier: NonEmptyStr | None = annex(1, "Identifier of the manufacturing facility", default=None)
    postalAddress: PostalAddress = annex(1, "Address of the manufacturing facility")


class GeneralProductInformation(StrictModel):
    batteryPassportIdentifier: NonEmptyStr = annex(1, "Unique passport identifier (urn:uuid:)", data_point=1)
    batteryIdentifier: NonEmptyStr = annex(1, "Unique battery identifier (ISO/IEC 15459; GS1 (01)GTIN(21)serial)")
    serialNumber: NonEmptyStr = annex(1, "Battery serial number", data_point=7)
    gtin: NonEmptyStr | None = annex(1, "GTIN-14 of the battery model", default=None)
    batteryModel: NonEmptyStr = annex(1, "Battery model", data_point=7)
    batteryCategory: Category = annex(1, "Battery category", data_point=6)
    rechargeable: StrictBool = annex(1, "Rechargeable battery")
    exclusivelyExternalStorage: StrictBool = annex(
        1, "Industrial battery with exclusively external storage (its Art. 7 dates differ)", default=False
    )
    manufacturerInformation: OperatorInformation = annex(1, "Manufacturer (Annex VI Part A 1)")
    responsibleOperator: ResponsibleOperator | None = annex(
        1, "Economic operator responsible for the passport (Art. 77(3), (4))", data_point=2, default=None
    )
    manufacturingPlace: ManufacturingPlace = annex(1, "Place of manufacture (Annex VI Part A 3)", data_point=8)
    manufacturingDate: YearMonth = annex(1, "Date of manufacture (Annex VI Part A 4)", data_point=9)
    placedOnMarketDate: IsoDate = annex(1, "Date of placing on the market or putting into service")
    batteryMass: PositiveNumber = annex(1, "Battery mass in kg (Annex VI Part A 5)", data_point=10, le=1e6)
    warrantyPeriod: Count | None = annex(1, "Commercial warranty in years", data_point=35, default=None)
    batteryStatus: BatteryStatus = annex(4, "Status: original, repurposed, re-used, remanufactured or waste", data_point=67)
    voluntary: StrictBool = annex(1, "Issued voluntarily for a battery that Art. 77(1) does not cover", default=False)
    passportUrl: WebUrl | None = annex(
        1, "HTTPS link the battery's QR code holds, which resolves to this passport (Art. 13(6))", default=None
    )


class LifecycleStageFootprint(StrictModel):
    lifecycleStage: Literal[
        "RawMaterialAcquisition", "MainProduction", "Distribution", "EndOfLifeAndRecycling"
    ] = annex(1, "Life-cycle stage (Annex II)")
    carbonFootprint: Number = annex(1, "kg CO2e per kWh for this stage")


class CarbonFootprint(StrictModel):
    batteryCarbonFootprint: Number = annex(
        1, "Total kg CO2e per kWh of energy over service life: the sum of the stages (computed)", data_point=17
    )
    carbonFootprintPerLifecycleStage: list[LifecycleStageFootprint] = annex(1, "Footprint by life-cycle stage", data_point=17)
    absoluteCarbonFootprint: NonNegativeNumber | None = annex(1, "Absolute carbon footprint in kg CO2e", data_point=17, default=None)
    carbonFootprintPerformanceClass: NonEmptyStr | None = annex(
        1, "Carbon footprint performance class (Art. 7(2)): an opaque label until the delegated act defines the classes",
        data_point=18, default=None,
    )
    carbonFootprintPerformanceClassMethodology: NonEmptyStr | None = annex(
        1, "Reference of the methodology the class was computed under", data_point=18, default=None
    )
    carbonFootprintStudy: WebUrl = annex(1, "Public carbon footprint study", data_point=17)
    declarationIdentifier: NonEmptyStr | None = annex(1, "Identification of the carbon footprint declaration", default=None)
    unit: Literal["kg CO2e/kWh"] = annex(1, "Unit of all footprint values", default="kg CO2e/kWh")


class MineSiteAssurance(StrictModel):
    scheme: NonEmptyStr = voluntary("Independent assurance scheme, e.g. IRMA")
    level: NonEmptyStr = voluntary("Achievement level, e.g. 'IRMA 50'")
    auditReport: WebUrl | None = voluntary("Audit report", default=None)
    auditDate: IsoDate | None = voluntary("Audit date", default=None)


class SourceFacility(StrictModel):
    facilityType: Literal["mine", "refinery", "smelter", "recycler", "processor"] = voluntary("Kind of site")
    name: NonEmptyStr = voluntary("Site name")
    identifier: NonEmptyStr | None = voluntary("Site identifier", default=None)


class ChainOfCustodyCertificate(StrictModel):
    certificateId: NonEmptyStr = voluntary("Certificate identifier")
    certificationBody: NonEmptyStr = voluntary("Certification body")
    scope: NonEmptyStr = voluntary("Scope of the certificate")
    validUntil: IsoDate = voluntary("Last day of validity")


class RawMaterialSource(StrictModel):
    material: DueDiligenceMaterial = voluntary("Raw material under due diligence (Annex X)")
    countryOfOrigin: CountryCode = voluntary("Country of origin (ISO 3166-1 alpha-2)")
    facility: SourceFacility = voluntary("Mine, refinery or other site")
    sharePercent: Percent = voluntary("Share of this material from this source")
    chainOfCustodyModel: ChainOfCustody = voluntary("Chain-of-custody model of the origin claim (IRMA CoC)")
    attribution: Literal["physical", "attributed"] = voluntary(
        "'attributed' under mass balance or book and claim: the origin is allocated by bookkeeping, "
        "not physically traced to this battery"
    )
    chainOfCustodyCertificate: ChainOfCustodyCertificate | None = voluntary("Custodian's chain-of-custody certificate", default=None)
    assurance: MineSiteAssurance | None = voluntary("Independent mine-site assurance", default=None)


class UntracedShare(StrictModel):
    material: DueDiligenceMaterial = voluntary("Raw material under due diligence (Annex X)")
    sharePercent: Percent = voluntary("Share of this material whose origin is not traced")


class NotifiedBodyVerification(StrictModel):
    body: NonEmptyStr = annex(1, "Notified body that verified the due-diligence policy (Art. 48(3), Art. 51)")
    reference: NonEmptyStr = annex(1, "Verification reference")
    date: IsoDate = annex(1, "Verification date")


class RiskFindingRecord(StrictModel):
    material: DueDiligenceMaterial = voluntary("Raw material concerned (Annex X)")
    riskCategory: RiskCategory = voluntary("Risk category (Annex X point 2 and beyond)")
    finding: NonEmptyStr = voluntary("What was found")
    mitigation: NonEmptyStr | None = voluntary("How it is mitigated", default=None)
    severity: RiskSeverity | None = voluntary("Severity", default=None)
    status: RiskStatus | None = voluntary("open, mitigated or closed", default=None)
    date: IsoDate | None = voluntary("When the finding was made or last reviewed", default=None)


class SupplyChainDueDiligence(StrictModel):
    supplyChainDueDiligenceReport: WebUrl | None = annex(1, "Public due-diligence report (Art. 52(3))", data_point=19, default=None)
    dueDiligencePolicy: WebUrl | None = annex(1, "Supply-chain due-diligence policy (Art. 49)", default=None)
    notifiedBodyVerification: NotifiedBodyVerification | None = annex(
        1, "Verification of the due-diligence policy by a notified body (Art. 48(3), Art. 51)", default=None
    )
    thirdPartyAssurances: WebUrl | None = voluntary(
        "Third-party supply-chain assurances, e.g. certifications of recognised schemes (Battery Pass 1.2)", default=None
    )
    riskFindings: list[RiskFindingRecord] = voluntary("Risk findings and mitigation", default=[])
    rawMaterialOrigin: list[RawMaterialSource] = voluntary("Origin of the raw materials, with chain of custody", default=[])
    untracedShares: list[UntracedShare] = voluntary("Per material, the share whose origin is not traced", default=[])
    voluntaryDataAudience: Literal["legitimate-interest", "public"] = annex(
        1, "Who sees the voluntary sourcing data (x-basis: voluntary)", default="legitimate-interest"
    )


class BatteryChemistry(StrictModel):
    shortName: NonEmptyStr = annex(1, "Short chemistry name")
    clearName: NonEmptyStr = annex(1, "Chemistry in words")


class BatteryMaterial(StrictModel):
    batteryMaterialName: NonEmptyStr = annex(2, "Material name")
    batteryMaterialIdentifier: CasNumber | None = annex(2, "CAS Registry Number", default=None)
    batteryMaterialMass: PositiveNumber = annex(2, "Mass in kg")
    batteryMaterialLocation: Component = annex(2, "Component (cathode, anode, electrolyte...)")
    isCriticalRawMaterial: StrictBool = annex(2, "Critical raw material")


class HazardousSubstanceRecord(StrictModel):
    hazardousSubstanceName: NonEmptyStr = annex(1, "Substance name")
    hazardousSubstanceIdentifier: CasNumber | None = annex(1, "CAS Registry Number", default=None)
    hazardousSubstanceClass: NonEmptyStr = annex(1, "CLP hazard class and category")
    hazardousSubstanceLocation: Component = annex(1, "Component containing it")


class MaterialComposition(StrictModel):
    batteryChemistry: BatteryChemistry = annex(1, "Chemistry (Annex VI Part A 7)", data_point=12)
    criticalRawMaterials: list[NonEmptyStr] = annex(
        1, "Critical raw materials present above 0.1 % w/w (Annex VI Part A 10), as the EU list (Reg. (EU) 2024/1252) "
        "names them, derived from the composition", data_point=15
    )
    batteryMaterials: list[BatteryMaterial] = annex(
        2, "Detailed composition: cathode, anode, electrolyte (Annex XIII 2(a))", data_point=45, min_length=1
    )
    hazardousSubstances: list[HazardousSubstanceRecord] = annex(
        1, "Hazardous substances (Annex VI Part A 8)", data_point=13, default=[]
    )


class RecycledContentShare(StrictModel):
    recycledMaterial: Literal["cobalt", "lithium", "nickel", "lead"] = annex(1, "Material (Art. 8)")
    preConsumerShare: Percent = annex(1, "Pre-consumer recycled share in %")
    postConsumerShare: Percent = annex(1, "Post-consumer recycled share in %")


class SparePartSupplier(StrictModel):
    nameOfSupplier: NonEmptyStr = annex(2, "Supplier of spare parts (Annex XIII 2(b))")
    supplierWebAddress: WebUrl | None = annex(2, "Supplier web address", default=None)
    emailAddressOfSupplier: Email | None = annex(2, "Supplier e-mail address", default=None)


class WasteInformation(StrictModel):
    wastePrevention: WebUrl | None = annex(
        1, "End users' role in waste prevention: longer use, re-use, repurposing, remanufacturing (Art. 74(1))", data_point=43, default=None
    )
    separateCollection: WebUrl | None = annex(
        1, "End users' role in the separate collection of waste batteries (Art. 74(1))", data_point=43, default=None
    )
    collectionPoints: WebUrl | None = annex(
        1, "Separate collection, take-back and collection points, treatment available (Art. 74(1))", data_point=43, default=None
    )


class ComponentPartNumber(StrictModel):
    component: NonEmptyStr = annex(2, "Component")
    partNumber: NonEmptyStr = annex(2, "Part number")


class Circularity(StrictModel):
    recycledContent: list[RecycledContentShare] = annex(1, "Recycled content (Art. 8)", data_point=(20, 21, 22, 23), default=[])
    renewableContent: Percent | None = annex(1, "Renewable content in %", data_point=24, default=None)
    dismantlingAndRemovalInformation: WebUrl | None = annex(
        2, "Dismantling information (Annex XIII 2(c))", data_point=48, default=None
    )
    sparePartSources: list[SparePartSupplier] = annex(2, "Spare-part sources (Annex XIII 2(b))", data_point=47, default=[])
    componentPartNumbers: list[ComponentPartNumber] = annex(
        2, "Part numbers for components (Annex XIII 2(b))", data_point=46, default=[]
    )
    safetyMeasures: WebUrl | None = annex(2, "Safety measures (Annex XIII 2(d))", data_point=49, default=None)
    extinguishingAgent: list[NonEmptyStr] = annex(1, "Usable extinguishing agent (Annex VI Part A 9)", data_point=14)
    endOfLifeInformation: WebUrl | None = annex(
        1, "Waste prevention and collection information (Art. 74)", data_point=43, default=None
    )
    wasteInformation: WasteInformation | None = annex(1, "The Art. 74(1) items one by one", data_point=43, default=None)


class ResistanceValue(StrictModel):
    batteryComponent: Literal["cell", "pack"] = annex(1, "Level at which it is measured")
    ohmicResistance: PositiveNumber = annex(1, "Initial internal resistance in ohm")


class TemperatureRangeIdle(StrictModel):
    minimum: Number = annex(1, "Lower idle temperature limit in degrees C")
    maximum: Number = annex(1, "Upper idle temperature limit in degrees C")


class PowerLimits(StrictModel):
    maximumDischargePower: PositiveNumber = annex(1, "Maximum discharge power in W")
    maximumChargePower: PositiveNumber = annex(1, "Maximum charge power in W")
    temperatureRange: TemperatureRangeIdle | None = annex(1, "Temperature range the limits hold for, when relevant", default=None)


class BatteryTechnicalProperties(StrictModel):
    ratedCapacity: PositiveNumber | None = annex(1, "Rated capacity in Ah", data_point=(11, 25, 51), default=None)
    nominalVoltage: PositiveNumber | None = annex(1, "Nominal voltage in V", data_point=27, default=None)
    minimumVoltage: PositiveNumber | None = annex(1, "Minimum voltage in V", data_point=26, default=None)
    maximumVoltage: PositiveNumber | None = annex(1, "Maximum voltage in V", data_point=28, default=None)
    ratedEnergy: PositiveNumber = annex(1, "Rated energy in kWh (stated, or Ah x V)", data_point=11, le=1e6)
    originalPowerCapability: PositiveNumber | None = annex(1, "Original power capability in W", data_point=29, default=None)
    powerLimits: PowerLimits | None = annex(1, "Power limits, with temperature range", data_point=30, default=None)
    expectedLifetime: Count | None = annex(1, "Expected lifetime in cycles", data_point=(31, 59), default=None)
    cycleLifeReferenceTest: NonEmptyStr | None = annex(
        1, "Reference test of the expected lifetime in cycles", data_point=32, default=None
    )
    cycleLifeCRate: PositiveNumber | None = annex(1, "C-rate of the cycle-life test", data_point=39, default=None)
    expectedLifetimeYears: PositiveNumber | None = annex(
        4, "Expected lifetime in calendar years under reference conditions", data_point=60, default=None
    )
    capacityThresholdForExhaustion: Percent | None = annex(
        1, "Capacity threshold for exhaustion in % (EV)", data_point=33, default=None
    )
    initialRoundTripEfficiency: Percent | None = annex(
        1, "Initial round-trip energy efficiency in %", data_point=36, default=None
    )
    roundTripEfficiencyAt50PercentCycleLife: Percent | None = annex(
        1, "Round-trip energy efficiency at 50 % of cycle life in %", data_point=37, default=None
    )
    initialInternalResistance: list[ResistanceValue] = annex(1, "Initial internal resistance", data_point=38, default=[])
    temperatureRangeIdleState: TemperatureRangeIdle | None = annex(
        1, "Idle-state temperature range", data_point=34, default=None
    )


class PerformanceAndDurability(StrictModel):
    batteryTechnicalProperties: BatteryTechnicalProperties = annex(1, "Performance and durability at placing on market")
    batteryCondition: BatteryCondition | None = annex(
        4, "The battery's condition: at placing on the market, then at each update (data points 51-71)", default=None
    )


class Markings(StrictModel):
    separateCollectionSymbol: StrictBool = annex(1, "Separate-collection symbol (Art. 13(4))", data_point=40)
    cadmiumSymbol: StrictBool = annex(1, "Cadmium symbol 'Cd' (Art. 13(5))", data_point=41)
    leadSymbol: StrictBool = annex(1, "Lead symbol 'Pb' (Art. 13(5))", data_point=41)
    meaningOfLabels: WebUrl | None = annex(1, "Meaning of the labels and symbols", data_point=40, default=None)


class LabelsAndConformity(StrictModel):
    declarationOfConformity: WebUrl | None = annex(1, "EU declaration of conformity (Art. 18)", data_point=42, default=None)
    declarationOfConformityIdentifier: NonEmptyStr | None = annex(
        1, "Identification number of the EU declaration of conformity", data_point=42, default=None
    )
    markings: Markings | None = annex(1, "Markings on the battery and their meaning (Art. 13(4), (5))", default=None)
    resultOfTestReport: WebUrl | None = annex(3, "Test reports proving compliance (Annex XIII 3)", data_point=50, default=None)


class Passport(StrictModel):
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

    @property
    def responsible_operator(self) -> str:
        """The identifier of the operator responsible for this version (Art. 77(4)): the one it
        names, else the manufacturer."""
        general = self.generalProductInformation
        return (general.responsibleOperator or general.manufacturerInformation).identifier
