"""The KPI band thresholds in force: the stored rule, or the defaults when none was set."""

from __future__ import annotations

from .bands import BandRule
from .models import KpiBandRule
from .models.band_rule import SINGLETON_ID


def band_rule_row() -> KpiBandRule | None:
    """The stored rule (who set it and when), None while the defaults apply. The rule is public
    to every signed-in user: it is written under every KPI band."""
    return KpiBandRule.objects.filter(pk=SINGLETON_ID).select_related("updated_by").first()


def current_band_rule() -> BandRule:
    row = band_rule_row()
    if row is None:
        return BandRule()
    return BandRule(on_track_from=row.on_track_from, at_risk_below=row.at_risk_below)
