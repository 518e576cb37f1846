"""The resolver as an ASGI application (Starlette): the QR code's link answers.

Contract (:func:`create_app`; the store and trust store are handed in, nothing is kept
between requests but caches that expire):

* ``GET|HEAD|OPTIONS /01/{gtin}/21/{serial}`` and ``/{uuid}`` (:mod:`.links`): a malformed
  GS1 Digital Link path is 400, an unknown passport 404, each with a page a person
  understands (or JSON for a machine). Content negotiation (``Accept``, with q-values):
  ``text/html`` the passport page; ``application/vc+ld+json``, ``application/ld+json``,
  ``application/json`` the signed public credential, bytes as issued; ``application/vc+jwt``
  the JWS where it was issued as one; ``application/linkset+json`` the linkset; nothing
  acceptable, 406. ``?linkType=all`` is the linkset, ``?linkType=X`` a 307 redirect to the
  link of that type (GS1-Conformant Resolver), an unknown type to the default link.
* ``/passports/{uuid}/...`` serves each resource of the linkset (a segment that is not a
  uuid is 400, a version number beyond any stored one 404). The legitimate-interest
  and authority views need a bearer token of that audience: none, wrong, expired or revoked
  is 401, another audience's 403, and never the data; every attempt with a token and every
  access is recorded in the store's audit (never the token).
* ``POST /api/v1/credentials`` publishes one credential (the request body, at most
  ``jsonio.MAX_DOCUMENT_BYTES``) with an issuer token scoped to the credential's issuer:
  201 published, 200 unchanged, 422 refused with the verdict and its reasons
  (:mod:`.publishing`), 409 when another issuer holds the passport id or the GTIN + serial
  and no handover gives it to this one, or a countersignature's passport has no holder here
  (same body as 422), 401/403 for the token, 413 too large.
* Every answer allows any origin (CORS, no credentials), carries ``Link`` and ``Vary:
  Accept`` headers where negotiated; once the latest public version is final (the battery is
  recycled), the ``Link`` header of every answer from it, and its linkset, carry a
  ``links.CEASED`` link to that final version, which stays served with the history; no cookie is ever set, and nothing about the client is
  logged here (``serve`` turns uvicorn's access log off).
* The page's verification badge is computed with the server's trust store, cached per
  credential for ``verdict_ttl`` seconds.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ..carriers.render import Badge, VersionEntry, display_time, render_page
from ..jsonio import MAX_DOCUMENT_BYTES
from ..model.access import Access
from ..verifying.trust import TrustStore
from ..verifying.verification import verify
from . import links
from .publishing import PUBLISHED, Refusal, admit, compact_jws, is_ceased, put, refused, subject_of
from .store import Store, StoredCredential, open_store
from .tokens import AUDIENCE, ISSUER, bearer_token, check_token

HTML = "text/html"
JSON_TYPES = ("application/vc+ld+json", "application/ld+json", "application/json")
JWT = "application/vc+jwt"
CORS_HEADERS = ["Link", "Content-Type", "Content-Length", "Location"]
#: The largest version number asked of the store (SQLite's and PostgreSQL's 64-bit integers).
MAX_VERSION = 2**63 - 1
#: Environment variables through which ``serve`` hands its configuration to each worker.
STORE_ENV, TRUST_ENV = "BATTERYPASS_STORE", "BATTERYPASS_TRUST"


def negotiate(accept: str | None, offers: list[str]) -> str | None:
    """The offer the ``Accept`` header prefers (q-values, then specificity, then ``offers`` order)."""
    if not accept or not accept.strip():
        return offers[0]
    best: tuple[float, int, int] | None = None
    chosen = None
    ranges = []
    for part in accept.split(",")[:64]:
        media, *params = [p.strip() for p in part.split(";")]
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        ranges.append((media.lower(), quality))
    for index, offer in enumerate(offers):
        kind = offer.split("/")[0]
        matches = [(q, 2 if m == offer else 1 if m == f"{kind}/*" else 0) for m, q in ranges if m in (offer, f"{kind}/*", "*/*")]
        if not matches:
            continue
        quality, specificity = max(matches, key=lambda m: m[1])
        if quality <= 0:
            continue
        rank = (quality, specificity, -index)
        if best is None or rank > best:
            best, chosen = rank, offer
    return chosen


class _Expiring:
    """A small LRU cache whose entries expire: what is cached can be recomputed at any time."""

    def __init__(self, ttl: float, size: int = 1024):
        self.ttl, self.size = ttl, size
        self._items: OrderedDict[Any, tuple[float, Any]] = OrderedDict()

    def get(self, key: Any, compute: Callable[[], Any]) -> Any:
        now = time.monotonic()
        hit = self._items.get(key)
        if hit is not None and hit[0] > now:
            self._items.move_to_end(key)
            return hit[1]
        value = compute()
        self._items[key] = (now + self.ttl, value)
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)
        return value


class HttpError(Exception):
    def __init__(self, status: int, title: str, detail: str, headers: dict[str, str] | None = None):
        self.status, self.title, self.detail, self.headers = status, title, detail, headers or {}


_ERROR_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>body{{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:0 auto;padding:1rem}}</style></head>
<body><main><h1>{title}</h1><p>{detail}</p></main></body></html>
"""


def _error_response(request: Request, error: HttpError) -> Response:
    """Errors in one place: a page for a person, JSON for a program."""
    headers = {**error.headers, "Cache-Control": "no-store"}
    for_program = request.url.path.startswith("/api/") or request.url.path.endswith((".json", ".jwt"))
    if not for_program and negotiate(request.headers.get("accept"), [HTML, "application/json"]) == HTML:
        escape = lambda text: text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # noqa: E731
        page = _ERROR_PAGE.format(title=escape(error.title), detail=escape(error.detail))
        return HTMLResponse(page, error.status, headers=headers)
    return JSONResponse({"status": error.status, "title": error.title, "detail": error.detail}, error.status, headers=headers)


class Resolver:
    """The request handlers, bound to one store and trust store."""

    def __init__(self, store: Store, trust: TrustStore, verdict_ttl: float = 60.0):
        self.store, self.trust = store, trust
        self._pages = _Expiring(verdict_ttl)
        self._final = _Expiring(verdict_ttl)

    # --- finding a passport -------------------------------------------------------------
    def _public_for(self, key: links.PassportKey) -> StoredCredential:
        if key.uuid:
            return self._public(f"urn:uuid:{key.uuid}")
        return self._found(self.store.latest_for_gs1(key.gtin, key.serial, Access.PUBLIC.value))

    def _public(self, passport_id: str) -> StoredCredential:
        return self._found(self.store.latest(passport_id, Access.PUBLIC.value))

    @staticmethod
    def _found(credential: StoredCredential | None) -> StoredCredential:
        if credential is None:
            raise HttpError(404, "No battery passport here",
                            "No battery passport has been published for this identifier. Check the code on the battery, "
                            "or ask its manufacturer.")
        return credential

    # --- pieces of answers --------------------------------------------------------------
    def _ceased(self, latest: StoredCredential) -> bool:
        """Whether the passport's latest public version is its final one (cached: every answer
        about the passport says so in its ``Link`` header)."""
        return self._final.get(latest.digest, lambda: is_ceased(subject_of(latest.body)))

    def _link_header(self, latest: StoredCredential) -> str:
        return links.link_header(latest.passport_id, latest.version if self._ceased(latest) else None)

    def _linkset(self, anchor: str, latest: StoredCredential) -> dict[str, Any]:
        versions = self.store.versions(latest.passport_id, Access.PUBLIC.value)
        return links.linkset(
            anchor,
            latest.passport_id,
            self.store.audiences(latest.passport_id),
            latest.envelope == "jose",
            [links.VersionLink(v.version, v.valid_from) for v in versions],
            self._ceased(latest),
        )

    def _page(self, latest: StoredCredential) -> str:
        def compute() -> str:
            result = verify(latest.body, self.trust)
            versions = self.store.versions(latest.passport_id, Access.PUBLIC.value)
            history = [
                VersionEntry(v.version, display_time(v.valid_from), links.version_path(v.passport_id, v.version), v.version == latest.version)
                for v in versions
            ]
            badge = Badge.from_verification(result, display_time(latest.valid_from))
            return render_page(subject_of(latest.body), badge, history)

        return self._pages.get((latest.digest, latest.version), compute)

    def _credential(self, stored: StoredCredential, media: str, headers: dict[str, str]) -> Response:
        if media == JWT:
            jws = compact_jws(stored.body)
            if jws is None:
                raise HttpError(406, "Not issued as a JWS", "This credential was issued with a Data Integrity proof: ask for application/vc+ld+json.")
            return Response(jws, media_type=JWT, headers=headers)
        return Response(stored.body, media_type=media, headers=headers)

    # --- endpoints ----------------------------------------------------------------------
    async def resolve(self, request: Request) -> Response:
        """``/01/{gtin}/21/{serial}`` and ``/{uuid}``."""
        try:
            key = links.parse_request_path(request.scope.get("raw_path", b"").decode("latin-1").split("?", 1)[0])
        except links.PathError as exc:
            raise HttpError(400, "Not a valid battery link", str(exc)) from None
        if key is None:
            raise HttpError(404, "Nothing here", "This address is not a battery passport link.")
        latest = self._public_for(key)
        headers = {"Link": self._link_header(latest), "Vary": "Accept", "Cache-Control": "public, max-age=60"}
        if request.method == "OPTIONS":
            return Response(status_code=204, headers={**headers, "Allow": "GET, HEAD, OPTIONS"})
        link_type = request.query_params.get("linkType")
        anchor = links.canonical_path(latest.passport_id, latest.gtin, latest.serial)
        if link_type and link_type != "all":
            return self._redirect(self._linkset(anchor, latest), link_type, headers)
        offers = [HTML, links.LINKSET_TYPE, *JSON_TYPES] + ([JWT] if latest.envelope == "jose" else [])
        media = links.LINKSET_TYPE if link_type == "all" else negotiate(request.headers.get("accept"), offers)
        if media is None:
            raise HttpError(406, "Not available in that format", f"This passport is available as {', '.join(offers)}.", headers)
        if media == links.LINKSET_TYPE:
            return JSONResponse(self._linkset(anchor, latest), media_type=links.LINKSET_TYPE, headers=headers)
        if media == HTML:
            return HTMLResponse(self._page(latest), headers=headers)
        return self._credential(latest, media, headers)

    def _redirect(self, linkset: dict[str, Any], link_type: str, headers: dict[str, str]) -> Response:
        entries = linkset["linkset"][0]
        uri = links.link_type_uri(link_type)
        targets = entries.get(uri) if uri else None
        if not targets:
            targets = entries[links.GS1_VOC + "defaultLink"]
        return RedirectResponse(targets[0]["href"], status_code=307, headers=headers)

    async def resource(self, request: Request) -> Response:
        """``/passports/{uuid}/{name}``: the page, the linkset, each audience's credential."""
        passport_id = _resource_passport_id(request)
        name = request.path_params["name"]
        headers = {"Link": links.link_header(passport_id)}
        if request.method == "OPTIONS":
            return Response(status_code=204, headers={**headers, "Allow": "GET, HEAD, OPTIONS"})
        stem, _, suffix = name.partition(".")
        if name in ("page.html", "linkset.json"):
            latest = self._public(passport_id)
            headers["Link"] = self._link_header(latest)
            headers["Cache-Control"] = "public, max-age=60"
            if name == "page.html":
                return HTMLResponse(self._page(latest), headers=headers)
            anchor = links.canonical_path(latest.passport_id, latest.gtin, latest.serial)
            return JSONResponse(self._linkset(anchor, latest), media_type=links.LINKSET_TYPE, headers=headers)
        if stem not in links.AUDIENCE_LINK_TYPES or suffix not in ("json", "jwt"):
            raise HttpError(404, "Nothing here", f"A passport has no resource {name!r}.")
        media = JWT if suffix == "jwt" else JSON_TYPES[0]
        if stem == Access.PUBLIC.value:
            latest = self._public(passport_id)
            headers["Link"] = self._link_header(latest)
            headers["Cache-Control"] = "public, max-age=60"
            return self._credential(latest, media, headers)
        return self._restricted(request, passport_id, stem, media, headers)

    def _restricted(self, request: Request, passport_id: str, audience: str, media: str, headers: dict[str, str]) -> Response:
        headers["Cache-Control"] = "private, no-store"
        check = check_token(self.store, bearer_token(request.headers.get("authorization")), AUDIENCE, audience)
        if not check.granted:
            if check.token_id is not None:
                self.store.record_access(check.token_id, passport_id, audience, f"denied: {check.reason}")
            challenge = {"WWW-Authenticate": f'Bearer realm="batterypass", scope="{audience}"'} if check.status == 401 else {}
            raise HttpError(check.status, "Not authorised", f"The {audience} view needs a bearer token of that audience: {check.reason}.",
                            {**headers, **challenge})
        stored = self.store.latest(passport_id, audience)
        self.store.record_access(check.token_id, passport_id, audience, "granted" if stored else "not found")
        if stored is None:
            raise HttpError(404, "No such view", f"No {audience} view has been published for this passport.", headers)
        return self._credential(stored, media, headers)

    async def version(self, request: Request) -> Response:
        passport_id = _resource_passport_id(request)
        if request.method == "OPTIONS":
            return Response(status_code=204, headers={"Allow": "GET, HEAD, OPTIONS"})
        number = request.path_params["number"]
        # The route takes any digits; the store's integers stop at 2**63 - 1.
        stored = self.store.version(passport_id, Access.PUBLIC.value, number) if number <= MAX_VERSION else None
        if stored is None:
            raise HttpError(404, "No such version", "This passport has no such version.")
        return Response(stored.body, media_type=JSON_TYPES[0], headers={"Cache-Control": "public, max-age=86400"})

    async def publish(self, request: Request) -> Response:
        """One credential in the request body, an issuer token scoped to its issuer."""
        token = bearer_token(request.headers.get("authorization"))
        check = check_token(self.store, token, ISSUER, None)
        if not check.granted:
            raise HttpError(check.status, "Not authorised", f"Publishing needs an issuer token: {check.reason}.",
                            {"WWW-Authenticate": 'Bearer realm="batterypass"'})
        body = await _bounded_body(request)
        source = request.headers.get("x-batterypass-source", "request")[:200]
        try:
            admitted = admit(body, self.trust, source)
        except Refusal as refusal:
            return JSONResponse(refused(source, refusal).to_dict(), 422)
        if admitted.issuer != check.scope:
            raise HttpError(403, "Not your issuer", f"token {check.token_id} may publish for {check.scope}, not for {admitted.issuer}.")
        result = put(self.store, admitted, self.trust, source)
        return JSONResponse(result.to_dict(), 409 if not result.ok else 201 if result.status == PUBLISHED else 200)


def _resource_passport_id(request: Request) -> str:
    try:
        return links.resource_passport_id(request.path_params["uuid"])
    except links.PathError as exc:
        raise HttpError(400, "Not a valid passport address", str(exc)) from None


async def _bounded_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_DOCUMENT_BYTES):
        raise HttpError(413, "Too large", f"A credential is at most {MAX_DOCUMENT_BYTES} bytes.")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_DOCUMENT_BYTES:
            raise HttpError(413, "Too large", f"A credential is at most {MAX_DOCUMENT_BYTES} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(store: Store, trust: TrustStore, *, verdict_ttl: float = 60.0) -> Starlette:
    """The resolver application serving ``store``, verifying with ``trust``."""
    resolver = Resolver(store, trust, verdict_ttl)
    methods = ["GET", "HEAD", "OPTIONS"]
    routes = [
        Route("/api/v1/credentials", resolver.publish, methods=["POST"]),
        Route("/passports/{uuid:str}/versions/{number:int}/public.json", resolver.version, methods=methods),
        Route("/passports/{uuid:str}/{name:str}", resolver.resource, methods=methods),
        Route("/{path:path}", resolver.resolve, methods=methods),
    ]
    middleware = [
        Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=methods, allow_headers=["Accept", "Authorization"],
                   expose_headers=CORS_HEADERS, max_age=86400),
    ]

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HttpError)
        return _error_response(request, exc)

    async def not_found(request: Request, exc: Exception) -> Response:
        return _error_response(request, HttpError(getattr(exc, "status_code", 404), "Nothing here", "This address is not a battery passport link."))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        store.close()

    return Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={HttpError: http_error, 404: not_found, 405: not_found},
        lifespan=lifespan,
    )


def app_from_environment() -> Starlette:
    """The application ``serve`` runs in each uvicorn worker (``--factory``), configured by
    :data:`STORE_ENV` and :data:`TRUST_ENV`."""
    return create_app(open_store(os.environ[STORE_ENV]), TrustStore.load(os.environ[TRUST_ENV]))

