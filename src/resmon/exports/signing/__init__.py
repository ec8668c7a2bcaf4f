"""Digitally signed PDFs (pyhanko) and their offline verification.

``sign_pdf(data, reason=..., location=...)`` signs with the configured certificate;
``verify_pdf(data)`` says whether a PDF is signed, by whom, when, and whether it was changed since.
See docs/decisions/013-signatures.md.
"""

from .certificates import SigningNotConfigured, make_demo_certificate
from .sign import sign_pdf
from .verify import (
    ALTERED,
    INTACT_UNTRUSTED,
    NOT_SIGNED,
    TRUSTED,
    UNREADABLE,
    SignatureCheck,
    Verification,
    verify_pdf,
)

__all__ = [
    "ALTERED",
    "INTACT_UNTRUSTED",
    "NOT_SIGNED",
    "TRUSTED",
    "UNREADABLE",
    "SignatureCheck",
    "SigningNotConfigured",
    "Verification",
    "make_demo_certificate",
    "sign_pdf",
    "verify_pdf",
]
