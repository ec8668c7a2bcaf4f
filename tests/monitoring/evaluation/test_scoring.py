"""The score as pure functions: exact numbers."""

from __future__ import annotations

from decimal import Decimal as D

from resmon.monitoring.evaluation.models import Level
from resmon.monitoring.evaluation.scoring import (
    Inputs,
    Rule,
    cap_check,
    level_for,
    progress_ratio,
    rates,
    score,
)


def test_every_criterion_weighted_by_the_default_rule():
    inputs = Inputs(
        tasks_due=4,
        tasks_on_time=2,
        progress_sum=D("1.6"),
        progress_tasks=3,
        kpis_assessed=2,
        kpis_on_track=1,
        reports_expected=3,
        reports_received=2,
        reports_on_time=1,
        directives_received=3,
        directives_answered_on_time=2,
    )
    result = score(inputs, Rule())
    # 0.5×30 + 0.5333…×25 + 0.5×20 + 0.5×15 + 0.6667×10 = 52.5
    assert result.score == D("52.5")
    assert result.level == Level.DONE
    parts = {p.key: p for p in result.parts}
    assert parts["on_time"].rate == D("50.00") and parts["on_time"].points == D("15.00")
    assert parts["progress"].rate == D("53.33") and parts["progress"].points == D("13.33")
    assert parts["reporting"].rate == D("50.00") and parts["reporting"].points == D("7.50")
    assert parts["directives"].rate == D("66.67") and parts["directives"].points == D("6.67")
    assert [p.effective_weight for p in result.parts] == [D(30), D(25), D(20), D(15), D(10)]
    assert result.not_applicable == []


def test_a_criterion_without_data_spreads_its_weight_over_the_others():
    # on time 100 % (weight 30), progress 0 % (weight 25), nothing else: 30 / 55 = 54.5454… → 54.5
    result = score(Inputs(tasks_due=1, tasks_on_time=1, progress_sum=D(0), progress_tasks=2), Rule())
    assert result.score == D("54.5")
    assert result.level == Level.DONE
    parts = {p.key: p for p in result.parts}
    assert parts["on_time"].effective_weight == D("54.55")
    assert parts["progress"].effective_weight == D("45.45")
    assert parts["kpi"].rate is None and parts["kpi"].effective_weight == 0 and parts["kpi"].points == 0
    assert result.not_applicable == ["kpi", "reporting", "directives"]


def test_no_data_at_all_no_score_and_no_level():
    result = score(Inputs(), Rule())
    assert result.score is None
    assert result.level == ""
    assert result.not_applicable == ["on_time", "progress", "kpi", "reporting", "directives"]


def test_only_criteria_weighted_zero_have_data_no_score():
    rule = Rule(weights={"on_time": 0, "progress": 40, "kpi": 30, "reporting": 20, "directives": 10})
    assert score(Inputs(tasks_due=2, tasks_on_time=2), rule).score is None


def test_a_late_report_counts_half_a_missing_one_nothing():
    # 4 expected: 2 on time, 1 late, 1 missing → (3 received + 2 on time) / 8 = 62.5 %
    found = rates(Inputs(reports_expected=4, reports_received=3, reports_on_time=2))
    assert found["reporting"] == D("0.625")


def test_rounding_half_up_to_one_decimal():
    # 2 of 3 on time only: 66.666… → 66.7; 1 of 8: 12.5 stays; 0.0625 × 100 = 6.25 → 6.3
    assert score(Inputs(tasks_due=3, tasks_on_time=2), Rule()).score == D("66.7")
    assert score(Inputs(tasks_due=8, tasks_on_time=1), Rule()).score == D("12.5")
    assert score(Inputs(tasks_due=16, tasks_on_time=1), Rule()).score == D("6.3")


def test_bands_at_their_edges():
    rule = Rule()
    assert level_for(D("90.0"), rule) == Level.EXCELLENT
    assert level_for(D("89.9"), rule) == Level.GOOD
    assert level_for(D("70.0"), rule) == Level.GOOD
    assert level_for(D("69.9"), rule) == Level.DONE
    assert level_for(D("50.0"), rule) == Level.DONE
    assert level_for(D("49.9"), rule) == Level.NOT_DONE
    assert level_for(None, rule) == ""
    custom = Rule(excellent_from=D("95"), good_from=D("80"), pass_from=D("60"))
    assert level_for(D("90.0"), custom) == Level.GOOD
    assert level_for(D("59.9"), custom) == Level.NOT_DONE


def test_progress_ratio_is_capped_at_one_and_undefined_before_the_plan_starts():
    assert progress_ratio(D(60), D(100)) == D("0.6")
    assert progress_ratio(D(100), D(80)) == 1
    assert progress_ratio(D(30), D(0)) is None


def test_the_cap_counts_excellent_among_those_rated_at_least_good():
    # 1 excellent of 5 at least good = 20 %: not above 20 %
    ok = cap_check(["excellent", "good", "good", "good", "good", "done", "not_done", ""], D(20))
    assert (ok.excellent, ok.good, ok.at_least_good, ok.limit, ok.share) == (1, 4, 5, 1, D("20.0"))
    assert not ok.exceeded
    # 2 of 5 = 40 %: above
    over = cap_check(["excellent", "excellent", "good", "good", "good"], D(20))
    assert over.exceeded and over.share == D("40.0") and over.limit == 1
    # 1 of 6 at a cap of 15 %: 16.7 % > 15 %
    assert cap_check(["excellent"] + ["good"] * 5, D(15)).exceeded
    # nobody rated yet: nothing to flag
    empty = cap_check([], D(20))
    assert not empty.exceeded and empty.share is None and empty.limit == 0


def test_the_rule_round_trips_through_its_snapshot():
    rule = Rule(
        weights={"on_time": 40, "progress": 20, "kpi": 20, "reporting": 10, "directives": 10},
        excellent_from=D("92.5"),
        cap_percent=D("15"),
        version=3,
    )
    assert Rule.from_dict(rule.as_dict()) == rule
    inputs = Inputs(tasks_due=3, tasks_on_time=1, progress_sum=D("1.2345"), progress_tasks=2)
    assert Inputs.from_dict(inputs.as_dict()) == inputs
