"""Every route of the project, for every role and scope of the test world.

ROUTES classifies each URL pattern; a route missing from it fails ``test_every_route_is_classified``,
so a new page or endpoint cannot ship without saying who may reach it. For each route and user:

* anonymous: pages redirect to the login page, the API answers 401;
* objects outside the user's scope answer 404 (the same as a missing object);
* administration routes answer 404 to non-administrators (403 for the API collections);
* no response is a 500;
* lists never include an object outside the scope (API items by id; pages by unique task titles
  and usernames).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from resmon.accounts import selectors as accounts_selectors
from resmon.accounts.models import User
from resmon.agencies.selectors import agencies_visible
from resmon.planning import selectors as planning
from resmon.planning.models import ActionProgram, Task

pytestmark = pytest.mark.django_db

PAGE = "page"  # signed-in users; anonymous -> redirect to login
API = "api"  # token or session; anonymous -> 401 problem+json
PUBLIC = "public"  # reachable without signing in (no 500, that is all)


@dataclass(frozen=True)
class Route:
    kind: str
    obj: str | None = None  # the kind of object the URL names: task, agency, program, resolution, user
    admin: bool = False  # account administration: agency and system administrators only
    method: str = "GET"
    lists: tuple[str, ...] = ()  # what the response lists (checked against the scope)
    ok: tuple[int, ...] = (200,)  # what an allowed user may get
    kwargs: dict[str, Any] = field(default_factory=dict)  # literal URL arguments
    data: Any = None  # POST body
    url: str | None = None  # a literal URL for unnamed/regex routes


ROUTES: dict[str, Route] = {
    # --- framework and sign-in
    "set_language": Route(PUBLIC, method="POST", data={"language": "vi", "next": "/"}, ok=(302,)),
    "accounts:login": Route(PUBLIC, ok=(200, 302)),
    "accounts:logout": Route(PUBLIC, method="POST", ok=(302,)),
    "accounts:password_change": Route(PAGE),
    "accounts:tokens": Route(PAGE),
    # --- account administration pages
    "accounts:user_list": Route(PAGE, admin=True, lists=("user",)),
    "accounts:user_create": Route(PAGE, admin=True),
    "accounts:user_import": Route(PAGE, admin=True),
    "accounts:user_import_template": Route(PAGE, admin=True, kwargs={"fmt": "csv"}),
    # the credentials download only answers a POST of the import result; an empty one is a 404
    "accounts:user_import_credentials": Route(PAGE, admin=True, method="POST", data={}, ok=(404,)),
    "accounts:agency_options": Route(PAGE, admin=True),
    "accounts:user_detail": Route(PAGE, obj="user", admin=True),
    # --- pages
    "web:home": Route(PAGE, lists=("task",)),
    "web:agency_tree": Route(PAGE),
    "web:agency_picker": Route(PAGE, kwargs={}),
    "web:agency_detail": Route(PAGE, obj="agency", lists=("task",)),
    "web:agency_children": Route(PAGE, obj="agency"),
    "web:resolution_list": Route(PAGE),
    "web:resolution_detail": Route(PAGE, obj="resolution", lists=("task",)),
    "web:program_detail": Route(PAGE, obj="program", lists=("task",)),
    "web:task_list": Route(PAGE, lists=("task",)),
    "web:task_detail": Route(PAGE, obj="task"),
    "web:task_children": Route(PAGE, obj="task", lists=("task",)),
    # --- API
    # the index, the schema and its docs page are public: they describe the API, not its data
    "api_index": Route(PUBLIC),
    "api:api-root": Route(PUBLIC),  # ninja's own root: the same URL, answered by api_index in front of it
    "api:openapi-json": Route(PUBLIC),
    "api:openapi-view": Route(PUBLIC),
    "api:issue_token": Route(
        PUBLIC, method="POST", data={"username": "nobody", "password": "wrong"}, ok=(401, 429)
    ),
    "api:me": Route(API),
    "api:list_users": Route(API, admin=True, lists=("user",)),
    # a well-formed body naming no agency: administrators get the validation error, others a refusal
    "api:create_user": Route(
        API,
        admin=True,
        method="POST",
        data={"username": "khong.hop.le", "full_name": "", "agency": 2**63 - 1, "role": "leader"},
        ok=(400,),
    ),
    "api:get_user": Route(API, obj="user", admin=True),
    "api:deactivate_user": Route(API, obj="user", admin=True, method="POST", data={"reason": ""}, ok=(400,)),
    "api:list_agencies": Route(API, lists=("agency",)),
    "api:get_agency": Route(API, obj="agency"),
    "api:agency_children": Route(API, obj="agency", lists=("agency",)),
    "api:list_resolutions": Route(API, lists=("resolution",)),
    "api:get_resolution": Route(API, obj="resolution"),
    "api:list_programs": Route(API, lists=("program",)),
    "api:get_program": Route(API, obj="program"),
    "api:list_tasks": Route(API, lists=("task",)),
    "api:get_task": Route(API, obj="task"),
    # an unknown path under /api/v1/ is a problem+json 404 for everyone (it reveals nothing)
    "api_not_found": Route(PUBLIC, url="/api/v1/no-such-endpoint", ok=(404,)),
}

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
def matrix_world(world):
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
    if route.method == "POST":
        if route.kind == API or url.startswith("/api/"):
            return client.post(url, data=json.dumps(route.data or {}), content_type="application/json")
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


def expected_denial(route: Route) -> int:
    """What a signed-in user outside an administration route gets."""
    if route.kind == API and route.obj is None:
        return 403
    return 404


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
            if route.admin and not is_admin(user):
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
