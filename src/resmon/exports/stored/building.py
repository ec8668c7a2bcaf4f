"""The background job that builds one stored document (run by the django-tasks worker, see
``tasks.py``; tests call :func:`build` directly).

It reads the overview in the scope of the person who asked for it (re-read now: one who has lost
access to the agency gets a failed document with the reason, never the figures), or in the
system's nationwide scope for a scheduled document; renders the file; stores it; and marks the
row done with the file's size and SHA-256. Progress is written as it goes (10 % figures read,
60 % rendered, 100 % stored) so the list can show it while the user waits.

Failures: a domain error (lost access, a selection grown past the limit, a full disk) fails the
document with its message; any other exception is logged with its traceback and fails the document
with a readable message. The file is written only once it is complete, and deleted again if it was
cut short (a full disk) or the row cannot be marked done: a failed document never has a file,
half-written or not.

A worker killed mid-job (kill -9, out of memory) leaves the job running; the next worker start
(``manage.py run_worker``, resmon.core.jobs) puts it back in the queue, and the job claims its own
document again (same task id). After MAX_ATTEMPTS starts the document is failed with a message
instead of being tried once more.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import uuid
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from resmon.accounts.models import User
from resmon.agencies import selectors as agencies
from resmon.core import clock
from resmon.core.errors import DomainError, ValidationFailed
from resmon.core.storage import save_file
from resmon.dashboards import selectors as dashboards
from resmon.dashboards.selectors import Overview

from ..documents.pdf import render_pdf
from ..documents.word import render_docx
from ..models import StoredDocument
from ..overview.document import overview_document
from ..overview.services import PDF, XLSX, overview_filename, render
from .reader import SYSTEM_NAME, SYSTEM_READER

log = logging.getLogger(__name__)

Status = StoredDocument.Status

# the steps shown under the progress bar (English msgids, translated when shown)
NOTE_QUEUED = gettext_noop("Waiting for the background worker")
NOTE_READING = gettext_noop("Reading the figures")
NOTE_RENDERING = gettext_noop("Writing the document")
NOTE_STORING = gettext_noop("Saving the file")
NOTE_DONE = gettext_noop("Ready to download")

BACKGROUND_MAX_CHILDREN = 50_000
MAX_ATTEMPTS = 3  # starts of one job (a worker killed mid-job starts it again) before giving up


def background_max_children() -> int:
    """The most agencies under the chosen one a background document holds (far above the
    synchronous limit; ``RESMON_BACKGROUND_EXPORT_MAX_CHILDREN`` in the settings)."""
    return int(getattr(settings, "RESMON_BACKGROUND_EXPORT_MAX_CHILDREN", BACKGROUND_MAX_CHILDREN))


def too_large(agency: Any, count: int, limit: int) -> ValidationFailed:
    return ValidationFailed(
        _(
            "%(agency)s has %(count)s agencies under it, more than the %(limit)s a document may hold. "
            "Choose an agency further down."
        )
        % {"agency": agency.name, "count": count, "limit": limit},
        field="agency",
        code="selection_too_large",
    )


def _step(doc_id: int, progress: int, note: str) -> None:
    """Progress, written at once (outside any transaction) so the list sees it while the job runs."""
    StoredDocument.objects.filter(pk=doc_id, status=Status.RUNNING).update(
        progress=progress, progress_note=note
    )


def _reader(doc: StoredDocument) -> Any:
    """Who the document is built for: the requester as they stand now, or the system."""
    if doc.requested_by_id is None:
        return SYSTEM_READER
    user = User.objects.select_related("agency").filter(pk=doc.requested_by_id).first()
    if user is None or not user.is_active:
        raise DomainError(
            _("The account that asked for this document is no longer active."), code="requester_inactive"
        )
    return user


def read_overview(reader: Any, doc: StoredDocument) -> Overview:
    """The overview of the document's filters in ``reader``'s scope, with every child."""
    try:
        agency = dashboards.pick_agency(reader, doc.agency_id)
    except DomainError:
        raise DomainError(
            _("You no longer have access to %(agency)s, so this document was not made.")
            % {"agency": doc.agency.name},
            code="access_lost",
        ) from None
    resolution = None
    if doc.resolution_id is not None:
        try:
            resolution = dashboards.pick_resolution(reader, doc.resolution_id)
        except DomainError:
            raise DomainError(
                _("You no longer have access to resolution %(number)s, so this document was not made.")
                % {"number": doc.resolution.number if doc.resolution else doc.resolution_id},
                code="access_lost",
            ) from None
    count = agencies.children_visible(reader, agency).count()
    limit = background_max_children()
    if count > limit:
        raise too_large(agency, count, limit)
    return dashboards.overview(reader, agency, resolution, doc.period, offset=0, limit=max(count, 1))


def render_file(reader: Any, o: Overview, fmt: str) -> bytes:
    """The file's bytes: for a person exactly the synchronous download's; for the schedule the same
    document with "prepared by: the Resmon system (automatic)" in its footer."""
    if reader is not SYSTEM_READER or fmt == XLSX:
        return render(reader, o, fmt)
    document = overview_document(reader, o)
    footer = f"{document.footer}. " if document.footer else ""
    document = dataclasses.replace(document, footer=f"{footer}Người lập: {SYSTEM_NAME}")
    return render_pdf(document) if fmt == PDF else render_docx(document)


def _claim(doc_id: int, task_id: str = "") -> StoredDocument | None:
    """queued → running, once: another job for the same document finds nothing to do. The same job
    started again after its worker died (``task_id``, the document's own) takes it over."""
    mine = Q(status=Status.QUEUED)
    if task_id:
        mine |= Q(status=Status.RUNNING, task_id=task_id)
    started = StoredDocument.objects.filter(mine, pk=doc_id).update(
        status=Status.RUNNING, started_at=clock.now(), progress=0, progress_note=NOTE_READING
    )
    if not started:
        return None
    return StoredDocument.objects.select_related("agency", "resolution", "period").get(pk=doc_id)


def _fail(doc_id: int, message: str) -> None:
    StoredDocument.objects.filter(pk=doc_id, status__in=[Status.QUEUED, Status.RUNNING]).update(
        status=Status.FAILED,
        error=str(message)[:1000],
        progress_note="",
        finished_at=clock.now(),
    )


def _fail_job(doc_id: int, task_id: str, message: str) -> None:
    """Fail the document of a job that will not run again (its own, or still waiting)."""
    mine = Q(status=Status.QUEUED)
    if task_id:
        mine |= Q(status=Status.RUNNING, task_id=task_id)
    StoredDocument.objects.filter(mine, pk=doc_id).update(
        status=Status.FAILED, error=str(message)[:1000], progress_note="", finished_at=clock.now()
    )


def _store(doc: StoredDocument, content: bytes) -> bool:
    """Save the complete file, then mark the row done; False (and no file) when the document was
    deleted meanwhile."""
    now = clock.now()
    name = save_file(
        f"documents/{now:%Y}/{now:%m}/{uuid.uuid4().hex}.{doc.format}",
        ContentFile(content),
        size=len(content),
    )
    try:
        with transaction.atomic():
            row = StoredDocument.objects.select_for_update().filter(pk=doc.pk, status=Status.RUNNING).first()
            if row is None:
                default_storage.delete(name)
                return False
            row.file.name = name
            row.filename = doc.filename
            row.size = len(content)
            row.sha256 = hashlib.sha256(content).hexdigest()
            row.status = Status.DONE
            row.progress = 100
            row.progress_note = NOTE_DONE
            row.error = ""
            row.finished_at = clock.now()
            row.save()
    except BaseException:
        default_storage.delete(name)
        raise
    return True


def build(document_id: int, *, task_id: str = "", attempt: int = 1) -> str:
    """Build the document (see the module's docstring); returns its final status. ``task_id`` and
    ``attempt``: the job's id and how many times it was started (the worker's task context)."""
    if attempt > MAX_ATTEMPTS:
        with translation.override(settings.LANGUAGE_CODE):
            _fail_job(
                int(document_id),
                task_id,
                _(
                    "The background job stopped %(n)s times while making this document (the worker was "
                    "stopped or ran out of memory). Create it again; if it fails again, choose a smaller "
                    "selection or tell the system administrator."
                )
                % {"n": attempt - 1},
            )
        return Status.FAILED
    doc = _claim(int(document_id), task_id)
    if doc is None:
        found = StoredDocument.objects.filter(pk=document_id).values_list("status", flat=True).first()
        return found or "missing"
    # the messages stored for the user: in the deployment's language (the worker has no request)
    with translation.override(settings.LANGUAGE_CODE):
        try:
            reader = _reader(doc)
            o = read_overview(reader, doc)
            doc.filename = overview_filename(o, doc.format)
            _step(doc.pk, 10, NOTE_RENDERING)
            content = render_file(reader, o, doc.format)
            _step(doc.pk, 60, NOTE_STORING)
            if not _store(doc, content):
                return "deleted"
        except DomainError as exc:
            _fail(doc.pk, str(exc.message))
            return Status.FAILED
        except Exception:
            log.exception("stored document %s could not be built", doc.pk)
            _fail(
                doc.pk,
                _(
                    "The document could not be made because of an internal error (document no. %(id)s). "
                    "Create it again; if it fails again, tell the system administrator."
                )
                % {"id": doc.pk},
            )
            return Status.FAILED
    return Status.DONE


def fail_stale(hours: int = 6) -> int:
    """Documents queued or running for more than ``hours`` (the worker stopped or was restarted
    mid-job) are failed with a message, so nobody waits for them forever. Returns how many."""
    limit = clock.now() - dt.timedelta(hours=hours)
    with translation.override(settings.LANGUAGE_CODE):
        message = _("The background job stopped before the document was finished. Create the document again.")
    stale = Q(status=Status.QUEUED, created_at__lt=limit) | Q(status=Status.RUNNING, started_at__lt=limit)
    return StoredDocument.objects.filter(stale).update(
        status=Status.FAILED, error=message, progress_note="", finished_at=clock.now()
    )
