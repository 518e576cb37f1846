"""Build data -> passport: decide, check, derive, identify.

:func:`build_passport` is the whole of it: validate the build data against the model,
decide whether Art. 77(1) asks for a passport, check what spans fields and what the rules
require, compute what is derived (capacity, carbon-footprint total, identifiers) and return a
validated :class:`~batterypass.model.passport.Passport`. Every problem found is reported at
once, at its build-data path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Any

from ..law import checks, identifiers, rules
from ..law.critical_raw_materials import critical_raw_materials
from ..law.acts import ActsTable
from ..errors import InvalidInputError, PassportNotRequiredError, Problem
from ..model.build_data import ATTRIBUTED_MODELS, Address, BuildData
from ..model.data_points import DATA_POINTS
from ..model.passport import Passport
from ..model.types import MAX_URL_CHARS
from ..model.validation import validate_model


#: Build-data input path -> the data points it carries, to name them in problems.
_INPUT_DATA_POINTS = {
    f"$.{path}": [row.number for row in DATA_POINTS.values() if row.same_as is None and any(c.input == path for c in row.carriers)]
    for path in {c.input for row in DATA_POINTS.values() for c in row.carriers if c.input}
}


def parse_build_data(data: Any, source: str | None = None) -> BuildData:
    """Validate raw JSON data as :class:`BuildData`; every problem at once, with its path (and,
    for a missing input, the data point(s) it carries)."""
    try:
        return validate_model(BuildData, data, source)
    except InvalidInputError as exc:
        raise InvalidInputError([_naming_data_points(p) for p in exc.problems], source) from None


def _naming_data_points(problem: Problem) -> Problem:
    numbers = _INPUT_DATA_POINTS.get(problem.path)
    if not numbers or problem.message != "is required":
        return problem
    named = ", ".join(f"data point {n} ({DATA_POINTS[n].name})" for n in numbers)
    return Problem(problem.path, f"{problem.message} [{named}]")


def _cross_field_problems(build: BuildData, today: date) -> list[Problem]:
    found: list[Problem] = []

    def check(path: str, message: str | None) -> None:
        if message:
            found.append(Problem(path, message))

    battery = build.battery
    if battery.gtin is not None:
        check("$.battery.gtin", identifiers.gtin_problem(battery.gtin))
        check("$.battery.serialNumber", identifiers.serial_problem(battery.serialNumber))
    elif issuer := battery.iso15459Issuer:
        check("$.battery.iso15459Issuer",
              identifiers.iso15459_problem(issuer.issuingAgencyCode, issuer.companyIdentificationNumber, battery.serialNumber))
    else:
        found.append(Problem("$.battery.iso15459Issuer", (
            "is required without a GTIN: the battery identifier must be ISO/IEC 15459-conformant, "
            f"{identifiers.ISO15459_FORM}; give issuingAgencyCode and companyIdentificationNumber (or a GTIN)"
        )))
    # ISO dates compare as text; a month-only date is compared at month precision.
    if battery.manufacturingDate > battery.placedOnMarketDate.isoformat()[: len(battery.manufacturingDate)]:
        found.append(Problem("$.battery.manufacturingDate", f"{battery.manufacturingDate} is after placedOnMarketDate {battery.placedOnMarketDate}"))
    check("$.battery.category", checks.category_mass_problem(battery.category, battery.massKg))
    if not checks.serial_format_ok(battery.serialNumber):
        found.append(Problem("$.battery.serialNumber", "must not contain control characters or surrounding blanks"))
    try:
        rules.capacity_kwh(build)
    except InvalidInputError as exc:
        found += exc.problems

    if build.materials:
        origin, untraced = build.materials.rawMaterialOrigin, build.materials.untracedShares
        shares = checks.share_problems([(e.material, e.sharePercent) for e in origin], [(u.material, u.sharePercent) for u in untraced])
        for where, message in shares.items():
            found.append(Problem(f"$.materials.{where}.sharePercent", message))
        for i, entry in enumerate(origin):
            if entry.chainOfCustodyCertificate:
                check(f"$.materials.rawMaterialOrigin[{i}].chainOfCustodyCertificate.validUntil",
                      checks.expired_problem(entry.chainOfCustodyCertificate.validUntil, today))
            if entry.assurance:
                path = f"$.materials.rawMaterialOrigin[{i}].assurance"
                check(f"{path}.level", checks.assurance_level_problem(entry.assurance.scheme, entry.assurance.level))
                if entry.assurance.auditDate:
                    check(f"{path}.auditDate", checks.past_date_problem(entry.assurance.auditDate, today))
        mass = sum(entry.massKg for entry in build.materials.composition)
        if mass > battery.massKg:
            found.append(Problem("$.materials.composition", f"materials weigh {mass:g} kg, more than the battery's {battery.massKg:g} kg"))

    operator = build.responsibleOperator
    if operator and operator.role == "mandated-operator" and operator.mandateReference is None:
        found.append(Problem("$.responsibleOperator.mandateReference", "is required for an operator mandated in writing (Art. 77(4))"))

    if build.carbonFootprint and build.carbonFootprint.totalKgCO2ePerKWh is not None:
        computed = checks.footprint_total(build.carbonFootprint.kgCO2ePerKWhByLifecycleStage.model_dump().values())
        check("$.carbonFootprint.totalKgCO2ePerKWh", checks.stated_total_problem(build.carbonFootprint.totalKgCO2ePerKWh, computed))

    if build.dueDiligence and build.dueDiligence.thirdPartyVerification:
        check("$.dueDiligence.thirdPartyVerification.date",
              checks.past_date_problem(build.dueDiligence.thirdPartyVerification.date, today))

    if build.circularity:
        for i, share in enumerate(build.circularity.recycledContent):
            check(f"$.circularity.recycledContent[{i}]", checks.recycled_share_problem(share.preConsumerPercent, share.postConsumerPercent))

    if build.performance:
        perf = build.performance
        if perf.idleTemperatureRangeC:
            check("$.performance.idleTemperatureRangeC",
                  checks.range_problem(perf.idleTemperatureRangeC.min, perf.idleTemperatureRangeC.max, "idle temperature"))
        if perf.minimumVoltageV is not None and perf.maximumVoltageV is not None:
            check("$.performance.minimumVoltageV", checks.range_problem(perf.minimumVoltageV, perf.maximumVoltageV, "voltage"))
        if perf.powerLimits and perf.powerLimits.temperatureRangeC:
            limits = perf.powerLimits.temperatureRangeC
            check("$.performance.powerLimits.temperatureRangeC", checks.range_problem(limits.min, limits.max, "power-limit temperature"))
    return found


def check_build_data(
    build: BuildData,
    *,
    voluntary: bool = False,
    today: date | None = None,
    resolver: str | None = None,
    acts: ActsTable | None = None,
) -> list[Problem]:
    """Every problem with already-parsed build data: cross-field checks, then what the rules require.

    With ``voluntary``, what every passport must hold is required even where Art. 77(1) asks
    for no passport. ``resolver`` is a ``--resolver`` override of the QR link's base;
    ``acts`` the acts table the dates are judged under (default: the built-in one).
    """
    return _checked(build, voluntary, today, resolver, acts)[1]


def _checked(
    build: BuildData, voluntary: bool, today: date | None, resolver: str | None, acts: ActsTable | None
) -> tuple[str | None, list[Problem]]:
    """:func:`check_build_data`'s problems, with the QR link's base it found on the way."""
    base, found = qr_resolver(build, resolver)
    found = _cross_field_problems(build, today or date.today()) + found
    if found:
        # The rules need a sound capacity and dates; judging them on broken data only adds noise.
        return base, found
    return base, rules.rule_problems(build, voluntary, acts=acts, today=today)


def qr_resolver(build: BuildData, override: str | None) -> tuple[str | None, list[Problem]]:
    """The resolver base for the QR link: ``override`` (``--resolver``), else the build data's
    ``passport.resolverUrl``, else the manufacturer's web address if it can be one.

    An explicit choice that cannot be a resolver is a problem; a web address that cannot
    (plain http, a query, a link too long for ``passportUrl``) is passed over, and the passport
    then has no link.
    """
    for value, origin in ((override, "--resolver"), (build.passport and build.passport.resolverUrl, "$.passport.resolverUrl")):
        if value:
            problem = identifiers.resolver_problem(value) or _link_problem(build, value)
            return (None, [Problem(origin, f"resolver base {problem}")]) if problem else (value, [])
    web = build.manufacturer.web
    return (web if web and not identifiers.resolver_problem(web) and not _link_problem(build, web) else None), []


def _link_problem(build: BuildData, resolver: str) -> str | None:
    """Why the QR link ``resolver`` gives this battery cannot be its ``passportUrl``: the base
    alone may fit the build data's URL limit while the link it grows into does not."""
    battery = build.battery
    if battery.gtin and identifiers.gtin_problem(battery.gtin):
        return None  # the GTIN's own problem is reported, and there is no link to measure
    link = identifiers.qr_link(
        resolver, identifiers.passport_id(build.manufacturer.identifier, battery.serialNumber, battery.gtin),
        battery.gtin, battery.serialNumber,
    )
    if len(link) > MAX_URL_CHARS:
        return f"gives a QR link of {len(link)} characters for this battery, over the {MAX_URL_CHARS} a passportUrl may have"
    return None


def _address(address: Address) -> dict[str, Any]:
    return {
        "streetAddress": address.street,
        "postalCode": address.postalCode,
        "addressLocality": address.locality,
        "addressCountry": address.country,
    }


def _assemble(build: BuildData, voluntary: bool, resolver: str | None) -> Passport:
    """The passport, written as plain data under the model's field names and validated once
    as a whole (one validation of the tree costs less than building its fifty-odd models one
    constructor at a time)."""
    battery, maker = build.battery, build.manufacturer
    passport_id = identifiers.passport_id(maker.identifier, battery.serialNumber, battery.gtin)
    gtin = identifiers.gtin14(battery.gtin) if battery.gtin else None
    general = {
        "batteryPassportIdentifier": passport_id,
        "batteryIdentifier": identifiers.battery_identifier(
            battery.serialNumber, battery.gtin,
            *((battery.iso15459Issuer.issuingAgencyCode, battery.iso15459Issuer.companyIdentificationNumber)
              if battery.iso15459Issuer else ()),
        ),
        "serialNumber": battery.serialNumber,
        "gtin": gtin,
        "batteryModel": battery.model,
        "batteryCategory": battery.category,
        "rechargeable": battery.rechargeable,
        "exclusivelyExternalStorage": battery.exclusivelyExternalStorage,
        "manufacturerInformation": {
            "name": maker.name,
            "identifier": maker.identifier,
            "postalAddress": _address(maker.address),
            "emailAddress": maker.email,
            "webAddress": maker.web,
        },
        "responsibleOperator": _responsible_operator(build),
        "manufacturingPlace": {
            "facilityIdentifier": build.manufacturingPlace.facilityIdentifier,
            "postalAddress": _address(build.manufacturingPlace.address),
        },
        "manufacturingDate": battery.manufacturingDate,
        "placedOnMarketDate": battery.placedOnMarketDate,
        "batteryMass": battery.massKg,
        "warrantyPeriod": build.performance.commercialWarrantyYears if build.performance else None,
        "batteryStatus": battery.status,
        "voluntary": voluntary,
        "passportUrl": identifiers.qr_link(resolver, passport_id, gtin, battery.serialNumber) if resolver else None,
    }

    footprint = None
    if cf := build.carbonFootprint:
        stages = cf.kgCO2ePerKWhByLifecycleStage.model_dump()
        footprint = {
            "batteryCarbonFootprint": checks.footprint_total(stages.values()),
            "carbonFootprintPerLifecycleStage": [
                {"lifecycleStage": name[0].upper() + name[1:], "carbonFootprint": value} for name, value in stages.items()
            ],
            "absoluteCarbonFootprint": cf.absoluteKgCO2e,
            "carbonFootprintPerformanceClass": cf.performanceClass,
            "carbonFootprintPerformanceClassMethodology": cf.performanceClassMethodology,
            "carbonFootprintStudy": cf.studyUrl,
            "declarationIdentifier": cf.declarationId,
        }

    materials = build.materials
    origin = [
        {
            "material": entry.material,
            "countryOfOrigin": entry.countryOfOrigin,
            "facility": {"facilityType": entry.facility.type, "name": entry.facility.name, "identifier": entry.facility.identifier},
            "sharePercent": entry.sharePercent,
            "chainOfCustodyModel": entry.chainOfCustody,
            "attribution": "attributed" if entry.chainOfCustody in ATTRIBUTED_MODELS else "physical",
            "chainOfCustodyCertificate": entry.chainOfCustodyCertificate.model_dump()
            if entry.chainOfCustodyCertificate
            else None,
            "assurance": {
                "scheme": entry.assurance.scheme,
                "level": entry.assurance.level,
                "auditReport": entry.assurance.auditReportUrl,
                "auditDate": entry.assurance.auditDate,
            }
            if entry.assurance
            else None,
        }
        for entry in (materials.rawMaterialOrigin if materials else [])
    ]
    untraced = [{"material": u.material, "sharePercent": u.sharePercent} for u in (materials.untracedShares if materials else [])]
    due_diligence = None
    dd = build.dueDiligence
    if dd or origin or untraced:
        # Origin data is published even when no due-diligence report is due yet: it has no other home.
        verification = dd.thirdPartyVerification if dd else None
        due_diligence = {
            "supplyChainDueDiligenceReport": dd.reportUrl if dd else None,
            "dueDiligencePolicy": dd.policyUrl if dd else None,
            "notifiedBodyVerification": {
                "body": verification.body, "reference": verification.reference, "date": verification.date
            }
            if verification
            else None,
            "thirdPartyAssurances": dd.thirdPartyAssurancesUrl if dd else None,
            "riskFindings": [r.model_dump() for r in (dd.riskAssessment if dd else [])],
            "rawMaterialOrigin": origin,
            "untracedShares": untraced,
            "voluntaryDataAudience": build.passport.voluntaryDataAudience if build.passport else "legitimate-interest",
        }

    assert materials is not None  # data point 45 requires it; a draft is assembled only with it
    composition = {
        "batteryChemistry": {"shortName": battery.chemistry.shortName, "clearName": battery.chemistry.clearName},
        "criticalRawMaterials": critical_raw_materials(((e.name, e.massKg) for e in materials.composition), battery.massKg),
        "batteryMaterials": [
            {
                "batteryMaterialName": entry.name,
                "batteryMaterialIdentifier": entry.casNumber,
                "batteryMaterialMass": entry.massKg,
                "batteryMaterialLocation": entry.component,
                "isCriticalRawMaterial": entry.critical,
            }
            for entry in materials.composition
        ],
        "hazardousSubstances": [
            {
                "hazardousSubstanceName": h.name,
                "hazardousSubstanceIdentifier": h.casNumber,
                "hazardousSubstanceClass": h.hazardClass,
                "hazardousSubstanceLocation": h.location,
            }
            for h in materials.hazardousSubstances or []
        ],
    }

    circularity = None
    if circ := build.circularity:
        circularity = {
            "recycledContent": [
                {"recycledMaterial": r.material, "preConsumerShare": r.preConsumerPercent, "postConsumerShare": r.postConsumerPercent}
                for r in circ.recycledContent
            ],
            "renewableContent": circ.renewableContentPercent,
            "dismantlingAndRemovalInformation": circ.dismantlingInformationUrl,
            "sparePartSources": [
                {"nameOfSupplier": s.name, "supplierWebAddress": s.web, "emailAddressOfSupplier": s.email}
                for s in circ.sparePartSources
            ],
            "componentPartNumbers": [{"component": p.component, "partNumber": p.partNumber} for p in circ.componentPartNumbers],
            "safetyMeasures": circ.safetyMeasuresUrl,
            "extinguishingAgent": list(circ.extinguishingAgent),
            "endOfLifeInformation": circ.endOfLifeInformationUrl,
            "wasteInformation": {
                "wastePrevention": circ.wasteInformation.wastePreventionUrl,
                "separateCollection": circ.wasteInformation.separateCollectionUrl,
                "collectionPoints": circ.wasteInformation.collectionPointsUrl,
            }
            if circ.wasteInformation
            else None,
        }

    perf = build.performance
    technical = {
        "ratedCapacity": battery.ratedCapacityAh,
        "nominalVoltage": battery.nominalVoltageV,
        "minimumVoltage": perf.minimumVoltageV if perf else None,
        "maximumVoltage": perf.maximumVoltageV if perf else None,
        "ratedEnergy": round(rules.capacity_kwh(build), 6),
        "originalPowerCapability": perf.originalPowerCapabilityW if perf else None,
        "powerLimits": {
            "maximumDischargePower": perf.powerLimits.maxDischargePowerW,
            "maximumChargePower": perf.powerLimits.maxChargePowerW,
            "temperatureRange": {
                "minimum": perf.powerLimits.temperatureRangeC.min, "maximum": perf.powerLimits.temperatureRangeC.max
            } if perf.powerLimits.temperatureRangeC else None,
        } if perf and perf.powerLimits else None,
        "expectedLifetime": perf.expectedLifetimeCycles if perf else None,
        "cycleLifeReferenceTest": perf.cycleLifeReferenceTest if perf else None,
        "cycleLifeCRate": perf.cycleLifeCRate if perf else None,
        "expectedLifetimeYears": perf.expectedLifetimeYears if perf else None,
        "capacityThresholdForExhaustion": perf.capacityThresholdForExhaustionPercent if perf else None,
        "initialRoundTripEfficiency": perf.initialRoundTripEfficiencyPercent if perf else None,
        "roundTripEfficiencyAt50PercentCycleLife": perf.roundTripEfficiencyAt50PercentCycleLifePercent if perf else None,
        "initialInternalResistance": [
            {"batteryComponent": level, "ohmicResistance": value}
            for level, value in (perf.internalResistanceOhm.model_dump().items() if perf and perf.internalResistanceOhm else [])
            if value is not None
        ],
        "temperatureRangeIdleState": {"minimum": perf.idleTemperatureRangeC.min, "maximum": perf.idleTemperatureRangeC.max}
        if perf and perf.idleTemperatureRangeC
        else None,
    }

    conformity = build.conformity
    return Passport.model_validate({
        "id": passport_id,
        "generalProductInformation": general,
        "carbonFootprint": footprint,
        "supplyChainDueDiligence": due_diligence,
        "materialComposition": composition,
        "circularity": circularity,
        "performanceAndDurability": {
            "batteryTechnicalProperties": technical, "batteryCondition": _condition_at_placing_on_market(build)
        },
        "labelsAndConformity": {
            "declarationOfConformity": conformity.declarationOfConformityUrl,
            "declarationOfConformityIdentifier": conformity.declarationOfConformityId,
            "markings": {
                "separateCollectionSymbol": conformity.markings.separateCollectionSymbol,
                "cadmiumSymbol": conformity.markings.cadmiumSymbol,
                "leadSymbol": conformity.markings.leadSymbol,
                "meaningOfLabels": conformity.markings.meaningOfLabelsUrl,
            } if conformity.markings else None,
            "resultOfTestReport": conformity.testReportsUrl,
        }
        if conformity
        else None,
    })


def _responsible_operator(build: BuildData) -> dict[str, Any]:
    """Data point 2: the operator the build data names, else the manufacturer."""
    if operator := build.responsibleOperator:
        return {
            "identifier": operator.identifier, "name": operator.name, "role": operator.role, "mandateReference": operator.mandateReference
        }
    return {"identifier": build.manufacturer.identifier, "name": build.manufacturer.name, "role": "manufacturer"}


#: batteryCondition member -> the data point it carries, to leave out what the guidance says
#: not to fill for the battery's category (SOCE outside EV, remaining capacity for EV...).
_CONDITION_DATA_POINT = {
    carrier.field.rsplit(".", 1)[1]: row
    for row in DATA_POINTS.values()
    for carrier in row.carriers
    if carrier.field.startswith("performanceAndDurability.batteryCondition.") and row.same_as is None
}


def _condition_at_placing_on_market(build: BuildData) -> dict[str, Any]:
    """Data points 51-71 at placing on the market, as far as the static data determine them:
    no fade, full certified energy, the initial capacity, power, resistance and efficiency."""
    battery, perf = build.battery, build.performance
    resistance = perf.internalResistanceOhm if perf else None
    efficiency = perf.initialRoundTripEfficiencyPercent if perf else None
    values: dict[str, Any] = {
        "stateOfCertifiedEnergyPercent": 100.0,
        "remainingCapacityAh": battery.ratedCapacityAh,
        "capacityFadePercent": 0.0,
        "remainingPowerCapabilityW": perf.originalPowerCapabilityW if perf else None,
        "powerFadePercent": 0.0,
        "internalResistanceOhm": {"cell": resistance.cell, "pack": resistance.pack} if resistance else None,
        "internalResistanceIncreasePercent": 0.0 if resistance else None,
        "roundTripEfficiencyPercent": efficiency,
        "roundTripEfficiencyFadePercent": 0.0 if efficiency is not None else None,
        "selfDischargeRatePercentPerMonth": perf.selfDischargeRatePercentPerMonth if perf else None,
        "fullCycles": 0,
    }
    return {
        "recordedAt": datetime.combine(battery.placedOnMarketDate, time(0), tzinfo=timezone.utc),
        "source": "placing-on-market",
        **condition_for_category(values, battery.category),
    }


def condition_for_category(values: dict[str, Any], category: str) -> dict[str, Any]:
    """The batteryCondition members of ``values`` the guidance says to fill for ``category``
    (members that carry no data point, recordedAt and source among them, are kept)."""
    return {
        name: value
        for name, value in values.items()
        if value is not None
        and (name not in _CONDITION_DATA_POINT or _CONDITION_DATA_POINT[name].duty(category).status != "not-to-be-filled")
    }


@dataclass(frozen=True)
class Draft:
    """An unsigned draft for a pipeline still collecting data: the passport as far as the data
    go (None when not even the material composition is there) and what is missing."""

    passport_id: str
    passport: Passport | None
    missing: list[Problem]

    def to_dict(self) -> dict[str, Any]:
        return {
            "draft": True,
            "signed": False,
            "note": "DRAFT: not a battery passport; not signed; data points are missing" if self.missing
            else "DRAFT: not signed",
            "passportId": self.passport_id,
            "missing": [problem.to_dict() for problem in self.missing],
            "passport": self.passport.model_dump(mode="json", exclude_none=True) if self.passport else None,
        }


def build_draft(
    data: BuildData | dict[str, Any],
    *,
    voluntary: bool = False,
    resolver: str | None = None,
    source: str | None = None,
    today: date | None = None,
    acts: ActsTable | None = None,
) -> Draft:
    """What :func:`build_passport` would build, with the data points it lacks listed instead of
    refused. Every other problem (a malformed value, a date after another) is still raised."""
    build = data if isinstance(data, BuildData) else parse_build_data(data, source)
    base, problems = qr_resolver(build, resolver)
    problems = _cross_field_problems(build, today or date.today()) + problems
    if problems:
        raise InvalidInputError(problems, source)
    requirement = rules.passport_requirement(build)
    if not requirement.required and not voluntary:
        raise PassportNotRequiredError(f"no battery passport required: {requirement.reason}; use --voluntary to issue one anyway")
    missing = rules.rule_problems(build, voluntary, acts=acts, today=today)
    passport = None
    if build.materials is not None:
        passport = _assemble(build, voluntary=not requirement.required, resolver=base)
    battery = build.battery
    return Draft(identifiers.passport_id(build.manufacturer.identifier, battery.serialNumber, battery.gtin), passport, missing)


def build_passport(
    data: BuildData | dict[str, Any],
    *,
    voluntary: bool = False,
    resolver: str | None = None,
    source: str | None = None,
    today: date | None = None,
    acts: ActsTable | None = None,
) -> Passport:
    """Assemble the passport for one battery.

    ``resolver`` is the HTTPS base of the battery's QR link (``passportUrl``); by default
    the build data's ``passport.resolverUrl``, else the manufacturer's web address.
    ``acts`` is the acts table dates are judged under (default: the built-in one,
    :data:`batterypass.law.acts.BUILT_IN`).

    Raises :class:`~batterypass.errors.InvalidInputError` listing every problem (with its
    build-data path), or :class:`~batterypass.errors.PassportNotRequiredError` when Art. 77(1)
    asks for no passport and ``voluntary`` is false.
    """
    build = data if isinstance(data, BuildData) else parse_build_data(data, source)
    base, problems = _checked(build, voluntary, today, resolver, acts)
    if problems:
        raise InvalidInputError(problems, source)
    requirement = rules.passport_requirement(build)
    if not requirement.required and not voluntary:
        raise PassportNotRequiredError(f"no battery passport required: {requirement.reason}; use --voluntary to issue one anyway")
    return _assemble(build, voluntary=not requirement.required, resolver=base)
