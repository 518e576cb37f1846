"""One signed credential per Annex XIII audience, so that what is published holds only what its
audience may see (Art. 77(2)).

A passport version is issued as its *full* credential, kept by the issuer and never published,
and as *views*: for each audience (``public``, ``legitimate-interest``, ``authority``) a
complete VC 2.0 credential of its own, signed like the full one, that

* holds in its ``credentialSubject`` exactly the fields the audience may see
  (:func:`batterypass.model.views.view_for`), with the same passport id;
* is the same version: every member of the full credential other than ``id``, ``type``,
  ``credentialSubject`` and the proof is copied (issuer, ``validFrom``, ``validUntil``,
  ``credentialStatus``...), so the views of a version stand or fall with it;
* states its audience by a credential type (:data:`~batterypass.securing.credential.AUDIENCE_CREDENTIAL_TYPES`,
  ``BatteryPassportPublicView``...) next to ``BatteryPassport``, which any VC verifier reads;
* has its own credential ``id``, ``urn:uuid:`` + UUIDv5 of the full credential's id and the
  audience: deterministic, so re-issuing a version never mints a second id for its view.

On disk a view is ``<stem>.<audience>.json`` beside the full credential ``<stem>.json``.
:func:`write_views` is the one place that writes them; every path that issues a passport
version (build, batch, and the later life-cycle updates) calls it before it writes the full
credential, so a full credential on disk means its views are there too.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInputError, Problem
from ..jsonio import dumps_pretty, write_atomic
from ..law.passport_content import check_passport_subject
from ..model.access import Access
from ..model.passport import Passport
from ..model.views import view_for
from ..securing.credential import (
    AUDIENCE_CREDENTIAL_TYPES,
    credential_audience,
    credential_issuer_id,
    is_passport_credential,
    passport_credential,
    utc_timestamp,
)
from ..securing.documents import credential_of

if TYPE_CHECKING:
    from datetime import datetime

    from .issuance import Signer

#: What ``--views`` offers: no views, the public one only, or one per audience.
VIEW_CHOICES: dict[str, tuple[Access, ...]] = {
    "none": (),
    "public": (Access.PUBLIC,),
    "all": (Access.PUBLIC, Access.LEGITIMATE_INTEREST, Access.AUTHORITY),
}
ALL_AUDIENCES = VIEW_CHOICES["all"]
VIEW_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://batterypass.dev/ns/view-id")
# Members a view does not take from the full credential: its own identity, and the proof.
_NOT_COPIED = frozenset({"id", "type", "credentialSubject", "proof"})


def view_credential_id(full_credential_id: str, audience: Access | str) -> str:
    """The id of the ``audience`` view of the credential ``full_credential_id``."""
    return f"urn:uuid:{uuid.uuid5(VIEW_ID_NAMESPACE, f'{full_credential_id} {Access(audience).value}')}"


def view_credential(credential: dict[str, Any], passport: Passport, audience: Access | str) -> dict[str, Any]:
    """The unsigned ``audience`` view of the unsigned full ``credential`` of ``passport``."""
    audience = Access(audience)
    types = [t for t in credential["type"] if t not in AUDIENCE_CREDENTIAL_TYPES.values()]
    view: dict[str, Any] = {
        "@context": credential["@context"],
        "type": [*types, AUDIENCE_CREDENTIAL_TYPES[audience]],
        "id": view_credential_id(credential["id"], audience),
    }
    view.update((key, value) for key, value in credential.items() if key not in view and key not in _NOT_COPIED)
    view["credentialSubject"] = view_for(passport, audience)
    return view


def issue_views(
    passport: Passport,
    signer: Signer | None,
    *,
    issued_at: datetime | None = None,
    audiences: tuple[Access, ...] = ALL_AUDIENCES,
    credential: dict[str, Any] | None = None,
) -> dict[Access, dict[str, Any]]:
    """The views of ``passport`` by audience, signed by ``signer`` (unsigned when None).

    ``credential`` is the unsigned full credential they are views of (default: the one
    :func:`~batterypass.passport_credential` makes with ``issued_at``); each view is signed
    with its ``validFrom`` as the signing time, as the full credential is.
    """
    full = credential if credential is not None else passport_credential(passport, issued_at)
    views = {}
    for audience in audiences:
        view = view_credential(full, passport, audience)
        views[Access(audience)] = signer.sign(view, created=view["validFrom"]) if signer else view
    return views


def view_path(full_credential_path: str | os.PathLike[str], audience: Access | str) -> Path:
    """``<stem>.<audience>.json`` beside the full credential ``<stem>.json``."""
    path = Path(full_credential_path)
    return path.with_name(f"{path.name.removesuffix('.json')}.{Access(audience).value}.json")


def view_file_key(audience: Access | str) -> str:
    """The name a view's file is reported under (``publicView``...), beside ``passport``."""
    words = Access(audience).value.split("-")
    return words[0] + "".join(word.capitalize() for word in words[1:]) + "View"


def write_views(
    passport: Passport,
    credential: dict[str, Any],
    full_credential_path: str | os.PathLike[str],
    *,
    signer: Signer | None,
    audiences: tuple[Access, ...] = ALL_AUDIENCES,
    durable: bool = True,
) -> dict[str, Path]:
    """Sign and write the views of one passport version beside its full credential (written
    after them by the caller); the written files by :func:`view_file_key`.

    ``credential`` is the unsigned full credential of ``passport``.
    """
    views = issue_views(passport, signer, audiences=audiences, credential=credential)
    return {
        view_file_key(audience): write_atomic(view_path(full_credential_path, audience), dumps_pretty(view), durable=durable)
        for audience, view in views.items()
    }


def cut_view(document: dict[str, Any] | str, audience: Access | str, signer: Signer, source: str = "passport") -> dict[str, Any]:
    """The signed ``audience`` view of a full passport credential the signer issued earlier.

    Only its issuer can cut one: the full credential must be signed by ``signer``'s key as
    ``signer``'s identity, and hold a valid passport. The view keeps the full credential's
    version (``validFrom`` and the rest); its proof is made now.
    """
    credential, envelope = credential_of(document)
    problem = None
    if not is_passport_credential(credential):
        problem = Problem("$.type", "not a battery passport credential")
    elif credential_audience(credential) is not None:
        problem = Problem("$.type", "already a view: cut views from the full credential")
    elif envelope is None:
        problem = Problem("$", "the full credential is unsigned: sign the passport (build --key) and cut views from that")
    else:
        issuer_id = credential_issuer_id(credential)
        if issuer_id != signer.identity.id:
            problem = Problem("$.issuer", f"issued by {issuer_id!r}, not by the signer {signer.identity.id!r}: only its issuer can cut a view")
        elif reason := signer.signature_problem(document):
            problem = Problem("$", f"not signed by this key ({reason}): only its issuer can cut a view")
    if problem:
        raise InvalidInputError([problem], source)
    try:
        passport = check_passport_subject(credential.get("credentialSubject"), credential.get("id"))
    except InvalidInputError as exc:
        raise InvalidInputError(exc.problems, source) from None
    unsigned = {key: value for key, value in credential.items() if key != "proof"}
    view = view_credential(unsigned, passport, audience)
    return signer.sign(view, created=utc_timestamp())
