"""The alert list (filters, counts per kind, pagination), the detail page, the API, and the alerts
shown elsewhere: the task page's panel, the home page's card and work row, the overview's number."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from resmon.monitoring.alerts import selectors, services
from resmon.monitoring.alerts.models import Alert, AlertKind, Severity
from tests.monitoring.alerts.helpers import alert_of, set_due

pytestmark = pytest.mark.django_db

SENTENCE = "Overdue by 44 days, 0% done."


@pytest.fixture
def alerts(aworld):
    set_due(aworld.tasks["hni_so"], dt.date(2026, 2, 1))
    services.refresh_alerts()
    return aworld


def client(world, username: str) -> Client:
    c = Client()
    c.force_login(world.users[username])
    return c


def ids_on(html: str) -> set[int]:
    return {int(i) for i in re.findall(r'data-alert="(\d+)"', html)}


def test_the_list_with_its_filters_and_counts(alerts):
    w = alerts
    c = client(w, "hni_leader")
    html = c.get("/monitoring/alerts/").content.decode()
    mine = set(Alert.objects.filter(agency__path__startswith=w.hni.path).values_list("pk", flat=True))
    assert ids_on(html) == mine  # Hà Nội's alerts, none of Hồ Chí Minh City's
    assert SENTENCE in html and "text-bg-danger" in html and "High" in html
    overdue = alert_of(AlertKind.OVERDUE, task=w.tasks["hni_so"])
    assert f'href="/tasks/{w.tasks["hni_so"].pk}/"' in html
    # counts per kind link to the list of that kind
    counts = dict(
        re.findall(r'data-kind="(\w+)"[^>]*>[^<]*<span class="badge text-bg-light" data-count>(\d+)<', html)
    )
    assert counts["overdue"] == "1"
    only = c.get("/monitoring/alerts/?kind=overdue").content.decode()
    assert ids_on(only) == {overdue.pk}
    assert ids_on(c.get("/monitoring/alerts/?severity=medium").content.decode()) == mine - {
        a.pk for a in Alert.objects.filter(severity=Severity.HIGH)
    }
    # the agency subtree, the search, acknowledged or not, cleared
    sub = c.get(f"/monitoring/alerts/?agency={w.hni_xa.pk}").content.decode()
    assert ids_on(sub) == set(
        Alert.objects.filter(agency__path__startswith=w.hni_xa.path).values_list("pk", flat=True)
    )
    assert ids_on(c.get(f"/monitoring/alerts/?q={w.tasks['hni_so'].code}").content.decode()) >= {overdue.pk}
    services.acknowledge(w.users["hni_leader"], overdue.pk, "Đã có văn bản đôn đốc.")
    assert overdue.pk not in ids_on(c.get("/monitoring/alerts/?acknowledged=no").content.decode())
    assert ids_on(c.get("/monitoring/alerts/?acknowledged=yes").content.decode()) == {overdue.pk}
    assert ids_on(c.get("/monitoring/alerts/?state=cleared").content.decode()) == set()
    # wrong values: a message and the default; an agency outside the scope: 404
    bad = c.get("/monitoring/alerts/?severity=huge&state=gone").content.decode()
    assert "Unknown value “huge”" in bad and ids_on(bad) == mine
    assert c.get(f"/monitoring/alerts/?agency={w.hcm.pk}").status_code == 404
    # a name typed in the picker without choosing: the one match, or a message
    assert ids_on(c.get("/monitoring/alerts/?agency_q=HNI-X1").content.decode()) == set(
        Alert.objects.filter(agency__path__startswith=w.hni_xa.path).values_list("pk", flat=True)
    )
    assert "Several agencies match" in c.get("/monitoring/alerts/?agency_q=xã").content.decode()
    # the empty state
    assert "data-empty" in c.get("/monitoring/alerts/?q=no-such-task-anywhere").content.decode()


def test_the_list_paginates_by_fifty(alerts):
    w = alerts
    task = w.tasks["hni_xa"]
    Alert.objects.bulk_create(
        Alert(
            kind=AlertKind.MILESTONE_MISSED,
            severity=Severity.MEDIUM,
            key=f"milestone_missed:milestone:{9000 + i}",
            agency=w.hni_xa_ubnd,
            supervisor=w.hni,
            agency_path=w.hni_xa_ubnd.path,
            supervisor_path=w.hni.path,
            resolution=task.resolution,
            task=task,
            params={"name": f"Mốc {i}", "due": "2026-03-01", "days": 16},
            raised_on=dt.date(2026, 3, 1),
            last_seen_on=dt.date(2026, 3, 17),
        )
        for i in range(60)
    )
    c = client(w, "xa_ubnd_officer")
    first = c.get("/monitoring/alerts/?kind=milestone_missed").content.decode()
    assert len(ids_on(first)) == 50 and "1–50 of 60" in first
    second = c.get("/monitoring/alerts/?kind=milestone_missed&page=2").content.decode()
    assert len(ids_on(second)) == 10


def test_the_detail_page(alerts):
    w = alerts
    overdue = alert_of(AlertKind.OVERDUE, task=w.tasks["hni_so"])
    html = client(w, "hni_leader").get(f"/monitoring/alerts/{overdue.pk}/").content.decode()
    assert SENTENCE in html and "Raised on 17/03/2026" in html and "Last confirmed" in html
    assert w.hni_so.name in html and w.hni.name in html
    assert client(w, "hcm_officer").get(f"/monitoring/alerts/{overdue.pk}/").status_code == 404


def test_the_api_lists_with_the_same_filters(alerts, bearer):
    w = alerts
    body = bearer("hni_leader").get("/api/v1/alerts?kind=overdue").json()
    overdue = alert_of(AlertKind.OVERDUE, task=w.tasks["hni_so"])
    assert body["count"] == 1 and body["items"][0]["id"] == overdue.pk
    item = body["items"][0]
    assert item["sentence"] == SENTENCE and item["params"] == {"days": 44, "percent": 0}
    assert item["agency"]["id"] == w.hni_so.pk and item["supervisor"]["id"] == w.hni.pk
    assert item["task"]["id"] == w.tasks["hni_so"].pk and item["severity"] == "high"
    everything = bearer("hni_leader").get("/api/v1/alerts?limit=500").json()
    assert everything["count"] == Alert.objects.filter(agency__path__startswith=w.hni.path).count()
    assert bearer("hcm_officer").get(f"/api/v1/alerts/{overdue.pk}").status_code == 404
    assert {
        i["id"] for i in bearer("hcm_officer").get("/api/v1/alerts?limit=500").json()["items"]
    }.isdisjoint({overdue.pk})
    bad = bearer("hni_leader").get("/api/v1/alerts?severity=huge")
    assert bad.status_code == 400 and "severity" in bad.json()["errors"]
    assert bearer("hni_leader").get(f"/api/v1/alerts?agency={w.hcm.pk}").status_code == 404
    # in Vietnamese, the numbers are the same
    vi = bearer("hni_leader").get(f"/api/v1/alerts/{overdue.pk}", headers={"Accept-Language": "vi"}).json()
    assert "44" in vi["sentence"]


def test_the_task_page_shows_its_alerts(alerts):
    w = alerts
    html = client(w, "hni_so_officer").get(f"/tasks/{w.tasks['hni_so'].pk}/").content.decode()
    assert "data-task-alerts" in html and SENTENCE in html
    quiet = client(w, "hni_so_officer").get(f"/tasks/{w.tasks['ministry_coord'].pk}/").content.decode()
    assert "data-task-alerts" not in quiet


def test_the_home_page_card_and_work_row(alerts):
    w = alerts
    # the unsent 2025 reports (high) would fill the card: this rule leaves the overdue task first
    config = selectors.current_rule()
    services.set_rule(
        w.users["sysadmin"],
        enabled=[AlertKind.OVERDUE, AlertKind.STALLED],
        forecast_p_miss=config.forecast_p_miss,
        **{name: getattr(config, name) for name in services.DAY_LIMITS},
    )
    services.refresh_alerts()
    html = client(w, "hni_leader").get("/").content.decode()
    assert "data-home-alerts" in html and SENTENCE in html
    open_here = Alert.objects.filter(agency__path__startswith=w.hni.path, cleared_on__isnull=True).count()
    assert re.search(r'data-work="alerts".*?>(\d+)</span>', html, re.S).group(1) == str(open_here)
    assert "/monitoring/alerts/?acknowledged=no" in html
    # at most five rows (here the three of Hà Nội), the high one first
    card = html[html.index("data-home-alerts") : html.index("See all alerts")]
    assert len(ids_on(card)) == min(5, open_here) == 3
    assert card.index(SENTENCE) < card.index("No progress for")
    # a commune officer of Hồ Chí Minh City sees none of Hà Nội's
    assert SENTENCE not in client(w, "hcm_officer").get("/").content.decode()


def test_the_overview_counts_open_alerts_with_a_link(alerts):
    w = alerts
    c = client(w, "hni_leader")
    html = c.get(f"/dashboards/?agency={w.hni.pk}").content.decode()
    n = Alert.objects.filter(agency__path__startswith=w.hni.path, cleared_on__isnull=True).count()
    m = re.search(r'href="([^"]+)" data-alerts-number>.*?data-value>(\d+)<', html, re.S)
    assert m is not None and m.group(2) == str(n)
    assert m.group(1).replace("&amp;", "&") == f"/monitoring/alerts/?agency={w.hni.pk}"
    assert len(ids_on(c.get(m.group(1).replace("&amp;", "&")).content.decode())) == n
