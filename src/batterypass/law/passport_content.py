"""Check the content of a passport someone else issued: the model, then what must add up.

A verifier cannot re-run the build rules (it has no build data), but it can hold a received
passport to the passport model and to the consistency of its derived values.
"""

from __future__ import annotations

from typing import Any

from . import checks, identifiers, rules
from ..errors import InvalidInputError, Problem
from ..model.passport import Passport
from ..model.validation import validate_model

_SUBJECT = "$.credentialSubject"


def _consistency_problems(passport: Passport, credential_id: str | None) -> list[Problem]:
    found = []
    general = passport.generalProductInformation
    expected_id = identifiers.version_credential_id(passport.id, passport.version)
    if credential_id is not None and credential_id != expected_id:
        found.append(Problem(f"{_SUBJECT}.id", f"the credential id of version {passport.version} of {passport.id!r} is {expected_id!r}, not {credential_id!r}"))
    if general.batteryPassportIdentifier != passport.id:
        found.append(Problem(f"{_SUBJECT}.generalProductInformation.batteryPassportIdentifier", "differs from the passport id"))
    if general.passportUrl and (message := identifiers.resolver_problem(general.passportUrl)):
        found.append(Problem(f"{_SUBJECT}.generalProductInformation.passportUrl", f"the QR link {message}"))
    if general.gtin and (message := identifiers.gtin_problem(general.gtin)):
        found.append(Problem(f"{_SUBJECT}.generalProductInformation.gtin", message))
    elif general.gtin:
        expected = identifiers.battery_identifier(general.manufacturerInformation.identifier, general.serialNumber, general.gtin)
        if general.batteryIdentifier != expected:
            found.append(Problem(f"{_SUBJECT}.generalProductInformation.batteryIdentifier", f"must be {expected!r}: the GTIN and serial number"))
    if footprint := passport.carbonFootprint:
        computed = checks.footprint_total(stage.carbonFootprint for stage in footprint.carbonFootprintPerLifecycleStage)
        if message := checks.stated_total_problem(footprint.batteryCarbonFootprint, computed):
            found.append(Problem(f"{_SUBJECT}.carbonFootprint.batteryCarbonFootprint", message))
    if passport.supplyChainDueDiligence:
        origin = passport.supplyChainDueDiligence.rawMaterialOrigin
        for first, message in checks.share_problems((s.material, s.sharePercent) for s in origin).items():
            found.append(Problem(f"{_SUBJECT}.supplyChainDueDiligence.rawMaterialOrigin[{first}].sharePercent", message))
    if passport.circularity:
        for i, share in enumerate(passport.circularity.recycledContent):
            if message := checks.recycled_share_problem(share.preConsumerShare, share.postConsumerShare):
                found.append(Problem(f"{_SUBJECT}.circularity.recycledContent[{i}]", message))
    return found


def check_passport_subject(subject: Any, credential_id: str | None = None) -> Passport:
    """Validate a received ``credentialSubject`` as a passport; raise with every problem at its path.

    The model, the consistency of derived values, then the rules: a section the Regulation
    requires for this battery on its placing-on-market date must be there.
    """
    passport = validate_model(Passport, subject, prefix=("credentialSubject",))
    problems = _consistency_problems(passport, credential_id) or rules.rule_problems(passport, voluntary=True)
    if problems:
        raise InvalidInputError(problems)
    return passport
