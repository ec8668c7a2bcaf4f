"""The daily run: the jobs in order, one failure not stopping the others, one audit row per day, and
the scheduler's catch-up rule (due once the run time has passed and today's run is missing)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command

from resmon.audit.models import AuditEntry
from resmon.notifications import daily

pytestmark = pytest.mark.django_db

# 06:00 in Hà Nội (UTC+7) on 3 December 2026
MORNING = dt.datetime(2026, 12, 2, 23, 0, tzinfo=dt.UTC)


def test_a_failing_job_is_recorded_and_the_next_still_runs(settings):
    settings.DAILY_JOBS = ["no_such_command", "send_digests"]
    with time_machine.travel(MORNING, tick=False):
        outcome = daily.run()
    assert outcome["no_such_command"]["ok"] is False
    assert "no_such_command" in outcome["no_such_command"]["error"]
    assert outcome["send_digests"]["ok"] is True
    assert "digest" in outcome["send_digests"]["output"]
    row = AuditEntry.objects.get(action=daily.ACTION)
    assert row.object_id == "2026-12-03"  # the day in Hà Nội, not in UTC
    assert row.after["send_digests"]["ok"] is True
    assert row.actor_name == "system"


def test_due_only_after_the_run_time_and_once_a_day(settings):
    settings.DAILY_RUN_AT = "05:30"
    settings.DAILY_JOBS = ["send_digests"]
    early = dt.datetime(2026, 12, 2, 22, 0, tzinfo=dt.UTC)  # 05:00 in Hà Nội
    with time_machine.travel(early, tick=False):
        assert not daily.due()
    with time_machine.travel(MORNING, tick=False):
        assert daily.due()
        daily.run()
        assert not daily.due()
    next_day = MORNING + dt.timedelta(days=1)
    with time_machine.travel(next_day, tick=False):
        assert daily.due()


def test_the_command_runs_only_the_named_jobs(settings, capsys):
    settings.DAILY_JOBS = ["no_such_command"]
    with time_machine.travel(MORNING, tick=False):
        call_command("run_daily", "--only", "send_digests")
    out = capsys.readouterr().out
    assert "send_digests: ok" in out
    assert "no_such_command" not in out
    assert list(AuditEntry.objects.filter(action=daily.ACTION).values_list("after", flat=True)) == [
        {
            "send_digests": {
                "ok": True,
                "output": "0 digest e-mail(s) sent.",
                "seconds": pytest.approx(0, abs=5),
            }
        }
    ]
