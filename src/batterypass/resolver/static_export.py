"""The public part of a resolver as plain files, for any web server, object store or CDN.

Contract (:class:`StaticSite`):

* Publishing into ``static:DIR`` admits a credential as the server does
  (:func:`.publishing.admit`, against the publisher's trust store). Only public views are
  written: restricted views need tokens, which only ``serve`` checks (they are skipped).
* Layout, the resolver's URLs as paths: ``passports/{uuid}/`` holds ``page.html``,
  ``linkset.json``, ``public.json`` (``public.jwt``) and ``versions/{n}/public.json`` (every
  version, bytes as issued, never rewritten); each path a QR code can hold
  (``01/{gtin}/21/{serial}/``, ``{uuid}/``, ``urn:uuid:{uuid}/``) holds the variants a
  request negotiates between: ``index.html``, ``index.vc-ld-json``, ``index.vc-jwt``,
  ``index.linkset-json``.
* ``.nginx/http.conf`` (at nginx's ``http`` level) and ``.nginx/server.conf`` (inside a
  ``server``) are a ready nginx configuration: the variant by ``Accept`` (linkset, JWS, HTML,
  then JSON, in that order of precedence, as nginx's ``map`` matches first to last; no
  q-values) and by ``?linkType=all``, the media types, CORS and ``Vary: Accept``.
* A passport handed over to another issuer (:func:`.publishing.handover`) records its holder
  in ``passports/{uuid}/.holder``, which the nginx configuration (no dot file) never serves.
* A countersignature is taken from the passport's holder only, as the server takes it, and
  kept (bytes as issued) in ``passports/{uuid}/countersignatures/{sha256}.json``.
* The verification badge is computed when publishing (its "checked" time says so); every
  write is atomic, so a web server serving the directory never sees half a file.
"""

from __future__ import annotations

from pathlib import Path

from ..carriers.render import Badge, VersionEntry, display_time, render_page
from ..jsonio import dumps_pretty, write_atomic
from ..model.access import Access
from ..securing.documents import credential_of, load_document
from ..verifying.trust import TrustStore
from ..verifying.verification import verify
from . import links
from .publishing import (
    COUNTERSIGNATURE, NOT_PUBLISHED, PUBLISHED, SKIPPED, UNCHANGED, Admitted, PublishResult, Refusal, admit, compact_jws, handover,
    held, is_ceased, issuer_of, refused, subject_of,
)
from .store import HeldByAnotherIssuer, digest_of

#: The files a request path's directory holds, one per negotiated variant (named by the
#: extensions the nginx configuration maps to media types).
VARIANTS = {"html": "index.html", "json": "index.vc-ld-json", "jwt": "index.vc-jwt", "linkset": "index.linkset-json"}

_HTTP_CONF = r"""# batterypass static resolver: include at nginx's http level.
# The variant a request gets: ?linkType=all the linkset; else by Accept, first match wins.
map "$arg_linkType|$http_accept" $batterypass_variant {
    default                                  html;
    "~^all\|"                                linkset-json;
    "~*^\|.*application/linkset\+json"       linkset-json;
    "~*^\|.*application/vc\+jwt"             vc-jwt;
    "~*^\|.*text/html"                       html;
    "~*^\|.*application/(vc\+ld\+|ld\+)?json" vc-ld-json;
}
"""

_SERVER_CONF = r"""# batterypass static resolver: include inside a server block whose root is the export.
add_header Access-Control-Allow-Origin "*" always;
add_header Access-Control-Expose-Headers "Link, Content-Type" always;
add_header Vary "Accept" always;
error_page 404 /404.html;

location ~ /\. { return 404; }

location ^~ /passports/ {
    types { text/html html; }
    location ~ /linkset\.json$ { types { } default_type application/linkset+json; }
    location ~ \.jwt$ { types { } default_type application/vc+jwt; }
    location ~ \.json$ { types { } default_type application/vc+ld+json; }
}

location / {
    types {
        text/html html;
        application/vc+ld+json vc-ld-json;
        application/vc+jwt vc-jwt;
        application/linkset+json linkset-json;
    }
    try_files $uri/index.$batterypass_variant $uri/index.html $uri =404;
}
"""

_NOT_FOUND = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>No battery passport here</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:0 auto;padding:1rem}</style></head>
<body><main><h1>No battery passport here</h1><p>No battery passport has been published for this identifier.
Check the code on the battery, or ask its manufacturer.</p></main></body></html>
"""


class StaticSite:
    """A static export directory, published into one credential at a time."""

    def __init__(self, root: Path):
        self.root = root

    def publish(self, body: bytes, trust: TrustStore, source: str = "credential") -> PublishResult:
        try:
            admitted = admit(body, trust, source)
        except Refusal as refusal:
            return refused(source, refusal)
        if admitted.audience not in (Access.PUBLIC.value, COUNTERSIGNATURE):
            return PublishResult(source, SKIPPED, "valid", (f"the {admitted.audience} view needs a token: only `serve` serves it",),
                                 admitted.passport_id, admitted.audience)
        if outside := self._outside(admitted):
            return refused(source, Refusal("invalid", [f"{outside}: outside the export directory {self.root}: nothing written"],
                                           admitted.passport_id, admitted.audience))
        if admitted.audience == COUNTERSIGNATURE:
            return self._publish_countersignature(admitted, source)
        versions = self._versions(admitted.passport_id)
        self._write_configuration()
        digest = digest_of(body)
        known = next((number for number, path in versions.items() if digest_of(path.read_bytes()) == digest), None)
        if known is not None:
            return PublishResult(source, UNCHANGED, "valid", (), admitted.passport_id, admitted.audience, known)
        if problem := self._held(admitted, versions, trust):
            return refused(source, held(admitted, problem))
        number = max(versions, default=0) + 1
        write_atomic(self._base(admitted.passport_id) / "versions" / str(number) / "public.json", body)
        self._write_latest(admitted, trust)
        return PublishResult(source, PUBLISHED, "valid", (), admitted.passport_id, admitted.audience, number)

    def _publish_countersignature(self, admitted: Admitted, source: str) -> PublishResult:
        """Keep a countersignature by the passport's holder (as :meth:`.store.Store.put_countersignature`)."""
        passport_id = admitted.passport_id
        path = self._base(passport_id) / "countersignatures" / f"{digest_of(admitted.body)}.json"
        if path.is_file():  # whoever holds the passport now
            return PublishResult(source, UNCHANGED, "valid", (), passport_id, COUNTERSIGNATURE)
        holder = self._holder(passport_id, self._versions(passport_id))
        if holder is None:
            return refused(source, Refusal(NOT_PUBLISHED, [
                f"passport {passport_id} has not been published here: only its holder countersigns its versions"], passport_id, COUNTERSIGNATURE))
        if holder != admitted.issuer:
            return refused(source, held(admitted, HeldByAnotherIssuer(
                f"passport {passport_id}", holder, f"only its holder countersigns the version that hands it over, not {admitted.issuer}")))
        write_atomic(path, admitted.body)
        return PublishResult(source, PUBLISHED, "valid", (), passport_id, COUNTERSIGNATURE)

    def _holder(self, passport_id: str, versions: dict[int, Path]) -> str | None:
        """The issuer holding the passport: the last handover's (``.holder``), else its first publisher's."""
        marker = self._base(passport_id) / ".holder"
        if marker.is_file():
            return marker.read_text(encoding="utf-8")
        return issuer_of(versions[min(versions)].read_bytes()) if versions else None

    def _outside(self, admitted: Admitted) -> Path | None:
        """A directory this credential would be written to that is not inside the export
        (resolved, so neither ".." nor a symbolic link leads out), or None."""
        root = self.root.resolve()
        for directory in (self._base(admitted.passport_id), *self._alias_directories(admitted)):
            if not directory.resolve().is_relative_to(root):
                return directory
        return None

    def _held(self, admitted: Admitted, versions: dict[int, Path], trust: TrustStore) -> HeldByAnotherIssuer | None:
        """Whether another issuer holds the passport id or the battery and no handover gives
        them to this one (as the store checks); a granted handover is recorded in the
        passport's ``.holder`` (a dot file: the nginx configuration serves none)."""
        issuer = admitted.issuer
        marker = self._base(admitted.passport_id) / ".holder"
        holder = self._holder(admitted.passport_id, versions)
        handed_over = False
        if holder is not None and holder != issuer:
            bodies, countersignatures = (
                [body for body in (path.read_bytes() for path in paths) if issuer_of(body) == holder]
                for paths in (versions.values(), (self._base(admitted.passport_id) / "countersignatures").glob("*.json"))
            )
            if (why := handover(admitted, trust)(holder, bodies, countersignatures)) is not None:
                return HeldByAnotherIssuer(f"passport {admitted.passport_id}", holder, why)
            handed_over = True
        directory = self._gs1_directory(admitted)
        current = directory / VARIANTS["json"] if directory else None
        if current is not None and current.is_file():
            body = current.read_bytes()
            battery, passport_id = issuer_of(body), subject_of(body).get("id")
            if battery != issuer and not (handed_over and battery == holder and passport_id == admitted.passport_id):
                return HeldByAnotherIssuer(
                    f"the battery GTIN {admitted.gtin} serial {admitted.serial!r}", str(battery),
                    f"its QR link resolves to passport {passport_id}, and a battery's link moves only with its passport, to "
                    f"the next responsible operator {battery} names in it; a second-life battery gets a new identifier",
                )
        if handed_over:
            # Before the version: a version without its marker would leave the passport with the old holder.
            write_atomic(marker, issuer.encode("utf-8"))
        return None

    def _base(self, passport_id: str) -> Path:
        return self.root / links.resource_base(passport_id).lstrip("/")

    def _versions(self, passport_id: str) -> dict[int, Path]:
        found = {}
        for path in (self._base(passport_id) / "versions").glob("*/public.json"):
            if path.parent.name.isdigit():
                found[int(path.parent.name)] = path
        return found

    def _write_latest(self, admitted: Admitted, trust: TrustStore) -> None:
        """Rewrite the passport's current files from its newest version."""
        versions = self._versions(admitted.passport_id)
        latest_number = max(versions)
        latest = versions[latest_number].read_bytes()
        jws = compact_jws(latest)
        valid_from = {n: _valid_from(p.read_bytes()) for n, p in versions.items()}
        history = [
            VersionEntry(n, display_time(valid_from[n]), links.version_path(admitted.passport_id, n), n == latest_number)
            for n in sorted(versions, reverse=True)
        ]
        badge = Badge.from_verification(verify(latest, trust), display_time(valid_from[latest_number]))
        subject = subject_of(latest)
        page = render_page(subject, badge, history).encode("utf-8")
        anchor = links.canonical_path(admitted.passport_id, admitted.gtin, admitted.serial)
        linkset = dumps_pretty(
            links.linkset(anchor, admitted.passport_id, [Access.PUBLIC.value], jws is not None,
                          [links.VersionLink(n, valid_from[n]) for n in sorted(versions, reverse=True)], is_ceased(subject))
        )
        base = self._base(admitted.passport_id)
        files = {"page.html": page, "linkset.json": linkset, "public.json": latest}
        variants = {VARIANTS["html"]: page, VARIANTS["linkset"]: linkset, VARIANTS["json"]: latest}
        if jws is not None:
            files["public.jwt"] = jws.encode("ascii")
            variants[VARIANTS["jwt"]] = files["public.jwt"]
        for name, data in files.items():
            write_atomic(base / name, data, durable=False)
        for directory in self._alias_directories(admitted):
            for name, data in variants.items():
                write_atomic(directory / name, data, durable=False)

    def _alias_directories(self, admitted: Admitted) -> list[Path]:
        uuid = links.uuid_of(admitted.passport_id)
        directories = [self.root / uuid, self.root / admitted.passport_id]
        if directory := self._gs1_directory(admitted):
            directories.append(directory)
        return directories

    def _gs1_directory(self, admitted: Admitted) -> Path | None:
        """The Digital Link directory of the battery, None when it has no GTIN or its serial
        cannot be one: the serial becomes directory names (nginx decodes the path before
        looking for files), and "." and ".." would leave the export, so such a battery is
        reached by its uuid only."""
        if not (admitted.gtin and admitted.serial) or {"", ".", ".."} & set(admitted.serial.split("/")):
            return None
        return self.root / "01" / admitted.gtin / "21" / admitted.serial

    def _write_configuration(self) -> None:
        for name, text in {".nginx/http.conf": _HTTP_CONF, ".nginx/server.conf": _SERVER_CONF, "404.html": _NOT_FOUND}.items():
            path = self.root / name
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                write_atomic(path, text.encode("utf-8"))


def _valid_from(body: bytes) -> str | None:
    credential, _ = credential_of(load_document(body, "stored credential"))
    value = credential.get("validFrom")
    return value if isinstance(value, str) else None
