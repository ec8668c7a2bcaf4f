"""/api/v1/documents: documents made in the background and kept for download.

POST /documents asks for one (kind "overview", a format, the overview's filters) and answers 202
with its id and the URL to poll; GET /documents/{id} tells its status and progress; once it is
done, GET /documents/{id}/file is the file (409 problem+json before). DELETE removes it (the
requester or a system administrator). The scope is the pages': a document outside it is a 404. Asking
for the nation or a whole province asks "confirm it is you" first (accounts.reauth: 403
confirmation_required)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status

from resmon.accounts import reauth
from resmon.agencies import selectors as agency_selectors
from resmon.agencies.api import AgencyRef, agency_ref
from resmon.core.apikit import Id, PageQuery, PathId, Problem, paginate, parse_choice
from resmon.dashboards import selectors as dashboards

from ..models import StoredDocument
from ..overview.services import whole_province_or_nation
from ..stored import selectors
from ..stored import services as stored

router = Router(tags=["stored documents"])


class DocumentIn(Schema):
    kind: str = Field("overview", description="What to make: overview (the dashboard's overview)")
    format: str = Field(..., description="xlsx, docx or pdf")
    agency: Id | None = Field(None, description="The agency (default: the caller's widest)")
    resolution: Id | None = Field(None, description="One resolution (default: all)")
    period: Id | None = Field(None, description="The reporting period (default: the current quarter)")


class DocumentFilters(Schema):
    kind: str | None = Field(None, description="overview")
    status: str | None = Field(None, description="queued, running, done or failed")
    format: str | None = Field(None, description="xlsx, docx or pdf")
    agency: Id | None = Field(None, description="Documents about this agency and the agencies under it")
    period: Id | None = Field(None, description="Documents for this reporting period")
    mine: bool = Field(False, description="Only the documents the caller asked for")


class ResolutionRef(Schema):
    id: int
    number: str


class DocumentPeriodRef(Schema):
    id: int
    code: str
    label: str


class DocumentOut(Schema):
    id: int
    kind: str
    kind_label: str
    format: str
    title: str
    agency: AgencyRef
    resolution: ResolutionRef | None
    period: DocumentPeriodRef | None
    status: str
    status_label: str
    progress: int
    progress_note: str
    error: str
    scheduled: bool
    requested_by: str | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    filename: str
    size: int
    sha256: str
    url: str = Field(..., description="This document's status (poll it while queued or running)")
    file_url: str | None = Field(None, description="The file, once the status is done")


class DocumentPage(Schema):
    count: int
    items: list[DocumentOut]


def document_out(d: StoredDocument) -> dict[str, Any]:
    return {
        "id": d.pk,
        "kind": d.kind,
        "kind_label": str(d.get_kind_display()),
        "format": d.format,
        "title": d.title,
        "agency": agency_ref(d.agency),
        "resolution": {"id": d.resolution.pk, "number": d.resolution.number} if d.resolution else None,
        "period": {"id": d.period.pk, "code": d.period.code, "label": d.period.label} if d.period else None,
        "status": d.status,
        "status_label": str(d.get_status_display()),
        "progress": d.progress,
        "progress_note": d.progress_label,
        "error": d.error,
        "scheduled": d.scheduled,
        "requested_by": d.requested_by.get_username() if d.requested_by else None,
        "created_at": d.created_at,
        "started_at": d.started_at,
        "finished_at": d.finished_at,
        "filename": d.filename,
        "size": d.size,
        "sha256": d.sha256,
        "url": reverse("api:get_stored_document", kwargs={"document_id": d.pk}),
        "file_url": reverse("api:download_stored_document", kwargs={"document_id": d.pk})
        if d.ready
        else None,
    }


@router.post(
    "/documents",
    response={202: DocumentOut, 400: Problem, 404: Problem, 409: Problem},
    summary="Ask for a document made in the background (202: queued; poll its url)",
    openapi_extra=reauth.documented(),
)
def request_stored_document(request, payload: DocumentIn):
    user = request.auth
    if whole_province_or_nation(user, payload.agency):
        reauth.require_confirmation(request)
    doc = stored.request_overview_document(
        user,
        payload.format,
        payload.agency,
        payload.resolution,
        payload.period,
        kind=payload.kind,
    )
    return Status(202, document_out(selectors.get_document(user, doc.pk)))


@router.get(
    "/documents",
    response=DocumentPage,
    summary="The caller's documents and the scheduled documents in their scope, newest first",
)
def list_stored_documents(request, filters: Query[DocumentFilters], page: Query[PageQuery]):
    user = request.auth
    agency = agency_selectors.get_agency(user, filters.agency) if filters.agency else None
    period = dashboards.pick_period(user, filters.period) if filters.period else None
    qs = selectors.documents_for(
        user,
        kind=parse_choice(filters.kind, "kind", StoredDocument.Kind.values) or "",
        status=parse_choice(filters.status, "status", StoredDocument.Status.values) or "",
        fmt=parse_choice(filters.format, "format", StoredDocument.Format.values) or "",
        agency=agency,
        period=period,
        mine=filters.mine,
    )
    return paginate(qs, page, document_out)


@router.get(
    "/documents/{document_id}",
    response={200: DocumentOut, 404: Problem},
    summary="One document: its status and progress",
)
def get_stored_document(request, document_id: PathId):
    return document_out(selectors.get_document(request.auth, document_id))


@router.get(
    "/documents/{document_id}/file",
    response={200: None, 404: Problem, 409: Problem},
    summary="The document's file (an attachment); 409 while it is not ready",
)
def download_stored_document(request, document_id: PathId):
    return stored.file_response(*stored.download_stored(request.auth, document_id))


@router.delete(
    "/documents/{document_id}",
    response={204: None, 403: Problem, 404: Problem},
    summary="Delete a document (the person who asked for it, or a system administrator)",
)
def delete_stored_document(request, document_id: PathId):
    stored.delete_document(request.auth, document_id)
    return HttpResponse(status=204)
