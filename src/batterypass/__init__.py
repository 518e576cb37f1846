"""batterypass: build, sign, QR-label and verify EU battery passports.

The public API is what this module exports; everything else is internal and may change.

    >>> from batterypass import build_passport, passport_credential
    >>> passport = build_passport(build_data)          # raises InvalidInputError with .problems
    >>> credential = passport_credential(passport)      # unsigned VC 2.0 credential (a dict)
"""

from .assemble import build_passport, parse_build_data
from .credential import passport_credential
from .errors import BatteryPassError, InvalidInputError, KeyFileError, PassportNotRequiredError, Problem
from .issuance import IssuedPassport, QrOptions, Signer, issue_passport
from .model import Access, BuildData, Passport
from .model.views import view_for
from .rules import obligations, passport_requirement

__all__ = [
    "Access",
    "BatteryPassError",
    "BuildData",
    "InvalidInputError",
    "IssuedPassport",
    "KeyFileError",
    "Passport",
    "PassportNotRequiredError",
    "Problem",
    "QrOptions",
    "Signer",
    "build_passport",
    "issue_passport",
    "obligations",
    "parse_build_data",
    "passport_credential",
    "passport_requirement",
    "view_for",
]
