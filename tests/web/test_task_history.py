import datetime as dt

from resmon.planning.services import kpis as kpi_services
from resmon.planning.services import milestones as milestone_services
from tests.planning.kpi_helpers import indicator


def test_task_history_includes_its_kpis_and_milestones(client, world):
    task = world.tasks["hni_so"]
    officer = world.users["hni_officer"]
    kpi_services.add_kpi(
        officer, task, indicator=indicator(world.bo_khcn), targets=[(dt.date(2026, 3, 31), "80")]
    )
    milestone_services.add_milestone(officer, task, name="Trình dự thảo", due_date=dt.date(2026, 2, 28))
    client.force_login(world.users["hni_so_officer"])
    page = client.get(f"/tasks/{task.pk}/").content.decode()
    assert "KPI added" in page and "Milestone added" in page
