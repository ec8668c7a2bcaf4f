"""KPIs of a task: an indicator from the catalogue with a baseline, a target trajectory and the
criterion by which it is evaluated."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from resmon.core.models import TimeStamped

from .tasks import Task


class TaskIndicator(TimeStamped):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="kpis")
    indicator = models.ForeignKey("catalogue.Indicator", on_delete=models.PROTECT, related_name="task_kpis")
    indicator_version = models.ForeignKey(
        "catalogue.IndicatorVersion",
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The definition the targets were set against."),
    )
    baseline_value = models.DecimalField(
        _("baseline"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    baseline_date = models.DateField(_("baseline date"), null=True, blank=True)
    criterion = models.TextField(
        _("evaluation criterion"),
        blank=True,
        help_text=_("e.g. Achieved when the value at the end date reaches the target."),
    )

    scope_paths = ("task__lead_agency__path", "task__assigned_by__path")
    scope_resolution = "task__resolution_id"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "indicator"], name="uniq_task_indicator")]
        verbose_name = _("task KPI")
        verbose_name_plural = _("task KPIs")

    def __str__(self) -> str:
        return f"{self.task_id}: {self.indicator_id}"


class TargetPoint(models.Model):
    """One point of the trajectory: the value planned for a date."""

    kpi = models.ForeignKey(TaskIndicator, on_delete=models.CASCADE, related_name="targets")
    on = models.DateField(_("date"))
    value = models.DecimalField(_("target value"), max_digits=20, decimal_places=4)

    class Meta:
        ordering = ["kpi_id", "on"]
        constraints = [models.UniqueConstraint(fields=["kpi", "on"], name="uniq_target_point")]

    def __str__(self) -> str:
        return f"{self.on}: {self.value}"
