"""JOSE as generic tools see it: ``typ``/``cty`` compared as media types (RFC 7515 4.1.9-10),
``iss`` and ``iat`` in every issued JWS."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from joserfc import jwt
from joserfc.jwk import ECKey, OKPKey

from conftest import DEMO, FIXTURES, load

from batterypass import Status, TrustStore, build_passport, sign, verify
from batterypass.securing.jose import compact_json, same_media_type, sign_compact
from batterypass.securing.keys import b64url_decode, load_signer

NOW = datetime(2027, 6, 1, tzinfo=timezone.utc)
ISSUED = datetime(2026, 11, 1, 8, 30, tzinfo=timezone.utc)  # before the real clock, which joserfc reads
TRUST = TrustStore.load(DEMO / "trust")
PASSPORT = build_passport(load(FIXTURES / "ev-pack.json"))


def _token(key_dir: str, **options) -> str:
    key, identity = load_signer(DEMO / key_dir / "private.pem")
    return sign(PASSPORT, key, identity=identity, envelope="jose", issued_at=ISSUED, **options)["id"].split(",", 1)[1]


@pytest.mark.filterwarnings("ignore:EdDSA is deprecated")  # RFC 9864; the name VC-JOSE-COSE uses
@pytest.mark.parametrize("key_dir", ["issuer-ed25519", "issuer-p256"])
def test_a_generic_jwt_library_checks_issuer_and_issue_time(key_dir):
    token = _token(key_dir)
    jwk = json.loads((DEMO / key_dir / "public.jwk.json").read_text())
    public = (OKPKey if jwk["kty"] == "OKP" else ECKey).import_key(jwk)
    decoded = jwt.decode(token, public, algorithms=["EdDSA", "ES256"])
    registry = jwt.JWTClaimsRegistry(iss={"essential": True, "value": "did:web:aurora-cells.example"},
                                     iat={"essential": True})
    registry.validate(decoded.claims)
    assert decoded.claims["iat"] == int(ISSUED.timestamp())
    # and the claims are the credential's own (the demo DID document lists the Ed25519 key).
    assert verify(_token("issuer-ed25519"), TRUST, now=NOW).status is Status.VALID


_VC_JWT = st.sampled_from(["", "application/", "APPLICATION/", "Application/"]).flatmap(
    lambda prefix: st.lists(st.booleans(), min_size=6, max_size=6).map(
        lambda upper: prefix + "".join(c.upper() if u else c for c, u in zip("vc+jwt", upper))
    )
)


@given(_VC_JWT)
def test_every_spelling_of_the_media_type_is_the_same(value):
    assert same_media_type(value, "vc+jwt")


@pytest.mark.parametrize("value", ["jwt", "vc+sd-jwt", "text/vc+jwt", "application/vc+jwt; x=1 ", "vc+jwt ", None, 7,
                                   "application/application/vc+jwt"])
def test_other_media_types_are_not(value):
    assert not same_media_type(value, "vc+jwt")


def _with_header(**header) -> str:
    key, identity = load_signer(DEMO / "issuer-ed25519" / "private.pem")
    token = _token("issuer-ed25519")
    payload = json.loads(b64url_decode(token.split(".")[1]))
    protected = {"alg": "EdDSA", "typ": "vc+jwt", "cty": "vc", "kid": identity.verification_method, **header}
    return sign_compact(protected, compact_json(payload), key)


@pytest.mark.parametrize("typ, cty", [("application/vc+jwt", "application/vc"), ("VC+JWT", "VC"), ("Application/Vc+Jwt", "vc")])
def test_verify_accepts_typ_and_cty_as_media_types(typ, cty):
    assert verify(_with_header(typ=typ, cty=cty), TRUST, now=NOW).status is Status.VALID


@pytest.mark.parametrize("typ, cty", [("jwt", "vc"), ("vc+jwt", "application/vp"), ("text/vc+jwt", "vc")])
def test_verify_refuses_other_media_types(typ, cty):
    assert verify(_with_header(typ=typ, cty=cty), TRUST, now=NOW).status is Status.INVALID
