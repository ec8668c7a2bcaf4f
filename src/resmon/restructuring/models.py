"""A merger or split of agencies: when, by which decision, from which agencies into which."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from resmon.core.models import TimeStamped


class RestructuringEvent(TimeStamped):
    class Kind(models.TextChoices):
        MERGE = "merge", _("Merger")
        SPLIT = "split", _("Split")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    effective_on = models.DateField(_("effective on"))
    reference = models.CharField(
        _("decision"), max_length=300, help_text=_("e.g. Nghị quyết số 202/2025/QH15")
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sources = models.ManyToManyField(
        "agencies.Agency", related_name="restructured_from", verbose_name=_("former agencies")
    )
    results = models.ManyToManyField(
        "agencies.Agency", related_name="restructured_into", verbose_name=_("resulting agencies")
    )
    moved = models.JSONField(
        _("what moved"), default=dict, blank=True, help_text=_("Counts of agencies, tasks, users moved.")
    )

    scope_paths_many = ("sources__path", "results__path")

    class Meta:
        ordering = ["-effective_on", "-id"]
        verbose_name = _("restructuring event")
        verbose_name_plural = _("restructuring events")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.effective_on:%d/%m/%Y} – {self.reference}"
