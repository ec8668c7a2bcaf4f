"""POST /api/v1/signatures/verify: check the signatures of an uploaded PDF offline.

A read of the caller's own file: nothing is stored and no audit row is written.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from resmon.core.apikit import Problem, problem_response
from resmon.core.errors import ValidationFailed

from ..signing.uploads import FileTooLarge, read_upload

router = Router(tags=["signatures"])


class SignatureOut(Schema):
    field_name: str
    signer_name: str
    signer_organisation: str
    signed_at: dt.datetime | None
    time_source: str
    reason: str
    location: str
    bytes_intact: bool
    signature_valid: bool
    covers_whole_file: bool
    later_changes_allowed: bool
    intact: bool
    trusted: bool
    configured_certificate: bool
    self_signed: bool
    certificate_fingerprint: str
    certificate_valid_from: dt.datetime | None
    certificate_valid_until: dt.datetime | None
    problem: str


class VerificationOut(Schema):
    verdict: str
    verdict_label: str
    message: str
    signed: bool
    intact: bool
    trusted: bool
    signatures: list[SignatureOut]


@router.post(
    "/signatures/verify",
    response={200: VerificationOut, 400: Problem, 413: Problem},
    summary="Verify the digital signatures of a PDF (offline)",
    description=(
        'Multipart form with the PDF in the field "file" (at most EVIDENCE_MAX_BYTES). The answer says '
        "whether the file is signed, by whom, when (Asia/Ho_Chi_Minh), whether it was changed after "
        "signing and whether the certificate is this system's. verdict: trusted, intact_untrusted, "
        "altered, not_signed or unreadable. Nothing is fetched from the network and the file is not kept."
    ),
)
def verify_pdf_signature(request, file: UploadedFile | None = File(None)):  # noqa: B008
    if file is None:
        raise ValidationFailed(_("Attach the PDF file in the field “file”."), field="file")
    try:
        data = read_upload(file)
    except FileTooLarge as exc:
        return problem_response(413, exc.code, _("File too large"), str(exc.message), exc.errors)
    from ..signing import verify_pdf  # pyhanko on first use (signing/__init__)

    return verify_pdf(data)
