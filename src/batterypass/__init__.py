"""batterypass: build, sign, QR-label and verify EU battery passports.

The public API is what this module exports; everything else is internal and may change.

    >>> from batterypass import build_passport, load_signer, sign, verify, TrustStore
    >>> passport = build_passport(build_data)            # raises InvalidInputError with .problems
    >>> key, identity = load_signer("issuer/private.pem")
    >>> signed = sign(passport, key, identity=identity)  # a VC 2.0 credential with its proof
    >>> result = verify(signed, TrustStore.load("trust/"))
    >>> result.status, result.reasons, result.passport    # passport only when VALID
    >>> views = issue_views(passport, signer)             # {Access.PUBLIC: credential, ...}
    >>> compare_credentials(views["public"], signed).agree
"""

from .issuing.assemble import Draft, build_draft, build_passport, parse_build_data
from .issuing.batch import ItemResult, build_many
from .securing.credential import passport_credential
from .formats.convert import FORMATS, convert, detect_format
from .formats.jsonld import passport_context
from .formats.mapping import Conversion
from .errors import BatteryPassError, InvalidInputError, KeyFileError, PassportNotRequiredError, Problem
from .issuing.issuance import IssuedPassport, QrOptions, Signer, issue_passport
from .issuing.views import issue_views
from .issuing.lifecycle import end_of_life, second_life, update_many, update_passport
from .securing.keys import IssuerIdentity, IssuerKey, generate_issuer_key, load_signer
from .model import Access, BuildData, Passport
from .model.views import view_for
from .law.acts import ActsTable, load_acts
from .law.rules import obligations, passport_requirement
from .securing.signing import sign
from .verifying.trust import TrustStore
from .verifying.comparison import Comparison, compare_credentials
from .verifying.history import HistoryResult, verify_history
from .verifying.verification import Status, VerificationResult, verify

__all__ = [
    "Access",
    "ActsTable",
    "BatteryPassError",
    "BuildData",
    "Comparison",
    "Conversion",
    "Draft",
    "FORMATS",
    "HistoryResult",
    "InvalidInputError",
    "IssuedPassport",
    "IssuerIdentity",
    "IssuerKey",
    "ItemResult",
    "KeyFileError",
    "Passport",
    "PassportNotRequiredError",
    "Problem",
    "QrOptions",
    "Signer",
    "Status",
    "TrustStore",
    "VerificationResult",
    "build_draft",
    "build_many",
    "build_passport",
    "compare_credentials",
    "convert",
    "detect_format",
    "end_of_life",
    "generate_issuer_key",
    "issue_passport",
    "issue_views",
    "load_acts",
    "load_signer",
    "obligations",
    "parse_build_data",
    "passport_context",
    "passport_credential",
    "passport_requirement",
    "second_life",
    "sign",
    "update_many",
    "update_passport",
    "verify",
    "verify_history",
    "view_for",
]
