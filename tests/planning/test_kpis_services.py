"""add_kpi / update_kpi / remove_kpi: who may, what is refused (nothing saved), what is audited."""

import datetime as dt
from decimal import Decimal

import pytest

from resmon.audit.models import AuditEntry
from resmon.catalogue.models import Direction, IndicatorVersion
from resmon.core.errors import Conflict, PermissionRefused, ValidationFailed
from resmon.planning.models import TargetPoint, TaskIndicator
from resmon.planning.services import kpis as services

from .kpi_helpers import indicator, kpi

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def ind(world):
    return indicator(world.bo_khcn)


def add(world, ind, user="hni_officer", task="hni", **kw):
    kw.setdefault("targets", [(D(2025, 12, 31), "60"), (D(2026, 12, 31), "80.5")])
    kw.setdefault("baseline_value", "40")
    kw.setdefault("baseline_date", D(2025, 1, 1))
    return services.add_kpi(world.users[user], world.tasks[task], indicator=ind, **kw)


def test_add_pins_the_current_version_and_audits(world, ind):
    k = add(world, ind)
    assert k.indicator_version == ind.current
    assert [(t.on, t.value) for t in k.targets.all()] == [
        (D(2025, 12, 31), 60),
        (D(2026, 12, 31), Decimal("80.5")),
    ]
    assert k.criterion == "Achieved when the value on 31/12/2026 reaches at least 80.5 %."
    entry = AuditEntry.objects.get(action="planning.kpi_added")
    assert entry.actor_name == "hni_officer"
    assert entry.after["targets"] == [["2025-12-31", "60.0000"], ["2026-12-31", "80.5000"]]


def test_lower_is_better_gets_a_not_exceeding_criterion(world):
    ind = indicator(world.bo_khcn, "NQ72-TV-01", direction=Direction.LOWER, name="Tỷ suất tử vong", unit="‰")
    k = add(world, ind, targets=[(D(2026, 6, 30), "12")])
    assert "does not exceed 12 ‰" in k.criterion


def test_a_written_criterion_is_kept(world, ind):
    assert (
        add(world, ind, criterion="  Đạt khi ≥ 80% vào cuối 2026 ").criterion == "Đạt khi ≥ 80% vào cuối 2026"
    )


@pytest.mark.parametrize("user", ["xa_officer", "inspector", "hcm_officer", "hni_admin"])
def test_refused_to_users_who_may_not_change_the_task(world, ind, user):
    with pytest.raises(PermissionRefused):
        add(world, ind, user=user)
    assert not TaskIndicator.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="planning.kpi").exists()


@pytest.mark.parametrize(
    ("kw", "field", "message"),
    [
        ({"targets": []}, "targets", "at least one target"),
        ({"targets": [(D(2026, 1, 1), "1"), (D(2026, 1, 1), "2")]}, "targets.2.on", "Target row 2"),
        ({"targets": [(D(2026, 1, 1), "1"), (D(2025, 6, 1), "2")]}, "targets.2.on", "after the previous row"),
        ({"targets": [(D(2024, 1, 1), "1")]}, "targets.1.on", "before the baseline date 01/01/2025"),
        ({"targets": [(D(2026, 1, 1), "nhiều")]}, "targets.1.value", "Target row 1: enter a number"),
        ({"targets": [(D(2026, 1, 1), "1.23456")]}, "targets.1.value", "4 decimal places"),
        ({"targets": [(D(2026, 1, 1), "1e30")]}, "targets.1.value", "too large"),
        ({"targets": [(None, "1")]}, "targets.1.on", "give the date"),
        ({"baseline_value": "x"}, "baseline_value", "enter a number"),
        ({"baseline_value": "4", "baseline_date": None}, "baseline_date", "date of the baseline"),
        ({"baseline_value": "", "baseline_date": D(2025, 1, 1)}, "baseline_value", "baseline value"),
    ],
)
def test_bad_input_is_refused_naming_the_place(world, ind, kw, field, message):
    with pytest.raises(ValidationFailed) as exc:
        add(world, ind, **kw)
    assert exc.value.field == field
    assert message in str(exc.value)
    assert not TaskIndicator.objects.exists() and not TargetPoint.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="planning.kpi").exists()


def test_inactive_or_duplicate_indicator_is_refused(world, ind):
    old = indicator(world.bo_khcn, "CU-01", active=False)
    with pytest.raises(ValidationFailed, match="CU-01 is no longer in use"):
        add(world, old)
    add(world, ind)
    with pytest.raises(Conflict, match="already has indicator NQ57-DVC-01"):
        add(world, ind)
    assert TaskIndicator.objects.count() == 1


def test_update_replaces_the_trajectory_and_repins_the_version(world, ind):
    k = add(world, ind)
    v2 = IndicatorVersion.objects.create(
        indicator=ind,
        version=2,
        name="Tỷ lệ DVC trực tuyến (mới)",
        definition="…",
        unit="%",
        direction="higher",
        aggregation="avg",
        frequency="quarter",
        owner_agency=world.bo_khcn,
    )
    ind.current = v2
    ind.save()
    services.update_kpi(
        world.users["hni_leader"],
        k,
        baseline_value="45",
        baseline_date=D(2025, 3, 31),
        targets=[(D(2027, 12, 31), "90")],
    )
    k.refresh_from_db()
    assert k.indicator_version == v2
    assert k.baseline_value == 45
    assert [(t.on, t.value) for t in k.targets.all()] == [(D(2027, 12, 31), 90)]
    entry = AuditEntry.objects.get(action="planning.kpi_updated")
    assert len(entry.before["targets"]) == 2 and len(entry.after["targets"]) == 1


def test_update_refused_or_invalid_changes_nothing(world, ind):
    k = add(world, ind)
    with pytest.raises(PermissionRefused):
        services.update_kpi(world.users["xa_officer"], k, targets=[(D(2027, 1, 1), "1")])
    with pytest.raises(ValidationFailed):
        services.update_kpi(world.users["hni_officer"], k, targets=[])
    k.refresh_from_db()
    assert k.targets.count() == 2 and k.baseline_value == 40
    assert not AuditEntry.objects.filter(action="planning.kpi_updated").exists()


def test_remove(world, ind):
    k = add(world, ind)
    with pytest.raises(PermissionRefused):
        services.remove_kpi(world.users["inspector"], k)
    assert TaskIndicator.objects.filter(pk=k.pk).exists()
    services.remove_kpi(world.users["hni_officer"], k)
    assert not TaskIndicator.objects.exists() and not TargetPoint.objects.exists()
    entry = AuditEntry.objects.get(action="planning.kpi_removed")
    assert entry.object_id == str(k.pk) and entry.before["indicator_id"] == ind.pk


def test_helper_kpi_builds_one(world, ind):
    assert kpi(world.tasks["hni"], ind).targets.count() == 1
