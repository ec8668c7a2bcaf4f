"""Writes of the stored documents: asking for one, the quarterly schedule, deleting, downloading.

* :func:`request_overview_document` — the overview with the filters of the page (the same
  validation and scope as the synchronous download: an agency outside the scope is a 404, an
  unknown resolution or period a message naming the field), but built by a background job, so a
  selection too large for one request is fine up to a much higher limit. The row is created
  queued and audited ("exports.document_requested"); the job is queued once the row is committed.
* :func:`generate_period_documents` — the schedule (the daily run calls the command): once a
  quarter of the configured calendar has ended, the overview of that quarter, all resolutions, as
  PDF and as Excel, for the nation and for each current province (34 after the 2025 merger: 70
  documents), each built by its own job, as the system. Idempotent: a document that exists is not
  made again; a failed one is queued again.
* :func:`delete_document` — by the person who asked for it or a system administrator; audited;
  the file is removed once the deletion is committed.
* :func:`download_stored` — a done document's file, to whoever may read it; audited
  ("exports.document_downloaded", object: the stored document).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from typing import IO, Any

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.http import FileResponse
from django.utils.translation import gettext as _

from resmon.agencies import selectors as agencies
from resmon.agencies.models import Agency, AgencyKind
from resmon.audit.services import record
from resmon.catalogue import selectors_periods
from resmon.catalogue.models import PeriodKind, ReportingPeriod
from resmon.core import clock
from resmon.core.access import Role
from resmon.core.errors import Conflict, NotFound, PermissionRefused, ValidationFailed
from resmon.dashboards import selectors as dashboards
from resmon.planning.models import Resolution

from ..models import StoredDocument
from ..overview.services import TYPES
from . import building, selectors
from .reader import SYSTEM_READER
from .tasks import build_document

log = logging.getLogger(__name__)

Status = StoredDocument.Status
Kind = StoredDocument.Kind
Format = StoredDocument.Format

MAX_ACTIVE_PER_USER = 5  # documents one person may have waiting or being prepared at once
SCHEDULED_FORMATS = (Format.PDF, Format.XLSX)


def _signed_in(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", True)


def snapshot(doc: StoredDocument) -> dict[str, Any]:
    """What the audit rows keep of a document: its filters and state, never its bytes."""
    return {
        "id": doc.pk,
        "kind": doc.kind,
        "format": doc.format,
        "agency": doc.agency_id,
        "resolution": doc.resolution_id,
        "period": doc.period_id,
        "title": doc.title,
        "status": doc.status,
        "scheduled": doc.requested_by_id is None,
        "file": doc.file.name or "",
        "size": doc.size,
        "sha256": doc.sha256,
    }


def title_for(agency: Agency, resolution: Resolution | None, period: ReportingPeriod | None) -> str:
    """The document's name in the lists (Vietnamese, like the document itself)."""
    parts = ["Tổng quan", "Toàn quốc" if agency.depth == 1 else agency.name]
    parts.append(f"Nghị quyết {resolution.number}" if resolution is not None else "Tất cả các nghị quyết")
    if period is not None:
        parts.append(period.label)
    return " – ".join(parts)[:300]


def _check_format(fmt: Any) -> str:
    value = str(fmt or "").strip().lower()
    if value not in Format.values:
        raise ValidationFailed(
            _("Choose the file format: Excel (xlsx), Word (docx) or PDF (pdf)."),
            field="format",
            code="unknown_format",
        )
    return value


def _check_kind(kind: Any) -> str:
    value = str(kind or "").strip() or Kind.OVERVIEW
    if value not in Kind.values:
        raise ValidationFailed(
            _("Unknown kind of document “%(kind)s”. Choose one of: %(kinds)s.")
            % {"kind": value[:40], "kinds": ", ".join(Kind.values)},
            field="kind",
            code="unknown_kind",
        )
    return value


def _enqueue(doc_id: int) -> None:
    """Queue the job (after the row is committed); a queue that refuses fails the document."""
    try:
        result = build_document.enqueue(doc_id)
    except Exception:
        log.exception("stored document %s could not be queued", doc_id)
        StoredDocument.objects.filter(pk=doc_id, status=Status.QUEUED).update(
            status=Status.FAILED,
            error=_("The background job could not be started. Try again later."),
            finished_at=clock.now(),
        )
        return
    StoredDocument.objects.filter(pk=doc_id).update(task_id=str(result.id)[:64])


def request_overview_document(
    user: Any,
    fmt: Any,
    agency: Any = None,
    resolution: Any = None,
    period: Any = None,
    *,
    kind: Any = Kind.OVERVIEW,
) -> StoredDocument:
    """Ask for the overview of these filters as a file made in the background (see the module)."""
    if not _signed_in(user):
        raise PermissionRefused(_("Sign in to create documents."))
    kind = _check_kind(kind)
    fmt = _check_format(fmt)
    chosen_agency, chosen_resolution, chosen_period = dashboards.pick_filters(
        user, agency, resolution, period
    )
    count = agencies.children_visible(user, chosen_agency).count()
    limit = building.background_max_children()
    if count > limit:
        raise building.too_large(chosen_agency, count, limit)
    with transaction.atomic():
        # one person's queue is bounded, and the same document is not made twice at once
        mine = StoredDocument.objects.select_for_update().filter(
            requested_by=user, status__in=[Status.QUEUED, Status.RUNNING]
        )
        waiting = list(mine)
        same = next(
            (
                d
                for d in waiting
                if (d.kind, d.format, d.agency_id, d.resolution_id, d.period_id)
                == (
                    kind,
                    fmt,
                    chosen_agency.pk,
                    getattr(chosen_resolution, "pk", None),
                    getattr(chosen_period, "pk", None),
                )
            ),
            None,
        )
        if same is not None:
            raise Conflict(
                _("This document is already being prepared; it will appear in the list when it is ready."),
                code="document_pending",
                extra={"document": same.pk},
            )
        if len(waiting) >= MAX_ACTIVE_PER_USER:
            raise Conflict(
                _(
                    "You already have %(n)s documents waiting or being prepared. Wait until one is "
                    "ready, then ask again."
                )
                % {"n": len(waiting)},
                code="too_many_pending",
            )
        doc = StoredDocument.objects.create(
            kind=kind,
            format=fmt,
            agency=chosen_agency,
            resolution=chosen_resolution,
            period=chosen_period,
            title=title_for(chosen_agency, chosen_resolution, chosen_period),
            status=Status.QUEUED,
            progress_note=building.NOTE_QUEUED,
            children=count,
            requested_by=user,
            created_at=clock.now(),
        )
        record(
            user,
            "exports.document_requested",
            doc,
            after={**snapshot(doc), "children": count},
            agency_path=chosen_agency.path,
        )
        doc_id = doc.pk
        transaction.on_commit(lambda: _enqueue(doc_id))
    return doc


def may_delete(user: Any, doc: StoredDocument) -> bool:
    """The person who asked for it, or a system administrator (the only one for scheduled ones)."""
    if not _signed_in(user):
        return False
    if user.scope.role == Role.SYSTEM_ADMIN:
        return True
    return doc.requested_by_id is not None and doc.requested_by_id == user.pk


def delete_document(user: Any, doc: StoredDocument | int) -> None:
    """Delete a document (and its file, once committed); NotFound outside the scope."""
    with transaction.atomic():
        found = selectors.get_document(user, getattr(doc, "pk", doc))
        if not may_delete(user, found):
            if found.scheduled:
                message = _("Only a system administrator may delete a document made by the schedule.")
            else:
                message = _(
                    "Only the person who asked for this document, or a system administrator, may delete it."
                )
            raise PermissionRefused(message)
        locked = StoredDocument.objects.select_for_update().get(pk=found.pk)
        before = snapshot(locked)
        record(user, "exports.document_deleted", locked, before=before, agency_path=found.agency.path)
        stored = locked.file.name
        locked.delete()
        if stored:
            transaction.on_commit(lambda: default_storage.delete(stored))


def download_stored(user: Any, document_id: Any) -> tuple[StoredDocument, IO[bytes]]:
    """A done document and its file opened for reading (the caller streams and closes it).
    NotFound outside the scope; Conflict while it is not ready or when it failed."""
    doc = selectors.get_document(user, document_id)
    if doc.status != Status.DONE or not doc.file.name:
        if doc.status == Status.FAILED:
            message = _("This document could not be made, so there is no file: %(error)s") % {
                "error": doc.error
            }
        else:
            message = _(
                "This document is not ready yet (%(status)s, %(progress)s%%). Download it when it is ready."
            ) % {"status": doc.get_status_display().lower(), "progress": doc.progress}
        raise Conflict(message, code="document_not_ready", extra={"document_status": doc.status})
    try:
        handle = default_storage.open(doc.file.name, "rb")
    except OSError:
        raise NotFound(
            _("The file of this document is missing from storage. Tell the system administrator.")
        ) from None
    with transaction.atomic():
        record(
            user,
            "exports.document_downloaded",
            doc,
            after={"format": doc.format, "sha256": doc.sha256, "stored": True},
            agency_path=doc.agency.path,
        )
    return doc, handle


def file_response(doc: StoredDocument, handle: IO[bytes]) -> FileResponse:
    """The file as a download (page and API): an attachment under its file name, never shown
    inline or sniffed, never kept by a shared cache."""
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=doc.filename or f"tai-lieu-{doc.pk}.{doc.format}",
        content_type=TYPES.get(doc.format, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- the schedule ---------------------------------------------------------------------------------


def ended_quarter(as_of: dt.date) -> ReportingPeriod | None:
    """The latest quarter of the configured calendar that ended before ``as_of``."""
    return (
        selectors_periods.periods(SYSTEM_READER, kind=PeriodKind.QUARTER)
        .filter(end__lt=as_of)
        .order_by("-end")
        .first()
    )


def scheduled_agencies() -> list[Agency]:
    """The nation (the root) and the current provincial party committees, in tree order."""
    root = agencies.agencies_visible(SYSTEM_READER).filter(depth=1).order_by("path").first()
    provinces = list(
        agencies.agencies_visible(SYSTEM_READER)
        .filter(kind=AgencyKind.PROVINCIAL_PARTY, valid_to__isnull=True)
        .order_by("path")
    )
    return ([root] if root is not None else []) + provinces


def generate_period_documents(as_of: dt.date | None = None) -> dict[str, Any]:
    """The schedule (see the module): returns what it did, for the daily run's record."""
    as_of = as_of or clock.today()
    stale = building.fail_stale()
    period = ended_quarter(as_of)
    if period is None:
        return {"period": None, "created": 0, "requeued": 0, "existing": 0, "stale_failed": stale}
    created: list[int] = []
    requeued: list[int] = []
    existing = 0
    for agency in scheduled_agencies():
        for fmt in SCHEDULED_FORMATS:
            lookup = {
                "kind": Kind.OVERVIEW,
                "format": fmt,
                "agency": agency,
                "period": period,
                "requested_by__isnull": True,
                "resolution__isnull": True,
            }
            found = StoredDocument.objects.filter(**lookup).first()
            if found is not None:
                if found.status == Status.FAILED:
                    StoredDocument.objects.filter(pk=found.pk, status=Status.FAILED).update(
                        status=Status.QUEUED,
                        progress=0,
                        progress_note=building.NOTE_QUEUED,
                        error="",
                        created_at=clock.now(),
                        started_at=None,
                        finished_at=None,
                    )
                    requeued.append(found.pk)
                    transaction.on_commit(functools.partial(_enqueue, found.pk))
                else:
                    existing += 1
                continue
            try:
                with transaction.atomic():
                    doc = StoredDocument.objects.create(
                        kind=Kind.OVERVIEW,
                        format=fmt,
                        agency=agency,
                        resolution=None,
                        period=period,
                        title=title_for(agency, None, period),
                        status=Status.QUEUED,
                        progress_note=building.NOTE_QUEUED,
                        children=0,
                        requested_by=None,
                        created_at=clock.now(),
                    )
                    record(
                        None,
                        "exports.document_scheduled",
                        doc,
                        after=snapshot(doc),
                        agency_path=agency.path,
                    )
                    transaction.on_commit(functools.partial(_enqueue, doc.pk))
            except IntegrityError:  # another run made it at the same moment
                existing += 1
                continue
            created.append(doc.pk)
    return {
        "period": period.code,
        "created": len(created),
        "requeued": len(requeued),
        "existing": existing,
        "stale_failed": stale,
    }
