"""X.509 certificates as signing and verification both judge them: named for people, and
valid (or not) at a given time."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from cryptography import x509


def certificate_subject(certificate: x509.Certificate) -> str:
    """The certificate's subject for a message (RFC 4514), never raising on a malformed one."""
    try:
        return certificate.subject.rfc4514_string() or "(empty subject)"
    except ValueError:
        return "(malformed subject)"


def certificate_validity_problems(chain: Iterable[x509.Certificate], at: datetime) -> list[str]:
    """Why each certificate of ``chain`` is not valid at ``at`` (none: all are)."""
    problems = []
    for certificate in chain:
        start, end = certificate.not_valid_before_utc, certificate.not_valid_after_utc
        if at < start:
            problems.append(f"certificate {certificate_subject(certificate)} is not yet valid at {at.isoformat()} (valid from {start.isoformat()})")
        elif at > end:
            problems.append(f"certificate {certificate_subject(certificate)} expired on {end.isoformat()}, before {at.isoformat()}")
    return problems
