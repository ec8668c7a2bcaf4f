"""Documents built in the background and kept for download ("Tài liệu đã tạo").

A :class:`StoredDocument` is one file (the overview as Excel, Word or PDF; other kinds later) with
the filters it was built for, where its background job stands (queued → running → done or
failed, with a progress and a note) and, once done, the file with its size and SHA-256.

``requested_by`` is the person who asked for it; ``None`` means the schedule made it (the
quarterly documents of the nation and of each province, see ``exports.stored.services``).

Scope: whoever may read the document's agency (or, for a steering-committee member, its
resolution) may read it; the lists show a person their own requests and the scheduled documents
in their scope (``exports.stored.selectors``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class StoredDocument(models.Model):
    class Kind(models.TextChoices):
        OVERVIEW = "overview", _("Overview")

    class Format(models.TextChoices):
        XLSX = "xlsx", _("Excel")
        DOCX = "docx", _("Word")
        PDF = "pdf", _("PDF")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Being prepared")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OVERVIEW)
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("agency")
    )
    resolution = models.ForeignKey(
        "planning.Resolution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolution"),
    )
    period = models.ForeignKey(
        "catalogue.ReportingPeriod",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reporting period"),
    )
    title = models.CharField(_("title"), max_length=300)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    # an English msgid (gettext_noop), shown translated: see ``progress_label``
    progress_note = models.CharField(_("progress note"), max_length=200, blank=True)
    error = models.CharField(_("error message"), max_length=1000, blank=True)
    file = models.FileField(_("file"), upload_to="documents/%Y/%m/", blank=True, max_length=300)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    children = models.PositiveIntegerField(_("agencies under it"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
        help_text=_("Empty: made by the schedule."),
    )
    task_id = models.CharField(_("background job"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    scope_paths = ("agency__path",)
    scope_resolution = "resolution_id"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("stored document")
        verbose_name_plural = _("stored documents")
        constraints = [
            # the schedule makes each quarterly document once (its idempotence)
            models.UniqueConstraint(
                fields=["kind", "format", "agency", "period"],
                condition=Q(requested_by__isnull=True, resolution__isnull=True),
                name="uniq_scheduled_document",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="stored_document_progress_le_100"),
        ]
        indexes = [
            models.Index(fields=["requested_by", "status"], name="stored_doc_requester"),
            models.Index(fields=["status", "created_at"], name="stored_doc_status"),
            models.Index(fields=["period", "kind"], name="stored_doc_period"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def scheduled(self) -> bool:
        return self.requested_by_id is None

    @property
    def active(self) -> bool:
        """Queued or running: the list keeps polling while one is."""
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def ready(self) -> bool:
        return self.status == self.Status.DONE and bool(self.file.name)

    @property
    def progress_label(self) -> str:
        return gettext(self.progress_note) if self.progress_note else ""
