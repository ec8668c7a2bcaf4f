"""Every route of the project, for every role and scope of the test world.

ROUTES (tests/permission_routes.py) classifies each URL pattern; a route missing from it fails
``test_every_route_is_classified``, so a new page or endpoint cannot ship without saying who may
reach it. For each route and user:

* anonymous: pages redirect to the login page, the API answers 401;
* objects outside the user's scope answer 404 (the same as a missing object);
* administration routes answer 404 to non-administrators (403 for the API collections);
* no response is a 500;
* lists never include an object outside the scope (API items by id; pages by unique task titles
  and usernames).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from resmon.accounts import selectors as accounts_selectors
from resmon.accounts.models import User
from resmon.agencies.selectors import agencies_visible
from resmon.catalogue import selectors as catalogue_selectors
from resmon.catalogue import selectors_periods, services_periods
from resmon.catalogue import services as catalogue_services
from resmon.catalogue.models import Indicator, ReportingPeriod
from resmon.core.access import Role
from resmon.planning import selectors as planning
from resmon.planning.models import ActionProgram, Task
from tests.monitoring.alerts import matrix_helpers as alert_matrix
from tests.monitoring.directives import matrix_helpers as directive_matrix
from tests.monitoring.evaluation import matrix_helpers as evaluation_matrix
from tests.notifications.helpers import matrix_notifications, matrix_visible_notifications
from tests.permission_routes import API, PAGE, PUBLIC, ROUTES, Route
from tests.planning.kpi_helpers import matrix_objects, matrix_visible_ids
from tests.reporting import matrix_helpers as reporting_matrix

pytestmark = pytest.mark.django_db

USERS = [
    "sysadmin",
    "national_leader",  # the root agency
    "vptw_officer",
    "ministry_officer",
    "hni_admin",  # own agency: Hà Nội
    "hni_leader",
    "hni_officer",
    "hni_so_officer",  # a child (department) of Hà Nội
    "xa_officer",  # a commune of Hà Nội
    "xa2_officer",  # its sibling commune
    "hcm_admin",  # another province
    "hcm_officer",
    "inspector",  # inspection grant over Hà Nội
    "steering",  # steering committee of the resolution
]


def walk(patterns, ns: str | None = None):
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = ":".join(x for x in (ns, p.namespace) if x) or None
            yield from walk(p.url_patterns, inner)
        elif isinstance(p, URLPattern):
            name = p.name or str(p.pattern)
            yield (f"{ns}:{name}" if ns else name), p


def all_patterns() -> dict[str, URLPattern]:
    return dict(walk(get_resolver().url_patterns))


def test_every_route_is_classified():
    patterns = all_patterns()
    unclassified = sorted(set(patterns) - set(ROUTES))
    assert not unclassified, f"classify these routes in ROUTES: {unclassified}"
    stale = sorted(set(ROUTES) - set(patterns))
    assert not stale, f"these routes no longer exist: {stale}"


# --- the world, with titles that identify each task -------------------------------------------


@pytest.fixture
def matrix_world(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the reporting objects' evidence files
    for key, task in world.tasks.items():
        task.title = f"Nhiệm vụ kiểm thử «{key}»"
        task.save(update_fields=["title"])
    return world


def objects_of(world, kind: str) -> list[Any]:
    """A few objects of each kind, spread over the tree: inside and outside every scope."""
    if kind == "task":
        return [
            world.tasks[k] for k in ("hni", "hni_xa", "hni_so", "hcm", "hcm_xa", "ministry", "ministry_coord")
        ]
    if kind == "agency":
        return [world.root, world.hni, world.hni_so, world.hni_xa, world.hni_xa2, world.hcm, world.bo_khcn]
    if kind == "program":
        return list(ActionProgram.objects.order_by("pk"))
    if kind == "resolution":
        return [world.res, world.res2]
    if kind == "indicator":
        return [matrix_indicator(world)]
    if kind == "period":
        return [matrix_period()]
    if kind in ("kpi", "extension"):
        return matrix_objects(world, kind)
    if kind in reporting_matrix.KINDS:
        return reporting_matrix.matrix_objects(world, kind)
    if kind in directive_matrix.KINDS:
        return directive_matrix.matrix_objects(world, kind)
    if kind in alert_matrix.KINDS:  # monitoring.alerts
        return alert_matrix.matrix_objects(world, kind)
    if kind in evaluation_matrix.KINDS:  # monitoring.evaluation
        return evaluation_matrix.matrix_objects(world, kind)
    if kind == "notification":
        return matrix_notifications(world)
    if kind == "user":
        return [
            world.users[k] for k in ("xa_officer", "hni_so_officer", "hcm_officer", "hni_admin", "sysadmin")
        ]
    raise AssertionError(kind)


def visible_ids(user: User, kind: str) -> set[int]:
    if kind == "task":
        qs = planning.tasks_visible(user)
    elif kind == "agency":
        qs = agencies_visible(user, include_inactive=True)
    elif kind == "program":
        qs = planning.programs_visible(user)
    elif kind == "resolution":
        qs = planning.resolutions_visible(user)
    elif kind == "indicator":
        qs = catalogue_selectors.indicators(user)
    elif kind == "period":
        qs = selectors_periods.periods(user)
    elif kind in ("kpi", "extension"):
        return matrix_visible_ids(user, kind)
    elif kind in reporting_matrix.KINDS:
        return reporting_matrix.matrix_visible_ids(user, kind)
    elif kind in directive_matrix.KINDS:
        return directive_matrix.matrix_visible_ids(user, kind)
    elif kind in alert_matrix.KINDS:  # monitoring.alerts
        return alert_matrix.matrix_visible_ids(user, kind)
    elif kind in evaluation_matrix.KINDS:  # monitoring.evaluation
        return evaluation_matrix.matrix_visible_ids(user, kind)
    elif kind == "notification":
        return matrix_visible_notifications(user)
    elif kind == "user":
        if not accounts_selectors.may_administer(user):
            return set()
        qs = accounts_selectors.users_visible(user)
    else:
        raise AssertionError(kind)
    return set(qs.values_list("pk", flat=True))


def url_for(name: str, route: Route, pattern: URLPattern, obj: Any = None) -> str:
    if route.url:
        return route.url
    kwargs = dict(route.kwargs)
    for arg in pattern.pattern.converters:
        if arg not in kwargs:
            assert obj is not None, f"{name}: no object for <{arg}>"
            kwargs[arg] = obj.pk
    return reverse(name, kwargs=kwargs or None)


def call(client: Client, route: Route, url: str):
    if route.method != "GET":
        if route.kind == API or url.startswith("/api/"):
            return client.generic(
                route.method, url, json.dumps(route.data or {}), content_type="application/json"
            )
        return client.post(url, data=route.data or {})
    return client.get(url)


def clients(world) -> dict[str, Client]:
    out = {}
    for name in USERS:
        c = Client()
        c.force_login(world.users[name])
        out[name] = c
    return out


def is_admin(user: User) -> bool:
    return accounts_selectors.may_administer(user)


def refused(route: Route, user: User) -> bool:
    return (
        (route.admin and not is_admin(user))
        or (route.sysadmin and user.role != Role.SYSTEM_ADMIN)
        or (route.auditor and user.role not in (Role.SYSTEM_ADMIN, Role.INSPECTOR))
    )


def expected_denial(route: Route) -> int:
    """What a signed-in user outside an administration route gets."""
    if route.kind == API and (route.obj is None or route.sysadmin):
        return 403
    return 404


def matrix_period() -> ReportingPeriod:
    found = ReportingPeriod.objects.filter(code="2026-Q1", kind="quarter").first()
    if found:
        return found
    services_periods.generate_periods(years_ahead=0, first_year=2026)
    return ReportingPeriod.objects.get(
        code="2026-Q1", kind="quarter", cutoff=services_periods.configured_cutoff()
    )


def matrix_indicator(world) -> Indicator:
    found = Indicator.objects.filter(code="MT-01").first()
    if found:
        return found
    return catalogue_services.create_indicator(
        world.users["sysadmin"],
        code="MT-01",
        name="Chỉ tiêu kiểm thử",
        definition="Kiểm thử ma trận quyền.",
        unit="%",
        direction="higher",
        aggregation="avg",
        frequency="year",
        owner_agency=world.bo_khcn,
    )


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_anonymous(name, matrix_world):
    route = ROUTES[name]
    pattern = all_patterns()[name]
    obj = objects_of(matrix_world, route.obj)[0] if route.obj else None
    url = url_for(name, route, pattern, obj)
    response = call(Client(), route, url)
    assert response.status_code < 500, (name, response.status_code)
    if route.kind == PAGE:
        assert response.status_code == 302, (name, response.status_code)
        assert response["Location"].startswith(reverse("accounts:login")), (name, response["Location"])
    elif route.kind == API:
        assert response.status_code == 401, (name, response.status_code, response.content[:200])
        assert response["Content-Type"].startswith("application/problem+json")
    else:
        assert response.status_code in route.ok, (name, response.status_code)


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_signed_in(name, matrix_world):
    route = ROUTES[name]
    pattern = all_patterns()[name]
    failures: list[str] = []
    for username, client in clients(matrix_world).items():
        user = matrix_world.users[username]
        objects = objects_of(matrix_world, route.obj) if route.obj else [None]
        allowed_ids = visible_ids(user, route.obj) if route.obj else set()
        for obj in objects:
            url = url_for(name, route, pattern, obj)
            response = call(client, route, url)
            status = response.status_code
            where = f"{username} {route.method} {url}"
            if status >= 500:
                failures.append(f"{where}: {status}")
                continue
            if route.kind == PUBLIC:
                if status not in route.ok:
                    failures.append(f"{where}: {status}, expected {route.ok}")
                continue
            if refused(route, user):
                want: tuple[int, ...] = (expected_denial(route),)
            elif obj is not None and obj.pk not in allowed_ids:
                want = (404,)
            else:
                want = route.ok
            if status not in want:
                failures.append(f"{where}: {status}, expected {want}")
                continue
            if status == 200 and route.lists:
                failures.extend(f"{where}: {msg}" for msg in scope_leaks(matrix_world, user, route, response))
            if route.method == "POST" and route.kind != PUBLIC:
                # the write answered with a refusal or a validation error: nothing may have changed
                assert User.objects.filter(is_active=False).count() == 0, where
    assert not failures, "\n".join(failures)


def scope_leaks(world, user: User, route: Route, response) -> list[str]:
    leaks = []
    if response["Content-Type"].startswith("application/json"):
        body = response.json()
        (kind,) = route.lists
        returned = {item["id"] for item in body["items"]}
        outside = returned - visible_ids(user, kind)
        if outside:
            leaks.append(f"lists {kind} outside the scope: {sorted(outside)}")
        return leaks
    html = response.content.decode()
    if "task" in route.lists:
        seen = set(planning.tasks_visible(user).values_list("pk", flat=True))
        for key, task in world.tasks.items():
            if task.pk not in seen and f"«{key}»" in html:
                leaks.append(f"shows task {key} outside the scope")
    if "user" in route.lists:
        seen = visible_ids(user, "user")
        for uname, other in world.users.items():
            if "_" in uname and other.pk not in seen and f">{uname}<" in html:
                leaks.append(f"shows user {uname} outside the scope")
    return leaks


def test_api_lists_with_a_token_match_the_session(matrix_world):
    """A token sees exactly what the same user's session sees (one scope for both)."""
    from resmon.accounts.tokens import create_token

    for username in ("xa_officer", "inspector", "steering"):
        user = matrix_world.users[username]
        _t, raw = create_token(user, "matrix")
        by_token = Client(headers={"Authorization": f"Bearer {raw}"})
        by_session = Client()
        by_session.force_login(user)
        for url in ("/api/v1/tasks?limit=500", "/api/v1/agencies?limit=500", "/api/v1/programs?limit=500"):
            assert by_token.get(url).json() == by_session.get(url).json(), (username, url)
    assert Task.objects.count() == len(matrix_world.tasks)


def test_page_leak_check_is_not_vacuous(matrix_world):
    """The markers the leak check looks for do appear on the pages for users who may see them."""
    client = Client()
    client.force_login(matrix_world.users["national_leader"])
    html = client.get(reverse("web:task_list")).content.decode()
    assert all(f"«{key}»" in html for key in matrix_world.tasks)
    admin = Client()
    admin.force_login(matrix_world.users["hni_admin"])
    assert ">xa_officer<" in admin.get(reverse("accounts:user_list")).content.decode()
