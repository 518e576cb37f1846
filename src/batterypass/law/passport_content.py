"""Check the content of a passport someone else issued: the model, then what must add up.

A verifier cannot re-run the build rules (it has no build data), but it can hold a received
passport to the passport model and to the consistency of its derived values.

An audience view (Art. 77(2)) is held to the same, for what its audience may see: it must not
hold a field of an Annex XIII point its audience may not see (:func:`audience_problems`), and
it is not refused for lacking those fields, which it leaves out by design.
"""

from __future__ import annotations

from typing import Any

from . import checks, identifiers, rules
from ..errors import InvalidInputError, Problem
from ..model.access import Access
from ..model.passport import Passport
from ..model.validation import validate_model
from ..model.views import fields_above, passport_view_model, visible_to

_SUBJECT = "$.credentialSubject"


def _consistency_problems(passport: Passport, credential_id: str | None) -> list[Problem]:
    found = []
    general = passport.generalProductInformation
    if credential_id is not None and passport.id != credential_id:
        found.append(Problem(f"{_SUBJECT}.id", f"{passport.id!r} is not the credential id {credential_id!r}"))
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


_AUDIENCE_WORDS = {
    Access.PUBLIC: "a public view",
    Access.LEGITIMATE_INTEREST: "a legitimate-interest view",
    Access.AUTHORITY: "an authority view",
}


def audience_problems(subject: Any, audience: Access | str) -> list[Problem]:
    """A problem for every field of a view's ``credentialSubject`` that its ``audience`` may not see."""
    audience = Access(audience)
    return [
        Problem(path, f"point {point} data in {_AUDIENCE_WORDS[audience]}")
        for path, point in fields_above(subject, audience, prefix=("credentialSubject",))
    ]


def check_passport_subject(subject: Any, credential_id: str | None = None, audience: Access | str | None = None) -> Passport:
    """Validate a received ``credentialSubject`` as a passport; raise with every problem at its path.

    The model, the consistency of derived values, then the rules: a section the Regulation
    requires for this battery on its placing-on-market date must be there. With ``audience``
    the subject is that audience's view: held to :func:`audience_problems`, validated by
    :func:`~batterypass.model.views.passport_view_model` (the result is an instance of it),
    and not refused for lacking what its audience may not see.
    """
    if audience is None:
        passport = validate_model(Passport, subject, prefix=("credentialSubject",))
    else:
        if above := audience_problems(subject, audience):
            raise InvalidInputError(above)
        passport = validate_model(passport_view_model(audience), subject, prefix=("credentialSubject",))
    problems = _consistency_problems(passport, credential_id) or [
        problem
        for problem in rules.rule_problems(passport, voluntary=True)
        if visible_to(problem.path, audience, prefix=_SUBJECT)
    ]
    if problems:
        raise InvalidInputError(problems)
    return passport
