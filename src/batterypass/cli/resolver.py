"""Resolver commands: ``serve``, ``publish``, ``token``, ``audit`` and ``render``.

Click commands only; the work is done by :mod:`batterypass.resolver` and
:mod:`batterypass.carriers.render`. Exit codes as everywhere: 0 done, 1 a refused or
unreadable input, 2 a usage error (including a store or trust store that cannot be used).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from ..errors import BatteryPassError, InvalidInputError
from ..jsonio import read_bytes, write_atomic
from ..verifying.trust import TrustStore
from .main import (
    EXIT_INVALID, EXIT_OK, EXIT_USAGE, _echo, _echo_err, _emit_json, _handles_errors, _printable, _report_error, existing_file,
    json_option, main,
)

trust_option = click.option(
    "--trust", "trust_path", type=click.Path(exists=True, path_type=Path),
    help="Trust store the credentials must verify against (as for verify).",
)
store_option = click.option("--store", "store_url", required=True, metavar="URL",
                            help="sqlite:///passports.db or postgresql://user@host/db")


def _usage_failure(exc: BatteryPassError, as_json: bool) -> None:
    """A store or trust store that cannot be used is the operator's set-up: exit 2."""
    _report_error(exc, as_json, status="usage-error")
    sys.exit(EXIT_USAGE)


def _open_store(url: str, as_json: bool, create: bool = False) -> Any:
    """The store at ``url``; only serve, publish and token create make a new one (reading
    commands given a wrong path must say so, not answer from an empty store)."""
    from ..resolver.store import StoreError, open_store

    try:
        store = open_store(url, create)
        store.schema_version()  # connects and migrates now, so a bad store fails here
        return store
    except StoreError as exc:
        _usage_failure(exc, as_json)


def _trust(path: Path | None, as_json: bool, needed_for: str) -> TrustStore:
    if path is None:
        raise click.UsageError(f"--trust is required {needed_for}")
    try:
        return TrustStore.load(path)
    except BatteryPassError as exc:
        _usage_failure(exc, as_json)
        raise


@main.command()
@click.option("--store", "store_url", default="sqlite:///passports.db", show_default=True, metavar="URL",
              help="sqlite:///FILE or postgresql://...")
@trust_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="Worker processes.")
def serve(store_url: str, trust_path: Path | None, host: str, port: int, workers: int) -> None:
    """Run the resolver: the QR codes' links answer, for people and machines, for every audience."""
    try:
        import uvicorn

        from ..resolver.app import STORE_ENV, TRUST_ENV
    except ImportError:
        raise click.UsageError("serve needs the server extra: pip install 'batterypass[server]'") from None
    _trust(trust_path, False, "to serve (the page's verification badge and publishing use it)")
    _open_store(store_url, False, create=True).close()
    os.environ[STORE_ENV], os.environ[TRUST_ENV] = store_url, str(trust_path)
    _echo_err(f"resolver on http://{host}:{port}/ serving {store_url} with {workers} worker(s)")
    # No access log: public pages log no personal data (client addresses are personal data).
    uvicorn.run("batterypass.resolver.app:app_from_environment", factory=True, host=host, port=port, workers=workers,
                access_log=False, log_level="warning", server_header=False)


@main.command()
@click.argument("paths", metavar="FILE_OR_DIR...", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--to", "target", required=True, metavar="URL|STORE",
              help="https://resolver (its HTTP API), sqlite:///..., postgresql://... or static:DIR")
@click.option("--token-env", metavar="VAR", help="Environment variable holding the issuer token (HTTP only).")
@trust_option
@json_option
def publish(paths: tuple[Path, ...], target: str, token_env: str | None, trust_path: Path | None, as_json: bool) -> None:
    """Publish the audience views in FILE_OR_DIR... (as build, batch or update wrote them), and
    the countersignatures countersign wrote, each before the views it hands over; the full
    credential is never published. Exit 0 when nothing was refused and something was
    published (or was there unchanged), 1 otherwise."""
    from ..resolver import publishing

    files = list(publishing.credential_files(paths))
    if target.startswith(("http://", "https://")):
        send = _http_publisher(target, token_env, as_json)
    else:
        trust = _trust(trust_path, as_json, "to publish into a store")
        if target.startswith("static:"):
            from ..resolver.static_export import StaticSite

            site = StaticSite(Path(target.removeprefix("static:")))
            send = lambda body, source: site.publish(body, trust, source)  # noqa: E731
        else:
            store = _open_store(target, as_json, create=True)
            send = lambda body, source: publishing.publish(store, body, trust, source)  # noqa: E731
    results = []
    for path in files:
        source = str(path)
        try:
            body = read_bytes(path)
        except InvalidInputError as exc:
            results.append(publishing.PublishResult(source, publishing.REFUSED, "invalid", tuple(str(p) for p in exc.problems)))
            continue
        if publishing.is_full_credential(body, source):
            results.append(publishing.PublishResult(source, publishing.SKIPPED, "full-credential", (
                f"{source} is the full credential, kept by the issuer; publish the audience views build writes beside it",
            )))
            continue
        results.append(send(body, source))
    refused = [r for r in results if not r.ok]
    # Nothing refused but nothing published either (only full credentials, or no file) is a
    # failure too: a pipeline must not believe the batteries' links now answer.
    nothing = None
    if not refused and not any(r.status in (publishing.PUBLISHED, publishing.UNCHANGED) for r in results):
        nothing = ("nothing was published: every file was skipped (see why)" if results
                   else f"nothing was published: no credential file (*.json) in {', '.join(map(str, paths))}")
    if as_json:
        answer = {"target": target, "total": len(results), "refused": len(refused), "results": [r.to_dict() for r in results]}
        if nothing:
            answer |= {"error": nothing, "problems": [{"path": "$", "message": nothing}]}
        _emit_json(answer)
    else:
        for result in results:
            where = f" {result.audience} v{result.version}" if result.version else ""
            # Reasons quote what a document claims (its issuer...): each line goes through _printable.
            _echo(f"{result.source}: {result.status}{where}" + (f" ({result.verdict})" if not result.ok else ""))
            for reason in result.reasons:
                click.echo(_printable(f"  why: {reason}"), err=not result.ok)
        if nothing:
            _echo_err(f"error: {nothing}")
    sys.exit(EXIT_INVALID if refused or nothing else EXIT_OK)


def _http_publisher(url: str, token_env: str | None, as_json: bool) -> Any:
    import httpx

    from ..resolver.publishing import REFUSED, PublishResult

    if token_env is None:
        raise click.UsageError("--token-env VAR is required to publish over HTTP (an issuer token from `batterypass token create --issuer`)")
    token = os.environ.get(token_env)
    if not token:
        raise click.UsageError(f"--token-env {token_env}: that environment variable is not set or empty")
    client = httpx.Client(base_url=url.rstrip("/"), timeout=30, headers={"Authorization": f"Bearer {token}"})

    def send(body: bytes, source: str) -> PublishResult:
        try:
            response = client.post("/api/v1/credentials", content=body,
                                   headers={"Content-Type": "application/json", "X-Batterypass-Source": Path(source).name})
        except httpx.HTTPError as exc:
            _report_error(BatteryPassError(f"{url}: {exc}"), as_json, status="usage-error")
            sys.exit(EXIT_USAGE)
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code in (200, 201, 409, 422):
            return PublishResult(source, answer.get("status", REFUSED), answer.get("verdict", "invalid"), tuple(answer.get("reasons", ())),
                                 answer.get("passportId"), answer.get("audience"), answer.get("version"))
        detail = answer.get("detail") or response.text[:200]
        return PublishResult(source, REFUSED, f"http-{response.status_code}", (str(detail),))

    return send


@main.group()
def token() -> None:
    """Tokens of a store: issuer tokens publish, audience tokens read restricted views."""


@token.command("create")
@store_option
@click.option("--audience", type=click.Choice(["legitimate-interest", "authority"]), help="Grant reading this audience's views.")
@click.option("--issuer", "issuer_id", metavar="DID", help="Grant publishing this issuer's credentials.")
@click.option("--expires-in", default="90d", show_default=True, metavar="12h|90d", help="Lifetime.")
@json_option
@_handles_errors
def token_create(store_url: str, audience: str | None, issuer_id: str | None, expires_in: str, as_json: bool) -> None:
    """Create a token; it is printed once and stored only as a hash."""
    from ..resolver.tokens import AUDIENCE, ISSUER, create_token, parse_lifetime

    if (audience is None) == (issuer_id is None):
        raise click.UsageError("give exactly one of --audience and --issuer")
    lifetime = parse_lifetime(expires_in)
    record, secret = create_token(_open_store(store_url, as_json, create=True), AUDIENCE if audience else ISSUER, audience or issuer_id, lifetime)
    if as_json:
        _emit_json({"id": record.id, "token": secret, "kind": record.kind, "scope": record.scope, "expiresAt": record.expires_at})
        return
    _echo_err(f"token {record.id} ({record.kind} {record.scope}, expires {record.expires_at}); shown once, keep it secret:")
    click.echo(secret)


@token.command("list")
@store_option
@json_option
@_handles_errors
def token_list(store_url: str, as_json: bool) -> None:
    """List tokens (never the tokens themselves)."""
    records = _open_store(store_url, as_json).tokens()
    if as_json:
        _emit_json({"tokens": [r.to_dict() for r in records]})
        return
    for r in records:
        state = f"revoked {r.revoked_at}" if r.revoked_at else f"expires {r.expires_at}"
        _echo(f"{r.id}  {r.kind:8} {r.scope}  {state}")


@token.command("revoke")
@click.argument("token_id")
@store_option
@json_option
@_handles_errors
def token_revoke(token_id: str, store_url: str, as_json: bool) -> None:
    """Revoke token TOKEN_ID (its id, as token list shows it)."""
    from ..resolver.tokens import TokenError

    if not _open_store(store_url, as_json).revoke_token(token_id):
        raise TokenError(f"no token {token_id!r} in {store_url}")
    if as_json:
        _emit_json({"id": token_id, "revoked": True})
    else:
        _echo(f"token {token_id} revoked")


@main.command()
@store_option
@click.option("--limit", type=click.IntRange(1, 1_000_000), default=1000, show_default=True, help="Most recent entries.")
@json_option
@_handles_errors
def audit(store_url: str, limit: int, as_json: bool) -> None:
    """Every access to a restricted view: time, token id, passport, audience, outcome."""
    entries = _open_store(store_url, as_json).audit_entries(limit)
    if as_json:
        _emit_json({"entries": [e.to_dict() for e in entries]})
        return
    for e in entries:
        _echo(f"{e.at}  {e.token_id or '-':16}  {e.audience:19} {e.passport_id}  {e.outcome}")


@main.command()
@click.argument("passport", type=existing_file)
@click.option("--format", "fmt", type=click.Choice(["html", "pdf"]), required=True)
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), required=True)
@trust_option
@json_option
@_handles_errors
def render(passport: Path, fmt: str, out_path: Path, trust_path: Path | None, as_json: bool) -> None:
    """The passport page of PASSPORT (a signed credential) as one self-contained HTML or PDF file,
    with its verification result against --trust (without it: not verified). The page is
    written whatever the verdict, for the record; the exit code is verify's for that verdict
    (0 without --trust)."""
    from ..carriers.render import NOT_VERIFIED, render_credential, render_pdf
    from ..verifying.verification import Status

    trust = _trust(trust_path, as_json, "") if trust_path else None
    html, status = render_credential(read_bytes(passport), str(passport), trust)
    write_atomic(out_path, render_pdf(html) if fmt == "pdf" else html.encode("utf-8"))
    if as_json:
        _emit_json({"file": str(out_path), "format": fmt, "verification": status})
    else:
        _echo(f"{passport} -> {out_path} ({fmt}, {status})")
    sys.exit(EXIT_OK if status == NOT_VERIFIED else Status(status).exit_code)
