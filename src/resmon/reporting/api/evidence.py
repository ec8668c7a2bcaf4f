"""Evidence (minh chứng) of a report line: add one (multipart: a file, a link, or only the number and
date of a classified document), download a file, remove one."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from resmon.core.access import get_visible_or_404
from resmon.core.apikit import PathId
from resmon.core.errors import NotFound

from .. import selectors
from ..models import Evidence
from ..services import evidence as evidence_services
from ..views.common import evidence_file
from .schemas import EvidenceOut, IdempotencyKey, VersionField, evidence_out

router = Router(tags=["report evidence"])


class EvidenceForm(Schema):
    classification: str = Field(
        "", description="thuong, mat, toi_mat or tuyet_mat. Mật and above: kind “document” only."
    )
    kind: str = Field("", description="file, link or document (number and date only)")
    title: str = Field("", max_length=300)
    url: str = Field("", max_length=500, description="For kind “link”: an http(s) address")
    doc_number: str = Field("", max_length=100, description="For kind “document”: e.g. 15-BC/TU")
    doc_date: str = Field("", max_length=20, description="For kind “document”: yyyy-mm-dd or dd/mm/yyyy")
    version: int | None = VersionField


class VersionQuery(Schema):
    version: int | None = VersionField


def _evidence(user, evidence_id: int) -> Evidence:
    qs = Evidence.objects.select_related("line__report", "uploaded_by")
    return get_visible_or_404(user, qs, pk=evidence_id)


@router.post(
    "/reports/{report_id}/lines/{task_id}/evidence",
    response={201: EvidenceOut},
    summary="Add evidence to a report line (multipart form)",
    description=(
        'Multipart form; the file goes in the field "file". Its type is read from its content '
        "(PDF, DOCX, XLSX, PPTX, ODT, ODS, PNG, JPEG). Documents classified Mật or above are never "
        "uploaded or linked: record only their number and date (kind “document”)."
    ),
)
def add_evidence(
    request,
    report_id: PathId,
    task_id: PathId,
    form: Form[EvidenceForm],
    file: UploadedFile | None = File(None),  # noqa: B008
    idempotency_key: IdempotencyKey = "",
):
    user = request.auth
    report = selectors.get_report(user, report_id)
    line = report.lines.filter(task_id=task_id).first()
    if line is None:
        raise NotFound(_("This report has no line for that task."))
    evidence = evidence_services.add_evidence(
        user,
        line,
        classification=form.classification,
        kind=form.kind,
        title=form.title,
        upload=file,
        url=form.url,
        doc_number=form.doc_number,
        doc_date=form.doc_date or None,
        expected_version=form.version,
        idempotency_key=idempotency_key,
    )
    return Status(201, evidence_out(_evidence(user, evidence.pk)))


@router.get(
    "/evidence/{evidence_id}",
    response={200: None},
    summary="Download an evidence file (an attachment, never shown inline)",
)
def download_evidence(request, evidence_id: PathId):
    evidence, handle = evidence_services.open_evidence(request.auth, evidence_id)
    return evidence_file(evidence, handle)


@router.delete(
    "/evidence/{evidence_id}",
    response={204: None},
    summary="Remove evidence from a report that is still editable",
)
def delete_evidence(request, evidence_id: PathId, params: Query[VersionQuery]):
    evidence = _evidence(request.auth, evidence_id)
    evidence_services.remove_evidence(request.auth, evidence, expected_version=params.version)
    return HttpResponse(status=204)
