"""A living passport: what each version says about its place in the passport's life.

The passport id is the battery's for life; each change is a new signed version (Art. 77(4):
kept accurate, complete and up to date). A version after the first carries a
:class:`Lifecycle` in its ``credentialSubject``, so that every view cut from it carries it
too: its number, the time of the change, what changed and why, and a digest-pinned link to
the version it supersedes. A passport without ``lifecycle`` is version 1 as built.

:class:`ChangeRequest` is the input of ``batterypass update``, in the shape of
``update.state-of-health.json``: a condition record (``dynamic``, Annex XIII point 4), a
status change (``status`` with a ``reason``), corrected static data (``corrections`` with a
``reason``), or several of these at once.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, Field, StrictBool, model_validator

from .access import annex
from .build_data import BatteryStatus
from .dynamic import BatteryCondition, ConditionSource
from .types import NonEmptyStr, StrictModel

#: What a version changes. ``ceased`` is the final version (Art. 77(8): recycled).
ChangeKind = Literal["condition", "status", "correction", "responsibility", "ceased"]
#: How a second-life battery came from its originals (Art. 2 definitions, Art. 77(7)).
SecondLifeOperation = Literal[
    "preparation-for-re-use", "preparation-for-repurposing", "repurposing", "remanufacturing"
]
#: ``sha256-`` + base64 of SHA-256 (W3C Subresource Integrity, as VC 2.0 ``digestSRI``).
DIGEST_SRI_PATTERN = r"^sha256-[A-Za-z0-9+/]{43}=$"


class VersionLink(StrictModel):
    """A digest-pinned reference to another signed passport credential."""

    id: NonEmptyStr = annex(1, "Credential id of the linked version")
    digestSRI: str = annex(1, "SHA-256 of the linked credential's file as written and published, in SRI form", pattern=DIGEST_SRI_PATTERN)


class OriginalPassport(StrictModel):
    """A passport of a battery this second-life battery was made from (Art. 77(7))."""

    passportId: NonEmptyStr = annex(1, "Passport id of the original battery")
    version: VersionLink = annex(1, "The original's version this battery was made from")
    operation: SecondLifeOperation = annex(1, "What was done to the original battery")


class Lifecycle(StrictModel):
    """This version's place in the passport's life."""

    version: int = annex(1, "Version number: 1 as built, then one more per change", ge=1)
    changedAt: AwareDatetime = annex(1, "When the change this version records took effect")
    changes: list[ChangeKind] = annex(1, "What this version changes", default=[])
    reason: NonEmptyStr | None = annex(1, "Why (required for a status change or a correction)", default=None)
    supersedes: VersionLink | None = annex(1, "The version this one replaces (none for version 1)", default=None)
    responsibilityArticle: NonEmptyStr | None = annex(
        1, "The article that moved responsibility to the operator this version names", default=None
    )
    conditionRecords: list[BatteryCondition] = annex(4, "Condition records this version adds (Annex XIII point 4)", default=[])
    originalPassports: list[OriginalPassport] = annex(
        1, "Passports of the batteries a second-life battery was made from (Art. 77(7))", default=[]
    )
    ceased: StrictBool = annex(1, "The battery is recycled: this is the final version (Art. 77(8))", default=False)

    @model_validator(mode="after")
    def _linked_when_later(self) -> Lifecycle:
        if (self.version > 1) != (self.supersedes is not None):
            raise ValueError("a version after the first must name the version it supersedes, and version 1 none")
        return self


class ChangeRequest(StrictModel):
    """One change to a passport: the input of ``batterypass update`` (``update.state-of-health.json``)."""

    recordedAt: AwareDatetime = Field(description="When the values were recorded or the change took effect")
    source: ConditionSource | None = Field(None, description="Where condition values come from (bms, service, test)")
    dynamic: dict[str, Any] | None = Field(None, description="Condition values (BatteryCondition members)")
    status: BatteryStatus | None = Field(None, description="New battery status")
    reason: NonEmptyStr | None = Field(None, description="Why: required for a status change or corrections")
    corrections: dict[str, Any] | None = Field(
        None, description="Corrected passport data: a JSON object merged into the passport (RFC 7396 merge patch)"
    )

    @model_validator(mode="after")
    def _says_something(self) -> ChangeRequest:
        if self.dynamic is None and self.status is None and self.corrections is None:
            raise ValueError("a change needs 'dynamic', 'status' or 'corrections'")
        if (self.status is not None or self.corrections is not None) and self.reason is None:
            raise ValueError("a status change or a correction needs a 'reason'")
        if self.dynamic is not None and self.source is None:
            raise ValueError("condition values need their 'source' (bms, service or test)")
        return self


__all__ = [
    "ChangeKind",
    "ChangeRequest",
    "Lifecycle",
    "OriginalPassport",
    "SecondLifeOperation",
    "VersionLink",
]
