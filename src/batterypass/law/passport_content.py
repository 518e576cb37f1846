"""Check the content of a passport someone else issued: the model, then what must add up.

A verifier cannot re-run the build rules (it has no build data), but it can hold a received
passport to the passport model and to the consistency of its derived values.

An audience view (Art. 77(2)) is held to the same, for what its audience may see: it must not
hold a field its audience may not see (:func:`~batterypass.model.views.disclosure_problems`), and
it is not refused for lacking those fields, which it leaves out by design.
"""

from __future__ import annotations

from typing import Any

from . import checks, identifiers, rules
from .acts import ActsTable
from ..errors import InvalidInputError, Problem
from ..model.access import Access
from ..model.build_data import ATTRIBUTED_MODELS
from ..model.passport import Passport
from ..model.validation import validate_model
from ..model.views import disclosure_problems, passport_view_model, visible_to

_SUBJECT = "$.credentialSubject"


def _iso15459_conformant(identifier: str, serial: str) -> bool:
    """Whether ``identifier`` is an agency code and company number followed by ``serial``."""
    prefix = identifier.removesuffix(serial)
    if prefix == identifier:
        return False
    # A digit is a GS1 agency code; otherwise the code has 2 or 3 letters: either split may be the one.
    lengths = (1,) if prefix[:1].isdigit() else (2, 3)
    return any(identifiers.iso15459_problem(prefix[:n], prefix[n:], serial) is None for n in lengths)


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
        expected = identifiers.battery_identifier(general.serialNumber, general.gtin)
        if general.batteryIdentifier != expected:
            found.append(Problem(f"{_SUBJECT}.generalProductInformation.batteryIdentifier", f"must be {expected!r}: the GTIN and serial number"))
    elif not _iso15459_conformant(general.batteryIdentifier, general.serialNumber):
        found.append(Problem(f"{_SUBJECT}.generalProductInformation.batteryIdentifier",
                             f"without a GTIN must be ISO/IEC 15459-conformant: {identifiers.ISO15459_FORM}, ending with the serial number"))
    if message := checks.category_mass_problem(general.batteryCategory, general.batteryMass):
        found.append(Problem(f"{_SUBJECT}.generalProductInformation.batteryCategory", message))
    if footprint := passport.carbonFootprint:
        computed = checks.footprint_total(stage.carbonFootprint for stage in footprint.carbonFootprintPerLifecycleStage)
        if message := checks.stated_total_problem(footprint.batteryCarbonFootprint, computed):
            found.append(Problem(f"{_SUBJECT}.carbonFootprint.batteryCarbonFootprint", message))
    if passport.supplyChainDueDiligence:
        origin, untraced = passport.supplyChainDueDiligence.rawMaterialOrigin, passport.supplyChainDueDiligence.untracedShares
        shares = checks.share_problems([(s.material, s.sharePercent) for s in origin], [(u.material, u.sharePercent) for u in untraced])
        for where, message in shares.items():
            found.append(Problem(f"{_SUBJECT}.supplyChainDueDiligence.{where}.sharePercent", message))
        for i, source in enumerate(origin):
            expected = "attributed" if source.chainOfCustodyModel in ATTRIBUTED_MODELS else "physical"
            if source.attribution != expected:
                found.append(Problem(f"{_SUBJECT}.supplyChainDueDiligence.rawMaterialOrigin[{i}].attribution",
                                     f"must be {expected!r} under {source.chainOfCustodyModel}"))
    if passport.circularity:
        for i, share in enumerate(passport.circularity.recycledContent):
            if message := checks.recycled_share_problem(share.preConsumerShare, share.postConsumerShare):
                found.append(Problem(f"{_SUBJECT}.circularity.recycledContent[{i}]", message))
    return found


class DisclosureError(InvalidInputError):
    """An audience view holds fields its audience may not see (its problems name them): a
    view that tells too much, told apart from one that is malformed."""


def check_passport_subject(
    subject: Any,
    credential_id: str | None = None,
    audience: Access | str | None = None,
    *,
    acts: ActsTable | None = None,
    bounded: bool = False,
) -> Passport:
    """Validate a received ``credentialSubject`` as a passport; raise with every problem at its path.

    The model, the consistency of derived values, then the rules: a data point the passport
    must hold for this battery on its placing-on-market date, under ``acts`` (default: the
    built-in acts table), must be there; a pending one never fails by its absence. With
    ``audience`` the subject is that audience's view: held to
    :func:`~batterypass.model.views.disclosure_problems`, validated by
    :func:`~batterypass.model.views.passport_view_model` (the result is an instance of it),
    and not refused for lacking what its audience may not see. ``bounded``: as for
    :func:`~batterypass.model.validation.validate_model`.
    """
    if audience is None:
        passport = validate_model(Passport, subject, prefix=("credentialSubject",), bounded=bounded)
    else:
        if above := disclosure_problems(subject, audience, prefix=("credentialSubject",)):
            raise DisclosureError(above)
        passport = validate_model(passport_view_model(audience), subject, prefix=("credentialSubject",), bounded=bounded)
    problems = _consistency_problems(passport, credential_id) or [
        problem
        for problem in rules.rule_problems(passport, voluntary=True, acts=acts)
        if visible_to(problem.path, audience, subject, prefix=_SUBJECT)
    ]
    if problems:
        raise InvalidInputError(problems)
    return passport


def check_bare_passport(document: Any, *, acts: ActsTable | None = None) -> Passport:
    """:func:`check_passport_subject` for a passport on its own (not in a credential): the
    problems' paths start at the passport (``$.generalProductInformation...``)."""
    try:
        return check_passport_subject(document, acts=acts)
    except InvalidInputError as exc:
        problems = [Problem("$" + p.path.removeprefix(_SUBJECT), p.message) for p in exc.problems]
        raise InvalidInputError(problems, exc.source) from None
