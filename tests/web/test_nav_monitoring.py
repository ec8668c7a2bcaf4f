"""The left bar reaches the early-warning pages every signed-in user may open (issue 7): the
directives (/monitoring/directives/) and the tasks most at risk (/monitoring/forecasts/), next to
the alerts; each is marked current on its own pages, as the evaluation is."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db

ITEMS = {
    "/monitoring/alerts/": "Alerts",
    "/monitoring/directives/": "Directives",
    "/monitoring/forecasts/": "Tasks most at risk",
    "/monitoring/evaluation/": "Evaluation",
}


def sidebar(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    start = html.index('class="app-sidebar')
    return html[start : html.index("</nav>", start)]


@pytest.mark.parametrize("username", ["national_leader", "hni_leader", "xa_officer", "inspector", "steering"])
def test_the_left_bar_reaches_directives_and_forecasts(client, world, username):
    client.force_login(world.users[username])
    links = re.findall(r'<a class="nav-link[^"]*" href="([^"]+)"', sidebar(client, "/"))
    found = [url for url in links if url in ITEMS]
    assert found == list(ITEMS), (username, links)  # in this order, after the alerts


@pytest.mark.parametrize(("url", "section"), [(u, s) for u, s in ITEMS.items() if u != "/monitoring/alerts/"])
def test_each_is_current_on_its_page(client, world, url, section):
    client.force_login(world.users["hni_leader"])
    active = re.findall(
        r'class="nav-link active" href="([^"]+)" aria-current="page"><i [^>]*></i>([^<]+)</a>',
        sidebar(client, url),
    )
    assert active == [(url, section)]
