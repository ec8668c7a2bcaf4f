"""Generating the calendar and closing/reopening periods: permission, bad input, audit."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command

from resmon.audit.models import AuditEntry
from resmon.catalogue import selectors_periods, services_periods
from resmon.catalogue.models import ReportingPeriod
from resmon.core.errors import PermissionRefused, ValidationFailed

pytestmark = pytest.mark.django_db

NOON_2026 = dt.datetime(2026, 5, 20, 5, 0, tzinfo=dt.UTC)


@pytest.fixture
def calendar(world):
    with time_machine.travel(NOON_2026, tick=False):
        services_periods.generate_periods(years_ahead=1)
        yield world


def period(code: str, kind: str) -> ReportingPeriod:
    return ReportingPeriod.objects.get(code=code, kind=kind, cutoff="decree09")


@time_machine.travel(NOON_2026, tick=False)
def test_generation_covers_2025_to_the_years_ahead_and_is_idempotent(db):
    created = services_periods.generate_periods(years_ahead=2)
    # 2025..2028: 4 years x (12 months + 4 quarters + 2 halves + 1 year)
    assert created == 4 * 19 == ReportingPeriod.objects.count()
    assert AuditEntry.objects.filter(action="catalogue.periods_generated").count() == 1
    assert services_periods.generate_periods(years_ahead=2) == 0
    assert ReportingPeriod.objects.count() == 76
    assert AuditEntry.objects.filter(action="catalogue.periods_generated").count() == 1
    q4 = period("2026-Q4", "quarter")
    assert (q4.label, q4.start, q4.end) == ("Quý IV/2026", dt.date(2026, 9, 15), dt.date(2026, 12, 14))
    assert sorted(set(ReportingPeriod.objects.values_list("year", flat=True))) == [2025, 2026, 2027, 2028]


@time_machine.travel(NOON_2026, tick=False)
def test_generation_keeps_closed_periods_closed_and_adds_only_the_missing_years(world):
    services_periods.generate_periods(years_ahead=0)
    services_periods.close_period(world.users["sysadmin"], period("2025-M1", "month"), "Đã chốt số liệu")
    assert services_periods.generate_periods(years_ahead=1) == 19
    assert period("2025-M1", "month").is_closed


@time_machine.travel(NOON_2026, tick=False)
def test_the_calendar_cutoff_is_a_setting(db, settings):
    settings.REPORTING_CUTOFF = "calendar"
    services_periods.generate_periods(years_ahead=0)
    q4 = ReportingPeriod.objects.get(code="2026-Q4", cutoff="calendar")
    assert (q4.start, q4.end) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    found = selectors_periods.period_on("month", dt.date(2026, 5, 20))
    assert found.code == "2026-M5" and found.cutoff == "calendar"


@time_machine.travel(NOON_2026, tick=False)
def test_period_on_uses_the_decree09_cutoff_by_default(calendar):
    assert selectors_periods.period_on("month", dt.date(2026, 5, 20)).code == "2026-M6"
    assert selectors_periods.period_on("year", dt.date(2035, 1, 1)) is None


def test_generation_refuses_absurd_arguments(db):
    with pytest.raises(ValidationFailed):
        services_periods.generate_periods(years_ahead=50)
    with pytest.raises(ValidationFailed):
        services_periods.generate_periods(cutoff="lunar")
    assert not ReportingPeriod.objects.exists()


@time_machine.travel(NOON_2026, tick=False)
def test_the_command_generates_and_reports(db):
    out = io.StringIO()
    call_command("generate_periods", "--years-ahead", "1", stdout=out)
    assert "57" in out.getvalue()
    out = io.StringIO()
    call_command("generate_periods", "--years-ahead", "1", stdout=out)
    assert out.getvalue().startswith("0 ")
    with pytest.raises(CommandError):
        call_command("generate_periods", "--years-ahead", "99", stdout=io.StringIO())


def test_a_system_admin_closes_and_reopens_with_a_reason_and_both_are_audited(calendar):
    admin = calendar.users["sysadmin"]
    q1 = period("2026-Q1", "quarter")
    services_periods.close_period(admin, q1, "  Đã tổng hợp báo cáo quý I  ")
    q1.refresh_from_db()
    assert q1.is_closed and q1.closed_by == admin and q1.closed_reason == "Đã tổng hợp báo cáo quý I"
    assert q1.closed_at is not None
    entry = AuditEntry.objects.get(action="catalogue.period_closed")
    assert entry.object_id == str(q1.pk) and entry.reason == "Đã tổng hợp báo cáo quý I"
    assert entry.before["is_closed"] is False and entry.after["is_closed"] is True
    assert entry.actor_name == "sysadmin"

    services_periods.reopen_period(admin, q1, "Bổ sung số liệu của xã Tân An")
    q1.refresh_from_db()
    assert not q1.is_closed and q1.closed_by is None and q1.closed_reason == ""
    entry = AuditEntry.objects.get(action="catalogue.period_reopened")
    assert entry.reason == "Bổ sung số liệu của xã Tân An" and entry.after["is_closed"] is False


@pytest.mark.parametrize("username", ["national_leader", "hni_admin", "hni_officer", "inspector"])
def test_others_may_not_close_or_reopen(calendar, username):
    q1 = period("2026-Q1", "quarter")
    audit = AuditEntry.objects.count()
    with pytest.raises(PermissionRefused):
        services_periods.close_period(calendar.users[username], q1, "Lý do")
    services_periods.close_period(calendar.users["sysadmin"], q1, "Chốt")
    with pytest.raises(PermissionRefused):
        services_periods.reopen_period(calendar.users[username], q1, "Lý do")
    q1.refresh_from_db()
    assert q1.is_closed and AuditEntry.objects.count() == audit + 1


@pytest.mark.parametrize("reason", ["", "   ", None, "x" * 501])
def test_a_reason_is_required(calendar, reason):
    q1 = period("2026-Q1", "quarter")
    audit = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        services_periods.close_period(calendar.users["sysadmin"], q1, reason)
    assert exc.value.field == "reason"
    q1.refresh_from_db()
    assert not q1.is_closed and AuditEntry.objects.count() == audit


def test_closing_twice_or_reopening_an_open_period_is_refused(calendar):
    admin = calendar.users["sysadmin"]
    q1 = period("2026-Q1", "quarter")
    with pytest.raises(ValidationFailed, match="open already"):
        services_periods.reopen_period(admin, q1, "Lý do")
    services_periods.close_period(admin, q1, "Chốt")
    with pytest.raises(ValidationFailed, match="already closed"):
        services_periods.close_period(admin, q1, "Chốt lại")
    assert AuditEntry.objects.filter(action__startswith="catalogue.period_").count() == 1
