"""Reading a number as a Vietnamese officer types it (no database)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resmon.core.errors import ValidationFailed
from resmon.reporting.outliers import show_number
from resmon.reporting.services.observations import parse_number


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1.234,5", D("1234.5")),
        ("1.234.567,25", D("1234567.25")),
        ("1.234", D(1234)),  # a dot before three digits groups thousands
        ("1.234.567", D(1234567)),
        ("1234,5", D("1234.5")),
        ("45,5", D("45.5")),
        ("45.5", D("45.5")),
        ("1234.5", D("1234.5")),
        ("1234.567", D("1234.567")),  # four digits before the dot: not a thousands group
        ("0.125", D("0.125")),
        (",5", D("0.5")),
        (".5", D("0.5")),
        ("-1.234,5", D("-1234.5")),
        ("−7", D(-7)),
        ("+3", D(3)),
        ("1\u00a0234,5", D("1234.5")),
        (" 12 345 ", D(12345)),
        (12, D(12)),
        (D("3.25"), D("3.25")),
        (2.5, D("2.5")),
    ],
)
def test_accepted(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    "text",
    ["abc", "1.2.3,4,5", "1,2,3", "1,234.5", "1.234,5.6", "1.23.4", "--5", "5-", "1e5", "0x10", "12%"]
    + ["5,", "5.", "", None, True, float("nan"), D("Infinity"), "١٢"],
)
def test_refused_with_the_field_named(text):
    with pytest.raises(ValidationFailed) as exc:
        parse_number(text, field="lines.7.percent_done")
    assert "lines.7.percent_done" in exc.value.errors


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=4, allow_nan=False, allow_infinity=False))
def test_a_number_shown_the_vietnamese_way_reads_back_the_same(number):
    from django.utils import translation

    with translation.override("vi"):
        shown = show_number(number)
    assert parse_number(shown) == number
