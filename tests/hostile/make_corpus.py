"""Regenerate the hostile corpus: one JSON file per attack in this directory.

    PYTHONPATH=src .venv/bin/python tests/hostile/make_corpus.py

Each case is self-contained (its own keys, DID documents, roots and status lists, made here
with throwaway keys whose private halves are discarded) and time-stable (signed in the past,
certificates valid until 2036), so the corpus stays valid as committed. A case file holds:

* ``attack``: what the attacker does, ``issue``: the item of issue 8 (or the earlier hardening);
* ``args``: the command line, with ``{input}``, ``{trust}`` and ``{dir}`` placeholders;
* ``trust`` / ``files``: files to write into the trust directory / beside the input
  (a JSON value is written as JSON, a string as text);
* ``input`` (a JSON value) or ``input_text`` (raw text): the hostile document, as ``{input}``;
* ``expect``: ``exit`` code, ``status`` (the ``--json`` verdict, when the command prints
  one), ``output`` substrings that must appear, ``no_control_characters`` for cases
  that try to write escapes to the terminal, and ``max_output_chars`` for floods.

``tests/test_hostile_corpus.py`` runs every case through the CLI.
"""

from __future__ import annotations

import base64
import copy
import json
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, NameOID

from batterypass import Access, QrOptions, Signer, build_passport, end_of_life, issue_passport, issue_views, passport_credential
from batterypass.securing.jose import sign_compact
from batterypass.securing.keys import IssuerIdentity, did_document, did_key_identity, generate_issuer_key
from batterypass.securing.signing import sign_credential
from batterypass.securing.status_list import MIN_BITSTRING_BYTES, make_status_list
from batterypass.verifying.trust import DOCUMENT_SIGNING_EKU

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE.parent))  # the tests' conftest: the demo material's certificate helpers
from conftest import DEMO_MATERIAL  # noqa: E402
AURORA = "did:web:aurora-cells.example"
SIGNED_AT = "2026-06-01T08:00:00Z"
START, END = datetime(2026, 1, 1, tzinfo=timezone.utc), datetime(2036, 1, 1, tzinfo=timezone.utc)
LIST_URL = "https://aurora-cells.example/status/hostile"
SMALL = MIN_BITSTRING_BYTES * 8


KEY = generate_issuer_key("ed25519")
AURORA_DOC = did_document(AURORA, KEY)
IDENTITY = IssuerIdentity(AURORA, AURORA_DOC["assertionMethod"][0])
TRUST = {"aurora.did.json": AURORA_DOC}


def build_data(serial: str = "HOSTILE-1") -> dict:
    data = json.loads((ROOT / "fixtures" / "ev-pack.json").read_text())
    data["battery"]["serialNumber"] = serial
    return data


def credential(**extra) -> dict:
    document = passport_credential(build_passport(build_data()), datetime(2026, 6, 1, 8, tzinfo=timezone.utc))
    return {**document, **extra}


def signed(**extra) -> dict:
    return sign_credential(credential(**extra), KEY, IDENTITY, created=SIGNED_AT)


def public_view(edit=None) -> dict:
    """Aurora's public view of the passport, unsigned, ``edit`` applied to its credential."""
    views = issue_views(build_passport(build_data()), None, issued_at=datetime(2026, 6, 1, 8, tzinfo=timezone.utc),
                        audiences=(Access.PUBLIC,))
    document = views[Access.PUBLIC]
    if edit:
        edit(document)
    return document


def signed_public_view(edit=None, key=None, identity=None) -> dict:
    """:func:`public_view`, signed by ``key`` (Aurora's by default)."""
    return sign_credential(public_view(edit), key or KEY, identity or IDENTITY, created=SIGNED_AT)


def pem(*certificates: x509.Certificate) -> str:
    return DEMO_MATERIAL.pem_chain(*certificates).decode()


def root(name: str):
    key = ec.generate_private_key(ec.SECP256R1())
    return key, DEMO_MATERIAL.certificate(f"{name} root", key.public_key(), None, key, ca=True, not_before=START, not_after=END)


def x5c_passport(root_key, root_cert, *, leaf_key=None, eku=(DOCUMENT_SIGNING_EKU,), alg_key=None) -> dict:
    """A jose passport claiming Aurora, signed under a leaf that ``root_cert`` issued."""
    signing_key = alg_key or generate_issuer_key("p256")
    public = leaf_key or signing_key.public_key
    leaf = DEMO_MATERIAL.certificate("passport signing", public, root_cert, root_key, ca=False, not_before=START, not_after=END,
                            san=[x509.DNSName("aurora-cells.example"), x509.UniformResourceIdentifier(AURORA)],
                            eku=list(eku) if eku else None)
    x5c = [base64.b64encode(leaf.public_bytes(serialization.Encoding.DER)).decode()]
    header = {"alg": signing_key.jws_alg, "typ": "vc+jwt", "cty": "vc", "kid": IDENTITY.verification_method,
              "iat": int(datetime(2026, 6, 1, tzinfo=timezone.utc).timestamp()), "x5c": x5c}
    payload = json.dumps({**credential(), "issuer": AURORA}).encode()
    token = sign_compact(header, payload, signing_key)
    return {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": "EnvelopedVerifiableCredential",
            "id": f"data:application/vc+jwt,{token}"}


def status_list(revoked, size=SMALL, valid_from=None, created=SIGNED_AT, purposes=None) -> dict:
    unsigned = make_status_list(revoked, size, list_id=LIST_URL, issuer=AURORA, valid_from=valid_from)
    if purposes is not None:
        unsigned["credentialSubject"]["statusPurpose"] = purposes
    return sign_credential(unsigned, KEY, IDENTITY, created=created)


def status_entry(index: int) -> dict:
    return {"type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": str(index),
            "statusListCredential": LIST_URL}


VERIFY = ["verify", "{input}", "--trust", "{trust}", "--json"]


def cases() -> dict[str, dict]:
    out: dict[str, dict] = {}
    second_key, second_root = root("Second Maker")
    forged = x5c_passport(second_key, second_root)
    out["forged-issuer-other-makers-root"] = {
        "attack": "a second manufacturer's root (trusted for itself) certifies a key for Aurora's id, which signs a passport 'by Aurora'",
        "issue": "8.1", "args": VERIFY, "input": forged,
        "trust": {**TRUST, "second.pem": pem(second_root), "second.pem.issuers": "did:web:second-maker.example\n"},
        "expect": {"exit": 7, "status": "unlisted-key", "output": ["may certify only did:web:second-maker.example"]},
    }
    out["forged-issuer-pattern-scope-on-pinned-issuer"] = {
        "attack": "the second root's scope is a pattern under Aurora's id; Aurora is pinned by its DID document",
        "issue": "8.1", "args": VERIFY, "input": forged,
        "trust": {**TRUST, "second.pem": pem(second_root), "second.pem.issuers": "did:web:aurora-cells.example:*\n"},
        "expect": {"exit": 7, "status": "unlisted-key", "output": ["pinned by a document in the store"]},
    }
    out["unscoped-root"] = {
        "attack": "a root certificate without a scope in the trust store", "issue": "8.1",
        "args": VERIFY, "input": signed(), "trust": {**TRUST, "root.pem": pem(second_root)},
        "expect": {"exit": 2, "output": ["root.pem", "unscoped root"]},
    }
    out["scope-file-star"] = {
        "attack": "a root scoped to everything ('*')", "issue": "8.1",
        "args": VERIFY, "input": signed(), "trust": {**TRUST, "root.pem": pem(second_root), "root.pem.issuers": "*\n"},
        "expect": {"exit": 2, "output": ["root.pem.issuers", "not a pattern"]},
    }
    bad_key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "malformed root")])
    malformed = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(bad_key.public_key())
                 .serial_number(7).not_valid_before(START).not_valid_after(END)
                 .add_extension(x509.UnrecognizedExtension(ExtensionOID.BASIC_CONSTRAINTS, b"\x05\x00"), critical=True)
                 .sign(bad_key, hashes.SHA256()))
    out["root-with-malformed-extension"] = {
        "attack": "a trust-store root whose BasicConstraints extension is not DER of the right type", "issue": "8.5",
        "args": VERIFY, "input": signed(), "trust": {**TRUST, "bad.pem": pem(malformed), "bad.pem.issuers": AURORA},
        "expect": {"exit": 2, "output": ["bad.pem", "malformed certificate"]},
    }
    own_key, own_root = root("Aurora")
    out["ed25519-leaf-in-x5c"] = {
        "attack": "an EdDSA JWS whose x5c leaf holds an Ed25519 key", "issue": "8.10",
        "args": VERIFY, "input": x5c_passport(own_key, own_root, alg_key=generate_issuer_key("ed25519")),
        "trust": {"aurora.pem": pem(own_root), "aurora.pem.issuers": AURORA},
        "expect": {"exit": 1, "status": "invalid", "output": ["P-256"]},
    }
    out["tls-server-certificate-signs"] = {
        "attack": "a leaf certificate for TLS servers (EKU serverAuth) signs a passport", "issue": "hardening",
        "args": VERIFY, "input": x5c_passport(own_key, own_root, eku=(ExtendedKeyUsageOID.SERVER_AUTH,)),
        "trust": {"aurora.pem": pem(own_root), "aurora.pem.issuers": AURORA},
        "expect": {"exit": 3, "status": "unknown-issuer", "output": ["documentSigning"]},
    }
    far = SMALL + 5
    revocable = signed(credentialStatus=status_entry(far))
    out["status-list-shorter-old-copy"] = {
        "attack": "an old, shorter copy of the status list handed in beside the current one, both undated",
        "issue": "8.2", "args": [*VERIFY, "--status-list", "{dir}/old.json", "--status-list", "{dir}/current.json",
                                 "--max-status-age", "100000d"],
        "input": revocable, "trust": TRUST,
        "files": {"current.json": status_list([far], size=2 * SMALL), "old.json": status_list([])},
        "expect": {"exit": 5, "status": "revoked"},
    }
    dated = signed(credentialStatus=status_entry(9))
    out["status-list-older-dated-copy"] = {
        "attack": "an older dated copy without the revocation, given after the newer one", "issue": "8.2",
        "args": [*VERIFY, "--status-list", "{dir}/new.json", "--status-list", "{dir}/old.json", "--max-status-age", "100000d"],
        "input": dated, "trust": TRUST,
        "files": {"new.json": status_list([9], valid_from=datetime(2026, 5, 1, tzinfo=timezone.utc)),
                  "old.json": status_list([], valid_from=datetime(2026, 1, 1, tzinfo=timezone.utc))},
        "expect": {"exit": 5, "status": "revoked"},
    }
    both = status_list([9], valid_from=datetime(2026, 5, 1, tzinfo=timezone.utc), purposes=["revocation", "suspension"])
    out["status-list-older-copy-of-another-purpose-set"] = {
        "attack": "an older copy stating only revocation, clear, given after the newer one stating revocation and suspension",
        "issue": "review 2",
        "args": [*VERIFY, "--status-list", "{dir}/new.json", "--status-list", "{dir}/old.json", "--require-status",
                 "--max-status-age", "100000d"],
        "input": dated, "trust": TRUST,
        "files": {"new.json": both, "old.json": status_list([], valid_from=datetime(2026, 1, 1, tzinfo=timezone.utc))},
        "expect": {"exit": 5, "status": "revoked"},
    }
    out["status-list-stale"] = {
        "attack": "a 790-day-old status list offered as proof that a passport is not revoked", "issue": "8.2",
        "args": [*VERIFY, "--status-list", "{dir}/ancient.json", "--require-status"],
        "input": dated, "trust": TRUST, "files": {"ancient.json": status_list([], created="2024-04-01T00:00:00Z")},
        "expect": {"exit": 6, "status": "status-unknown", "output": ["stale"]},
    }
    flood = build_data()
    flood["materials"]["composition"] = [{}] * 20_000
    out["problem-flood-long-array"] = {
        "attack": "build data whose composition is 20,000 empty objects (a million problems at 1 MB)", "issue": "8.4",
        "args": ["validate", "{input}", "--json"], "input": flood,
        "expect": {"exit": 1, "output": ["holds 20000 items, more than the 10000 allowed"]},
    }
    many = build_data()
    many["materials"]["composition"] = [{}] * 5_000
    out["problem-flood-capped"] = {
        "attack": "5,000 empty objects within the array limit: 20,000 problems", "issue": "8.4",
        "args": ["validate", "{input}", "--json"], "input": many,
        "expect": {"exit": 1, "output": ["more problem(s), not listed"]},
    }
    out["batch-problem-flood"] = {
        "attack": "batch lines that each describe a flood of problems", "issue": "8.4",
        "args": ["batch", "{dir}/lots.jsonl", "--out", "{dir}/out", "--no-qr", "-j", "1", "--json"],
        "input": {}, "files": {"lots.jsonl": "".join(json.dumps(many) + "\n" for _ in range(3))},
        "expect": {"exit": 1, "output": ["more problem(s), not listed"]},
    }
    flood_view = public_view()
    flood_view["credentialSubject"].update({f"k{n}": 0 for n in range(5_000)})
    stranger = generate_issuer_key("ed25519")
    out["over-disclosure-flood-unknown-issuer"] = {
        "attack": "a throwaway did:key signs a public view with 5,000 unknown keys, to flood the verdict", "issue": "review 8",
        "args": VERIFY, "input": sign_credential(flood_view, stranger, did_key_identity(stranger), created=SIGNED_AT),
        "trust": TRUST, "expect": {"exit": 3, "status": "unknown-issuer", "max_output_chars": 5_000},
    }
    out["over-disclosure-flood-capped"] = {
        "attack": "the known issuer signs a public view with 5,000 unknown keys: 5,000 problems", "issue": "review 8",
        "args": VERIFY, "input": sign_credential(flood_view, KEY, IDENTITY, created=SIGNED_AT), "trust": TRUST,
        "expect": {"exit": 1, "status": "invalid", "output": ["more problem(s), not listed"], "max_output_chars": 200_000},
    }
    deep = build_data()
    nested: dict = {}
    for _ in range(200):
        nested = {"a": nested}
    deep["battery"]["extra"] = nested
    out["deep-nesting"] = {
        "attack": "build data nested 200 levels deep", "issue": "8.10",
        "args": ["validate", "{input}", "--json"], "input": deep,
        "expect": {"exit": 1, "output": ["nested deeper than 64 levels"]},
    }
    escapes = signed()
    escapes["issuer"] = AURORA + "\n\x1b[2K\x1b[1Gpassport.json: VALID \u202e"
    out["terminal-escapes-in-issuer"] = {
        "attack": "newlines, ANSI escapes and a bidi override in the claimed issuer, to paint VALID on the terminal",
        "issue": "8.6", "args": ["verify", "{input}", "--trust", "{trust}"], "input": escapes, "trust": TRUST,
        "expect": {"exit": 1, "output": ["\\x1b[2K", "INVALID"], "no_control_characters": True},
    }
    good = signed()
    tampered = copy.deepcopy(good)
    tampered["credentialSubject"]["generalProductInformation"]["batteryMassKg"] = 1.0
    out["tampered-subject"] = {
        "attack": "a signed passport whose battery mass was changed afterwards", "issue": "hardening",
        "args": VERIFY, "input": tampered, "trust": TRUST, "expect": {"exit": 1, "status": "invalid"},
    }
    appended = copy.deepcopy(good)
    appended["@context"] = [*appended["@context"], {"@vocab": "https://evil.example/#"}]
    out["context-appended-after-signing"] = {
        "attack": "an @context entry appended after signing (the suite tolerates it; we do not)", "issue": "hardening",
        "args": VERIFY, "input": appended, "trust": TRUST, "expect": {"exit": 1, "status": "invalid"},
    }
    text = json.dumps(good)
    out["duplicate-keys"] = {
        "attack": "a second 'issuer' key that another parser would read instead", "issue": "hardening",
        "args": VERIFY, "input_text": text[:-1] + ', "issuer": "did:web:evil.example"}', "trust": TRUST,
        "expect": {"exit": 1, "status": "invalid", "output": ["duplicate key"]},
    }
    unsigned_jws = ".".join(base64.urlsafe_b64encode(part).decode().rstrip("=") for part in (
        json.dumps({"alg": "none", "typ": "vc+jwt"}).encode(), json.dumps(credential()).encode())) + "."
    out["alg-none"] = {
        "attack": "a compact JWS with alg none", "issue": "hardening",
        "args": VERIFY, "input_text": unsigned_jws, "trust": TRUST, "expect": {"exit": 1, "status": "invalid"},
    }
    views = issue_views(build_passport(build_data()), None, issued_at=datetime(2026, 6, 1, 8, tzinfo=timezone.utc),
                        audiences=(Access.PUBLIC, Access.LEGITIMATE_INTEREST))
    issuer = Signer(KEY, IDENTITY)
    public, restricted = views[Access.PUBLIC], views[Access.LEGITIMATE_INTEREST]
    composition = {**public["credentialSubject"]["materialComposition"],
                   "batteryMaterials": restricted["credentialSubject"]["materialComposition"]["batteryMaterials"]}
    over = {**public, "credentialSubject": {**public["credentialSubject"], "materialComposition": composition}}
    out["view-over-disclosing-re-signed"] = {
        "attack": "the issuer's key signs a public view holding the detailed composition (Annex XIII point 2)",
        "issue": "11", "args": VERIFY, "input": issuer.sign(over, created=SIGNED_AT), "trust": TRUST,
        "expect": {"exit": 1, "status": "invalid",
                   "output": ["point 2 data in a public view: $.credentialSubject.materialComposition.batteryMaterials"]},
    }
    both = {**restricted, "type": [*restricted["type"], public["type"][-1]]}
    out["view-states-two-audiences"] = {
        "attack": "a legitimate-interest view also typed as the public view, so a reader of types sees it as public",
        "issue": "11", "args": VERIFY, "input": issuer.sign(both, created=SIGNED_AT), "trust": TRUST,
        "expect": {"exit": 1, "status": "invalid", "output": ["2 audiences"]},
    }

    def gtin(path: str):
        return lambda document: document["credentialSubject"]["generalProductInformation"].update(gtin=path)

    out["publish-gtin-path-traversal"] = {
        "attack": "a public view whose GTIN is a path, so a static export would write outside its directory", "issue": "review fix-r 3",
        "args": ["publish", "{input}", "--to", "static:{dir}/site/export", "--trust", "{trust}"],
        "input": signed_public_view(gtin("../../escaped")), "trust": TRUST,
        "expect": {"exit": 1, "output": ["generalProductInformation.gtin: must contain digits only"]},
    }
    rival = "did:web:rival-cells.example"
    rival_key = generate_issuer_key("ed25519")
    rival_doc = did_document(rival, rival_key)
    rival_identity = IssuerIdentity(rival, rival_doc["assertionMethod"][0])

    def rival_model(document):
        document["issuer"] = rival
        document["credentialSubject"]["generalProductInformation"]["batteryModel"] = "RECALLED"

    def new_id(document):
        rival_model(document)
        other = "urn:uuid:0b5e3a52-0000-4000-8000-000000000001"
        document["credentialSubject"]["id"] = other
        document["credentialSubject"]["generalProductInformation"]["batteryPassportIdentifier"] = other

    for name, edit, held in (("passport-id", rival_model, "passport urn:uuid:"), ("gtin-serial", new_id, "the battery GTIN")):
        out[f"publish-takeover-same-{name}"] = {
            "attack": f"a second trusted issuer publishes over the first one's battery with the same {name}", "issue": "review fix-r 1",
            "args": ["publish", "{dir}/first.json", "{input}", "--to", "sqlite:///{dir}/store.db", "--trust", "{trust}"],
            "input": signed_public_view(edit, rival_key, rival_identity), "files": {"first.json": signed_public_view()},
            "trust": {**TRUST, "rival.did.json": rival_doc},
            "expect": {"exit": 1, "output": ["held-by-another-issuer", held, "held by did:web:aurora-cells.example"]},
        }
    out["publish-handover-claimed-by-third-issuer"] = handover_case()
    escapes = signed_public_view()
    escapes["issuer"] = {"id": AURORA + "\x1b[2K\r\x1b[32mpublished (VALID)\x1b[0m"}
    out["publish-terminal-escapes-in-issuer"] = {
        "attack": "ANSI escapes in a public view's issuer, to paint 'published' over publish's refusal", "issue": "review fix-r 9",
        "args": ["publish", "{input}", "--to", "sqlite:///{dir}/store.db", "--trust", "{trust}"], "input": escapes, "trust": TRUST,
        "expect": {"exit": 1, "output": ["\\x1b[2K"], "no_control_characters": True},
    }
    return out


def handover_case() -> dict:
    """Aurora's battery became waste, handed to its producer responsibility organisation; a third
    trusted issuer publishes the next version naming itself as the responsible operator."""
    pro, pro_key = "LEI:98450000BATTERYPRO1", generate_issuer_key("ed25519")
    pro_doc = did_document("did:web:battery-pro.example", pro_key, [pro])
    rival, rival_key = "LEI:9845001NTRUDER00042", generate_issuer_key("ed25519")
    rival_doc = did_document("did:web:intruder.example", rival_key, [rival])
    rival_signer = Signer(rival_key, IssuerIdentity(rival_doc["id"], rival_doc["assertionMethod"][0]))
    with tempfile.TemporaryDirectory() as work:
        built = issue_passport(build_data(), work, signer=Signer(KEY, IDENTITY), qr_options=QrOptions(enabled=False),
                               issued_at=datetime(2026, 6, 1, 8, tzinfo=timezone.utc))
        waste = end_of_life(built.files["passport"], "waste", work, signer=Signer(KEY, IDENTITY),
                            operator={"identifier": pro, "name": "Battery PRO", "role": "producer-responsibility-organisation"},
                            issued_at=datetime(2026, 6, 2, 8, tzinfo=timezone.utc))
        claimed = end_of_life(waste.files["passport"], "waste", work, signer=rival_signer,
                              operator={"identifier": rival, "name": "Intruder", "role": "waste-management-operator"},
                              issued_at=datetime(2026, 6, 3, 8, tzinfo=timezone.utc))
        public = [json.loads(issued.files["publicView"].read_text()) for issued in (built, waste, claimed)]
    return {
        "attack": "after waste, a third trusted issuer the holder's waste version does not name publishes the next version "
                  "of the same passport, naming itself as the responsible operator, to take over the QR link",
        "issue": "handover", "args": ["publish", "{dir}/v1.json", "{dir}/v2.json", "{input}", "--to", "sqlite:///{dir}/store.db",
                                      "--trust", "{trust}"],
        "input": public[2], "files": {"v1.json": public[0], "v2.json": public[1]},
        "trust": {**TRUST, "pro.did.json": pro_doc, "intruder.did.json": rival_doc},
        "expect": {"exit": 1, "output": ["held-by-another-issuer", f"names {pro} as the responsible operator",
                                         "end-of-life --status waste --operator"]},
    }


def main() -> None:
    for old in HERE.glob("*.json"):
        old.unlink()
    for name, case in cases().items():
        # One top-level member a line, each value compact: readable, and small for the floods.
        members = ",\n ".join(f"{json.dumps(key)}: {json.dumps(value, separators=(',', ':'))}" for key, value in case.items())
        (HERE / f"{name}.json").write_text("{" + members + "}\n")
    print(f"{len(list(HERE.glob('*.json')))} cases in {HERE}", file=sys.stderr)


if __name__ == "__main__":
    main()
