"""Issuing a directive: who may, to whom, with what; audit and notifications."""

from __future__ import annotations

import datetime as dt

import pytest

from resmon.core.errors import NotFound, PermissionRefused, ValidationFailed
from resmon.monitoring.directives import services
from resmon.monitoring.directives.models import Directive, DirectiveRecipient, DirectiveStatus
from resmon.notifications.models import Kind, Notification
from tests.monitoring.directives.helpers import DUE, audits, issue, notified

pytestmark = pytest.mark.django_db


def nothing_saved() -> None:
    assert not Directive.objects.exists()
    assert not DirectiveRecipient.objects.exists()
    assert not audits("directives.issued").exists()
    assert not Notification.objects.filter(kind=Kind.DIRECTIVE_ISSUED).exists()


def test_a_provincial_leader_directs_the_commune_that_leads_the_task(dirworld):
    w = dirworld
    d = issue(w)
    assert d.status == DirectiveStatus.OPEN
    assert d.issuing_agency == w.hni and d.issued_by == w.users["hni_leader"]
    assert d.task == w.tasks["hni_xa"] and d.resolution == w.res
    assert list(d.recipients.values_list("agency", flat=True)) == [w.hni_xa_ubnd.pk]
    entry = audits("directives.issued").get()
    assert entry.actor_name == "hni_leader" and entry.object_id == str(d.pk)
    assert entry.after["recipients"] == [w.hni_xa_ubnd.pk]
    # the commune People's Committee's leader and focal officer are told, nobody else
    assert notified("xa_ubnd_officer", Kind.DIRECTIVE_ISSUED).count() == 1
    assert notified("xa_ubnd_leader", Kind.DIRECTIVE_ISSUED).count() == 1
    assert not notified("hni_leader").exists()
    assert not notified("xa2_officer").exists()
    n = notified("xa_ubnd_officer").get()
    assert "Thành ủy Hà Nội" in n.title and "31/03/2026" in n.body
    assert n.url == f"/monitoring/directives/{d.pk}/"


def test_a_directive_about_an_agency_to_several_agencies_under_the_leader(dirworld):
    w = dirworld
    d = issue(w, task=None, agency=w.hni, recipients=[w.hni_xa.pk, w.hni_xa2.pk, w.hni_xa.pk])
    assert d.agency == w.hni and d.task is None and d.resolution is None
    assert set(d.recipients.values_list("agency", flat=True)) == {w.hni_xa.pk, w.hni_xa2.pk}
    assert notified("xa_officer", Kind.DIRECTIVE_ISSUED).exists()
    assert notified("xa2_officer", Kind.DIRECTIVE_ISSUED).exists()


@pytest.mark.parametrize("actor", ["hni_officer", "hni_admin", "sysadmin", "inspector", "xa_officer"])
def test_only_leaders_issue(dirworld, actor):
    with pytest.raises(PermissionRefused) as exc:
        issue(dirworld, actor)
    assert "leaders" in str(exc.value)
    nothing_saved()


def test_a_recipient_outside_the_scope_of_direction_is_named_and_nothing_is_saved(dirworld):
    """Hà Nội sees the ministry's task its department coordinates, but does not direct the ministry."""
    w = dirworld
    with pytest.raises(ValidationFailed) as exc:
        issue(w, task="ministry_coord", recipients=[w.bo_khcn.pk, w.hni_so.pk])
    assert exc.value.errors["recipients"] == [
        "Bộ Khoa học và Công nghệ is not within your scope of direction."
    ]
    nothing_saved()


def test_an_agency_the_leader_cannot_even_see_is_refused_without_its_name(dirworld):
    w = dirworld
    with pytest.raises(ValidationFailed) as exc:
        issue(w, recipients=[w.hni_xa_ubnd.pk, w.hcm.pk, 2**62])
    assert exc.value.errors["recipients"] == [
        f"#{w.hcm.pk} is not within your scope of direction.",
        f"#{2**62} is not within your scope of direction.",
    ]
    assert "Hồ Chí Minh" not in str(exc.value.errors)
    nothing_saved()


def test_one_does_not_direct_ones_own_agency(dirworld):
    w = dirworld
    with pytest.raises(ValidationFailed) as exc:
        issue(w, task=None, agency=w.hni, recipients=[w.hni.pk])
    assert "your own agency" in exc.value.errors["recipients"][0]
    nothing_saved()


def test_every_bad_field_is_explained_at_once(dirworld):
    w = dirworld
    with pytest.raises(ValidationFailed) as exc:
        issue(w, recipients=[], text="  ", due_date=dt.date(2026, 3, 16))
    errors = exc.value.errors
    assert errors["recipients"] == ["Choose at least one agency to receive the directive."]
    assert errors["text"] == ["Write the directive (at least 5 characters)."]
    assert errors["due_date"] == ["The report-back date cannot be in the past; choose 17/03/2026 or later."]
    nothing_saved()


@pytest.mark.parametrize(
    ("due", "message"),
    [
        ("31/02/2026", "Give the date to report back by, as dd/mm/yyyy."),
        (None, "Give the date to report back by, as dd/mm/yyyy."),
        (dt.date(2036, 1, 1), "more than 5 years ahead"),
    ],
)
def test_a_bad_date_is_refused(dirworld, due, message):
    with pytest.raises(ValidationFailed) as exc:
        issue(dirworld, due_date=due)
    assert message in exc.value.errors["due_date"][0]
    nothing_saved()


def test_today_is_a_valid_date_and_text_is_trimmed(dirworld):
    d = issue(dirworld, due_date="17/03/2026", text="   Báo cáo ngay   ")
    assert d.due_date == dt.date(2026, 3, 17) and d.text == "Báo cáo ngay"


def test_a_task_or_an_agency_not_both_not_neither(dirworld):
    w = dirworld
    with pytest.raises(ValidationFailed):
        issue(w, task=None)
    with pytest.raises(ValidationFailed):
        issue(w, agency=w.hni)
    nothing_saved()


def test_a_task_outside_the_scope_is_not_found(dirworld):
    with pytest.raises(NotFound):
        issue(dirworld, "hcm_leader", recipients=[dirworld.hcm_xa.pk])
    nothing_saved()


def test_a_steering_committee_member_directs_the_lead_of_a_task_of_its_resolution(dirworld):
    w = dirworld
    d = issue(w, "steering", task="hni_xa", recipients=[w.hni_xa_ubnd.pk])
    assert d.issuing_agency == w.vptw and d.resolution == w.res
    # but not any agency of the country outside its own scope
    with pytest.raises(ValidationFailed) as exc:
        issue(w, "steering", task="hni_xa", recipients=[w.hni_xa2.pk])
    assert "not within your scope of direction" in exc.value.errors["recipients"][0]


def test_a_leader_of_the_lead_agency_does_not_command_the_coordinating_agencies(dirworld):
    """The city People's Committee leads task "hni"; the task was assigned by Thành ủy Hà Nội."""
    w = dirworld
    t = w.tasks["hni"]
    t.coordinations.create(agency=w.hni_xa)
    d = issue(w, "hni_leader", task="hni", recipients=[w.hni_ubnd.pk, w.hni_xa.pk])
    assert d.recipients.count() == 2
    with pytest.raises(ValidationFailed):
        issue(w, "hni_ubnd_leader", task="hni", recipients=[w.hni_xa.pk])


def test_allowed_recipients_are_what_the_form_offers(dirworld):
    w = dirworld
    t = w.tasks["ministry_coord"]
    assert services.allowed_recipients(w.users["hni_leader"], task=t) == [w.hni_so]
    assert services.allowed_recipients(w.users["national_leader"], task=t) == [w.bo_khcn, w.hni_so]
    assert services.allowed_recipients(w.users["hni_officer"], task=t) == []
    under = services.allowed_recipients(w.users["hni_leader"], agency=w.hni)
    assert [a.pk for a in under] == [w.hni_ubnd.pk, w.hni_xa.pk, w.hni_xa2.pk]


def test_a_merged_agency_cannot_receive(dirworld):
    w = dirworld
    w.hni_xa2.valid_to = dt.date(2025, 6, 30)
    w.hni_xa2.save()
    with pytest.raises(ValidationFailed) as exc:
        issue(w, task=None, agency=w.hni, recipients=[w.hni_xa2.pk])
    assert "no longer exists" in exc.value.errors["recipients"][0]
    nothing_saved()


def test_the_due_date_default_and_the_text_limit(dirworld):
    with pytest.raises(ValidationFailed) as exc:
        issue(dirworld, text="x" * 4001)
    assert "4000" in exc.value.errors["text"][0]
    assert issue(dirworld).due_date == DUE


def test_a_tampered_recipient_value_is_explained(dirworld):
    with pytest.raises(ValidationFailed) as exc:
        issue(dirworld, recipients=["abc", dirworld.hni_xa_ubnd.pk])
    assert exc.value.errors["recipients"] == ["“abc” is not an agency; choose the recipients from the list."]
    nothing_saved()
