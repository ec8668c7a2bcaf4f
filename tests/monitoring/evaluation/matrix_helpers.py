"""Evaluations for the permission matrix (tests/test_permission_matrix.py): the default quarter's (or
year's) evaluations of agencies spread over the tree — Hà Nội, one of its communes, Hồ Chí Minh
City, the Government's party committee — made with the ORM once per world, as computed."""

from __future__ import annotations

from resmon.catalogue import services_periods
from resmon.core import clock
from resmon.core.access import visible_to
from resmon.monitoring.evaluation import selectors
from resmon.monitoring.evaluation.models import Evaluation, Level

KINDS = ("evaluation",)


def _make(world) -> None:
    services_periods.generate_periods(years_ahead=0, first_year=clock.today().year)
    target = selectors.default_target()
    for agency in (world.hni, world.hni_xa, world.hcm, world.dang_uy_cp):
        Evaluation.objects.create(
            agency=agency,
            kind=target.kind,
            period=target.period,
            year=target.period.year if target.period is not None else target.year,
            window_start=target.start,
            window_end=target.end,
            score="61.5",
            proposed_level=Level.DONE,
            inputs={},
            computed_at=clock.now(),
        )


def matrix_objects(world, kind: str) -> list:
    assert kind in KINDS
    if not Evaluation.objects.exists():
        _make(world)
    return list(Evaluation.objects.order_by("pk"))


def matrix_visible_ids(user, kind: str) -> set[int]:
    assert kind in KINDS
    return set(visible_to(user, Evaluation.objects.all()).values_list("pk", flat=True))
