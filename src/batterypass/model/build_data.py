"""The input: a battery's build data, as a manufacturer's pipeline writes it.

``examples/build-data.ev.json`` in the shared reference is the canonical example and is
accepted as is. Attribute names are the JSON keys themselves (camelCase) so that the model,
the JSON Schema and the error paths all read the same. Unknown keys are rejected: a typo in a
legal declaration must not vanish silently.

Field-level checks live here (types, ranges, formats); checks that span fields or depend on
the battery's category and date live in :mod:`batterypass.rules` and
:mod:`batterypass.assemble`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictBool

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

Category = Literal["ev", "lmt", "industrial", "portable", "sli"]
BatteryStatus = Literal["original", "repurposed", "re-used", "remanufactured", "waste"]
#: The five chain-of-custody models of the IRMA Chain of Custody Standard (DESIGN 1b).
ChainOfCustody = Literal["identity preserved", "segregated", "controlled blending", "mass balance", "book and claim"]
#: Models under which an origin is attributed to the battery by bookkeeping, not physically traced.
ATTRIBUTED_MODELS = ("mass balance", "book and claim")
#: Raw materials under supply-chain due diligence (Annex X point 1).
DueDiligenceMaterial = Literal["cobalt", "natural graphite", "lithium", "nickel"]


class Chemistry(StrictModel):
    shortName: NonEmptyStr = Field(description="Short chemistry name, e.g. NMC811, LFP")
    clearName: NonEmptyStr = Field(description="Chemistry in words")


class Iso15459Issuer(StrictModel):
    """Who issued the battery's identifier when it has no GTIN (ISO/IEC 15459)."""

    issuingAgencyCode: NonEmptyStr = Field(description="Issuing agency code in the ISO/IEC 15459 register, e.g. UN (Dun & Bradstreet)")
    companyIdentificationNumber: NonEmptyStr = Field(description="The manufacturer's number at that agency, e.g. a DUNS number")


class Battery(StrictModel):
    model: NonEmptyStr = Field(description="Battery model name")
    serialNumber: NonEmptyStr = Field(description="Serial number, unique per manufacturer and model")
    gtin: NonEmptyStr | None = Field(None, description="GS1 GTIN-8/12/13/14 of the battery model (check digit verified)")
    iso15459Issuer: Iso15459Issuer | None = Field(
        None, description="Without a GTIN: the ISO/IEC 15459 issuing agency and company number the identifier is made of"
    )
    category: Category = Field(description="Battery category under Art. 2 / Art. 3 of Regulation (EU) 2023/1542")
    rechargeable: StrictBool = Field(description="Rechargeable (secondary) battery")
    exclusivelyExternalStorage: StrictBool = Field(
        False, description="Industrial battery with exclusively external storage (Art. 7 dates differ)"
    )
    chemistry: Chemistry
    ratedCapacityAh: PositiveNumber | None = Field(None, le=1e7, description="Rated capacity in Ah")
    nominalVoltageV: PositiveNumber | None = Field(None, le=5000, description="Nominal voltage in V")
    ratedEnergyKWh: PositiveNumber | None = Field(
        None, le=1e6, description="Rated energy in kWh; derived from Ah x V when absent"
    )
    massKg: PositiveNumber = Field(le=1e6, description="Battery mass in kg")
    manufacturingDate: YearMonth = Field(description="Month (YYYY-MM) or day of manufacture")
    placedOnMarketDate: IsoDate = Field(description="Date the battery is placed on the market or put into service")
    status: BatteryStatus = Field("original", description="Battery status (Annex XIII 4)")


class Address(StrictModel):
    street: NonEmptyStr
    postalCode: NonEmptyStr
    locality: NonEmptyStr
    country: CountryCode


class Manufacturer(StrictModel):
    name: NonEmptyStr
    identifier: NonEmptyStr = Field(description="Unique operator identifier, e.g. LEI:..., EORI:..., GLN:...")
    address: Address
    email: Email
    web: WebUrl | None = None
    annualNetTurnoverEur: NonNegativeNumber | None = Field(
        None,
        description="Net turnover in EUR of the financial year before the last; under EUR 40 M the due-diligence "
        "duty does not apply (Art. 47(2)) unless the group's is above it",
    )
    groupNetTurnoverEur: NonNegativeNumber | None = Field(
        None, description="Consolidated net turnover in EUR of the group the manufacturer belongs to (Art. 47(2))"
    )


#: Economic operators that can be responsible for a passport (Art. 77(4), Art. 3).
OperatorRole = Literal[
    "manufacturer",
    "importer",
    "distributor",
    "authorised-representative",
    "mandated-operator",
    "producer",
    "producer-responsibility-organisation",
    "waste-management-operator",
]


class ResponsibleOperator(StrictModel):
    """Who is responsible for the passport (data point 2); the manufacturer when the build data names no other."""

    identifier: NonEmptyStr = Field(description="Unique operator identifier, e.g. LEI:..., EORI:...")
    name: NonEmptyStr
    role: OperatorRole
    mandateReference: NonEmptyStr | None = Field(
        None, description="Reference of the written mandate (Art. 77(4)); required for a mandated operator"
    )


class ManufacturingPlace(StrictModel):
    facilityIdentifier: NonEmptyStr | None = None
    address: Address


Component = Literal["cathode", "anode", "electrolyte", "separator", "casing", "other"]


class MaterialEntry(StrictModel):
    component: Component
    name: NonEmptyStr
    casNumber: CasNumber | None = None
    massKg: PositiveNumber = Field(le=1e6)
    critical: StrictBool = Field(description="Critical raw material (Annex VI Part A: listed when > 0.1 % w/w)")


class HazardousSubstance(StrictModel):
    name: NonEmptyStr
    casNumber: CasNumber | None = None
    hazardClass: NonEmptyStr = Field(description="CLP hazard class and category, e.g. 'Acute Tox. 3'")
    location: Component


class Facility(StrictModel):
    type: Literal["mine", "refinery", "smelter", "recycler", "processor"]
    name: NonEmptyStr
    identifier: NonEmptyStr | None = None


class Assurance(StrictModel):
    scheme: NonEmptyStr = Field(description="Independent mine-site assurance scheme, e.g. IRMA")
    level: NonEmptyStr = Field(description="Achievement level, e.g. 'IRMA 50'")
    auditReportUrl: WebUrl | None = None
    auditDate: IsoDate | None = None


class ChainOfCustodyCertificate(StrictModel):
    """A custodian's chain-of-custody certificate (voluntary)."""

    certificateId: NonEmptyStr
    certificationBody: NonEmptyStr
    scope: NonEmptyStr
    validUntil: IsoDate


class RawMaterialOrigin(StrictModel):
    material: DueDiligenceMaterial = Field(description="Raw material under due diligence (Annex X): cobalt, natural graphite, lithium, nickel")
    countryOfOrigin: CountryCode
    facility: Facility
    sharePercent: Percent = Field(description="Share of this material from this source; per material they add up to 100")
    chainOfCustody: ChainOfCustody = Field(description="Mass balance and book and claim attribute origin; they do not trace it physically")
    chainOfCustodyCertificate: ChainOfCustodyCertificate | None = None
    assurance: Assurance | None = None


class UntracedShare(StrictModel):
    material: DueDiligenceMaterial
    sharePercent: Percent = Field(description="Share of this material whose origin is not traced")


class Materials(StrictModel):
    composition: list[MaterialEntry] = Field(min_length=1)
    hazardousSubstances: list[HazardousSubstance] | None = Field(
        None, description="Hazardous substances (data point 13): [] states that the battery holds none"
    )
    rawMaterialOrigin: list[RawMaterialOrigin] = Field([], max_length=10_000)
    untracedShares: list[UntracedShare] = Field(
        [], max_length=10, description="Per material, the share whose origin is not traced (origin and untraced shares add up to 100 %)"
    )


class LifecycleStages(StrictModel):
    """kg CO2e per kWh by life-cycle stage (Art. 7(1), Annex II); end of life may be negative (credits)."""

    rawMaterialAcquisition: Number = Field(ge=-1e4, le=1e4)
    mainProduction: Number = Field(ge=-1e4, le=1e4)
    distribution: Number = Field(ge=-1e4, le=1e4)
    endOfLifeAndRecycling: Number = Field(ge=-1e4, le=1e4)


class CarbonFootprintInput(StrictModel):
    kgCO2ePerKWhByLifecycleStage: LifecycleStages
    totalKgCO2ePerKWh: Number | None = Field(
        None, description="Optional stated total; checked against the sum of the stages (0.5 % tolerance)"
    )
    performanceClass: NonEmptyStr | None = Field(
        None, description="Carbon-footprint performance class: an opaque label (Art. 7(2) defines no letters yet)"
    )
    performanceClassMethodology: NonEmptyStr | None = Field(
        None, description="Reference of the methodology (delegated act) the class was computed under"
    )
    absoluteKgCO2e: NonNegativeNumber | None = Field(None, le=1e9, description="Absolute carbon footprint of the battery in kg CO2e")
    studyUrl: WebUrl
    declarationId: NonEmptyStr | None = Field(None, description="Identification number of the CF declaration")


class ThirdPartyVerification(StrictModel):
    body: NonEmptyStr
    reference: NonEmptyStr
    date: IsoDate


RiskCategory = Literal[
    "human rights", "child labour", "forced labour", "environment", "biodiversity",
    "indigenous peoples' rights (free, prior and informed consent)", "community impacts",
    "corruption", "health and safety", "other",
]
RiskSeverity = Literal["low", "medium", "high", "severe"]
RiskStatus = Literal["open", "mitigated", "closed"]


class RiskFinding(StrictModel):
    material: DueDiligenceMaterial
    riskCategory: RiskCategory
    finding: NonEmptyStr
    mitigation: NonEmptyStr | None = None
    severity: RiskSeverity | None = None
    status: RiskStatus | None = None
    date: IsoDate | None = Field(None, description="When the finding was made or last reviewed")


class DueDiligenceInput(StrictModel):
    policyUrl: WebUrl | None = None
    reportUrl: WebUrl = Field(description="Public due-diligence report (Art. 52(3))")
    thirdPartyVerification: ThirdPartyVerification | None = Field(
        None, description="The notified body's verification of the due-diligence policy (Art. 48(3), Art. 51)"
    )
    thirdPartyAssurancesUrl: WebUrl | None = Field(
        None, description="Third-party supply-chain assurances, e.g. certifications of recognised schemes (Battery Pass 1.2 thirdPartyAssurances)"
    )
    riskAssessment: list[RiskFinding] = Field([], max_length=10_000)


class RecycledContent(StrictModel):
    material: Literal["cobalt", "lithium", "nickel", "lead"]
    preConsumerPercent: Percent
    postConsumerPercent: Percent


class SparePartSource(StrictModel):
    name: NonEmptyStr
    web: WebUrl | None = None
    email: Email | None = None


class ComponentPartNumber(StrictModel):
    component: NonEmptyStr
    partNumber: NonEmptyStr


class WasteInformation(StrictModel):
    """Art. 74(1) information on waste batteries, item by item (data point 43)."""

    wastePreventionUrl: WebUrl | None = Field(None, description="End users' role in waste prevention: longer use, re-use, repurposing, remanufacturing")
    separateCollectionUrl: WebUrl | None = Field(None, description="End users' role in the separate collection of waste batteries")
    collectionPointsUrl: WebUrl | None = Field(None, description="Separate collection, take-back and collection points, treatment available")


class CircularityInput(StrictModel):
    recycledContent: list[RecycledContent] = []
    renewableContentPercent: Percent | None = None
    dismantlingInformationUrl: WebUrl | None = None
    sparePartSources: list[SparePartSource] = []
    extinguishingAgent: list[NonEmptyStr] = Field(min_length=1)
    endOfLifeInformationUrl: WebUrl | None = None
    wasteInformation: WasteInformation | None = Field(None, description="The Art. 74(1) items one by one, besides endOfLifeInformationUrl")
    componentPartNumbers: list[ComponentPartNumber] = Field([], max_length=10_000, description="Part numbers for components (data point 46)")
    safetyMeasuresUrl: WebUrl | None = Field(None, description="Safety measures (data point 49)")


class InternalResistance(StrictModel):
    cell: PositiveNumber | None = Field(None, le=1e3)
    pack: PositiveNumber | None = Field(None, le=1e3)


class TemperatureRange(StrictModel):
    min: Number = Field(ge=-100, le=200)
    max: Number = Field(ge=-100, le=200)


class PowerLimits(StrictModel):
    maxDischargePowerW: PositiveNumber = Field(le=1e9)
    maxChargePowerW: PositiveNumber = Field(le=1e9)
    temperatureRangeC: TemperatureRange | None = Field(None, description="Temperature range the limits hold for, when relevant")


class PerformanceInput(StrictModel):
    minimumVoltageV: PositiveNumber | None = Field(None, le=5000)
    maximumVoltageV: PositiveNumber | None = Field(None, le=5000)
    originalPowerCapabilityW: PositiveNumber | None = Field(None, le=1e9)
    expectedLifetimeCycles: Count | None = Field(None, le=10_000_000)
    capacityThresholdForExhaustionPercent: Percent | None = None
    initialRoundTripEfficiencyPercent: Percent | None = None
    internalResistanceOhm: InternalResistance | None = None
    idleTemperatureRangeC: TemperatureRange | None = None
    commercialWarrantyYears: Count | None = Field(None, le=100)
    powerLimits: PowerLimits | None = Field(None, description="Power limits (data point 30)")
    cycleLifeReferenceTest: NonEmptyStr | None = Field(None, description="Reference test of the expected lifetime in cycles (data point 32)")
    cycleLifeCRate: PositiveNumber | None = Field(None, le=1000, description="C-rate of the cycle-life test (data point 39)")
    roundTripEfficiencyAt50PercentCycleLifePercent: Percent | None = Field(None, description="Data point 37")
    expectedLifetimeYears: PositiveNumber | None = Field(None, le=200, description="Expected lifetime in calendar years (data point 60)")
    selfDischargeRatePercentPerMonth: NonNegativeNumber | None = Field(
        None, le=100, description="Initial self-discharge rate in % per month (data point 65; LMT and industrial)"
    )


class Markings(StrictModel):
    """The markings of Art. 13(4) and 13(5) on the battery, and what they mean (data points 40, 41)."""

    separateCollectionSymbol: StrictBool = Field(description="The crossed-out wheeled bin of Art. 13(4)")
    cadmiumSymbol: StrictBool = Field(description="'Cd' under the bin: more than 0.002 % cadmium (Art. 13(5))")
    leadSymbol: StrictBool = Field(description="'Pb' under the bin: more than 0.004 % lead (Art. 13(5))")
    meaningOfLabelsUrl: WebUrl | None = Field(None, description="Explanation of the labels and symbols")


class ConformityInput(StrictModel):
    declarationOfConformityUrl: WebUrl
    testReportsUrl: WebUrl | None = None
    declarationOfConformityId: NonEmptyStr | None = Field(None, description="Identification number of the EU declaration of conformity")
    markings: Markings | None = None


class PassportOptions(StrictModel):
    """Settings for the passport itself (additions to the user's format, all optional)."""

    resolverUrl: WebUrl | None = Field(None, description="HTTPS base of the resolver the QR code points to")
    voluntaryDataAudience: Literal["legitimate-interest", "public"] = Field(
        "legitimate-interest", description="Who sees the voluntary sourcing data (origin, sites, assurance, risk findings)"
    )


class BuildData(StrictModel):
    """One battery's build data: everything batterypass needs to assemble its passport."""

    battery: Battery
    manufacturer: Manufacturer
    responsibleOperator: ResponsibleOperator | None = Field(
        None, description="Operator responsible for the passport (data point 2); default: the manufacturer"
    )
    manufacturingPlace: ManufacturingPlace
    materials: Materials | None = None
    carbonFootprint: CarbonFootprintInput | None = None
    dueDiligence: DueDiligenceInput | None = None
    circularity: CircularityInput | None = None
    performance: PerformanceInput | None = None
    conformity: ConformityInput | None = None
    passport: PassportOptions | None = None
