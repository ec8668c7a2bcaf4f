"""An issued programme is read-only except through an open amendment: its KPIs are refused, and its
tree and task pages offer no edit actions (marking a milestone done stays possible)."""

import datetime as dt

import pytest
from django.urls import reverse

from resmon.audit.models import AuditEntry
from resmon.core.errors import ValidationFailed
from resmon.planning.models import ActionProgram, Milestone, ProgramAmendment, TaskIndicator
from resmon.planning.services import kpis as kpi_services

from .kpi_helpers import indicator, kpi

pytestmark = pytest.mark.django_db
D = dt.date


def issue(world) -> ActionProgram:
    program = world.tasks["hni"].program
    ActionProgram.objects.filter(pk=program.pk).update(
        status=ActionProgram.Status.ISSUED, number="12-CTr/TU", issued_on=D(2025, 3, 1), signer="Trần Văn Sơn"
    )
    program.refresh_from_db()
    return program


def add(world, ind):
    return kpi_services.add_kpi(
        world.users["hni_officer"],
        world.tasks["hni"],
        indicator=ind,
        baseline_value="40",
        baseline_date=D(2025, 1, 1),
        targets=[(D(2026, 12, 31), "80")],
    )


def test_kpis_of_an_issued_programme_are_refused_and_nothing_changes(world):
    ind = indicator(world.bo_khcn)
    existing = kpi(world.tasks["hni_xa"], ind)
    issue(world)
    audit_before = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        add(world, ind)
    assert "amendment" in str(exc.value.message)
    with pytest.raises(ValidationFailed):
        kpi_services.update_kpi(world.users["hni_officer"], existing, targets=[(D(2026, 12, 31), "90")])
    with pytest.raises(ValidationFailed):
        kpi_services.remove_kpi(world.users["hni_officer"], existing)
    assert list(TaskIndicator.objects.values_list("pk", flat=True)) == [existing.pk]
    assert [int(t.value) for t in existing.targets.all()] == [80]
    assert AuditEntry.objects.count() == audit_before


def test_an_open_amendment_allows_kpi_changes(world):
    ind = indicator(world.bo_khcn)
    program = issue(world)
    ProgramAmendment.objects.create(
        program=program,
        decided_on=D(2025, 6, 1),
        reason="Bổ sung chỉ tiêu",
        created_by=world.users["hni_leader"],
    )
    k = add(world, ind)
    assert AuditEntry.objects.filter(action="planning.kpi_added", object_id=str(k.pk)).exists()


def test_issued_tree_and_task_pages_offer_no_edit_actions(world, client):
    ind = indicator(world.bo_khcn)
    kpi(world.tasks["hni"], ind)
    Milestone.objects.create(task=world.tasks["hni"], name="Dự thảo kế hoạch", due_date=D(2026, 3, 31))
    program = issue(world)
    client.force_login(world.users["hni_officer"])
    tree = client.get(reverse("planning:program_tree", args=[program.pk])).content.decode()
    assert reverse("planning:task_new", args=[program.pk]) not in tree
    assert reverse("planning:task_actions", args=[world.tasks["hni"].pk]) not in tree
    page = client.get(reverse("web:task_detail", args=[world.tasks["hni"].pk])).content.decode()
    for route in ("task_edit", "subtask_new", "kpi_new", "milestone_add", "task_clauses"):
        assert f'"{reverse(f"planning:{route}", args=[world.tasks["hni"].pk])}"' not in page, route
    assert reverse("planning:program_tree", args=[program.pk]) in page  # still reachable, read-only
    milestone = Milestone.objects.get(task=world.tasks["hni"])
    assert reverse("planning:milestone_done", args=[world.tasks["hni"].pk, milestone.pk]) in page
