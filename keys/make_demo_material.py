"""Regenerate the DEMO keys, certificates and trust store under ``keys/demo/``.

DEMO/TEST MATERIAL ONLY: the private keys are written unencrypted and published in the
repository. Nothing made here may ever be trusted in production (see keys/README.md).

Run from the repository root::

    PYTHONPATH=src .venv/bin/python keys/make_demo_material.py

It replaces ``keys/demo/`` entirely. The tests import :func:`certificate` from this file, so
the demo chain and the test chains are made the same way.
"""

from __future__ import annotations

import shutil
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from batterypass.securing.keys import PublicKey, generate_issuer_key, write_key_directory
from batterypass.verifying.trust import DOCUMENT_SIGNING_EKU

DEMO_ISSUER = "did:web:aurora-cells.example"
DEMO_HOST = "aurora-cells.example"
#: Long enough that CI does not break; short enough to be obviously not a real root.
VALIDITY = timedelta(days=3650)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "batterypass DEMO - not for production"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def certificate(
    subject: str,
    public_key: PublicKey,
    issuer: x509.Certificate | None,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool,
    not_before: datetime,
    not_after: datetime,
    san: list[x509.GeneralName] | None = None,
    eku: list[x509.ObjectIdentifier] | None = None,
) -> x509.Certificate:
    """A certificate for ``public_key`` signed by ``issuer_key`` (self-signed when ``issuer`` is None).

    CA certificates get the extensions RFC 5280 path validation wants (basic constraints,
    key usage keyCertSign, key identifiers); end-entity certificates get digitalSignature,
    the SubjectAlternativeName ``san`` and, when given, the Extended Key Usage ``eku``.
    """
    issuer_name = issuer.subject if issuer is not None else _name(subject)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca and issuer is not None else None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca, content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=ca, crl_sign=ca, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
    )
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def pem_chain(*certificates: x509.Certificate) -> bytes:
    """The certificates as one PEM file, in the order given (leaf first for a chain)."""
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


def main(root: Path) -> None:
    demo = root / "demo"
    if demo.exists():
        shutil.rmtree(demo)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    start, end = now - timedelta(days=1), now + VALIDITY

    ed25519_key = generate_issuer_key("ed25519")
    write_key_directory(demo / "issuer-ed25519", ed25519_key, DEMO_ISSUER)

    # The CA keys are thrown away: the demo never issues another certificate from them.
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_ca = certificate(
        "batterypass DEMO root CA — not for production", root_key.public_key(), None, root_key,
        ca=True, not_before=start, not_after=end,
    )
    intermediate_key = ec.generate_private_key(ec.SECP256R1())
    intermediate = certificate(
        "batterypass DEMO issuing CA — not for production", intermediate_key.public_key(), root_ca, root_key,
        ca=True, not_before=start, not_after=end,
    )
    p256_key = generate_issuer_key("p256")
    leaf = certificate(
        "Aurora Cells DEMO passport signing — not for production", p256_key.public_key, intermediate, intermediate_key,
        ca=False, not_before=start, not_after=end,
        san=[x509.DNSName(DEMO_HOST), x509.UniformResourceIdentifier(DEMO_ISSUER)],
        eku=[DOCUMENT_SIGNING_EKU],
    )
    p256_dir = demo / "issuer-p256"
    write_key_directory(p256_dir, p256_key, DEMO_ISSUER)
    (p256_dir / "cert-chain.pem").write_bytes(pem_chain(leaf, intermediate))
    (demo / "root-ca.pem").write_bytes(pem_chain(root_ca))

    trust = demo / "trust"
    trust.mkdir()
    shutil.copyfile(demo / "issuer-ed25519" / "did.json", trust / "aurora-cells.did.json")
    shutil.copyfile(demo / "root-ca.pem", trust / "demo-root-ca.pem")
    # The root's scope: the one issuer it may certify, named exactly because the store also
    # pins that issuer with its DID document (see batterypass.verifying.trust).
    (trust / "demo-root-ca.pem.issuers").write_text(
        f"# issuers the DEMO root may certify (DEMO material: never trust it in production)\n{DEMO_ISSUER}\n"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent)
