"""Evidence (minh chứng) of a progress report line: a file, a link, or only a document's number
and date.

Confidentiality (PRODUCT.md §11, resmon.core.classified): content classified Mật or above is never
stored here, neither as a file nor as a link; only its number and date are recorded. A file marked
"Thường" whose first lines carry a MẬT stamp, or whose name carries the mark, is refused too. Files
are recognised from their content (see ``filetypes``), stored under
``evidence/YYYY/MM/<uuid><ext>`` with their SHA-256; the audit row records what was added, never
the bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
import uuid
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from resmon.audit.services import record
from resmon.core import classified, clock
from resmon.core.access import get_visible_or_404
from resmon.core.dates import parse_date
from resmon.core.errors import NotFound, ValidationFailed
from resmon.core.storage import save_file

from ..models import Classification, Evidence, ReportLine
from . import filetypes
from .idempotency import once
from .reports import ensure_editable, lock_report, touch

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
TITLE_MAX = 300
URL_MAX = 500
DOC_NUMBER_MAX = 100

CLASSIFIED_MESSAGE = classified.FILE_MESSAGE


def max_bytes() -> int:
    """EVIDENCE_MAX_BYTES from the settings (default 20 MiB); read on each call so tests can override."""
    return int(getattr(settings, "EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES))


def _classified_refusal(field: str) -> ValidationFailed:
    return classified.refusal([field], CLASSIFIED_MESSAGE)


def size_text(n: int) -> str:
    """A size as people read it: "20 MB", "1,5 MB", "12 KB"."""
    mib = 1024 * 1024
    if n >= mib:
        return f"{number_format(round(n / mib, 1), decimal_pos=0 if n % mib == 0 else 1)} MB"
    return f"{number_format(max(1, -(-n // 1024)))} KB"


def sanitise_name(name: str, extension: str) -> str:
    """The uploaded file's name, kept for display and download: its last path component, without
    control characters or characters file systems refuse, at most 255 characters."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"\s+", " ", name)
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = re.sub(r'[<>:"|?*]', "", name).strip(" .")
    if not name:
        name = "file" + extension
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 254 - len(ext)] + dot + ext) if dot and len(ext) < 20 else name[:255]
    return name


def _validate_document_fields(
    doc_number: str, doc_date: Any, *, required: bool
) -> tuple[str, dt.date | None]:
    errors: dict[str, list[str]] = {}
    number = (doc_number or "").strip()
    if isinstance(doc_date, str):
        parsed = parse_date(doc_date)
        if doc_date.strip() and parsed is None:
            errors["doc_date"] = [_("Enter the document's date as dd/mm/yyyy.")]
        doc_date = parsed
    elif doc_date is not None and not isinstance(doc_date, dt.date):
        errors["doc_date"] = [_("Enter the document's date as dd/mm/yyyy.")]
        doc_date = None
    if isinstance(doc_date, dt.datetime):
        doc_date = doc_date.date()
    if required and not number:
        errors["doc_number"] = [_("Give the document's number and symbol, e.g. 15-BC/TU or 15/BC-UBND.")]
    elif len(number) > DOC_NUMBER_MAX:
        errors["doc_number"] = [
            _("The document number is too long (at most %(n)s characters).") % {"n": DOC_NUMBER_MAX}
        ]
    if required and doc_date is None and "doc_date" not in errors:
        errors["doc_date"] = [_("Give the document's date (dd/mm/yyyy).")]
    if doc_date is not None and doc_date > clock.today():
        errors["doc_date"] = [
            _("The document's date %(date)s is in the future.") % {"date": date_format(doc_date, "d/m/Y")}
        ]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors=errors)
    return number, doc_date


def _validate_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        raise ValidationFailed(_("Give the link's address (starting with https://)."), field="url")
    if len(url) > URL_MAX:
        raise ValidationFailed(
            _("The link is too long (at most %(n)s characters).") % {"n": URL_MAX}, field="url"
        )
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationFailed(
            _("Give a web address starting with http:// or https://, e.g. https://example.gov.vn/van-ban."),
            field="url",
        ) from None
    return url


def _check_upload(upload: Any) -> tuple[filetypes.FileType, str]:
    """The upload's real type and sanitised name; refuses empty, oversized, unknown or disguised files."""
    if upload is None:
        raise ValidationFailed(_("Choose the file to upload."), field="file")
    size = int(getattr(upload, "size", 0) or 0)
    if size <= 0:
        raise ValidationFailed(_("The file is empty. Choose the file again."), field="file")
    limit = max_bytes()
    if size > limit:
        raise ValidationFailed(
            _(
                "The file is %(size)s; the largest file accepted is %(max)s. Reduce it "
                "(e.g. export to PDF) or split it."
            )
            % {"size": size_text(size), "max": size_text(limit)},
            field="file",
            code="file_too_large",
        )
    kind = filetypes.sniff(upload)
    allowed = ", ".join(t.label for t in filetypes.ALLOWED)
    if kind is None:
        raise ValidationFailed(
            _("This kind of file is not accepted as evidence. Accepted: %(types)s.") % {"types": allowed},
            field="file",
            code="file_type",
        )
    name = getattr(upload, "name", "") or ""
    if classified.mark_in_name(name):
        raise _classified_refusal("file")
    ext = filetypes.extension_of(name)
    if ext and ext not in kind.extensions:
        raise ValidationFailed(
            _(
                "The file's name ends in %(ext)s but its content is %(kind)s. Rename it to %(good)s "
                "or choose the right file."
            )
            % {"ext": ext, "kind": kind.label, "good": kind.extension},
            field="file",
            code="file_type",
        )
    if kind is filetypes.PDF and filetypes.pdf_active_content(upload):
        raise ValidationFailed(
            _(
                "This PDF contains scripts, embedded files or actions that start programs, which are "
                "not accepted as evidence. Print it to a new PDF (File > Print > Save as PDF) and "
                "upload that file."
            ),
            field="file",
            code="file_active_content",
        )
    if filetypes.classification_stamp(upload, kind):
        raise _classified_refusal("file")
    return kind, sanitise_name(name, kind.extension)


def _store(upload: IO[bytes], ext: str) -> tuple[str, str]:
    """Save the upload; (storage name, sha256). A full disk is StorageFull (507, a clear message)
    and leaves no partial file behind (``core.storage.save_file``)."""
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in File(upload).chunks():
        digest.update(chunk)
    upload.seek(0)
    now = clock.now()
    size = int(getattr(upload, "size", 0) or 0) or None
    name = save_file(f"evidence/{now:%Y}/{now:%m}/{uuid.uuid4().hex}{ext}", File(upload), size=size)
    return name, digest.hexdigest()


def evidence_snapshot(ev: Evidence) -> dict[str, Any]:
    """What the audit row keeps of an evidence item: its description, never the file's bytes."""
    return {
        "id": ev.pk,
        "line_id": ev.line_id,
        "task_id": ev.line.task_id,
        "classification": ev.classification,
        "kind": ev.kind,
        "title": ev.title,
        "file": ev.file.name or "",
        "original_name": ev.original_name,
        "content_type": ev.content_type,
        "size": ev.size,
        "sha256": ev.sha256,
        "url": ev.url,
        "doc_number": ev.doc_number,
        "doc_date": ev.doc_date,
    }


def add_evidence(
    actor: Any,
    line: ReportLine,
    *,
    classification: str,
    kind: str,
    title: str,
    upload: Any = None,
    url: str = "",
    doc_number: str = "",
    doc_date: dt.date | str | None = None,
    expected_version: int | None = None,
    idempotency_key: str = "",
) -> Evidence:
    """Attach evidence to a line of an editable report (see the module's docstring)."""
    payload = {
        "line": line.pk,
        "classification": classification,
        "kind": kind,
        "title": title,
        "url": url,
        "doc_number": doc_number,
        "doc_date": doc_date,
        "file": getattr(upload, "name", None),
        "size": getattr(upload, "size", None),
    }
    return once(
        actor,
        idempotency_key,
        "reporting.add_evidence",
        payload,
        lambda: _add_evidence(
            actor,
            line,
            classification=classification,
            kind=kind,
            title=title,
            upload=upload,
            url=url,
            doc_number=doc_number,
            doc_date=doc_date,
            expected_version=expected_version,
        ),
        model=Evidence,
    )


@transaction.atomic
def _add_evidence(
    actor: Any,
    line: ReportLine,
    *,
    classification: str,
    kind: str,
    title: str,
    upload: Any,
    url: str,
    doc_number: str,
    doc_date: dt.date | str | None,
    expected_version: int | None,
) -> Evidence:
    report = lock_report(line.report_id)
    line = ReportLine.objects.select_related("task").get(pk=line.pk)
    ensure_editable(actor, report)
    touch(actor, report, expected_version)

    if classification not in Classification.values:
        raise ValidationFailed(_("Choose the document's classification."), field="classification")
    if kind not in Evidence.Kind.values:
        raise ValidationFailed(
            _("Choose what to record: a file, a link or a document's number and date."), field="kind"
        )
    if classification != Classification.NORMAL and (
        kind != Evidence.Kind.DOCUMENT or upload is not None or (url or "").strip()
    ):
        raise _classified_refusal("classification")

    title = (title or "").strip()
    classified.refuse_marked(title=title, doc_number=doc_number)
    if len(title) > TITLE_MAX:
        raise ValidationFailed(
            _("The title is too long (at most %(n)s characters).") % {"n": TITLE_MAX}, field="title"
        )
    ev = Evidence(line=line, classification=classification, kind=kind, uploaded_by=actor)
    if kind == Evidence.Kind.DOCUMENT:
        ev.doc_number, ev.doc_date = _validate_document_fields(doc_number, doc_date, required=True)
        ev.title = title or ev.doc_number
    elif kind == Evidence.Kind.LINK:
        ev.url = _validate_url(url)
        ev.doc_number, ev.doc_date = _validate_document_fields(doc_number, doc_date, required=False)
        ev.title = title or ev.url[:TITLE_MAX]
    else:
        file_type, original_name = _check_upload(upload)
        ev.doc_number, ev.doc_date = _validate_document_fields(doc_number, doc_date, required=False)
        ev.title = title or original_name[:TITLE_MAX]
        ev.original_name = original_name
        ev.content_type = file_type.content_type
        ev.size = int(upload.size)
        stored, ev.sha256 = _store(upload, file_type.extension)
        ev.file.name = stored
        # the file is written before the row: if anything below fails, remove it again
        try:
            ev.save()
            _record_added(actor, ev, report)
        except BaseException:
            default_storage.delete(stored)
            raise
        return ev
    ev.save()
    _record_added(actor, ev, report)
    return ev


def _record_added(actor: Any, ev: Evidence, report: Any) -> None:
    record(
        actor,
        "reporting.evidence_added",
        ev,
        after=evidence_snapshot(ev),
        agency_path=report.agency.path,
    )


@transaction.atomic
def remove_evidence(actor: Any, evidence: Evidence, *, expected_version: int | None = None) -> None:
    """Remove evidence from an editable report; its file is deleted once the removal is committed."""
    try:
        ev = Evidence.objects.select_related("line").get(pk=evidence.pk)
    except Evidence.DoesNotExist:
        raise NotFound(_("This evidence was already removed.")) from None
    report = lock_report(ev.line.report_id)
    ev = Evidence.objects.select_for_update(of=("self",)).select_related("line").get(pk=evidence.pk)
    ensure_editable(actor, report)
    touch(actor, report, expected_version)
    record(
        actor,
        "reporting.evidence_removed",
        ev,
        before=evidence_snapshot(ev),
        agency_path=report.agency.path,
    )
    stored = ev.file.name
    ev.delete()
    if stored:
        transaction.on_commit(lambda: default_storage.delete(stored))


def open_evidence(user: Any, evidence_id: Any) -> tuple[Evidence, IO[bytes]]:
    """The evidence (scoped: 404 outside the user's scope) and its file opened for reading."""
    ev = get_visible_or_404(
        user,
        Evidence.objects.select_related("line__report__agency", "line__task"),
        pk=evidence_id,
    )
    if ev.kind != Evidence.Kind.FILE or not ev.file.name:
        raise NotFound(_("This evidence has no file to download."))
    try:
        handle = default_storage.open(ev.file.name, "rb")
    except (FileNotFoundError, OSError):
        raise NotFound(
            _("The file of this evidence is missing from storage. Tell the system administrator.")
        ) from None
    return ev, handle
