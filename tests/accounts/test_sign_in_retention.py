"""The sign-in history is kept RESMON_SIGNIN_HISTORY_DAYS days: the daily run removes older lines,
every user's, in batches of one query each, and records how many; the audit rows stay; the history
page says how long it is kept."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse

from resmon.accounts import services_otp
from resmon.accounts.models import SignInEvent
from resmon.audit.models import AuditEntry
from resmon.audit.services import record
from resmon.notifications import daily

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 2, 23, 0, tzinfo=dt.UTC)  # 06:00 on 3 December 2026 in Hà Nội
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def lines(user, *days_ago: float) -> None:
    SignInEvent.objects.bulk_create(
        SignInEvent(user=user, at=NOW - dt.timedelta(days=d), outcome="success") for d in days_ago
    )


def ages(user) -> list[float]:
    return [
        (NOW - at) / dt.timedelta(days=1)
        for at in SignInEvent.objects.filter(user=user).values_list("at", flat=True)
    ]


def test_lines_older_than_the_retention_are_removed_and_newer_ones_kept(world):
    officer, other = world.users["hni_officer"], world.users["hcm_officer"]
    lines(officer, 0, 1, 399, 399.99, 400.01, 401, 800)
    lines(other, 2, 30, 365)
    assert services_otp.prune_history() == 3
    assert sorted(ages(officer)) == [0, 1, 399, 399.99]
    assert sorted(ages(other)) == [2, 30, 365]  # nothing old: untouched


def test_every_users_old_lines_go_and_only_those(world):
    officer, other = world.users["hni_officer"], world.users["hcm_officer"]
    lines(officer, 500, 3)
    lines(other, 450, 10)
    assert services_otp.prune_history() == 2
    assert ages(officer) == [3] and ages(other) == [10]


def test_the_setting_is_the_retention(world, settings):
    officer = world.users["hni_officer"]
    lines(officer, 29, 31, 200)
    settings.RESMON_SIGNIN_HISTORY_DAYS = 30
    assert services_otp.prune_history() == 2
    assert ages(officer) == [29]


def settings_read(**env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "RESMON_SIGNIN_HISTORY_DAYS"}
    environ.update(PYTHONPATH=str(ROOT / "src"), **env)
    code = "import resmon.settings as s; print(s.RESMON_SIGNIN_HISTORY_DAYS)"
    return subprocess.run(
        [sys.executable, "-c", code], env=environ, cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_the_retention_is_400_days_unless_the_environment_says_otherwise():
    assert settings_read().stdout.strip() == "400"
    assert settings_read(RESMON_SIGNIN_HISTORY_DAYS="90").stdout.strip() == "90"
    refused = settings_read(RESMON_SIGNIN_HISTORY_DAYS="0")
    assert refused.returncode != 0 and "RESMON_SIGNIN_HISTORY_DAYS must be" in refused.stderr


def test_a_large_history_goes_in_batches_of_one_query_each(world, django_assert_num_queries):
    officer = world.users["hni_officer"]
    lines(officer, *(401 + i for i in range(5)), 1)
    with django_assert_num_queries(3):  # 2 + 2 + 1 rows
        assert services_otp.prune_history(batch=2) == 5
    with django_assert_num_queries(1):  # nothing left to remove: one query finds it out
        assert services_otp.prune_history(batch=2) == 0
    assert ages(officer) == [1]


def test_the_audit_rows_of_sign_ins_stay(world):
    officer = world.users["hni_officer"]
    with time_machine.travel(NOW - dt.timedelta(days=500), tick=False):
        record(officer, "accounts.login", officer, after={"method": "password", "ip": "10.1.2.3"})
    lines(officer, 500)
    assert services_otp.prune_history() == 1
    assert not SignInEvent.objects.exists()
    assert AuditEntry.objects.filter(action="accounts.login", object_id=str(officer.pk)).count() == 1


def test_the_daily_run_prunes_and_records_the_count(world, settings):
    assert "prune_sign_in_history" in settings.DAILY_JOBS
    officer = world.users["hni_officer"]
    lines(officer, 1, 401, 402)
    settings.DAILY_JOBS = ["prune_sign_in_history"]
    outcome = daily.run()["prune_sign_in_history"]
    assert outcome["ok"] is True
    assert outcome["output"] == (
        "2 sign-in history lines older than 400 days (before 2025-10-29 06:00) removed"
    )
    row = AuditEntry.objects.get(action=daily.ACTION)
    assert row.after["prune_sign_in_history"]["output"].startswith("2 sign-in history lines")
    assert ages(officer) == [1]


def test_the_command_takes_a_number_of_days(world, capsys):
    officer = world.users["hni_officer"]
    lines(officer, 5, 15)
    call_command("prune_sign_in_history", "--days", "10")
    assert capsys.readouterr().out.startswith("1 sign-in history lines older than 10 days")
    assert ages(officer) == [5]
    with pytest.raises(CommandError, match="at least 1"):
        call_command("prune_sign_in_history", "--days", "0")


def test_the_history_page_says_how_long_it_is_kept(client, world, settings):
    client.force_login(world.users["hni_officer"])
    body = client.get(reverse("accounts:sign_in_history")).content.decode()
    assert "The history is kept for 400 days; older lines are removed." in body
    settings.RESMON_SIGNIN_HISTORY_DAYS = 90
    body = client.get(reverse("accounts:sign_in_history")).content.decode()
    assert "The history is kept for 90 days; older lines are removed." in body
