"""The Excel round trip of an action programme: GET /programs/{id}/export.xlsx and
POST /programs/{id}/import (multipart, field "file")."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from resmon.core.access import can
from resmon.core.apikit import PROBLEM_CONTENT_TYPE, PathId
from resmon.core.errors import PermissionRefused, ValidationFailed

from .. import selectors
from ..services import excel

router = Router(tags=["programme Excel round trip"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class TaskRefOut(Schema):
    id: int
    code: str
    title: str


class ImportSummaryOut(Schema):
    created: int
    updated: int
    unchanged: int
    not_in_file: list[TaskRefOut]
    created_tasks: list[TaskRefOut]
    updated_tasks: list[TaskRefOut]


def rejected_response(exc: excel.ImportRejected) -> JsonResponse:
    """400 problem+json with one entry per problem: row (as in Excel; null for the whole file),
    column letter, header and message."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": _("The request is not valid"),
        "status": 400,
        "detail": str(exc.message),
        "code": exc.code,
        "errors": [e.as_dict() for e in exc.report],
    }
    return JsonResponse(
        body, status=400, content_type=PROBLEM_CONTENT_TYPE, json_dumps_params={"ensure_ascii": False}
    )


@router.get(
    "/programs/{program_id}/export.xlsx",
    summary="The programme as an Excel file in the import template",
    response={200: None},
)
def export_program_xlsx(request, program_id: PathId):
    program = selectors.get_program(request.auth, program_id)
    response = HttpResponse(excel.export_program(request.auth, program), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{excel.export_filename(program)}"'
    return response


@router.post(
    "/programs/{program_id}/import",
    response={200: ImportSummaryOut},
    summary="Create or update the programme's tasks from an Excel file; all or nothing",
    description=(
        'Multipart form with the file in the field "file". If any row is wrong nothing is saved and the '
        'answer is a 400 problem whose "errors" list each problem as {row, column, header, message}.'
    ),
)
def import_program_xlsx(request, program_id: PathId, file: UploadedFile | None = File(None)):  # noqa: B008
    user = request.auth
    program = selectors.get_program(user, program_id)
    if not can(user, "change", program):
        raise PermissionRefused(_("You may not change this programme."))
    if file is None:
        raise ValidationFailed(_("Attach the Excel file in the field “file”."), field="file")
    try:
        summary = excel.import_program(user, program, excel.read_upload(file), filename=file.name or "")
    except excel.ImportRejected as exc:
        return rejected_response(exc)
    return summary.as_dict()
