"""The drills, small (the full ones: `scripts/bench.sh drills`, figures in docs/security.md):

* kill -9 of each process (a gunicorn worker, the gunicorn master, the background worker, the
  sealer) during report writes and a background document, started again: every report wholly
  saved or not at all, one audit row per version, the audit chain verifies, no job stuck, the
  documents whole, the roll-ups right, every request retried after a lost answer answered;
* 20 people save the same report from the same version at the same moment: one wins, the others
  get the conflict message naming the winner, the report holds the winner's content, one audit row;
* a full disk (tmpfs; needs root and permission to mount, skipped otherwise): clear 507 answers,
  no half-written file, the database consistent, everything works again once space is freed.
"""

from __future__ import annotations

import drill_checks
import drill_conflict
import drill_disk
import drill_kill
import pytest

from resmon.reporting.models import ReportLine
from tests.drills.conftest import SEED

pytestmark = [pytest.mark.slow]


def test_kill_9_of_each_process_during_writes_loses_nothing(drill):
    site, world, data = drill
    rounds = drill_kill.run(site, world, seed=SEED, rounds=len(drill_kill.VICTIMS), media=data / "media")
    assert {r.victim for r in rounds} == set(drill_kill.VICTIMS)
    assert [p for r in rounds for p in r.problems] == []
    assert sum(r.tally.answers["ok"] for r in rounds) > 40  # the writes did happen
    assert sum(r.tally.retried for r in rounds) == sum(r.tally.retried_ok for r in rounds)
    assert sum(r.documents.get("done", 0) for r in rounds[-1:]) == len(rounds)  # one document a round
    # the checks are not blind: a line changed behind the services' back is found
    line = ReportLine.objects.filter(report__agency_id=world["subjects"][0]["agency"], results__gt="").first()
    ReportLine.objects.filter(pk=line.pk).update(results="sửa ngoài dịch vụ")
    assert any("its last audited save says" in p for p in drill_checks.report_problems(world))


def test_twenty_simultaneous_saves_of_one_report_one_wins(drill):
    site, world, _data = drill
    [out] = drill_conflict.run(site.port, world, world["spare"], clients=20, rounds=1)
    assert out.problems == []
    assert out.codes == {200: 1, 409: 19}


def test_a_full_disk_is_answered_clearly_and_corrupts_nothing(drill_world_env):
    world, env = drill_world_env  # the drill starts its own sites, on the small disk
    try:
        results = drill_disk.media_variant(env, world["spare"])
        results += drill_disk.sqlite_variant(env)
    except drill_disk.Skip as exc:
        pytest.skip(str(exc))
    assert [(what, problems) for what, ok, problems in results if not ok] == []
    assert len(results) == 6
