"""A KPI against its trajectory: the attainment of the plan and its band (UI.md: on track / behind /
at risk / not assessable — "Đạt tiến độ / Chậm / Nguy cơ không đạt / Chưa đánh giá được").

Pure Decimal arithmetic, no database: the dashboards' KPI view and the early warnings read the
same rule. The thresholds a deployment uses are stored in ``KpiBandRule`` (read them with
``selectors_bands.current_band_rule``); :class:`BandRule` carries them here.

**Attainment** is a percent of the plan, rounded *down* to two decimals (so a value shown as
84.99 % really is below 85 %, and a threshold with two decimals compares the same on the rounded
and on the exact figure):

* higher is better: ``100 × actual / expected``;
* lower is better: ``100 × expected / actual``;
* None (not assessable) when either value is missing, or when the ratio has no meaning:
  - a value equal to the plan is 100 % whatever it is, so a plan of 0 met by 0 is on track;
  - higher is better with a plan of 0 or below (``actual / 0``: no yardstick to measure against);
  - lower is better with an actual of 0 or below (``expected / 0``) or a negative plan.
  Lower is better with a plan of 0 and an actual above it is 0 % (at risk): the plan was none.

**Band**: ``on_track`` from ``on_track_from`` (default 100 %) upwards, ``at_risk`` below
``at_risk_below`` (default 85 %), ``behind`` in between (85 % itself is behind, 100 % on track),
``not_assessable`` without an attainment.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

HUNDRED = Decimal(100)
STEP = Decimal("0.01")

ON_TRACK = "on_track"
BEHIND = "behind"
AT_RISK = "at_risk"
NOT_ASSESSABLE = "not_assessable"
BANDS = (AT_RISK, BEHIND, ON_TRACK, NOT_ASSESSABLE)  # the order of the counts and the chart

BAND_LABELS = {
    ON_TRACK: gettext_lazy("On track"),
    BEHIND: gettext_lazy("Behind"),
    AT_RISK: gettext_lazy("At risk"),
    NOT_ASSESSABLE: gettext_lazy("Not assessable"),
}

DEFAULT_ON_TRACK_FROM = Decimal(100)
DEFAULT_AT_RISK_BELOW = Decimal(85)

HIGHER = "higher"  # catalogue.models.Direction values
LOWER = "lower"


@dataclass(frozen=True)
class BandRule:
    """Thresholds in percent of the plan: on track from ``on_track_from``, at risk below
    ``at_risk_below``, behind in between."""

    on_track_from: Decimal = DEFAULT_ON_TRACK_FROM
    at_risk_below: Decimal = DEFAULT_AT_RISK_BELOW

    def text(self) -> str:
        """The rule as written under the counts and the chart."""
        return _(
            "On track: from %(on_track)s%% of the planned value at the end of the period; "
            "at risk: below %(at_risk)s%%; behind: in between. Not assessable: no accepted value "
            "or no plan for the period."
        ) % {"on_track": percent_text(self.on_track_from), "at_risk": percent_text(self.at_risk_below)}


def percent_text(value: Decimal) -> str:
    """A threshold as the user reads it: 85 rather than 85.00, in the active language."""
    number = Decimal(value).normalize()
    exponent = number.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return number_format(number, decimal_pos=places, use_l10n=True)


def attainment(actual: Decimal | None, expected: Decimal | None, direction: str) -> Decimal | None:
    """The actual value as a percent of the plan, direction taken into account (see the module)."""
    if actual is None or expected is None:
        return None
    actual, expected = Decimal(actual), Decimal(expected)
    if actual == expected:
        return HUNDRED.quantize(STEP)
    if direction == LOWER:
        if actual <= 0 or expected < 0:
            return None
        ratio = expected / actual
    else:
        if expected <= 0:
            return None
        ratio = actual / expected
    return (ratio * HUNDRED).quantize(STEP, rounding=ROUND_FLOOR)


def band(value: Decimal | None, rule: BandRule | None = None) -> str:
    """The band of an attainment (percent) under ``rule`` (the defaults when None)."""
    rule = rule or BandRule()
    if value is None:
        return NOT_ASSESSABLE
    if value >= rule.on_track_from:
        return ON_TRACK
    if value < rule.at_risk_below:
        return AT_RISK
    return BEHIND
