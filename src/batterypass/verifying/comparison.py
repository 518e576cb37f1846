"""Do two credentials of one passport version say the same thing? (``verify --compare``)

The views of a passport version and its full credential are separate signed documents, so each
verifies on its own even if the issuer (or a bug) put different values into two of them. A
reader who holds two of them, say the public view and the authority view, checks here that
they agree:

* both are battery passport credentials of the same passport (``credentialSubject.id``);
* every member present in both, at any depth, has the same value (numbers compare as numbers:
  ``600`` and ``600.0`` agree, ``true`` and ``1`` do not); arrays present in both have the
  same length and agree item by item;
* a member present in only one is a difference when both credentials' audiences may see it
  (a public field missing from the authority view); a field only the other's audience may see
  is what views are for, and so is voluntary sourcing data the public view leaves out because
  its ``voluntaryDataAudience`` is not ``public``.

Credential-level members count too (``issuer``, ``validFrom``, ``validUntil``,
``credentialStatus``...): views of one version copy them from the full credential, so a
difference there means two versions. Only ``id``, ``type`` and the proof are not compared:
each credential has its own. Signatures are not checked here: verify each credential first
(the CLI compares only credentials that verified VALID).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import InvalidInputError, Problem, json_path, shorten
from ..model.access import Access
from ..model.views import visible_to
from ..securing.credential import credential_audience, is_passport_credential
from ..securing.documents import credential_of
from .verification import FULL

_SUBJECT = "$.credentialSubject"
# Each credential's own: its identity, the audience its type states, its proof.
_OWN = frozenset({"id", "type", "proof"})
#: Differences reported at most: two documents of 1 MB could differ in thousands of places.
MAX_DIFFERENCES = 100
#: Nesting compared at most; a passport credential nests about ten levels deep.
MAX_DEPTH = 64


class _Absent:
    def __repr__(self) -> str:
        return "(absent)"


ABSENT: Any = _Absent()


@dataclass(frozen=True)
class Difference:
    """Where two credentials disagree, and what each says (:data:`ABSENT` when it says nothing)."""

    path: str
    first: Any
    second: Any

    def __str__(self) -> str:
        return self.describe("the first", "the second")

    def describe(self, first_name: str, second_name: str) -> str:
        return f"{self.path} differs: {_show(self.first)} in {first_name}, {_show(self.second)} in {second_name}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path}
        if self.first is not ABSENT:
            out["first"] = self.first
        if self.second is not ABSENT:
            out["second"] = self.second
        return out


@dataclass(frozen=True)
class Comparison:
    """The outcome of :func:`compare_credentials`: ``agree`` when there is no difference."""

    passport_id: str
    audiences: tuple[str, str]
    differences: tuple[Difference, ...]
    truncated: bool = False

    @property
    def agree(self) -> bool:
        return not self.differences

    def to_dict(self) -> dict[str, Any]:
        return {
            "agree": self.agree,
            "passportId": self.passport_id,
            "audiences": list(self.audiences),
            "differences": [d.to_dict() for d in self.differences],
            "truncated": self.truncated,
        }


def _show(value: Any) -> str:
    return "nothing" if value is ABSENT else shorten(value, 60)


def _passport_side(document: dict[str, Any] | str, which: str) -> tuple[dict[str, Any], Access | None]:
    credential, _ = credential_of(document)
    problem = None
    if not is_passport_credential(credential) or not isinstance(credential.get("credentialSubject"), dict):
        problem = "not a battery passport credential"
    else:
        try:
            return credential, credential_audience(credential)
        except ValueError as exc:
            problem = str(exc)
    raise InvalidInputError([Problem("$", problem)], which)


def _same_scalar(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return type(a) is type(b) and a == b


def compare_credentials(first: dict[str, Any] | str, second: dict[str, Any] | str) -> Comparison:
    """Compare two passport credentials (full or views, in any envelope) field by field; see
    the module docstring. Raises :class:`InvalidInputError` when either is not a passport
    credential or nests deeper than :data:`MAX_DEPTH`; two different passports are one
    difference, at ``$.credentialSubject.id``."""
    a, audience_a = _passport_side(first, "first")
    b, audience_b = _passport_side(second, "second")
    names = tuple(audience.value if audience else FULL for audience in (audience_a, audience_b))
    id_a, id_b = a["credentialSubject"].get("id"), b["credentialSubject"].get("id")
    if id_a != id_b:
        return Comparison(str(id_a), names, (Difference(f"{_SUBJECT}.id", id_a, id_b),))
    found: list[Difference] = []

    def seen_by_both(path: str) -> bool:
        subject_a, subject_b = a["credentialSubject"], b["credentialSubject"]
        return visible_to(path, audience_a, subject_a, _SUBJECT) and visible_to(path, audience_b, subject_b, _SUBJECT)

    def walk(x: Any, y: Any, location: tuple[str | int, ...]) -> None:
        if len(found) > MAX_DIFFERENCES:
            return
        path = json_path(location)
        if len(location) > MAX_DEPTH:
            raise InvalidInputError([Problem(path, f"nested deeper than {MAX_DEPTH} levels")], "first")
        if isinstance(x, dict) and isinstance(y, dict):
            for key in dict.fromkeys([*x, *y]):
                if not location and key in _OWN:
                    continue
                if key in x and key in y:
                    walk(x[key], y[key], location + (key,))
                elif seen_by_both(json_path(location + (key,))):
                    found.append(Difference(json_path(location + (key,)), x.get(key, ABSENT), y.get(key, ABSENT)))
        elif isinstance(x, list) and isinstance(y, list):
            if len(x) != len(y):
                found.append(Difference(path, f"{len(x)} item(s)", f"{len(y)} item(s)"))
                return
            for index, (item_x, item_y) in enumerate(zip(x, y)):
                walk(item_x, item_y, location + (index,))
        elif isinstance(x, dict | list) or isinstance(y, dict | list) or not _same_scalar(x, y):
            found.append(Difference(path, x, y))

    walk(a, b, ())
    truncated = len(found) > MAX_DIFFERENCES
    return Comparison(str(id_a), names, tuple(found[:MAX_DIFFERENCES]), truncated)
