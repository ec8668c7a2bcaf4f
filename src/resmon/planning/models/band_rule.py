"""The thresholds of the KPI bands (on track / behind / at risk), one row for the whole system."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from resmon.core.models import Versioned

SINGLETON_ID = 1


class KpiBandRule(Versioned):
    """One row (id 1) set by system administrators; without it the defaults of ``planning.bands``
    apply. Thresholds are percents of the planned value at the end of a period."""

    on_track_from = models.DecimalField(
        _("on track from (percent of plan)"), max_digits=6, decimal_places=2, default=Decimal(100)
    )
    at_risk_below = models.DecimalField(
        _("at risk below (percent of plan)"), max_digits=6, decimal_places=2, default=Decimal(85)
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_by_name = models.CharField(max_length=150, blank=True)

    scope_public = True  # every signed-in user reads the rule written under the KPI bands

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=SINGLETON_ID), name="kpi_band_rule_singleton")
        ]
        verbose_name = _("KPI band rule")
        verbose_name_plural = _("KPI band rule")

    def __str__(self) -> str:
        return f"on track >= {self.on_track_from}%, at risk < {self.at_risk_below}%"
