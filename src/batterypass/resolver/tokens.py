"""Bearer tokens: issuer tokens to publish, audience tokens to read restricted views.

Contract:

* A token is ``bpt_<id>_<secret>``: the id (public, listed, logged in the audit) finds the
  record; the secret is 256 random bits. Only the SHA-256 of the whole token is stored, and
  the token is returned once, by :func:`create_token`.
* An issuer token is scoped to one issuer id: it publishes that issuer's credentials only.
  An audience token grants one audience (``legitimate-interest`` or ``authority``); the
  public view needs none.
* Every token expires; a revoked or expired token is refused like a wrong one.
* :func:`check_token` answers 401 (no, malformed, unknown, wrong, expired or revoked token:
  who is asking is not established) or 403 (a good token for another scope), with a reason
  that never quotes the token.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from ..errors import BatteryPassError
from ..model.access import Access
from .store import Store, TokenRecord, now_utc

ISSUER, AUDIENCE = "issuer", "audience"
#: Audiences a token can grant: the public view needs no token.
RESTRICTED_AUDIENCES = (Access.LEGITIMATE_INTEREST.value, Access.AUTHORITY.value)
DEFAULT_LIFETIME = timedelta(days=90)
MAX_LIFETIME = timedelta(days=3650)
_TOKEN = re.compile(r"bpt_([0-9a-f]{16})_[A-Za-z0-9_-]{43}")
_DURATION = re.compile(r"([1-9][0-9]{0,5})([hd])")


class TokenError(BatteryPassError):
    """A token cannot be created, found or revoked as asked."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def parse_lifetime(text: str) -> timedelta:
    """``12h`` or ``90d``, at most ten years."""
    match = _DURATION.fullmatch(text)
    if not match:
        raise TokenError(f"{text!r} is not a lifetime like 12h or 90d")
    lifetime = timedelta(hours=int(match[1])) if match[2] == "h" else timedelta(days=int(match[1]))
    if lifetime > MAX_LIFETIME:
        raise TokenError(f"{text!r} is longer than the ten years a token may live")
    return lifetime


def create_token(store: Store, kind: str, scope: str, lifetime: timedelta = DEFAULT_LIFETIME) -> tuple[TokenRecord, str]:
    """Create and store a token; returns its record and the token (shown once, never stored)."""
    if kind == AUDIENCE and scope not in RESTRICTED_AUDIENCES:
        raise TokenError(f"audience {scope!r}: a token grants one of {', '.join(RESTRICTED_AUDIENCES)} (the public view needs none)")
    if kind == ISSUER and not scope:
        raise TokenError("an issuer token needs the issuer id it may publish for")
    token_id = secrets.token_hex(8)
    token = f"bpt_{token_id}_{secrets.token_urlsafe(32)}"
    created = datetime.now(timezone.utc)
    record = TokenRecord(
        id=token_id,
        kind=kind,
        scope=scope,
        hash=token_hash(token),
        created_at=now_utc(),
        expires_at=(created + lifetime).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        revoked_at=None,
    )
    store.add_token(record)
    return record, token


@dataclass(frozen=True)
class TokenCheck:
    """The outcome of :func:`check_token`: ``status`` 200 (granted), 401 or 403."""

    status: int
    reason: str
    token_id: str | None = None
    scope: str | None = None

    @property
    def granted(self) -> bool:
        return self.status == 200


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer`` header, or None."""
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def check_token(store: Store, token: str | None, kind: str, scope: str | None) -> TokenCheck:
    """Whether ``token`` is a live token of ``kind`` granting ``scope`` (an issuer id or an
    audience; None: any, for the caller to compare with the granted ``TokenCheck.scope``)."""
    if token is None:
        return TokenCheck(401, "a bearer token is required")
    match = _TOKEN.fullmatch(token)
    if not match:
        return TokenCheck(401, "the bearer token is malformed")
    record = store.token(match[1])
    if record is None or not hmac.compare_digest(record.hash, token_hash(token)):
        return TokenCheck(401, "the bearer token is not valid")
    if record.revoked_at is not None:
        return TokenCheck(401, f"token {record.id} was revoked", record.id)
    if record.expires_at <= now_utc():
        return TokenCheck(401, f"token {record.id} expired at {record.expires_at}", record.id)
    if record.kind != kind:
        return TokenCheck(403, f"token {record.id} is an {record.kind} token, not an {kind} token", record.id)
    if scope is not None and record.scope != scope:
        wanted = "publish for" if kind == ISSUER else "read the view for"
        return TokenCheck(403, f"token {record.id} may not {wanted} {scope}", record.id)
    return TokenCheck(200, "granted", record.id, record.scope)
