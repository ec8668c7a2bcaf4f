"""KPI values entered in a period report: what the officer types is read the Vietnamese way,
checked against the indicator's definition and the values already reported, flagged when
unusual, kept as one value per indicator, agency and period, and audited. A refused value
changes nothing."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from resmon.audit.models import AuditEntry
from resmon.catalogue.models import ReportingPeriod
from resmon.core import clock
from resmon.core.errors import Conflict, NotFound, PermissionRefused, ValidationFailed
from resmon.reporting.models import Observation, PeriodReport, ReportState
from resmon.reporting.services import reports as report_services
from resmon.reporting.services.observations import remove_observation, save_observation
from tests import factories
from tests.reporting.kpi_helpers import build, history, state

pytestmark = pytest.mark.django_db


@pytest.fixture
def k(rworld):
    return build(rworld)


def officer(rworld):
    return rworld.users["xa_ubnd_officer"]


def save(rworld, k, indicator, value, who="xa_ubnd_officer", **kw):
    return save_observation(rworld.users[who], k.report, indicator=indicator, value=value, **kw)


def refused(
    rworld, k, indicator, value, *, field, words, who="xa_ubnd_officer", error=ValidationFailed, **kw
):
    before = state(k.report)
    with pytest.raises(error) as exc:
        save(rworld, k, indicator, value, who=who, **kw)
    assert state(k.report) == before  # nothing saved, no version, no audit row
    if field is not None:
        assert field in exc.value.errors, exc.value.errors
    for word in words:
        assert word in str(exc.value), str(exc.value)
    return exc.value


# --- accepted ---------------------------------------------------------------------------------


def test_a_value_is_saved_for_the_agency_and_period_with_an_audit_row(rworld, k):
    obs = save(rworld, k, k.pct, "45,5", unit="%")
    assert (obs.value, obs.agency, obs.period, obs.report) == (
        D("45.5"),
        rworld.hni_xa_ubnd,
        k.report.period,
        k.report,
    )
    assert obs.indicator_version == k.pct.current
    assert obs.entered_by == officer(rworld)
    assert obs.is_outlier is False and obs.outlier_reason is None
    report = PeriodReport.objects.get(pk=k.report.pk)
    assert report.version == k.report.version + 1 and report.updated_by_name == "xa_ubnd_officer"
    entry = AuditEntry.objects.get(action="reporting.observation_saved")
    assert entry.actor_name == "xa_ubnd_officer"
    assert entry.before is None
    assert D(entry.after["value"]) == D("45.5")
    assert entry.agency_path == rworld.hni_xa_ubnd.path


@pytest.mark.parametrize(
    "indicator, text, expected",
    [
        ("money", "1.234,5", D("1234.5")),  # Vietnamese: dots group thousands, comma before decimals
        ("money", "1234.5", D("1234.5")),
        ("money", "1234,56", D("1234.56")),
        ("count", "1.234", D(1234)),
        ("count", " 12 345 ", D(12345)),
        ("pct", D("99.99"), D("99.99")),
        ("count", 7, D(7)),
        ("count", "12,0", D(12)),  # a count written with a zero decimal is still a whole number
    ],
)
def test_numbers_typed_the_vietnamese_way_are_read(rworld, k, indicator, text, expected):
    assert save(rworld, k, getattr(k, indicator), text).value == expected


def test_the_indicator_may_be_given_by_code_or_id(rworld, k):
    assert save(rworld, k, "t-pct", "10").indicator == k.pct
    assert save(rworld, k, k.count.pk, "3").indicator == k.count
    assert save(rworld, k, str(k.money.pk), "3").indicator == k.money  # as a form posts it


def test_saving_again_changes_the_same_row_and_audits_before_and_after(rworld, k):
    first = save(rworld, k, k.pct, "40")
    second = save(rworld, k, k.pct, "42,25")
    assert first.pk == second.pk
    assert Observation.objects.filter(indicator=k.pct).count() == 1
    assert Observation.objects.get().value == D("42.25")
    entry = AuditEntry.objects.filter(action="reporting.observation_saved").order_by("-id").first()
    assert D(entry.before["value"]) == D(40) and D(entry.after["value"]) == D("42.25")
    assert PeriodReport.objects.get(pk=k.report.pk).version == k.report.version + 2


def test_saving_the_same_value_again_writes_nothing(rworld, k):
    save(rworld, k, k.pct, "40")
    before = state(k.report)
    save(rworld, k, k.pct, "40,00")
    assert state(k.report) == before


def test_an_unusual_value_is_saved_flagged_with_a_reason_then_explained(rworld, k):
    history(rworld, k.pct, {"2025-Q1": D(50), "2025-Q2": D(52), "2025-Q3": D(51), "2025-Q4": D(53)})
    obs = save(rworld, k, k.pct, "95")
    assert obs.is_outlier is True
    assert "95" in obs.outlier_reason and "median 51.5" in obs.outlier_reason
    assert AuditEntry.objects.get(action="reporting.observation_saved").after["outlier_reason"]
    explained = save(rworld, k, k.pct, "95", explanation="  Xã vừa đưa cổng dịch vụ công mới vào vận hành. ")
    assert explained.pk == obs.pk and explained.is_outlier is True
    assert Observation.objects.get(pk=obs.pk).explanation == "Xã vừa đưa cổng dịch vụ công mới vào vận hành."
    assert AuditEntry.objects.filter(action="reporting.observation_saved").count() == 2
    # saving the value again without an explanation keeps the one given
    assert save(rworld, k, k.pct, "95,0").explanation.startswith("Xã vừa")


def test_a_usual_value_is_not_flagged_and_the_history_is_the_agencys_own(rworld, k):
    history(rworld, k.pct, {"2025-Q2": D(50), "2025-Q3": D(52), "2025-Q4": D(51)})
    # another commune's very different values do not count
    history(rworld, k.pct, {"2025-Q1": D(5)}, agency=rworld.hni_xa2)
    assert save(rworld, k, k.pct, "53").is_outlier is False


def test_an_unexplained_unusual_value_blocks_sending_until_explained(rworld, k):
    history(rworld, k.pct, {"2025-Q3": D(50), "2025-Q4": D(52)})
    obs = save(rworld, k, k.pct, "5")
    assert obs.is_outlier
    report = PeriodReport.objects.get(pk=k.report.pk)
    report_services.save_report(
        officer(rworld), report, lines=[{"task": rworld.tasks["hni_xa"].pk, "percent_done": "40"}]
    )
    with pytest.raises(ValidationFailed) as exc:
        report_services.submit_to_head(officer(rworld), PeriodReport.objects.get(pk=k.report.pk))
    assert f"observations.{k.pct.pk}.explanation" in exc.value.errors
    save(rworld, k, k.pct, "5", explanation="Số liệu quý trước tính cả hồ sơ tồn đọng của năm cũ.")
    sent = report_services.submit_to_head(officer(rworld), PeriodReport.objects.get(pk=k.report.pk))
    assert sent.state == ReportState.AWAITING_HEAD


def test_the_report_version_is_checked(rworld, k):
    save(rworld, k, k.pct, "40")
    stale = k.report.version  # the version the page was opened with
    err = refused(
        rworld,
        k,
        k.pct,
        "41",
        field=None,
        words=["xa_ubnd_officer", "Reload"],
        error=Conflict,
        expected_version=stale,
    )
    assert err.code == "stale_version"
    assert save(rworld, k, k.pct, "41", expected_version=stale + 1).value == D(41)


def test_a_retried_request_with_the_same_key_saves_once(rworld, k):
    first = save(rworld, k, k.pct, "40", idempotency_key="k-1")
    again = save(rworld, k, k.pct, "40", idempotency_key="k-1")
    assert again.pk == first.pk
    assert AuditEntry.objects.filter(action="reporting.observation_saved").count() == 1
    err = refused(rworld, k, k.pct, "41", field=None, words=[], error=Conflict, idempotency_key="k-1")
    assert err.code == "idempotency_key_reused"


def test_a_leader_of_the_agency_may_enter_values(rworld, k):
    assert save(rworld, k, k.pct, "40", who="xa_ubnd_leader").entered_by == rworld.users["xa_ubnd_leader"]


# --- refused: the value -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["abc", "1.2.3,4,5", "12,5,1", "1..2", "12%", "", "   ", None, "1,234.5", "5,"]
)
def test_what_is_not_a_number_is_refused(rworld, k, text):
    refused(rworld, k, k.money, text, field="value", words=[])


def test_the_message_for_a_non_number_shows_how_to_write_one(rworld, k):
    refused(rworld, k, k.money, "abc", field="value", words=["“abc” is not a number", "1.234,5"])
    refused(rworld, k, k.money, "1,234.5", field="value", words=["mixes separators", "1.234,5"])


def test_a_count_takes_whole_numbers_only(rworld, k):
    refused(rworld, k, k.count, "12,5", field="value", words=["T-RS", "whole number"])


def test_more_decimals_than_the_indicator_allows_are_refused(rworld, k):
    refused(rworld, k, k.pct, "45,125", field="value", words=["at most 2 decimal places"])


def test_values_outside_the_valid_range_are_refused(rworld, k):
    refused(rworld, k, k.pct, "-1", field="value", words=["below the lowest valid value", "T-PCT", "0 %"])
    refused(rworld, k, k.pct, "100,5", field="value", words=["above the highest valid value", "100 %"])
    refused(rworld, k, k.count, "-3", field="value", words=["below the lowest valid value"])


def test_a_value_in_another_unit_is_refused(rworld, k):
    refused(rworld, k, k.pct, "40", unit="người", field="unit", words=["measured in %"])
    assert save(rworld, k, k.count, "4", unit=" Văn bản ").value == 4  # same unit, other spelling


def test_a_part_cannot_exceed_its_whole(rworld, k):
    save(rworld, k, k.count, "10")
    refused(rworld, k, k.part, "11", field="value", words=["T-SD is part of T-RS", "(10)"])
    assert save(rworld, k, k.part, "10").value == 10


def test_a_whole_cannot_be_smaller_than_a_part(rworld, k):
    save(rworld, k, k.part, "8")
    refused(rworld, k, k.count, "7", field="value", words=["T-SD is part of T-RS", "8"])
    assert save(rworld, k, k.count, "8").value == 8


def test_a_percentages_numerator_cannot_exceed_its_denominator(rworld, k):
    save(rworld, k, k.den, "200")
    refused(rworld, k, k.num, "201", field="value", words=["numerator", "T-HS-ALL"])
    save(rworld, k, k.num, "150")
    refused(rworld, k, k.den, "149", field="value", words=["denominator", "T-HS-SO"])


def test_an_indicator_that_is_no_kpi_of_the_reports_tasks_is_refused(rworld, k):
    refused(
        rworld,
        k,
        k.other,
        "10",
        field="indicator",
        words=["T-OTHER is not a KPI of the tasks in this report"],
    )
    refused(rworld, k, "NO-SUCH-CODE", "10", field="indicator", words=["not a KPI"])


def test_an_overlong_explanation_is_refused(rworld, k):
    refused(rworld, k, k.pct, "40", explanation="x" * 2001, field="explanation", words=["2000"])


def test_a_value_entered_in_another_report_of_the_agency_is_changed_there(rworld, k):
    # the commune also reports on Hà Nội's programme for 71-NQ/TW and entered the value there
    elsewhere = PeriodReport.objects.create(
        program=factories.program(rworld.res2, rworld.hni, title="CTHĐ 71"),
        resolution=rworld.res2,
        period=k.report.period,
        agency=rworld.hni_xa_ubnd,
        accepting_agency=rworld.hni,
        due_date=k.report.due_date,
        grace_until=k.report.grace_until,
    )
    Observation.objects.create(
        indicator=k.money,
        indicator_version=k.money.current,
        agency=rworld.hni_xa_ubnd,
        period=k.report.period,
        report=elsewhere,
        value=D(3),
        entered_by=officer(rworld),
    )
    refused(rworld, k, k.money, "4", field="indicator", words=["already entered in the report on “CTHĐ 71”"])


# --- refused: who and when ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["xa2_officer", "hcm_officer", "inspector", "hni_so_officer", "hni_admin"])
def test_other_agencies_users_are_refused(rworld, k, who):
    refused(rworld, k, k.pct, "40", who=who, field=None, words=[], error=PermissionRefused)


@pytest.mark.parametrize("locked", [ReportState.ACCEPTED, ReportState.SENT, ReportState.AWAITING_HEAD])
def test_a_report_that_is_not_editable_is_refused(rworld, k, locked):
    PeriodReport.objects.filter(pk=k.report.pk).update(state=locked, accepted_at=clock.now())
    err = refused(rworld, k, k.pct, "40", field=None, words=[])
    assert err.code in {"report_locked", "wrong_state"}


def test_a_closed_period_is_refused(rworld, k):
    ReportingPeriod.objects.filter(pk=k.report.period_id).update(is_closed=True, closed_at=clock.now())
    err = refused(rworld, k, k.pct, "40", field=None, words=["closed", "accepts no new data"])
    assert err.code == "period_closed"


# --- removing a value -------------------------------------------------------------------------


def test_a_value_is_removed_with_an_audit_row(rworld, k):
    obs = save(rworld, k, k.pct, "40")
    remove_observation(officer(rworld), obs)
    assert not Observation.objects.exists()
    entry = AuditEntry.objects.get(action="reporting.observation_removed")
    assert D(entry.before["value"]) == D(40)
    with pytest.raises(NotFound):
        remove_observation(officer(rworld), obs)


def test_removing_is_refused_to_others_and_once_the_report_is_sent(rworld, k):
    obs = save(rworld, k, k.pct, "40")
    before = state(k.report)
    with pytest.raises(PermissionRefused):
        remove_observation(rworld.users["hcm_officer"], obs)
    PeriodReport.objects.filter(pk=k.report.pk).update(state=ReportState.SENT)
    with pytest.raises(ValidationFailed):
        remove_observation(officer(rworld), obs)
    assert state(k.report) == before
