"""The 2025 merger replay on a small tree: 7 former provinces into 3 new ones."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from resmon.accounts.models import User
from resmon.agencies.models import Agency, AgencyKind, Level
from resmon.audit.models import AuditEntry
from resmon.planning.models import ActionProgram, Task
from resmon.restructuring.models import RestructuringEvent
from resmon.restructuring.replay import national_totals
from tests.factories import agency, program, resolution, task, user

pytestmark = pytest.mark.django_db

CSV = """code,name,kind,formed_from
TQG,Tuyên Quang,province,Hà Giang; Tuyên Quang
NBH,Ninh Bình,province,Hà Nam; Nam Định; Ninh Bình
HCM,Thành phố Hồ Chí Minh,city,Thành phố Hồ Chí Minh; Bình Dương
"""
FORMER = ["Hà Giang", "Tuyên Quang", "Hà Nam", "Nam Định", "Ninh Bình", "Thành phố Hồ Chí Minh", "Bình Dương"]


@pytest.fixture
def small_tree(tmp_path):
    root = agency(None, "Ban Chấp hành Trung ương", AgencyKind.CENTRAL_COMMITTEE, code="TW")
    res = resolution()
    for n, name in enumerate(FORMER, 1):
        word = "Thành ủy" if name.startswith("Thành phố") else "Tỉnh ủy"
        party = agency(root, f"{word} {name}", AgencyKind.PROVINCIAL_PARTY, Level.PROVINCE, code=f"CU{n}")
        ubnd = agency(
            party, f"UBND {name}", AgencyKind.PROVINCIAL_PEOPLES_COMMITTEE, Level.PROVINCE, code=f"CU{n}-UBND"
        )
        depts = [
            agency(ubnd, f"{label} {name}", AgencyKind.PROVINCIAL_DEPARTMENT, Level.PROVINCE, **extra)
            for extra, label in (
                (
                    {"code": f"CU{n}-SKHCN", "short_name": "Sở Khoa học và Công nghệ"},
                    "Sở Khoa học và Công nghệ",
                ),
                ({"code": f"CU{n}-STC", "short_name": "Sở Tài chính"}, "Sở Tài chính"),
            )
        ]
        party.refresh_from_db()
        prog = program(res, party, number=f"{n}-CTr/TU", issued_on=dt.date(2025, 2, n))
        top = task(prog, ubnd, code="1", weight=Decimal(n))
        task(prog, depts[0], parent=top, code="1.1", percent_done=Decimal(10 * n))
        task(prog, depts[1], parent=top, code="1.2", percent_done=Decimal(5 * n), coordinating=[depts[0]])
        user(f"daumoi.cu{n}", party)
    sysadmin = user("quantri", root, "system_admin")
    path = tmp_path / "provinces.csv"
    path.write_text(CSV, encoding="utf-8")
    return {"root": root, "csv": str(path), "sysadmin": sysadmin}


def run(*args) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("replay_merger", *args, stdout=out)
    return out.getvalue()


def state():
    return (
        sorted(Agency.objects.values_list("code", "path", "valid_to")),
        sorted(Task.objects.values_list("pk", "lead_agency_id", "program_id", "code")),
        sorted(User.objects.values_list("username", "agency_id")),
        RestructuringEvent.objects.count(),
        AuditEntry.objects.count(),
    )


def test_replay_merges_seven_former_provinces_into_three(small_tree):
    before = national_totals()
    output = run("--csv", small_tree["csv"], "--effective", "2025-07-01")
    assert "7 former provinces merged into 3" in output and "Totals agree." in output
    assert "Elapsed:" in output
    assert Agency.objects.find_problems() == ([], [], [], [], [])
    assert national_totals() == before
    new = Agency.objects.filter(kind=AgencyKind.PROVINCIAL_PARTY, valid_to__isnull=True)
    assert set(new.values_list("code", "name")) == {
        ("TQG", "Tỉnh ủy Tuyên Quang"),
        ("NBH", "Tỉnh ủy Ninh Bình"),
        ("HCM", "Thành ủy Thành phố Hồ Chí Minh"),
    }
    assert not Agency.objects.filter(code__startswith="CU", valid_to__isnull=True).exists()
    assert set(Agency.objects.filter(code__startswith="CU").values_list("valid_to", flat=True)) == {
        dt.date(2025, 6, 30)
    }
    nbh = Agency.objects.get(code="NBH")
    assert nbh.predecessors.count() == 3 and nbh.valid_from == dt.date(2025, 7, 1)
    # state bodies merged level by level: one People's Committee, one department of each kind
    assert Agency.objects.get(code="NBH-UBND").predecessors.count() == 3
    skhcn = Agency.objects.get(code="NBH-SKHCN")
    assert skhcn.name == "Sở Khoa học và Công nghệ tỉnh Ninh Bình" and skhcn.predecessors.count() == 3
    assert Agency.objects.get_parent(skhcn).code == "NBH-UBND"
    # tasks, users and programmes follow
    assert Task.objects.filter(lead_agency=skhcn).count() == 3
    assert set(
        User.objects.filter(username__startswith="daumoi.cu").values_list("agency__code", flat=True)
    ) == {
        "TQG",
        "NBH",
        "HCM",
    }
    kept = ActionProgram.objects.get(agency=nbh)
    assert kept.number == "3-CTr/TU" and kept.tasks.count() == 9
    assert kept.tasks.filter(code="4-CTr/TU · 1.1").exists()
    assert RestructuringEvent.objects.count() == 3
    assert AuditEntry.objects.filter(action="agency.merged").count() == 3
    # the tree is merged now: a second run is refused
    with pytest.raises(CommandError, match="already merged"):
        run("--csv", small_tree["csv"])


def test_dry_run_changes_nothing(small_tree):
    before = state()
    output = run("--csv", small_tree["csv"], "--dry-run")
    assert "Dry run" in output and "7 former provinces merged into 3" in output
    assert state() == before


def test_unknown_names_and_malformed_files_are_refused(small_tree, tmp_path):
    before = state()
    bad = tmp_path / "bad.csv"
    bad.write_text(CSV.replace("Hà Giang", "Hà Giangg"), encoding="utf-8")
    with pytest.raises(CommandError, match="Hà Giangg"):
        run("--csv", str(bad))
    bad.write_text("code,name\nX,Y\n", encoding="utf-8")
    with pytest.raises(CommandError, match="kind, formed_from"):
        run("--csv", str(bad))
    bad.write_text(CSV.replace(",province,Hà Nam", ",tinh,Hà Nam"), encoding="utf-8")
    with pytest.raises(CommandError, match="Line 3"):
        run("--csv", str(bad))
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("--csv", small_tree["csv"], "--effective", "1/7/2025")
    assert state() == before


def test_replay_service_refuses_non_administrators(small_tree):
    from resmon.core.errors import PermissionRefused
    from resmon.restructuring.replay import read_rows, replay_merger

    officer = User.objects.get(username="daumoi.cu1")
    before = state()
    with pytest.raises(PermissionRefused):
        replay_merger(officer, read_rows(small_tree["csv"]), effective_on=dt.date(2025, 7, 1))
    assert state() == before
    summary = replay_merger(
        small_tree["sysadmin"], read_rows(small_tree["csv"]), effective_on=dt.date(2025, 7, 1)
    )
    assert summary.provinces == 3 and summary.before == summary.after
    assert AuditEntry.objects.filter(action="agency.merged", actor_name="quantri").count() == 3
