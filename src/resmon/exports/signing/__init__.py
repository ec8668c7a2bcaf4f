"""Digitally signed PDFs (pyhanko) and their offline verification.

``sign_pdf(data, reason=..., location=...)`` signs with the configured certificate;
``verify_pdf(data)`` says whether a PDF is signed, by whom, when, and whether it was changed since.
See docs/decisions/013-signatures.md.

pyhanko costs a web worker ~45 MB, so the names below load their module on first use (PEP 562):
a worker that never signs or verifies never loads it.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_MODULES = {
    "SigningNotConfigured": "certificates",
    "make_demo_certificate": "certificates",
    "sign_pdf": "sign",
    **dict.fromkeys(
        ("ALTERED", "INTACT_UNTRUSTED", "NOT_SIGNED", "TRUSTED", "UNREADABLE", "SignatureCheck"), "verify"
    ),
    "Verification": "verify",
    "verify_pdf": "verify",
}


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_MODULES[name]}", __name__), name)


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
