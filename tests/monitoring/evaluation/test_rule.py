"""Setting the evaluation rule: system administrators only, every impossible value refused on its
field with nothing changed, versioned and audited."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from resmon.audit.models import AuditEntry
from resmon.core.errors import Conflict, PermissionRefused, ValidationFailed
from resmon.monitoring.evaluation import selectors, services
from resmon.monitoring.evaluation.models import EvaluationRule

pytestmark = pytest.mark.django_db

GOOD = {
    "weights": {"on_time": 30, "progress": 25, "kpi": 20, "reporting": 15, "directives": 10},
    "excellent_from": "90",
    "good_from": "70",
    "pass_from": "50",
    "cap_percent": "20",
}


def with_(**changes):
    data = {**GOOD, "weights": dict(GOOD["weights"])}
    for key, value in changes.items():
        if key.startswith("weight_"):
            data["weights"][key.removeprefix("weight_")] = value
        else:
            data[key] = value
    return data


def test_defaults_before_anyone_sets_the_rule(db):
    rule = selectors.current_rule()
    assert (rule.version, rule.excellent_from, rule.good_from, rule.pass_from, rule.cap_percent) == (
        0,
        D(90),
        D(70),
        D(50),
        D(20),
    )
    assert sum(rule.weights.values()) == 100


def test_system_administrators_set_it_versioned_and_audited(world):
    admin = world.users["sysadmin"]
    row = services.set_rule(admin, **with_(weight_on_time=40, weight_directives=0, excellent_from="92.5"))
    assert (row.version, row.weight_on_time, row.weight_directives, row.excellent_from) == (
        1,
        40,
        0,
        D("92.5"),
    )
    row = services.set_rule(admin, **with_(cap_percent="0"), expected_version=1)
    assert (row.version, row.cap_percent) == (2, D(0))
    (first, second) = AuditEntry.objects.filter(action="evaluation.rule_set").order_by("pk")
    assert first.before["version"] == 0 and first.after["weights"]["on_time"] == 40
    assert second.before["excellent_from"] == "92.5" and second.after["cap_percent"] == "0"
    with pytest.raises(Conflict):
        services.set_rule(admin, **GOOD, expected_version=1)


@pytest.mark.parametrize("username", ["national_leader", "hni_admin", "inspector", "xa_officer"])
def test_nobody_else(world, username):
    with pytest.raises(PermissionRefused):
        services.set_rule(world.users[username], **GOOD)
    assert not EvaluationRule.objects.exists()


@pytest.mark.parametrize(
    "changes, fields",
    [
        ({"weight_kpi": 25}, {"weights"}),  # 105 points
        ({"weight_kpi": -5}, {"weight_kpi"}),
        ({"weight_kpi": "abc", "weight_progress": 101}, {"weight_kpi", "weight_progress"}),
        ({"good_from": "95"}, {"good_from"}),  # above excellent
        ({"pass_from": "70"}, {"pass_from"}),  # equal to good
        ({"excellent_from": "100.5"}, {"excellent_from"}),
        ({"excellent_from": "0"}, {"excellent_from"}),
        ({"good_from": "70.25"}, {"good_from"}),  # two decimals
        ({"cap_percent": "-1", "pass_from": "x"}, {"cap_percent", "pass_from"}),
        ({"cap_percent": "NaN"}, {"cap_percent"}),
    ],
)
def test_impossible_values_are_refused_field_by_field(world, changes, fields):
    with pytest.raises(ValidationFailed) as exc:
        services.set_rule(world.users["sysadmin"], **with_(**changes))
    assert set(exc.value.errors) == fields
    assert not EvaluationRule.objects.exists()
    assert not AuditEntry.objects.filter(action="evaluation.rule_set").exists()
