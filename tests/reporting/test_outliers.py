"""The unusual-value check: a value far from the agency's own history asks for an explanation;
a value in line with it never does."""

from __future__ import annotations

import statistics
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resmon.reporting.outliers import unusual

values = st.decimals(min_value=-(10**6), max_value=10**6, places=4, allow_nan=False, allow_infinity=False)
histories = st.lists(values, min_size=0, max_size=12)
factors = st.decimals(min_value=D("-1000"), max_value=D("1000"), places=2).filter(lambda k: k != 0)


@given(value=values, n=st.integers(min_value=1, max_value=12))
def test_a_constant_history_never_flags_the_same_value(value, n):
    assert unusual(value, [value] * n) is None


@given(value=values, history=histories, k=factors)
def test_scaling_every_value_by_the_same_factor_never_changes_the_answer(value, history, k):
    # a change of unit (tonnes → kg, VND billion → million) must not change what looks unusual
    before = unusual(value, history) is None
    after = unusual(value * k, [h * k for h in history]) is None
    assert before == after


@given(history=st.lists(values, min_size=3, max_size=12))
def test_a_value_equal_to_the_median_is_never_flagged(history):
    assert unusual(statistics.median(history), history) is None


@given(value=values)
def test_without_history_nothing_is_unusual(value):
    assert unusual(value, []) is None


positives = st.decimals(min_value=D("0.0001"), max_value=10**6, places=4)


@given(history=st.lists(positives, min_size=1, max_size=2), value=positives)
def test_with_one_or_two_values_the_last_one_is_the_reference(history, value):
    last = history[-1]
    flagged = unusual(value, history) is not None
    assert flagged == (value > 2 * last or value < last / 2)


@pytest.mark.parametrize(
    "value, history, flagged",
    [
        (D(100), [D(10), D(11), D(12), D(10), D(11)], True),  # a slip of the finger: 100 for 10
        (D("11.5"), [D(10), D(11), D(12), D(10), D(11)], False),
        (D(13), [D(10), D(11), D(12), D(10), D(11)], False),
        (D(11), [D(10), D(11), D(12), D(900)], False),  # one wild past value does not hide the usual ones
        (D(16), [D(10), D(10), D(10)], True),  # flat history: more than 50 % away
        (D(14), [D(10), D(10), D(10)], False),
        (D(4), [D(10), D(10), D(10)], True),
        (D(0), [D(0), D(0), D(0)], False),
        (D(1), [D(0), D(0), D(0)], True),
        (D(21), [D(10)], True),  # one earlier value: more than double
        (D(20), [D(10)], False),
        (D("4.9"), [D(3), D(10)], True),  # below half of the last value
        (D(5), [D(30), D(10)], False),
        (D(3), [D(0)], True),
        (D(0), [D(0)], False),
    ],
)
def test_examples(value, history, flagged):
    assert (unusual(value, history) is not None) == flagged


def test_the_reason_names_the_value_and_what_it_was_compared_with():
    reason = unusual(D(1500), [D(100), D(110), D(105), D(98)])
    assert "1,500" in reason and "median 102.5" in reason and "4 periods" in reason
    assert "explain" in reason
    assert "more than double the previous value (10)" in unusual(D(25), [D(10)])
    assert "less than half of the previous value (10)" in unusual(D(4), [D(10)])
