"""Signing a PDF with the configured certificate: PAdES baseline B (B-T with a timestamp server)."""

from __future__ import annotations

import io
import logging

from django.conf import settings
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner
from pyhanko.sign.signers.pdf_signer import PdfSigningSession
from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError

from resmon.core import clock
from resmon.core.errors import ValidationFailed

from ._sync import call_sync
from .certificates import check_usable, load_material

logger = logging.getLogger(__name__)

FIELD_NAME_MAX = 100


class _ServerClockPdfSigner(PdfSigner):
    """pyhanko takes the signing time (/M of the signature) from the system clock; ours comes from
    resmon.core.clock, the one clock tests freeze."""

    def init_signing_session(self, pdf_out, existing_fields_only=False) -> PdfSigningSession:
        session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
        session.system_time = clock.now()
        return session


def _timestamper() -> HTTPTimeStamper | None:
    url = getattr(settings, "SIGNING_TSA_URL", "") or ""
    return HTTPTimeStamper(url, timeout=10) if url else None


def sign_pdf(data: bytes, *, reason: str, location: str, field_name: str = "Signature1") -> bytes:
    """Sign ``data`` (a PDF) with the configured certificate and return the signed PDF.

    An invisible approval signature in a new field ``field_name``, PAdES (ETSI.CAdES.detached),
    SHA-256, appended as an incremental update so the original bytes stay as they were. The signing
    time is the server clock, or a timestamp server's token when RESMON_TSA_URL is set.

    Raises ValidationFailed when no usable certificate is configured, the input is not a PDF, or
    the timestamp server does not answer.
    """
    material = load_material()
    now = clock.now()
    check_usable(material, now)
    field_name = (field_name or "Signature1").strip()[:FIELD_NAME_MAX] or "Signature1"
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    except Exception:  # noqa: BLE001 - any parse failure means the input is not a PDF we can sign
        raise ValidationFailed(_("The document to sign is not a readable PDF."), code="not_a_pdf") from None
    meta = PdfSignatureMetadata(
        field_name=field_name,
        reason=reason or None,
        location=location or None,
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    signer = _ServerClockPdfSigner(meta, signer=material.signer, timestamper=_timestamper())
    try:
        output = call_sync(signer.sign_pdf, writer)
    except TimestampRequestError as exc:
        logger.warning("timestamp server %s failed: %s", settings.SIGNING_TSA_URL, exc)
        raise ValidationFailed(
            _("The timestamp server did not answer, so the document was not signed; try again later."),
            code="tsa_unavailable",
        ) from None
    except SigningError as exc:
        logger.warning("signing failed: %s", exc)
        raise ValidationFailed(
            _("The document could not be signed: %(reason)s") % {"reason": str(exc)}, code="signing_failed"
        ) from None
    return output.getvalue()
