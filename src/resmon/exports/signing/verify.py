"""Offline verification of the signatures in a PDF.

Nothing is fetched: no revocation information, no certificates, no timestamp server
(pyhanko's ValidationContext with allow_fetching=False). The only trust roots are the configured
signing certificate and the CA certificates bundled with it. A signer outside them is reported as
"not a certificate this system trusts", and the integrity of the document is still reported.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from resmon.core import clock

from ._sync import call_sync
from .certificates import configured_material, fingerprint, is_self_signed, name_part

logger = logging.getLogger(__name__)


class _NoTraceback(logging.Filter):
    """pyhanko logs every certificate it cannot chain to a trust root, and every change made after
    signing, as a warning with a traceback. Here those are answers shown to the user, not server
    faults: keep the line, drop the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        return True


for _name in ("pyhanko.sign.validation.generic_cms", "pyhanko.sign.diff_analysis.policies"):
    logging.getLogger(_name).addFilter(_NoTraceback())

# Verdicts, from best to worst.
TRUSTED = "trusted"  # signed, intact, by this system's certificate (or its CA)
INTACT_UNTRUSTED = "intact_untrusted"  # signed and intact, but by a certificate this system does not trust
ALTERED = "altered"  # a signature does not match the document: changed after signing
NOT_SIGNED = "not_signed"  # a readable PDF without signatures
UNREADABLE = "unreadable"  # not a PDF, empty or damaged

VERDICT_LABELS = {
    TRUSTED: gettext_lazy("Signed, intact, trusted certificate"),
    INTACT_UNTRUSTED: gettext_lazy("Signed and intact, certificate not trusted"),
    ALTERED: gettext_lazy("Changed after signing"),
    NOT_SIGNED: gettext_lazy("Not signed"),
    UNREADABLE: gettext_lazy("Not a readable PDF"),
}


@dataclass(frozen=True)
class SignatureCheck:
    """One signature of the document."""

    field_name: str
    signer_name: str  # the certificate subject's common name
    signer_organisation: str
    signed_at: dt.datetime | None  # in Asia/Ho_Chi_Minh
    time_source: str  # "timestamp" (a timestamp token), "signer" (the signer's own clock) or ""
    reason: str
    location: str
    bytes_intact: bool  # the signed bytes hash to the value that was signed
    signature_valid: bool  # the signature over that hash verifies with the certificate's key
    covers_whole_file: bool  # nothing was appended after the signature
    later_changes_allowed: bool  # appended updates are of the kinds signing permits (more signatures)
    intact: bool  # all of the above: the document was not changed after signing
    trusted: bool  # the certificate chains to the configured certificate (or its CA)
    configured_certificate: bool  # it is exactly the configured signing certificate
    self_signed: bool
    certificate_fingerprint: str  # SHA-256
    certificate_valid_from: dt.datetime | None
    certificate_valid_until: dt.datetime | None
    problem: str = ""  # what went wrong, when something did

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("signed_at", "certificate_valid_from", "certificate_valid_until"):
            value = data[key]
            data[key] = value.isoformat() if value else None
        return data


@dataclass(frozen=True)
class Verification:
    verdict: str  # TRUSTED, INTACT_UNTRUSTED, ALTERED, NOT_SIGNED or UNREADABLE
    message: str  # one sentence for people, in the active language
    signatures: list[SignatureCheck] = field(default_factory=list)

    @property
    def signed(self) -> bool:
        return bool(self.signatures)

    @property
    def intact(self) -> bool:
        """Signed, and no signature reports a change after signing."""
        return self.signed and all(s.intact for s in self.signatures)

    @property
    def trusted(self) -> bool:
        return self.intact and all(s.trusted for s in self.signatures)

    @property
    def verdict_label(self) -> str:
        return str(VERDICT_LABELS[self.verdict])

    def as_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "verdict_label": self.verdict_label,
            "message": self.message,
            "signed": self.signed,
            "intact": self.intact,
            "trusted": self.trusted,
            "signatures": [s.as_dict() for s in self.signatures],
        }


def _to_local(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(clock.tz())


def _pdf_text(sig_object: Any, key: str) -> str:
    try:
        value = sig_object.get(key)
    except Exception:  # noqa: BLE001 - a damaged entry is just absent
        return ""
    return str(value) if value is not None else ""


def _trust_context() -> tuple[ValidationContext, set[str]]:
    """A context that never fetches, trusting only the configured certificate and its bundled CAs."""
    material = configured_material()
    roots: list[asn1_x509.Certificate] = []
    configured: set[str] = set()
    if material is not None:
        for cert in (material.certificate, *material.chain):
            roots.append(asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)))
        configured.add(material.fingerprint)
    return ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail"), configured


def _signing_time(status: PdfSignatureStatus) -> tuple[dt.datetime | None, str]:
    ts = status.timestamp_validity
    if ts is not None and ts.intact and ts.valid and ts.timestamp is not None:
        return _to_local(ts.timestamp), "timestamp"
    if status.signer_reported_dt is not None:
        return _to_local(status.signer_reported_dt), "signer"
    return None, ""


def _problem(status: PdfSignatureStatus, intact: bool, trusted: bool) -> str:
    if not status.intact:
        return _("The signed content does not match the signature: the document was changed after signing.")
    if not status.valid:
        return _("The signature itself does not verify with the signer's certificate.")
    if not intact:
        return _("Content was added to the document after it was signed.")
    if not trusted:
        return _(
            "The certificate is not one this system trusts (it is not the configured signing certificate)."
        )
    return ""


def _check(embedded: Any, context: ValidationContext, configured: set[str]) -> SignatureCheck:
    field_name = str(embedded.field_name or "")
    sig_object = embedded.sig_object
    reason, location = _pdf_text(sig_object, "/Reason"), _pdf_text(sig_object, "/Location")
    try:
        cert_asn1 = embedded.signer_cert
        cert = x509.load_der_x509_certificate(cert_asn1.dump())
    except Exception:  # noqa: BLE001 - a signature without a readable certificate is broken
        cert = None
    subject = cert.subject if cert is not None else None
    base: dict[str, Any] = {
        "field_name": field_name,
        "signer_name": name_part(subject, NameOID.COMMON_NAME) if subject else "",
        "signer_organisation": name_part(subject, NameOID.ORGANIZATION_NAME) if subject else "",
        "reason": reason,
        "location": location,
        "self_signed": is_self_signed(cert) if cert is not None else False,
        "certificate_fingerprint": fingerprint(cert) if cert is not None else "",
        "certificate_valid_from": _to_local(cert.not_valid_before_utc) if cert is not None else None,
        "certificate_valid_until": _to_local(cert.not_valid_after_utc) if cert is not None else None,
    }
    base["configured_certificate"] = bool(base["certificate_fingerprint"]) and (
        base["certificate_fingerprint"] in configured
    )
    try:
        status = call_sync(validate_pdf_signature, embedded, signer_validation_context=context)
    except Exception as exc:  # noqa: BLE001 - a malformed signature is an answer, not a 500
        logger.info("signature %s could not be validated: %s", field_name, exc)
        return SignatureCheck(
            **base,
            signed_at=None,
            time_source="",
            bytes_intact=False,
            signature_valid=False,
            covers_whole_file=False,
            later_changes_allowed=False,
            intact=False,
            trusted=False,
            problem=_("The signature is damaged and cannot be checked."),
        )
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    allowed = (
        (not whole) and status.coverage == SignatureCoverageLevel.ENTIRE_REVISION and bool(status.docmdp_ok)
    )
    intact = bool(status.intact and status.valid and (whole or allowed))
    trusted = bool(intact and status.trusted)
    signed_at, source = _signing_time(status)
    return SignatureCheck(
        **base,
        signed_at=signed_at,
        time_source=source,
        bytes_intact=bool(status.intact),
        signature_valid=bool(status.valid),
        covers_whole_file=whole,
        later_changes_allowed=allowed,
        intact=intact,
        trusted=trusted,
        problem=_problem(status, intact, trusted),
    )


def _message(verdict: str, signatures: list[SignatureCheck]) -> str:
    if verdict == UNREADABLE:
        return _("This file cannot be read as a PDF: it is empty, damaged or not a PDF at all.")
    if verdict == NOT_SIGNED:
        return _("This PDF carries no digital signature, so nothing can be said about who issued it.")
    if verdict == ALTERED:
        return _("The document was changed after it was signed: do not rely on this copy.")
    names = ", ".join(dict.fromkeys(s.signer_name or _("unknown signer") for s in signatures))
    if verdict == INTACT_UNTRUSTED:
        return _(
            "The document has not been changed since it was signed by %(signer)s, but that certificate "
            "is not one this system trusts."
        ) % {"signer": names}
    text = _(
        "The document has not been changed since it was signed by %(signer)s with this system's certificate."
    ) % {"signer": names}
    if any(s.self_signed for s in signatures):
        text += " " + _("That certificate is a self-signed demonstration certificate, not a real one.")
    return text


def _result(verdict: str, signatures: list[SignatureCheck] | None = None) -> Verification:
    signatures = signatures or []
    return Verification(verdict=verdict, message=_message(verdict, signatures), signatures=signatures)


def verify_pdf(data: bytes) -> Verification:
    """Check every signature in ``data``; any input gives a Verification, never an exception."""
    if not data or b"%PDF-" not in bytes(data[:1024]):  # the header must be in the first 1024 bytes
        return _result(UNREADABLE)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_regular_signatures)
    except Exception as exc:  # noqa: BLE001 - damaged or hostile input: report it, do not fail
        logger.info("PDF could not be read for verification: %s", exc)
        return _result(UNREADABLE)
    if not embedded:
        return _result(NOT_SIGNED)
    context, configured = _trust_context()
    checks = [_check(e, context, configured) for e in embedded]
    if not all(c.intact for c in checks):
        verdict = ALTERED
    elif all(c.trusted for c in checks):
        verdict = TRUSTED
    else:
        verdict = INTACT_UNTRUSTED
    return _result(verdict, checks)
