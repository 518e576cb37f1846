"""The passport page: one template for the resolver, its static export and ``render``.

Contract:

* :func:`render_page` takes a passport view as JSON data (normally the public view; a view
  leaves out fields, so every section is shown only when its data is there), the
  verification result of the credential it came from and its version history, and returns
  one self-contained HTML document: no script, no external style, font or image; the carbon
  footprint chart and the QR code are inline SVG. Values are escaped by the template engine.
* Chain of custody is worded for a buyer: origins under mass balance or book and claim are
  "attributed", the others "physically traced".
* A passport whose final version has been issued (``lifecycle.ceased``: the battery was
  recycled, ``end-of-life --status recycled``) gets a page saying that it has ceased.
* :func:`render_pdf` prints the same page with WeasyPrint (the ``pdf`` extra).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ..errors import BatteryPassError, InvalidInputError, Problem
from ..model.access import Access
from ..model.views import view_for
from ..securing.credential import credential_audience, credential_issuer_id, parse_date_time_stamp
from ..verifying.documents import passport_of
from ..securing.documents import credential_of, load_document
from ..verifying.trust import TrustStore
from ..verifying.verification import Status, verify
from . import qr

#: Chain-of-custody models (IRMA) whose claims are bookkeeping, not physical tracing.
ATTRIBUTED_MODELS = frozenset({"mass balance", "book and claim"})
#: The badge of a page rendered without a trust store.
NOT_VERIFIED = "not-verified"

_STAGE_NAMES = {
    "RawMaterialAcquisition": "Raw material acquisition and pre-processing",
    "MainProduction": "Main product production",
    "Distribution": "Distribution",
    "EndOfLifeAndRecycling": "End of life and recycling",
}
_CATEGORY_NAMES = {"ev": "Electric vehicle battery", "lmt": "LMT battery", "industrial": "Industrial battery",
                   "portable": "Portable battery", "sli": "SLI battery"}


class RenderError(BatteryPassError):
    """A page cannot be rendered (a missing optional library)."""


#: The page's headline of each verdict (verifying.verification.Status).
_HEADLINES = {
    Status.VALID: "Verified: signed by a trusted issuer",
    Status.INVALID: "Not valid: the signature or content does not hold",
    Status.UNKNOWN_ISSUER: "Unverified issuer: the signature is not tied to a trusted issuer",
    Status.UNLISTED_KEY: "Unverified key: the issuer does not list the key that signed it",
    Status.EXPIRED: "Expired: outside its validity period",
    Status.NOT_YET_VALID: "Not yet valid: dated in the future",
    Status.REVOKED: "Revoked by its issuer",
    Status.STATUS_UNKNOWN: "Status unknown: whether it was revoked could not be checked",
    Status.UNSUPPORTED: "Not checked: signed with an algorithm this checker does not implement",
}
#: Verdicts shown as bad rather than as a warning: the passport must not be relied on.
_BAD = frozenset({Status.INVALID, Status.REVOKED})


@dataclass(frozen=True)
class Badge:
    """The verification result as the page states it."""

    status: str
    issuer: str | None
    signed: str | None
    checked_at: str
    reasons: tuple[str, ...] = ()

    @property
    def verdict(self) -> Status | None:
        """The verification status, None for a page rendered without a trust store."""
        return None if self.status == NOT_VERIFIED else Status(self.status)

    @property
    def headline(self) -> str:
        if self.verdict is None:
            return "Not verified: rendered without a trust store"
        # A verdict added later without a headline of its own still gets a warning, never
        # passes for a good one.
        return _HEADLINES.get(self.verdict, f"Not verified ({self.status})")

    @property
    def tone(self) -> str:
        """The badge's colour class: ok (valid), bad (forged, corrupted or revoked), else warn."""
        if self.verdict is Status.VALID:
            return "ok"
        return "bad" if self.verdict in _BAD else "warn"

    @property
    def next_step(self) -> str | None:
        """What the reader can do about a verdict that is not valid (as ``verify`` says it)."""
        return None if self.verdict in (None, Status.VALID) else self.verdict.next_step

    @classmethod
    def from_verification(cls, result: Any, signed: str | None, checked_at: datetime | None = None) -> Badge:
        """A badge for a verification result (its first reasons shown when it is not valid)."""
        reasons = () if result.status.value == "valid" else tuple(result.reasons[:3])
        moment = (checked_at or datetime.now(timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
        return cls(result.status.value, result.issuer, signed, moment, reasons)


@dataclass(frozen=True)
class VersionEntry:
    number: int
    valid_from: str | None
    href: str | None = None
    current: bool = False


@dataclass
class _Page:
    title: str
    identifier: str
    passport_id: str
    url: str | None
    badge: Badge
    ceased: bool
    identity: list[tuple[str, str]] = field(default_factory=list)
    manufacturer: list[tuple[str, str]] = field(default_factory=list)
    carbon: dict[str, Any] | None = None
    origins: list[dict[str, str]] = field(default_factory=list)
    recycled: list[dict[str, str]] = field(default_factory=list)
    renewable: str | None = None
    versions: list[VersionEntry] = field(default_factory=list)
    qr_svg: str | None = None


def display_time(value: str | None) -> str | None:
    """A credential's date-time as the page shows it (``2027-05-01 08:00 UTC``)."""
    if not value:
        return None
    try:
        return parse_date_time_stamp(value).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return value


def _number(value: Any, unit: str = "") -> str:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return ""
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{text} {unit}".strip()


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    """A value the page shows as text: a string or a number; anything else is "not given"."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def _link(value: Any) -> str | None:
    """A value the page may make a link of: an http(s) URL (never javascript: and the like)."""
    text = _text(value)
    return text if text and text.lower().startswith(("https://", "http://")) else None


def _address(address: Any) -> str:
    address = _dict(address)
    parts = [_text(address.get("streetAddress")),
             " ".join(filter(None, [_text(address.get("postalCode")), _text(address.get("addressLocality"))])),
             _text(address.get("addressCountry"))]
    return ", ".join(p for p in parts if p)


def _pairs(*items: tuple[str, Any]) -> list[tuple[str, str]]:
    return [(label, text) for label, value in items if (text := _text(value))]


def carbon_chart(stages: list[dict[str, Any]]) -> str:
    """A horizontal bar chart (inline SVG) of kg CO2e/kWh by life-cycle stage; credits go left."""
    values = [(str(s.get("lifecycleStage")), s.get("carbonFootprint")) for s in stages if isinstance(s, dict)]
    values = [(name, float(v)) for name, v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if not values:
        return ""
    width, label_w, bar_h, gap = 320, 0, 18, 30
    low = min(0.0, *(v for _, v in values))
    high = max(0.0, *(v for _, v in values))
    span = (high - low) or 1.0
    scale = (width - 70) / span
    zero = 35 + (-low) * scale
    rows = []
    for index, (name, value) in enumerate(values):
        y = 4 + index * (bar_h + gap)
        x = zero if value >= 0 else zero + value * scale
        label = _STAGE_NAMES.get(name, name)
        rows.append(
            f'<text x="{label_w}" y="{y + 10}" font-size="11">{_escape(label)}</text>'
            f'<rect x="{x:.1f}" y="{y + 13}" width="{max(abs(value) * scale, 1):.1f}" height="{bar_h - 6}" '
            f'fill="{"#2da44e" if value < 0 else "#57606a"}"><title>{_escape(label)}: {value:g}</title></rect>'
            f'<text x="{(x + abs(value) * scale + 4) if value >= 0 else max(x - 4, 0):.1f}" y="{y + 23}" font-size="11" '
            f'text-anchor="{"start" if value >= 0 else "end"}">{value:g}</text>'
        )
    height = 8 + len(values) * (bar_h + gap)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="Carbon footprint by life-cycle stage, kg CO2e per kWh" id="carbon-chart">'
        f'<line x1="{zero:.1f}" y1="0" x2="{zero:.1f}" y2="{height}" stroke="#d0d7de"/>{"".join(rows)}</svg>'
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _custody(model: Any) -> str:
    if not isinstance(model, str):
        return ""
    kind = "attributed" if model in ATTRIBUTED_MODELS else "physically traced"
    return f"{kind} ({model})"


def _origins(entries: Any) -> list[dict[str, str]]:
    rows = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        facility, assurance = _dict(entry.get("facility")), _dict(entry.get("assurance"))
        where = ", ".join(p for p in [_text(facility.get("name")), _text(entry.get("countryOfOrigin"))] if p)
        if level := _text(assurance.get("level")):
            where += f" ({level})"
        rows.append({"material": _text(entry.get("material")) or "", "where": where,
                     "custody": _custody(entry.get("chainOfCustodyModel")), "share": _number(entry.get("sharePercent"), "%")})
    return rows


def page_model(subject: dict[str, Any], badge: Badge, versions: list[VersionEntry] = ()) -> _Page:
    """What the template shows, from a passport view's JSON data. Signed data can still be
    wrong-typed: every field is read for the type it should have, anything else is not shown."""
    subject = _dict(subject)
    general = _dict(subject.get("generalProductInformation"))
    maker = _dict(general.get("manufacturerInformation"))
    place = _dict(general.get("manufacturingPlace"))
    chemistry = _dict(_dict(subject.get("materialComposition")).get("batteryChemistry"))
    technical = _dict(_dict(subject.get("performanceAndDurability")).get("batteryTechnicalProperties"))
    carbon = _dict(subject.get("carbonFootprint"))
    circularity = _dict(subject.get("circularity"))
    passport_id = _text(subject.get("id")) or _text(general.get("batteryPassportIdentifier")) or ""
    url = _link(general.get("passportUrl"))
    category = _text(general.get("batteryCategory"))
    status = _text(general.get("batteryStatus"))
    page = _Page(
        title=_text(general.get("batteryModel")) or "Battery",
        identifier=_text(general.get("batteryIdentifier")) or passport_id,
        passport_id=passport_id,
        url=url,
        badge=badge,
        # Art. 77(8): the passport ceases after recycling, which its final version records.
        ceased=_dict(subject.get("lifecycle")).get("ceased") is True,
    )
    page.identity = _pairs(
        ("Category", _CATEGORY_NAMES.get(category, category) if category else None),
        ("Serial number", general.get("serialNumber")),
        ("GTIN", general.get("gtin")),
        ("Chemistry", " · ".join(p for p in [_text(chemistry.get("shortName")), _text(chemistry.get("clearName"))] if p)),
        ("Rated capacity", _number(technical.get("ratedCapacity"), "Ah")),
        ("Rated energy", _number(technical.get("ratedEnergy"), "kWh")),
        ("Nominal voltage", _number(technical.get("nominalVoltage"), "V")),
        ("Mass", _number(general.get("batteryMass"), "kg")),
        ("Status", status),
        ("Warranty", _number(general.get("warrantyPeriod"), "years")),
    )
    page.manufacturer = _pairs(
        ("Name", maker.get("name")),
        ("Address", _address(maker.get("postalAddress"))),
        ("Web", maker.get("webAddress")),
        ("Place of manufacture", _address(place.get("postalAddress"))),
        ("Manufactured", general.get("manufacturingDate")),
        ("Placed on the market", general.get("placedOnMarketDate")),
    )
    stages = _list(carbon.get("carbonFootprintPerLifecycleStage"))
    if _number(carbon.get("batteryCarbonFootprint")) or stages:
        page.carbon = {
            "total": _number(carbon.get("batteryCarbonFootprint")),
            "performance_class": _text(carbon.get("carbonFootprintPerformanceClass")),
            "chart": carbon_chart(stages),
            "study": _link(carbon.get("carbonFootprintStudy")),
        }
    page.origins = _origins(_dict(subject.get("supplyChainDueDiligence")).get("rawMaterialOrigin"))
    for row in _list(circularity.get("recycledContent")):
        if isinstance(row, dict):
            page.recycled.append({"material": _text(row.get("recycledMaterial")) or "",
                                  "pre": _number(row.get("preConsumerShare"), "%"), "post": _number(row.get("postConsumerShare"), "%")})
    page.renewable = _number(circularity.get("renewableContent"), "%") or None
    page.versions = list(versions)
    if url and qr.url_problem(url) is None:
        page.qr_svg = qr.encode_qr(url).svg().decode("ascii").split("\n", 1)[1]
    return page


@functools.cache
def _template() -> Any:
    try:
        import jinja2
    except ImportError:
        raise RenderError("rendering pages needs Jinja2: pip install 'batterypass[server]'") from None
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("batterypass.carriers", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    return environment.get_template("passport.html")


def render_page(subject: dict[str, Any], badge: Badge, versions: list[VersionEntry] = ()) -> str:
    """The passport page as one self-contained HTML document."""
    return _template().render(page=page_model(subject, badge, versions))


def render_pdf(html: str) -> bytes:
    """The page printed to PDF (A4) by WeasyPrint; nothing is fetched from the network."""
    try:
        import weasyprint
    except (ImportError, OSError) as exc:
        raise RenderError(f"PDF output needs WeasyPrint and its system libraries: pip install 'batterypass[pdf]' ({exc})") from None

    def no_fetch(url: str, *args: Any, **kwargs: Any) -> Any:
        raise ValueError(f"the page may not fetch {url}")

    return weasyprint.HTML(string=html, url_fetcher=no_fetch).write_pdf()


def render_credential(body: bytes, source: str, trust: TrustStore | None) -> tuple[str, str]:
    """The page of one signed credential (a full credential shows its public view), verified
    against ``trust`` when given. Returns the HTML and the verification status shown."""
    document = load_document(body, source)
    credential, _ = credential_of(document)
    try:
        audience = credential_audience(credential)
    except ValueError as exc:
        raise InvalidInputError([Problem("$.type", str(exc))], source) from None
    if audience is None:
        _, passport, _ = passport_of(document)
        subject = view_for(passport, Access.PUBLIC)
    else:
        subject = credential.get("credentialSubject") if isinstance(credential.get("credentialSubject"), dict) else {}
    valid_from = credential.get("validFrom") if isinstance(credential.get("validFrom"), str) else None
    if trust is None:
        badge = Badge(NOT_VERIFIED, credential_issuer_id(credential) or None, display_time(valid_from),
                      datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
    else:
        badge = Badge.from_verification(verify(document, trust), display_time(valid_from))
    return render_page(subject, badge), badge.status
