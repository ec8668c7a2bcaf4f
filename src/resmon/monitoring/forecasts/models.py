"""Forecasts, computed for all tasks and KPIs at once by a background job and cached here.

A row with ``method = insufficient`` says honestly that the series is too short: no date, no
value, no probability is made up."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Method(models.TextChoices):
    LINEAR = "linear", _("Linear trend")
    DAMPED = "damped", _("Damped trend")
    SMOOTHING = "smoothing", _("Exponential smoothing")
    DONE = "done", _("Completed")
    ROLLUP = "rollup", _("From its sub-tasks")
    INSUFFICIENT = "insufficient", _("Not enough data")


class TaskForecast(models.Model):
    task = models.OneToOneField("planning.Task", on_delete=models.CASCADE, related_name="forecast")
    as_of = models.DateField(_("as of"))
    method = models.CharField(_("method"), max_length=12, choices=Method.choices)
    points = models.PositiveSmallIntegerField(_("progress points used"), default=0)
    projected_on = models.DateField(_("projected completion"), null=True, blank=True)
    low_on = models.DateField(_("80% interval from"), null=True, blank=True)
    high_on = models.DateField(_("80% interval to"), null=True, blank=True)
    p_miss = models.DecimalField(
        _("probability of missing the deadline"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    rate = models.DecimalField(
        _("pace (percentage points per 30 days)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    last_report_on = models.DateField(_("last accepted report dated"), null=True, blank=True)
    last_percent = models.DecimalField(
        _("percent in the last accepted report"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    computed_at = models.DateTimeField(_("computed at"))

    scope_paths = ("task__lead_agency__path", "task__assigned_by__path")
    scope_paths_many = ("task__coordinations__agency__path",)
    scope_resolution = "task__resolution_id"

    class Meta:
        indexes = [models.Index(fields=["p_miss"])]
        verbose_name = _("task forecast")
        verbose_name_plural = _("task forecasts")

    def __str__(self) -> str:
        return f"{self.task_id}: {self.projected_on}"


class KpiForecast(models.Model):
    """The projected value of a task KPI at its last target date, for the lead agency."""

    kpi = models.OneToOneField("planning.TaskIndicator", on_delete=models.CASCADE, related_name="forecast")
    as_of = models.DateField(_("as of"))
    method = models.CharField(_("method"), max_length=12, choices=Method.choices)
    points = models.PositiveSmallIntegerField(_("values used"), default=0)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    target_value = models.DecimalField(_("target"), max_digits=20, decimal_places=4, null=True, blank=True)
    projected_value = models.DecimalField(
        _("projected value"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    low_value = models.DecimalField(
        _("80% interval from"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    high_value = models.DecimalField(
        _("80% interval to"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    p_miss = models.DecimalField(
        _("probability of missing the target"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    computed_at = models.DateTimeField(_("computed at"))

    scope_paths = ("kpi__task__lead_agency__path", "kpi__task__assigned_by__path")
    scope_resolution = "kpi__task__resolution_id"

    class Meta:
        verbose_name = _("KPI forecast")
        verbose_name_plural = _("KPI forecasts")

    def __str__(self) -> str:
        return f"{self.kpi_id}: {self.projected_value}"
