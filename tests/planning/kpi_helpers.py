"""Indicators and KPIs for the KPI and extension tests (the catalogue's own services are elsewhere)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from resmon.catalogue.models import Direction, Indicator, IndicatorVersion
from resmon.planning.models import DeadlineExtension, TargetPoint, TaskIndicator


def indicator(
    owner,
    code="NQ57-DVC-01",
    *,
    direction=Direction.HIGHER,
    name="Tỷ lệ dịch vụ công trực tuyến toàn trình",
    unit="%",
    active=True,
) -> Indicator:
    ind = Indicator.objects.create(code=code, is_active=active, is_demo=True)
    v = IndicatorVersion.objects.create(
        indicator=ind,
        version=1,
        name=name,
        definition="Số DVC toàn trình / tổng số TTHC",
        unit=unit,
        direction=direction,
        aggregation="avg",
        frequency="quarter",
        owner_agency=owner,
    )
    ind.current = v
    ind.save()
    return ind


def kpi(
    task, ind, targets=((dt.date(2026, 12, 31), "80"),), baseline=("40", dt.date(2025, 1, 1))
) -> TaskIndicator:
    k = TaskIndicator.objects.create(
        task=task,
        indicator=ind,
        indicator_version=ind.current,
        baseline_value=Decimal(baseline[0]),
        baseline_date=baseline[1],
        criterion="Đạt 80%",
    )
    for on, value in targets:
        TargetPoint.objects.create(kpi=k, on=on, value=Decimal(value))
    return k


def extension(
    task, requested_by, proposed=dt.date(2027, 6, 30), reason="Chờ hướng dẫn của Bộ"
) -> DeadlineExtension:
    return DeadlineExtension.objects.create(
        task=task,
        requested_by=requested_by,
        current_due_date=task.due_date,
        proposed_due_date=proposed,
        reason=reason,
    )


def matrix_objects(world, kind: str) -> list:
    """KPIs and pending extensions spread over the test world (made once per world)."""
    if kind == "kpi":
        # the delete routes remove them: make again what is missing, for the next user
        ind = Indicator.objects.filter(code="MATRIX-01").first() or indicator(world.bo_khcn, "MATRIX-01")
        for key in ("hni", "hni_xa", "hcm", "ministry"):
            if not TaskIndicator.objects.filter(task=world.tasks[key]).exists():
                kpi(world.tasks[key], ind)
        return list(TaskIndicator.objects.order_by("pk"))
    if kind == "extension":
        if not DeadlineExtension.objects.exists():
            for key, requester in (
                ("hni_xa", "xa_officer"),
                ("hcm", "hcm_officer"),
                ("ministry", "ministry_officer"),
            ):
                extension(world.tasks[key], world.users[requester])
        return list(DeadlineExtension.objects.order_by("pk"))
    raise AssertionError(kind)


def matrix_visible_ids(user, kind: str) -> set[int]:
    from resmon.planning import selectors_kpis

    if kind == "kpi":
        return set(
            TaskIndicator.objects.filter(task__in=selectors_kpis._visible_tasks(user)).values_list(
                "pk", flat=True
            )
        )
    return set(selectors_kpis.extensions_visible(user).values_list("pk", flat=True))
