"""The demo data loader: what a person opening the demo finds, and that it refuses when it must."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Q
from django.test import RequestFactory
from django.utils import translation

from resmon.accounts.models import Grant, User
from resmon.agencies.models import Agency, AgencyKind
from resmon.audit.models import AuditEntry
from resmon.catalogue.models import ReportingPeriod
from resmon.core import clock
from resmon.core.access import Role
from resmon.demo.builder.names import SPECIAL_ZONES_BY_PROVINCE, ProvinceShape, commune_split, place_names
from resmon.demo.builder.people import DOCUMENTED_USERNAMES
from resmon.demo.builder.tree import build_tree, read_csv
from resmon.planning.models import ActionProgram, Resolution, SteeringMember, Task, TaskCoordination
from resmon.planning.selectors import status_counts, tasks_visible
from resmon.planning.status import TaskStatus

DEMO_ACCOUNTS = {
    "admin": ("TW", Role.SYSTEM_ADMIN),
    "lanhdao.tw": ("TW", Role.LEADER),
    "bcd.nq57": ("BCSCLTW", Role.LEADER),
    "kiemtra.tw": ("UBKTTW", Role.INSPECTOR),
    "quantri.vptw": ("VPTW", Role.AGENCY_ADMIN),
    "lanhdao.bkhcn": ("BKHCN", Role.LEADER),
    "daumoi.bkhcn": ("BKHCN", Role.FOCAL_OFFICER),
    "quantri.bkhcn": ("BKHCN", Role.AGENCY_ADMIN),
    "lanhdao.hni": ("HNI", Role.LEADER),
    "daumoi.hni": ("HNI", Role.FOCAL_OFFICER),
    "quantri.hni": ("HNI", Role.AGENCY_ADMIN),
    "daumoi.hni.skhcn": ("HNI-SKHCN", Role.FOCAL_OFFICER),
    "daumoi.hcm": ("HCM", Role.FOCAL_OFFICER),
    "lanhdao.xa.hni": ("HNI-X001", Role.LEADER),
    "daumoi.xa.hni": ("HNI-X001-UBND", Role.FOCAL_OFFICER),
}


def row_counts() -> dict[str, int]:
    return {
        m.__name__: m.objects.count()
        for m in (Agency, Resolution, ActionProgram, Task, TaskCoordination, User, AuditEntry)
    }


def run() -> str:
    """The command's output, in English (the msgids) whatever translations exist."""
    out = io.StringIO()
    with translation.override("en"):
        call_command("load_demo", stdout=out)
    return out.getvalue()


# -- refusals and idempotency (fast) ------------------------------------------------------------


@pytest.mark.django_db
def test_refuses_where_demo_data_is_not_allowed(settings):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="DEMO_DATA_ALLOWED"):
        run()
    assert row_counts() == dict.fromkeys(row_counts(), 0)


@pytest.mark.django_db
def test_second_run_sees_the_data_set_and_changes_nothing():
    Agency.objects.add_root(
        dict(code="TW", name="Ban Chấp hành Trung ương", kind=AgencyKind.CENTRAL_COMMITTEE, level="central")
    )
    Resolution.objects.create(number="57-NQ/TW", title="x", issued_on=dt.date(2024, 12, 22), is_demo=True)
    before = row_counts()
    assert "Demo data already loaded" in run()
    assert row_counts() == before


def test_refuses_a_database_holding_other_data(world):
    before = row_counts()
    with pytest.raises(CommandError, match="empty database"):
        run()
    assert row_counts() == before


@pytest.mark.django_db
def test_refuses_when_a_demo_username_is_taken():
    User.objects.create_user("admin", password="x-long-password")
    with pytest.raises(CommandError, match="admin"):
        run()
    assert Agency.objects.count() == 0 and User.objects.count() == 1


# -- the generated shape (fast, no database) ---------------------------------------------------


def test_communes_split_exactly_and_sensibly():
    provinces = [
        ProvinceShape(r["code"], r["kind"] == "city", len(r["formed_from"].split(";")))
        for r in read_csv("provinces-2025.csv")
    ]
    split = commune_split(provinces)
    assert len(split) == 34
    totals = Counter()
    for counts in split.values():
        totals.update(counts)
    assert totals == {"commune": 2621, "ward": 687, "special_zone": 13}
    assert {code for code, c in split.items() if c["special_zone"]} == set(SPECIAL_ZONES_BY_PROVINCE)
    assert all(c["commune"] > 0 and c["ward"] > 0 for c in split.values())
    by_code = {p.code: p for p in provinces}
    # a province formed from three former provinces has more units than one formed from one
    assert sum(split["NBH"].values()) > sum(split["LCU"].values())
    # a city has more wards than a province of the same origin
    assert split["HNI"]["ward"] > split["LCU"]["ward"] and by_code["HNI"].former_count == 1


def test_place_names_are_distinct():
    import random

    names = place_names(random.Random(1), 300)
    assert len(set(names)) == 300


def test_tree_paths_depths_and_child_counts_are_consistent_in_memory():
    tree = build_tree()
    paths = {n.path: n for n in tree.nodes}
    assert len(paths) == len(tree.nodes) == len({n.code for n in tree.nodes})
    children = Counter(n.path[:-4] for n in tree.nodes if n.depth > 1)
    for node in tree.nodes:
        assert node.depth * 4 == len(node.path)
        assert node.numchild == children.get(node.path, 0)
        if node.depth > 1:
            assert node.path[:-4] in paths


# -- the whole national data set (slow) --------------------------------------------------------


@pytest.mark.slow
@pytest.mark.django_db
def test_full_load(client):
    output = run()
    assert "Demo data loaded" in output and "3321 communes" in output

    _check_agencies()
    _check_plans()
    _check_tasks()
    _check_accounts_and_scope(client)

    # the period calendar: every kind from 2025 to at least 2027
    years = set(ReportingPeriod.objects.filter(kind="year").values_list("year", flat=True))
    assert {2025, 2026, 2027} <= years
    assert ReportingPeriod.objects.filter(year=2026).count() == 19

    audit = AuditEntry.objects.get(action="demo.loaded")
    assert audit.object_type == "demo" and audit.after["tasks"] == Task.objects.count()

    before = row_counts()
    assert "Demo data already loaded" in run()
    assert row_counts() == before


def _check_agencies():
    assert Agency.objects.find_problems() == ([], [], [], [], [])
    root = Agency.objects.get(code="TW")
    assert root.depth == 1 and root.kind == AgencyKind.CENTRAL_COMMITTEE
    current = Agency.objects.filter(kind=AgencyKind.PROVINCIAL_PARTY, valid_to__isnull=True)
    assert current.count() == 34
    assert set(current.values_list("valid_from", flat=True)) == {dt.date(2025, 6, 12)}
    former = Agency.objects.filter(kind=AgencyKind.PROVINCIAL_PARTY, valid_to=dt.date(2025, 6, 11))
    assert former.count() == 63 and not former.filter(valid_from__isnull=False).exists()
    formed_from = {r["code"]: len(r["formed_from"].split(";")) for r in read_csv("provinces-2025.csv")}
    linked = dict(current.annotate(n=Count("predecessors")).values_list("code", "n"))
    assert linked == formed_from
    assert Agency.objects.get(code="HNI").name == "Thành ủy Hà Nội"
    assert Agency.objects.get_parent(Agency.objects.get(code="HNI-SKHCN")).code == "HNI-UBND"

    ducp = Agency.objects.get(code="DUCP")
    ministries = Agency.objects.filter(kind__in=[AgencyKind.MINISTRY, AgencyKind.MINISTERIAL_AGENCY])
    assert ministries.count() == 17
    assert all(m.path.startswith(ducp.path) and m.depth == ducp.depth + 1 for m in ministries)
    assert Agency.objects.filter(kind=AgencyKind.MINISTRY_UNIT).count() == 17 * 3
    departments = Agency.objects.filter(kind=AgencyKind.PROVINCIAL_DEPARTMENT)
    assert departments.filter(valid_to__isnull=True).count() == 34 * 8
    # the former provinces' departments stay in the tree as history, under the new People's Committee
    assert departments.filter(valid_to=dt.date(2025, 6, 11)).count() == 63 * 3
    old = Agency.objects.get(code="CU-HAGIANG-SKHCN")
    assert Agency.objects.get_parent(old).code == "TQG-UBND"
    assert set(Agency.objects.get(code="TQG-SKHCN").predecessors.values_list("code", flat=True)) == {
        "CU-HAGIANG-SKHCN",
        "CU-TUYENQUANG-SKHCN",
    }

    communes = Agency.objects.filter(kind=AgencyKind.COMMUNE_PARTY)
    split = dict(
        communes.order_by().values("admin_type").annotate(n=Count("id")).values_list("admin_type", "n")
    )
    assert split == {"commune": 2621, "ward": 687, "special_zone": 13}
    assert Agency.objects.filter(kind=AgencyKind.COMMUNE_PEOPLES_COMMITTEE).count() == 3321
    commune_level = Agency.objects.filter(level="commune")
    assert not commune_level.filter(is_synthetic=False).exists()
    assert not commune_level.exclude(valid_from=dt.date(2025, 7, 1)).exists()
    # names are unique within a province
    per_province = Counter((a.path[:8], a.name) for a in communes.only("path", "name"))
    assert max(per_province.values()) == 1
    assert Agency.objects.get(code="HNI-X001").name.startswith("Đảng ủy xã ")
    assert Agency.objects.get_parent(Agency.objects.get(code="HNI-X001-UBND")).code == "HNI-X001"


def _check_plans():
    assert Resolution.objects.filter(is_demo=True, issuer="Bộ Chính trị").count() == 7
    assert Resolution.objects.get(number="57-NQ/TW").issued_on == dt.date(2024, 12, 22)
    assert Resolution.objects.get(number="72-NQ/TW").issued_on == dt.date(2025, 9, 9)
    assert not Resolution.objects.filter(steering_committee__isnull=True).exists()
    programs = ActionProgram.objects.all()
    assert programs.filter(agency__code="DUCP").count() == 7
    per_province = Counter(
        programs.filter(agency__kind=AgencyKind.PROVINCIAL_PARTY, agency__valid_to__isnull=True).values_list(
            "agency__code", flat=True
        )
    )
    assert len(per_province) == 34 and set(per_province.values()) == {7}
    assert (
        programs.filter(agency__kind__in=[AgencyKind.MINISTRY, AgencyKind.MINISTERIAL_AGENCY]).count()
        >= 17 * 2
    )
    assert not programs.exclude(status=ActionProgram.Status.ISSUED).exists()
    assert not programs.filter(issued_on__lte=F("resolution__issued_on")).exists()
    # the former provinces issued theirs for 57 and 59; the merger carried one into each new
    # province (with the others' tasks) and left the others, emptied, with their former agency
    assert programs.filter(number__endswith="-CTr/TU").count() == 34 * 5 + 63 * 2
    kept = programs.filter(agency__code="TQG", resolution__number="57-NQ/TW").get()
    assert kept.issued_on < dt.date(2025, 6, 12)
    assert (
        kept.tasks.filter(lead_agency__code="TQG-UBND").exists()
        or kept.tasks.filter(lead_agency__code__startswith="TQG-S").exists()
    )
    assert kept.tasks.filter(code__contains="-CTr/TU · ").exists()
    emptied = programs.filter(agency__valid_to__isnull=False)
    assert emptied.count() == (63 - 34) * 2 and not Task.objects.filter(program__in=emptied).exists()


def _check_tasks():
    tasks = Task.objects.all()
    assert 8000 <= tasks.count() <= 12000
    # every task is led inside the agency that issued its programme, under the programme's resolution
    assert not tasks.exclude(lead_agency__path__startswith=F("program__agency__path")).exists()
    assert not tasks.exclude(resolution_id=F("program__resolution_id")).exists()
    assert not tasks.filter(parent__isnull=False).exclude(parent__program_id=F("program_id")).exists()
    for code, parent_code in tasks.filter(parent__isnull=False).values_list("code", "parent__code")[:2000]:
        assert code.rsplit(".", 1)[0] == parent_code
    # progress is entered on leaves only; parents stay at 0 (their roll-up is derived)
    assert not tasks.filter(children__isnull=False, percent_done__gt=0).exists()
    assert not tasks.filter(ongoing=True, due_date__isnull=False).exists()
    assert tasks.filter(original_due_date__lt=F("due_date")).exists()  # some deadlines were extended
    assert tasks.filter(Q(state="paused") | Q(state="cancelled")).exclude(state_reason="").exists()
    assert not tasks.filter(Q(state="paused") | Q(state="cancelled"), state_reason="").exists()
    assert not tasks.filter(completed_on__gt=clock.today()).exists()
    assert not tasks.filter(first_progress_on__gt=clock.today()).exists()
    # every commune's People's Committee carries the digital-services task and one more
    commune_tasks = Counter(
        tasks.filter(lead_agency__kind=AgencyKind.COMMUNE_PEOPLES_COMMITTEE).values_list(
            "lead_agency_id", flat=True
        )
    )
    assert len(commune_tasks) == 3321 and set(commune_tasks.values()) == {2}
    assert TaskCoordination.objects.exclude(sub_deliverable="").exists()
    # ministries ask provincial departments to coordinate
    assert TaskCoordination.objects.filter(
        task__program__agency__kind=AgencyKind.MINISTRY, agency__kind=AgencyKind.PROVINCIAL_DEPARTMENT
    ).exists()


def _check_accounts_and_scope(client):
    factory = RequestFactory()
    for username, (code, role) in DEMO_ACCOUNTS.items():
        user = User.objects.get(username=username)
        assert (user.agency.code, user.role) == (code, role)
        assert user.full_name and user.position and not user.must_change_password
        assert client.login(request=factory.post("/accounts/login/"), username=username, password="demo")
        client.logout()
    assert User.objects.filter(username__startswith="daumoi.").count() >= 34
    assert set(DOCUMENTED_USERNAMES) == set(DEMO_ACCOUNTS)
    assert Grant.objects.filter(
        user__username="kiemtra.tw", kind=Grant.Kind.INSPECTION, agency__code="TW"
    ).exists()
    assert SteeringMember.objects.filter(
        user__username="bcd.nq57", committee__resolution__number="57-NQ/TW"
    ).exists()

    everything = tasks_visible(User.objects.get(username="admin"))
    counts = status_counts(everything)
    for status in (
        TaskStatus.NOT_STARTED,
        TaskStatus.IN_PROGRESS,
        TaskStatus.OVERDUE,
        TaskStatus.DONE_ON_TIME,
        TaskStatus.DONE_LATE,
    ):
        assert counts[status] > 0, status
    assert counts[TaskStatus.PAUSED] + counts[TaskStatus.CANCELLED] < counts[TaskStatus.DONE_ON_TIME]

    officer = User.objects.get(username="daumoi.xa.hni")
    own = officer.agency.path
    visible = tasks_visible(officer)
    assert visible.count() == 2
    assert not visible.exclude(
        Q(lead_agency__path__startswith=own)
        | Q(assigned_by__path__startswith=own)
        | Q(coordinations__agency__path__startswith=own)
    ).exists()
    assert not visible.filter(lead_agency__code="HNI-X002-UBND").exists()

    inspector = User.objects.get(username="kiemtra.tw")
    assert tasks_visible(inspector).count() == Task.objects.count()
    steering = User.objects.get(username="bcd.nq57")
    assert tasks_visible(steering).filter(resolution__number="57-NQ/TW").count() == (
        Task.objects.filter(resolution__number="57-NQ/TW").count()
    )
    assert not tasks_visible(steering).filter(resolution__number="72-NQ/TW").exists()
    skhcn = User.objects.get(username="daumoi.hni.skhcn")
    assert tasks_visible(skhcn).filter(program__agency__code="BKHCN").exists()  # coordinates a ministry task
