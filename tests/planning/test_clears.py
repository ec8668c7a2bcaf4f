"""The six clears: each rule passes and fails on its own fixture; flags on tasks, programmes,
the six-clears page and the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from resmon.planning import clears, selectors_clears
from resmon.planning.models import Clause

GOOD = clears.TaskFacts(
    id=1,
    title="Xây dựng Đề án chuyển đổi số các cơ quan đảng của thành phố",
    lead_agency_ids=(7,),
    responsible_officer="Nguyễn Văn An",
    due_date=dt.date(2026, 6, 30),
    deliverable_type="de_an",
    deliverable="Đề án trình Ban Thường vụ Thành ủy",
    authority="Ban Thường vụ Thành ủy",
    coordinations=(("Sở Khoa học và Công nghệ", "Báo cáo đánh giá hạ tầng số"),),
)
CLAUSE = "Đầu tư nâng cấp trung tâm dữ liệu của các tỉnh, thành phố."


def with_(**kw):
    return clears.TaskFacts(**{**GOOD.__dict__, **kw})


CASES = [
    # rule, facts, passes, words expected in the reason
    (clears.PERSON, GOOD, True, ""),
    (clears.PERSON, with_(responsible_officer="  "), False, "officer"),
    (clears.PERSON, with_(lead_agency_ids=()), False, "lead agency"),
    (clears.ACTION, GOOD, True, ""),
    (clears.ACTION, with_(title=""), False, "no title"),
    (clears.ACTION, with_(title="Hạ tầng số và dữ liệu của các cơ quan đảng"), False, "verb"),
    (clears.ACTION, with_(title="Triển khai đề án"), False, "too short"),
    (clears.ACTION, with_(title="a) " + CLAUSE, clause_texts=(CLAUSE,)), False, "copies"),
    (
        clears.ACTION,
        with_(
            title="Đầu tư nâng cấp trung tâm dữ liệu thành phố giai đoạn 2026-2030", clause_texts=(CLAUSE,)
        ),
        True,
        "",
    ),
    (clears.TIME, GOOD, True, ""),
    (clears.TIME, with_(due_date=None, ongoing=True, review_period="quarter"), True, ""),
    (clears.TIME, with_(due_date=None), False, "due date"),
    (clears.TIME, with_(due_date=None, ongoing=True, review_period=""), False, "review period"),
    (clears.RESPONSIBILITY, GOOD, True, ""),
    (clears.RESPONSIBILITY, with_(coordinations=(("Sở Tài chính", ""),)), False, "Sở Tài chính"),
    (clears.RESPONSIBILITY, with_(lead_agency_ids=(1, 2)), False, "exactly one"),
    (clears.DELIVERABLE, GOOD, True, ""),
    (clears.DELIVERABLE, with_(deliverable_type=""), False, "type"),
    (clears.DELIVERABLE, with_(deliverable_type="nonsense"), False, "type"),
    (clears.DELIVERABLE, with_(deliverable=""), False, "Describe"),
    (clears.AUTHORITY, GOOD, True, ""),
    (clears.AUTHORITY, with_(authority=""), False, "authority"),
]


@pytest.mark.parametrize(("rule", "facts", "passes", "words"), CASES)
def test_each_rule_passes_and_fails_with_a_reason(rule, facts, passes, words):
    flag = clears.CHECKS[rule](facts)
    assert flag.rule == rule
    assert flag.passed is passes
    assert flag.reason
    assert words in flag.reason
    assert flag.label


def test_a_good_task_passes_all_six():
    assert all(f.passed for f in clears.evaluate(GOOD))
    assert [f.rule for f in clears.evaluate(GOOD)] == list(clears.RULES)
    assert clears.open_flags(GOOD) == []


def test_reasons_are_translated(settings):
    from django.utils import translation

    with translation.override("vi"):
        flag = clears.check_authority(with_(authority=""))
    assert flag.reason  # the Vietnamese catalogue may not have it yet; it must not fail


def make_clear(task, **kw):
    fields = dict(
        title="Xây dựng kế hoạch số hóa hồ sơ lưu trữ của thành phố",
        responsible_officer="Trần Thị Bình",
        deliverable_type="ke_hoach",
        deliverable="Kế hoạch được phê duyệt",
        authority="UBND Thành phố",
    )
    fields.update(kw)
    for k, v in fields.items():
        setattr(task, k, v)
    task.save()
    task.coordinations.update(sub_deliverable="Phần việc riêng")
    return task


@pytest.mark.django_db
def test_load_facts_reads_many_tasks_in_few_queries(world, django_assert_max_num_queries):
    t = world.tasks["ministry_coord"]
    clause = Clause.objects.create(
        resolution=world.res, kind="section", label="1", reference="1", text="Nội dung"
    )
    t.clauses.add(clause)
    with django_assert_max_num_queries(3):
        facts = clears.load_facts([x.pk for x in world.tasks.values()])
    assert set(facts) == {x.pk for x in world.tasks.values()}
    assert facts[t.pk].coordinations == (("Sở Khoa học và Công nghệ Hà Nội", ""),)
    assert facts[t.pk].clause_texts == ("Nội dung",)
    flags = {f.rule: f for f in clears.evaluate(facts[t.pk])}
    assert not flags[clears.RESPONSIBILITY].passed
    assert not flags[clears.TIME].passed  # no due date in the fixture


@pytest.mark.django_db
def test_program_flags_count_tasks_per_rule(world):
    program = world.tasks["hni"].program
    summary, open_by_task = selectors_clears.program_flags(program)
    assert summary.total == 3 and summary.flagged == 3
    assert summary.per_rule[clears.AUTHORITY] == 3
    for key in ("hni", "hni_so", "hni_xa"):
        make_clear(world.tasks[key])
    summary, open_by_task = selectors_clears.program_flags(program)
    assert summary.flagged == 0 and open_by_task == {}


@pytest.mark.django_db
def test_six_clears_page_lists_flagged_tasks_by_agency_in_scope(world):
    make_clear(world.tasks["hni_so"])
    c = Client()
    c.force_login(world.users["hni_officer"])
    html = c.get(reverse("planning:clears")).content.decode()
    assert "UBND Thành phố Hà Nội" in html and "UBND xã Tân An" in html
    assert world.tasks["hni_so"].title not in html.replace("Sở Khoa học và Công nghệ Hà Nội", "")
    assert "Thành ủy Thành phố Hồ Chí Minh" not in html  # outside the scope
    assert f'href="/tasks/{world.tasks["hni"].pk}/#clears"' in html
    # filtered by rule and agency
    html = c.get(
        reverse("planning:clears"), {"rule": clears.AUTHORITY, "agency": world.hni_xa.pk}
    ).content.decode()
    assert "UBND xã Tân An" in html and "UBND Thành phố Hà Nội</h2>" not in html


@pytest.mark.django_db
def test_flags_show_on_the_task_and_programme_pages(world):
    c = Client()
    c.force_login(world.users["hni_officer"])
    task = world.tasks["hni_xa"]
    html = c.get(reverse("web:task_detail", args=[task.pk])).content.decode()
    assert 'data-testid="task-open-flags"' in html
    assert "Name the authority that issues or accepts the deliverable." in html
    make_clear(task, due_date=dt.date(2026, 5, 1))
    html = c.get(reverse("web:task_detail", args=[task.pk])).content.decode()
    assert 'data-testid="task-open-flags"' not in html and "All clear" in html
    html = c.get(reverse("web:program_detail", args=[task.program_id])).content.decode()
    assert "2 of 3 tasks are flagged." in html


@pytest.mark.django_db
def test_api_clears_of_a_task_and_a_programme(world):
    c = Client()
    c.force_login(world.users["hni_officer"])
    task = world.tasks["hni"]
    body = c.get(f"/api/v1/tasks/{task.pk}/clears").json()
    assert [f["rule"] for f in body["flags"]] == list(clears.RULES)
    assert body["open"] == sum(not f["passed"] for f in body["flags"]) > 0
    body = c.get(f"/api/v1/programs/{task.program_id}/clears").json()
    assert body["tasks"] == 3 and body["flagged"] == 3
    assert {r["rule"]: r["tasks"] for r in body["rules"]}[clears.AUTHORITY] == 3
    # a task outside the scope is a 404
    assert c.get(f"/api/v1/tasks/{world.tasks['hcm'].pk}/clears").status_code == 404
