"""Is a KPI value unusual against the agency's own history? Pure: no database.

With three or more earlier values the check is the modified z-score of Iglewicz and Hoaglin:
``0.6745 · |x − median| / MAD > 3.5``, MAD being the median absolute deviation. It ignores one or
two wild values in the history, unlike a mean and a standard deviation. When the history is flat
(MAD = 0) a value more than 50 % away from the median is unusual (any non-zero value when the
median is 0). With one or two earlier values a value that more than doubles, or falls below half
of, the last one is unusual. Without history nothing is unusual.

The arithmetic is exact (fractions), so scaling every value by the same factor never changes the
answer. A flagged value may still be saved; the report cannot be sent until it is explained.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from django.utils.formats import number_format
from django.utils.translation import gettext as _

Z_FACTOR = Fraction("0.6745")
Z_LIMIT = Fraction("3.5")
FLAT_TOLERANCE = Fraction(1, 2)  # 50 % of the median when the history does not vary
MIN_ROBUST = 3  # earlier values needed for the robust z-score


def show_number(value: Decimal | Fraction) -> str:
    """A number with the active language's separators (vi: 1.234,5), at most 4 decimals."""
    number = Decimal(value.numerator) / Decimal(value.denominator) if isinstance(value, Fraction) else value
    number = number.quantize(Decimal("0.0001")).normalize()
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    exponent = number.as_tuple().exponent
    places = max(0, -exponent) if isinstance(exponent, int) else 0
    return number_format(number, decimal_pos=places, use_l10n=True, force_grouping=True)


def _median(values: Sequence[Fraction]) -> Fraction:
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


def unusual(value: Decimal, history: Sequence[Decimal]) -> str | None:
    """Why ``value`` looks unusual against ``history`` (earlier values, oldest first), or None."""
    if not history:
        return None
    x = Fraction(value)
    past = [Fraction(v) for v in history]
    if len(past) < MIN_ROBUST:
        last = past[-1]
        if last == 0:
            if x == 0:
                return None
            return _(
                "The previous value was 0 and this one is %(value)s. Check the figure; "
                "if it is right, explain the change."
            ) % {"value": show_number(value)}
        ratio = x / last
        if ratio > 2:
            return _(
                "%(value)s is more than double the previous value (%(last)s). Check the figure; "
                "if it is right, explain the change."
            ) % {"value": show_number(value), "last": show_number(history[-1])}
        if ratio < Fraction(1, 2):
            return _(
                "%(value)s is less than half of the previous value (%(last)s). Check the figure; "
                "if it is right, explain the change."
            ) % {"value": show_number(value), "last": show_number(history[-1])}
        return None
    median = _median(past)
    distance = abs(x - median)
    mad = _median([abs(v - median) for v in past])
    if mad == 0:
        flagged = distance != 0 if median == 0 else distance > FLAT_TOLERANCE * abs(median)
    else:
        flagged = Z_FACTOR * distance > Z_LIMIT * mad
    if not flagged:
        return None
    return _(
        "%(value)s is far from this agency's usual values for the indicator (median %(median)s "
        "over the previous %(n)s periods). Check the figure; if it is right, explain the change."
    ) % {"value": show_number(value), "median": show_number(median), "n": len(past)}
