"""The audit log browser, the verification page and the two management commands."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse

from resmon.audit import protection, sealing, services
from resmon.audit.models import AuditEntry, AuditVerification
from resmon.audit.services import record
from resmon.core import clock
from resmon.core.errors import PermissionRefused

pytestmark = pytest.mark.django_db


def write_at(world, agency, action: str, n: int = 1, actor=None) -> None:
    with transaction.atomic():
        for i in range(n):
            record(
                actor or world.users["sysadmin"], action, agency, agency_path=agency.path, reason=f"lý do {i}"
            )


def tamper_reason(seq: int) -> None:
    with protection.triggers_disabled(connection), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET reason = 'sửa lén' WHERE seq = %s", [seq])


# --- commands ------------------------------------------------------------------------------------


def test_seal_audit_seals_and_verify_audit_says_ok(world):
    write_at(world, world.hni, "test.one", 3)
    out = io.StringIO()
    call_command("seal_audit", stdout=out)
    assert "sealed" in out.getvalue()
    out = io.StringIO()
    call_command("verify_audit", "--checkpoint", stdout=out)
    text = out.getvalue()
    assert text.startswith("OK: ") and "not sealed yet" in text
    assert "checkpoint: seq" in text
    assert AuditVerification.objects.get().ok


def test_verify_audit_exits_1_and_says_where_the_problem_is(world, capsys):
    write_at(world, world.hni, "test.one", 3)
    sealing.seal()
    tamper_reason(2)
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_audit", "--no-save", stderr=err)
    assert exit_info.value.code == 1
    assert "PROBLEM: Row 2 (" in err.getvalue()
    assert not AuditVerification.objects.exists()


# --- the verification service -------------------------------------------------------------------


def test_only_a_system_administrator_may_run_a_verification(world):
    for name in ("hni_admin", "inspector", "national_leader"):
        with pytest.raises(PermissionRefused):
            services.run_verification(world.users[name])
    assert not AuditVerification.objects.exists()
    assert not AuditEntry.objects.filter(action="audit.verified").exists()


def test_a_verification_is_kept_and_audited(world):
    write_at(world, world.hni, "test.one", 2)
    sealing.seal()
    run = services.run_verification(world.users["sysadmin"])
    assert run.ok and run.rows >= 2 and run.run_by == "sysadmin"
    entry = AuditEntry.objects.get(action="audit.verified")
    assert entry.actor_name == "sysadmin" and entry.after["ok"] is True


# --- pages ---------------------------------------------------------------------------------------


def test_the_verify_page_runs_verification_and_shows_the_problem(world, client):
    write_at(world, world.hni, "test.one", 4)
    sealing.seal()
    client.force_login(world.users["sysadmin"])
    page = client.get(reverse("audit:verify"))
    assert "The chain has not been verified yet." in page.content.decode()
    response = client.post(reverse("audit:verify_run"), follow=True)
    html = response.content.decode()
    assert "The audit chain is intact" in html
    tamper_reason(3)
    html = client.post(reverse("audit:verify_run"), follow=True).content.decode()
    assert "The audit chain has a problem: Row 3 (" in html
    assert "no longer matches its hash" in html


@pytest.mark.parametrize("name", ["inspector", "hni_admin", "hni_officer", "national_leader"])
def test_the_verify_page_is_for_system_administrators_only(world, client, name):
    client.force_login(world.users[name])
    assert client.get(reverse("audit:verify")).status_code == 404
    assert client.post(reverse("audit:verify_run")).status_code == 404
    assert not AuditVerification.objects.exists()


def test_the_log_is_scoped_for_an_inspector(world, client):
    write_at(world, world.hni_xa, "test.hanoi")
    write_at(world, world.hcm, "test.hcm")
    client.force_login(world.users["inspector"])
    html = client.get(reverse("audit:log")).content.decode()
    assert "test.hanoi" in html
    assert "test.hcm" not in html
    client.force_login(world.users["sysadmin"])
    html = client.get(reverse("audit:log")).content.decode()
    assert "test.hanoi" in html and "test.hcm" in html


@pytest.mark.parametrize("name", ["hni_admin", "hni_officer", "national_leader", "xa_officer"])
def test_the_log_is_a_404_for_other_roles(world, client, name):
    client.force_login(world.users[name])
    assert client.get(reverse("audit:log")).status_code == 404


def test_the_log_filters_and_pages(world, client):
    write_at(world, world.hni, "test.alpha", 60)
    write_at(world, world.hni, "test.beta", 3, actor=world.users["hni_officer"])
    sealing.seal()
    client.force_login(world.users["sysadmin"])
    url = reverse("audit:log")
    html = client.get(url, {"action": "test.beta"}).content.decode()
    assert html.count("<code>test.beta</code>") == 3 and "test.alpha" not in html
    html = client.get(url, {"actor": "hni_off"}).content.decode()
    assert html.count("<code>test.beta</code>") == 3 and "test.alpha" not in html
    first = client.get(url, {"action": "test."})
    assert first.context["older"] and not first.context["newer"]
    assert len(first.context["rows"]) == 50
    second = client.get(url, {"action": "test.", "before": first.context["older"]})
    assert len(second.context["rows"]) == 13 and not second.context["older"]
    back = client.get(url, {"action": "test.", "after": second.context["newer"]})
    assert [r.pk for r in back.context["rows"]] == [r.pk for r in first.context["rows"]]
    assert "#63 <code>" in client.get(url).content.decode()  # the chain position of the newest row


def test_the_log_date_filter_and_bad_dates(world, client):
    write_at(world, world.hni, "test.today")
    client.force_login(world.users["sysadmin"])
    url = reverse("audit:log")
    today = AuditEntry.objects.get(action="test.today").at.astimezone(clock.tz()).date().isoformat()
    assert "test.today" in client.get(url, {"date_from": today, "date_to": today}).content.decode()
    assert "test.today" not in client.get(url, {"date_to": "2000-01-01"}).content.decode()
    response = client.get(url, {"date_from": "2025-02-01", "date_to": "2025-01-01"})
    assert response.status_code == 200
    assert "The end date is before the start date." in response.content.decode()
    assert client.get(url, {"date_from": "không phải ngày", "before": "x"}).status_code == 200
