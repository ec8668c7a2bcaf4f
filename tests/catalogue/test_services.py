"""Catalogue writes: system administrators only, clear refusals that change nothing, an audit row
for each write, and versions that never change the meaning of what was set against them."""

from __future__ import annotations

import datetime as dt

import pytest

from resmon.audit.models import AuditEntry
from resmon.catalogue import services
from resmon.catalogue.models import Aggregation, Direction, Indicator, IndicatorVersion
from resmon.core.errors import Conflict, PermissionRefused, ValidationFailed
from resmon.planning.models import TargetPoint, TaskIndicator

from .helpers import definition, make_indicator

pytestmark = pytest.mark.django_db


def counts():
    return (Indicator.objects.count(), IndicatorVersion.objects.count(), AuditEntry.objects.count())


def test_create_makes_version_one_and_audits(world):
    ind = make_indicator(world, code="nq57-dvc-01")
    assert ind.code == "NQ57-DVC-01"
    assert ind.current.version == 1
    assert ind.current.name == "Tỷ lệ dịch vụ công trực tuyến toàn trình"
    assert ind.current.created_by == world.users["sysadmin"]
    entry = AuditEntry.objects.get(action="catalogue.indicator_created")
    assert entry.object_id == str(ind.pk)
    assert entry.actor_name == "sysadmin"
    assert entry.after["definition"]["unit"] == "%"


@pytest.mark.parametrize("who", ["hni_admin", "national_leader", "ministry_officer", "inspector"])
def test_only_system_administrators_create(world, who):
    before = counts()
    with pytest.raises(PermissionRefused):
        services.create_indicator(world.users[who], **definition(world))
    assert counts() == before


@pytest.mark.parametrize(
    "overrides, field, words",
    [
        ({"code": ""}, "code", "required"),
        ({"code": "NQ57 DVC"}, "code", "letters, digits, dashes and dots"),
        ({"code": "-NQ57"}, "code", "start and end"),
        ({"code": "X" * 41}, "code", "at most 40"),
        ({"name": "  "}, "name", "required"),
        ({"definition": ""}, "definition", "required"),
        ({"unit": ""}, "unit", "required"),
        ({"direction": "up"}, "direction", "higher or lower"),
        ({"aggregation": "median"}, "aggregation", "add up"),
        ({"frequency": "weekly"}, "frequency", "how often"),
        ({"owner_agency": None}, "owner_agency", "owns"),
        ({"aggregation": Aggregation.RATIO}, "numerator", "numerator and a denominator"),
    ],
)
def test_bad_input_is_refused_and_nothing_saved(world, overrides, field, words):
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        services.create_indicator(world.users["sysadmin"], **definition(world, **overrides))
    assert exc.value.field == field
    assert words in str(exc.value)
    assert counts() == before


def test_duplicate_code_is_refused_whatever_the_case(world):
    make_indicator(world)
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        make_indicator(world, code="nq57-dvc-01", name="Khác")
    assert exc.value.field == "code"
    assert "already exists" in str(exc.value)
    assert counts() == before


def test_ratio_needs_two_different_indicators(world):
    beds = make_indicator(world, code="NQ72-GB-01", name="Số giường bệnh", unit="giường")
    people = make_indicator(world, code="NQ72-DS-01", name="Dân số", unit="vạn người")
    ratio = dict(aggregation=Aggregation.RATIO, code="NQ72-GB-02", unit="giường/vạn dân")
    with pytest.raises(ValidationFailed, match="different indicators"):
        make_indicator(world, numerator=beds, denominator=beds, **ratio)
    ind = make_indicator(world, numerator=beds, denominator=people, **ratio)
    assert (ind.current.numerator, ind.current.denominator) == (beds, people)
    with pytest.raises(ValidationFailed, match="Only a ratio"):
        make_indicator(world, code="NQ72-X", numerator=beds)
    with pytest.raises(ValidationFailed, match="itself"):
        services.revise_indicator(world.users["sysadmin"], ind, change_note="sai", numerator=ind)


def test_revision_adds_a_version_and_keeps_the_old_meaning(world):
    ind = make_indicator(world)
    v1 = ind.current
    kpi = TaskIndicator.objects.create(
        task=world.tasks["hni"], indicator=ind, indicator_version=v1, baseline_value=40
    )
    TargetPoint.objects.create(kpi=kpi, on=dt.date(2026, 12, 31), value=80)
    v2 = services.revise_indicator(
        world.users["sysadmin"],
        ind,
        change_note="Chỉ tính thủ tục đủ điều kiện",
        expected_version=1,
        definition="Chỉ tính các thủ tục đủ điều kiện cung cấp trực tuyến toàn trình.",
    )
    ind.refresh_from_db()
    v1.refresh_from_db()
    kpi.refresh_from_db()
    assert ind.current == v2 and v2.version == 2
    assert v1.definition.startswith("Số thủ tục trực tuyến")  # the old definition is untouched
    assert kpi.indicator_version == v1  # the KPI keeps the meaning it was set against
    assert ind.versions.count() == 2
    entry = AuditEntry.objects.get(action="catalogue.indicator_revised")
    assert entry.before["version"] == 1 and entry.after["version"] == 2
    assert entry.reason == "Chỉ tính thủ tục đủ điều kiện"


def test_revision_refusals_change_nothing(world):
    ind = make_indicator(world)
    admin = world.users["sysadmin"]
    before = counts()
    with pytest.raises(PermissionRefused):
        services.revise_indicator(world.users["hni_admin"], ind, change_note="x", unit="‰")
    with pytest.raises(ValidationFailed, match="What changed"):
        services.revise_indicator(admin, ind, change_note=" ", unit="‰")
    with pytest.raises(ValidationFailed, match="Nothing in the definition changed"):
        services.revise_indicator(admin, ind, change_note="không đổi", unit="%")
    with pytest.raises(ValidationFailed, match="cannot be changed here"):
        services.revise_indicator(admin, ind, change_note="mã", code="NEW")
    with pytest.raises(Conflict):
        services.revise_indicator(admin, ind, change_note="cũ", expected_version=7, unit="‰")
    with pytest.raises(ValidationFailed):
        services.revise_indicator(admin, ind, change_note="hướng", direction="sideways")
    assert counts() == before
    ind.refresh_from_db()
    assert ind.current.version == 1 and ind.current.direction == Direction.HIGHER


def test_set_active_needs_a_reason_and_is_audited(world):
    ind = make_indicator(world)
    before = counts()
    with pytest.raises(PermissionRefused):
        services.set_active(world.users["ministry_officer"], ind, False, "không dùng")
    with pytest.raises(ValidationFailed, match="reason"):
        services.set_active(world.users["sysadmin"], ind, False, "")
    with pytest.raises(ValidationFailed, match="already in use"):
        services.set_active(world.users["sysadmin"], ind, True, "bật")
    assert counts() == before
    services.set_active(world.users["sysadmin"], ind, False, "Thay bằng chỉ tiêu mới")
    ind.refresh_from_db()
    assert not ind.is_active
    entry = AuditEntry.objects.get(action="catalogue.indicator_deactivated")
    assert entry.before == {"is_active": True} and entry.after == {"is_active": False}
    assert entry.reason == "Thay bằng chỉ tiêu mới"
