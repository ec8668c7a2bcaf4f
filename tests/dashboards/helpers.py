"""Reading the dashboard page the way a person reads its table views, and asking the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import lxml.html
from django.test import Client
from django.urls import reverse

from resmon.planning.models import ActionProgram, Task
from resmon.web.templatetags.resmon import vnnum
from tests import factories

XA2_TASKS = 5  # Đảng ủy xã Phú Mỹ leads five tasks of 57-NQ/TW: the one child that is not a small sample


def _set(task: Task, **fields: Any) -> None:
    Task.objects.filter(pk=task.pk).update(**fields)


def populate(world, today: dt.date) -> None:
    """Varied statuses on two resolutions around ``today``: under Thành ủy Hà Nội on 57-NQ/TW the
    department's task is overdue, the commune's done on time, five tasks of xã Phú Mỹ in progress
    at 50 %; Hồ Chí Minh City's task done late and its ward's in progress; on 71-NQ/TW a task of
    UBND xã Tân An (80 %) and one of Thành ủy TP HCM (10 %); every programme issued."""
    t = world.tasks
    started = today - dt.timedelta(days=150)
    later = today + dt.timedelta(days=290)
    _set(t["hni_so"], due_date=today - dt.timedelta(days=16), first_progress_on=started, percent_done=30)
    _set(
        t["hni_xa"],
        due_date=today + dt.timedelta(days=200),
        completed_on=today - dt.timedelta(days=44),
        first_progress_on=started,
        percent_done=100,
    )
    _set(
        t["hcm"],
        due_date=today - dt.timedelta(days=45),
        completed_on=today - dt.timedelta(days=30),
        first_progress_on=started,
        percent_done=100,
    )
    _set(t["hcm_xa"], due_date=later, first_progress_on=started, percent_done=40)
    p_hni = t["hni"].program
    for i in range(XA2_TASKS):
        factories.task(
            p_hni,
            world.hni_xa2,
            assigned_by=world.hni,
            code=f"3.{i + 1}",
            due_date=later,
            first_progress_on=started,
            percent_done=Decimal(50),
        )
    for agency, lead, percent in ((world.hni, world.hni_xa_ubnd, 80), (world.hcm, world.hcm, 10)):
        factories.task(
            factories.program(world.res2, agency),
            lead,
            code="1",
            due_date=later,
            first_progress_on=started,
            percent_done=Decimal(percent),
        )
    ActionProgram.objects.update(status=ActionProgram.Status.ISSUED, issued_on=dt.date(2025, 2, 1))


def client_for(world, username: str) -> Client:
    c = Client()
    c.force_login(world.users[username])
    return c


def page(client: Client, **params: Any):
    return client.get(reverse("dashboards:overview"), params)


def api(client: Client, **params: Any):
    return client.get("/api/v1/dashboard", params)


def doc(response) -> Any:
    assert response.status_code == 200, response.status_code
    return lxml.html.fromstring(response.content.decode())


def text(node: Any) -> str:
    return " ".join(node.text_content().split())


def shown(value: Any, percent: bool = False) -> str:
    """How the page writes an API value: numbers in the page's language, "–" for none."""
    if value is None:
        return "–"
    return vnnum(value) + ("%" if percent else "")


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def headline(d: Any) -> dict[str, str]:
    return {
        el.get("data-headline"): text(el.xpath(".//*[@data-value]")[0])
        for el in d.xpath("//*[@data-headline]")
    }


def headline_links(d: Any) -> dict[str, str]:
    return {el.get("data-headline"): el.get("href") for el in d.xpath("//a[@data-headline]")}


def status_table(d: Any) -> dict[str, dict[str, str]]:
    rows = {}
    for tr in d.xpath("//table[@data-table='status']/tbody/tr"):
        cells = {td.get("data-status"): text(td) for td in tr.xpath("./td[@data-status]")}
        cells["total"] = text(tr.xpath("./td[@data-total]")[0])
        rows[tr.get("data-resolution")] = cells
    return rows


def progress_table(d: Any) -> dict[str, str]:
    return {
        tr.get("data-resolution"): text(tr.xpath("./td[@data-progress]")[0])
        for tr in d.xpath("//table[@data-table='progress']/tbody/tr")
    }


def children_table(d: Any) -> dict[str, dict[str, Any]]:
    rows = {}
    for tr in d.xpath("//table[@data-table='children']/tbody/tr"):
        cells: dict[str, Any] = {"progress": []}
        for td in tr.xpath("./td[@data-col]"):
            if td.get("data-col") == "progress":
                cells["progress"].append(text(td))
            else:
                cells[td.get("data-col")] = text(td)
        cells["small_sample"] = bool(tr.xpath(".//*[@data-small-sample]"))
        cells["url"] = tr.xpath(".//a[@data-drill]")[0].get("href")
        rows[tr.get("data-child")] = cells
    return rows


def ranking_table(d: Any) -> list[tuple[str, str, bool]]:
    """(agency id, rank as shown, small sample) in the order shown."""
    return [
        (tr.get("data-rank-agency"), text(tr.xpath("./td")[0]), tr.get("data-small-sample") is not None)
        for tr in d.xpath("//table[@data-table='ranking']/tbody/tr")
    ]


def crumbs(d: Any) -> list[tuple[str, str | None]]:
    out = []
    for li in d.xpath("//*[@data-dashboard-crumbs]/li"):
        link = li.xpath("./a")
        out.append((li.get("data-agency"), link[0].get("href") if link else None))
    return out
