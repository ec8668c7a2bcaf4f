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
from resmon.catalogue import selectors as catalogue_selectors
from resmon.catalogue import selectors_periods, services_periods
from resmon.catalogue import services as catalogue_services
from resmon.catalogue.models import Indicator, ReportingPeriod
from resmon.core.access import Role
from resmon.planning import selectors as planning
from resmon.planning.models import ActionProgram, Task
from tests.notifications.helpers import matrix_notifications, matrix_visible_notifications
from tests.planning.kpi_helpers import matrix_objects, matrix_visible_ids
from tests.reporting import matrix_helpers as reporting_matrix

pytestmark = pytest.mark.django_db

PAGE = "page"  # signed-in users; anonymous -> redirect to login
API = "api"  # token or session; anonymous -> 401 problem+json
PUBLIC = "public"  # reachable without signing in (no 500, that is all)


@dataclass(frozen=True)
class Route:
    kind: str
    obj: str | None = None  # the kind of object the URL names: task, agency, program, resolution, user
    admin: bool = False  # account administration: agency and system administrators only
    sysadmin: bool = False  # catalogue writes: system administrators only (pages 404, API 403 for others)
    auditor: bool = False  # the audit log: system administrators and inspectors only (404 for others)
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
    "restructuring:event_list": Route(PAGE),
    # --- the dashboard: everyone signed in sees their own subtree by default (the agency filter
    # outside the scope is a 404: tests/dashboards)
    "dashboards:overview": Route(PAGE, lists=("task",)),
    # --- KPIs against their trajectory (tests/dashboards/test_kpis.py): obj="period" only makes the
    # calendar exist (the URL names no period: the current quarter is the default); the band rule's
    # page is for system administrators
    "dashboards:kpis": Route(PAGE, obj="period", lists=("task",)),
    "dashboards:kpi_rule": Route(PAGE, sysadmin=True),
    # --- reporting pages (objects: tests/reporting/matrix_helpers.py, sent reports in three scopes);
    # writes are refused, invalid or against a stale version: the page answers with the message
    "reporting:hub": Route(PAGE),
    "reporting:new": Route(PAGE, method="POST", data={}, ok=(404,)),
    "reporting:detail": Route(PAGE, obj="report"),
    "reporting:autosave": Route(PAGE, obj="report", method="POST", data={"results": "x"}),
    "reporting:act": Route(PAGE, obj="report", method="POST", data={"action": "accept", "version": 999999}),
    "reporting:consolidate": Route(PAGE, obj="report", method="POST", data={"version": 999999}, ok=(302,)),
    "reporting:evidence_add": Route(
        PAGE, obj="report", method="POST", kwargs={"line_id": 2**31 - 1}, ok=(404,)
    ),
    "reporting:evidence": Route(PAGE, obj="report", kwargs={"evidence_id": 2**31 - 1}, ok=(404,)),
    "reporting:evidence_remove": Route(
        PAGE, obj="report", method="POST", kwargs={"evidence_id": 2**31 - 1}, ok=(404,)
    ),
    "reporting:proposal_raise": Route(PAGE, obj="report", method="POST", data={}),
    "reporting:completeness": Route(PAGE),
    "reporting:proposal_list": Route(PAGE),
    "reporting:proposal_detail": Route(PAGE, obj="proposal"),
    "reporting:proposal_withdraw": Route(PAGE, obj="proposal", method="POST", ok=(302,)),
    "reporting:explanation_list": Route(PAGE),
    "reporting:explanation_new": Route(PAGE, ok=(302,)),  # without a task or report: back to the list
    "reporting:explanation_detail": Route(PAGE, obj="explanation"),
    "reporting:rules": Route(PAGE),
    # --- a report as an official document (Word / PDF): whoever sees the report may download it
    "exports:report_docx": Route(PAGE, obj="report"),
    "exports:report_pdf": Route(PAGE, obj="report"),
    "exports:report_signed_pdf": Route(PAGE, obj="report", ok=(302,)),
    # --- the audit log (scoped) and its chain verification
    "audit:log": Route(PAGE, auditor=True),
    "audit:verify": Route(PAGE, sysadmin=True),
    "audit:verify_run": Route(PAGE, sysadmin=True, method="POST", ok=(302,)),
    # --- indicator catalogue: read by everyone signed in, written by system administrators
    "catalogue:indicator_list": Route(PAGE),
    "catalogue:indicator_detail": Route(PAGE, obj="indicator"),
    "catalogue:indicator_create": Route(PAGE, sysadmin=True),
    "catalogue:indicator_revise": Route(PAGE, obj="indicator", sysadmin=True),
    # an empty reason: the administrator is sent back to the page with the message
    "catalogue:indicator_set_active": Route(
        PAGE, obj="indicator", sysadmin=True, method="POST", data={"active": "0", "reason": ""}, ok=(302,)
    ),
    # --- the period calendar: read by everyone signed in; closed and reopened by system administrators
    "catalogue:period_list": Route(PAGE),
    "catalogue:period_close": Route(
        PAGE, obj="period", sysadmin=True, method="POST", data={"reason": ""}, ok=(302,)
    ),
    "catalogue:period_reopen": Route(
        PAGE, obj="period", sysadmin=True, method="POST", data={"reason": ""}, ok=(302,)
    ),
    "api:list_periods": Route(API, lists=("period",)),
    "api:get_period": Route(API, obj="period"),
    "api:close_period": Route(
        API, obj="period", sysadmin=True, method="POST", data={"reason": ""}, ok=(400,)
    ),
    "api:reopen_period": Route(
        API, obj="period", sysadmin=True, method="POST", data={"reason": ""}, ok=(400,)
    ),
    # --- a programme's reporting schedule (the form is a 403 for a visible programme the user may not change)
    "planning:program_schedule": Route(PAGE, obj="program", ok=(200, 403)),
    "api:get_program_schedule": Route(API, obj="program"),
    "api:set_program_schedule": Route(
        API, obj="program", method="PUT", data={"kinds": [], "due_days": 5}, ok=(400, 403)
    ),
    "api:list_indicators": Route(API, lists=("indicator",)),
    "api:get_indicator": Route(API, obj="indicator"),
    # a well-formed body naming no agency: system administrators get the validation error, others 403
    "api:create_indicator": Route(
        API,
        sysadmin=True,
        method="POST",
        data={
            "code": "MT-02",
            "name": "Thử",
            "definition": "Thử",
            "unit": "%",
            "direction": "higher",
            "aggregation": "avg",
            "frequency": "year",
            "owner_agency": 2**63 - 1,
        },
        ok=(400,),
    ),
    "api:revise_indicator": Route(
        API, obj="indicator", sysadmin=True, method="POST", data={"change_note": ""}, ok=(400,)
    ),
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
    # an unknown resolution: everyone gets "not found", nobody creates anything
    "api:create_program": Route(
        API, method="POST", data={"resolution": 2**62, "agency": 2**62, "title": "CTHĐ"}, ok=(404,)
    ),
    "api:update_program": Route(
        API, obj="program", method="PATCH", data={"version": 1, "title": ""}, ok=(400, 403)
    ),
    "api:list_tasks": Route(API, lists=("task",)),
    "api:get_task": Route(API, obj="task"),
    # --- the Excel round trip of a programme: export to whoever sees it; the upload page says when
    # the user may not change it; the import API refuses (403) or, for those who may, wants a file (400)
    "planning:program_export_xlsx": Route(PAGE, obj="program"),
    "planning:program_import_xlsx": Route(PAGE, obj="program"),
    "api:export_program_xlsx": Route(API, obj="program"),
    "api:import_program_xlsx": Route(API, obj="program", method="POST", data={}, ok=(400, 403)),
    # --- task KPIs and deadline extensions (a visible task the user may not change is a 404 on pages)
    "planning:kpi_new": Route(PAGE, obj="task", ok=(200, 404)),
    "planning:kpi_edit": Route(PAGE, obj="kpi", ok=(200, 404)),
    "planning:kpi_delete": Route(PAGE, obj="kpi", method="POST", ok=(302, 404)),
    "planning:extension_request": Route(PAGE, obj="task", method="POST", data={}, ok=(200, 404)),
    "planning:extension_list": Route(PAGE),
    "planning:extension_detail": Route(PAGE, obj="extension"),
    "planning:extension_withdraw": Route(PAGE, obj="extension", method="POST", ok=(302, 404)),
    "api:list_task_kpis": Route(API, obj="task"),
    "api:add_task_kpi": Route(
        API, obj="task", method="POST", data={"indicator": 2**63 - 1, "targets": []}, ok=(400, 403)
    ),
    "api:update_task_kpi": Route(API, obj="kpi", method="PUT", data={"targets": []}, ok=(400, 403)),
    "api:delete_task_kpi": Route(API, obj="kpi", method="DELETE", ok=(204, 403, 404)),
    "api:list_extensions": Route(API, lists=("extension",)),
    "api:request_task_extension": Route(
        API, obj="task", method="POST", data={"proposed_due_date": "2000-01-01", "reason": "x"}, ok=(400, 403)
    ),
    "api:decide_task_extension": Route(
        API, obj="extension", method="POST", data={"grant": False, "note": ""}, ok=(400, 403)
    ),
    # --- programmes, six clears, clauses and coverage (a visible programme the user may not
    # change is a 403 on its forms); routes naming no fixture object use an id that does not exist
    "planning:program_new": Route(PAGE, ok=(404,)),
    "planning:program_edit": Route(PAGE, obj="program", ok=(200, 403)),
    "planning:program_issue": Route(PAGE, obj="program", ok=(200, 403)),
    "planning:amendment_new": Route(PAGE, obj="program", ok=(200, 403)),
    "planning:amendment_close": Route(PAGE, method="POST", kwargs={"pk": 2**31 - 1}, ok=(404,)),
    "planning:clears": Route(PAGE, lists=("task",)),
    "planning:clause_list": Route(PAGE, obj="resolution"),
    "planning:clause_edit": Route(PAGE, kwargs={"pk": 2**31 - 1}, ok=(404,)),
    "planning:coverage": Route(PAGE, obj="resolution"),
    "planning:steering": Route(PAGE, obj="resolution"),
    "planning:task_clauses": Route(PAGE, obj="task", method="POST", data={}, ok=(302, 403)),
    "api:issue_program": Route(
        API,
        obj="program",
        method="POST",
        data={"number": "", "issued_on": "2025-01-01", "signer": ""},
        ok=(400, 403),
    ),
    "api:open_program_amendment": Route(
        API, obj="program", method="POST", data={"decided_on": "2025-01-01", "reason": ""}, ok=(400, 403)
    ),
    "api:program_clears": Route(API, obj="program"),
    "api:task_clears": Route(API, obj="task"),
    "api:resolution_clauses": Route(API, obj="resolution"),
    "api:import_resolution_clauses": Route(
        API, obj="resolution", sysadmin=True, method="POST", data={"text": ""}, ok=(400,)
    ),
    "api:resolution_coverage": Route(API, obj="resolution"),
    # --- decomposition editor (writes answer a refusal or a validation error: nothing changes)
    "planning:program_tree": Route(PAGE, obj="program", lists=("task",)),
    "planning:tree_children": Route(PAGE, obj="task", ok=(302,)),
    "planning:task_actions": Route(PAGE, obj="task"),
    "planning:agency_options": Route(PAGE),
    "planning:task_new": Route(PAGE, obj="program", ok=(200, 403)),
    "planning:subtask_new": Route(PAGE, obj="task", ok=(200, 403)),
    "planning:task_edit": Route(PAGE, obj="task", ok=(200, 403)),
    "planning:task_move": Route(PAGE, obj="task", ok=(200, 403)),
    "planning:task_split": Route(PAGE, obj="task", ok=(200, 403)),
    "planning:task_reorder": Route(PAGE, obj="task", method="POST", data={"direction": "up"}, ok=(302,)),
    "planning:task_delete": Route(PAGE, method="POST", kwargs={"pk": 2**62}, ok=(404,)),
    "planning:milestone_add": Route(PAGE, obj="task", method="POST", data={"name": ""}, ok=(302,)),
    "planning:milestone_done": Route(PAGE, obj="task", method="POST", kwargs={"mid": 2**62}, ok=(404,)),
    "planning:milestone_delete": Route(PAGE, obj="task", method="POST", kwargs={"mid": 2**62}, ok=(404,)),
    "planning:dependency_add": Route(PAGE, obj="task", method="POST", data={"depends_on": ""}, ok=(302,)),
    "planning:dependency_remove": Route(PAGE, obj="task", method="POST", kwargs={"other": 2**62}, ok=(302,)),
    "api:create_program_task": Route(
        API, obj="program", method="POST", data={"title": "", "lead_agency": 2**63 - 1}, ok=(400, 403)
    ),
    "api:create_subtask": Route(
        API, obj="task", method="POST", data={"title": "", "lead_agency": 2**63 - 1}, ok=(400, 403)
    ),
    "api:update_task": Route(
        API, obj="task", method="PATCH", data={"version": 1, "title": ""}, ok=(400, 403)
    ),
    "api:delete_task": Route(API, method="DELETE", kwargs={"task_id": 2**62}, ok=(404,)),
    "api:move_task": Route(API, obj="task", method="POST", data={"parent": 2**63 - 1}, ok=(404,)),
    "api:split_task": Route(API, obj="task", method="POST", data={"parts": []}, ok=(400, 403)),
    "api:add_dependency": Route(API, obj="task", method="POST", data={"depends_on": 2**63 - 1}, ok=(404,)),
    "api:remove_dependency": Route(
        API, obj="task", method="DELETE", kwargs={"depends_on_id": 2**62}, ok=(404,)
    ),
    "api:waiting_on": Route(API, obj="task"),
    "api:list_milestones": Route(API, obj="task"),
    "api:add_milestone": Route(
        API, obj="task", method="POST", data={"name": "", "due_date": "2026-01-01"}, ok=(400, 403)
    ),
    "api:update_milestone": Route(API, obj="task", method="PATCH", kwargs={"milestone_id": 2**62}, ok=(404,)),
    "api:delete_milestone": Route(
        API, obj="task", method="DELETE", kwargs={"milestone_id": 2**62}, ok=(404,)
    ),
    # --- notifications: personal; someone else's is a 404 whatever the role
    "notifications:inbox": Route(PAGE),
    "notifications:preferences": Route(PAGE),
    "notifications:mark_all_read": Route(PAGE, method="POST", ok=(302,)),
    "notifications:open": Route(PAGE, obj="notification", ok=(302,)),
    "notifications:mark_read": Route(PAGE, obj="notification", method="POST", ok=(302,)),
    "api:list_notifications": Route(API, lists=("notification",)),
    "api:read_notification": Route(API, obj="notification", method="POST"),
    "api:read_all_notifications": Route(API, method="POST"),
    "api:get_notification_preferences": Route(API),
    "api:set_notification_preferences": Route(
        API, method="PUT", data={"mode": "", "email_enabled": True}, ok=(400,)
    ),
    # --- reporting API: sent reports in three scopes (tests/reporting/matrix_helpers.py); writes are
    # refused (403), invalid or against a stale version (400/409): nothing changes
    "api:list_reports": Route(API, lists=("report",)),
    "api:create_report": Route(API, method="POST", data={"program": 2**62, "period": 2**62}, ok=(404,)),
    "api:get_report": Route(API, obj="report"),
    "api:save_report": Route(
        API, obj="report", method="PATCH", data={"version": 999999, "results": "x"}, ok=(400, 403, 409)
    ),
    "api:submit_report": Route(
        API, obj="report", method="POST", data={"version": 999999}, ok=(400, 403, 409)
    ),
    "api:send_back_report": Route(
        API, obj="report", method="POST", data={"version": 999999, "note": ""}, ok=(400, 403, 409)
    ),
    "api:approve_report": Route(
        API, obj="report", method="POST", data={"version": 999999}, ok=(400, 403, 409)
    ),
    "api:accept_report": Route(
        API, obj="report", method="POST", data={"version": 999999}, ok=(400, 403, 409)
    ),
    "api:return_report": Route(
        API, obj="report", method="POST", data={"version": 999999, "reason": ""}, ok=(400, 403, 409)
    ),
    "api:reopen_report": Route(
        API, obj="report", method="POST", data={"version": 999999, "reason": ""}, ok=(400, 403, 409)
    ),
    "api:consolidate_report": Route(
        API, obj="report", method="POST", data={"version": 999999}, ok=(400, 403, 409)
    ),
    "api:report_kpis": Route(API, obj="report"),
    "api:report_document_docx": Route(API, obj="report"),
    "api:report_document_pdf": Route(API, obj="report"),
    # the matrix reports are sent, not accepted: refused with a message (a certificate or not)
    "api:report_document_signed_pdf": Route(API, obj="report", ok=(400,)),
    "api:save_report_observation": Route(
        API,
        obj="report",
        method="PUT",
        data={"indicator": "KHONG-CO", "value": "1", "version": 999999},
        ok=(400, 403, 409),
    ),
    # the review rule of a visible agency: its leaders may set it (to the default: no change)
    "api:set_review_rule": Route(
        API, obj="agency", method="PUT", data={"wait_for_all": False}, ok=(200, 403)
    ),
    # a task the report has no line for: "not found" inside the scope as outside
    "api:add_evidence": Route(API, obj="report", method="POST", kwargs={"task_id": 2**62}, ok=(404,)),
    "api:download_evidence": Route(API, obj="evidence"),
    "api:delete_evidence": Route(API, obj="evidence", method="DELETE", ok=(400, 403)),
    "api:list_proposals": Route(API, url="/api/v1/proposals?box=all", lists=("proposal",)),
    "api:get_proposal": Route(API, obj="proposal"),
    "api:withdraw_proposal": Route(API, obj="proposal", method="DELETE", ok=(400, 403)),
    "api:raise_proposal": Route(API, obj="report", method="POST", data={"text": ""}, ok=(400, 403)),
    "api:answer_proposal": Route(API, obj="proposal", method="POST", data={"answer": ""}, ok=(400, 403)),
    "api:forward_proposal": Route(
        API, obj="proposal", method="POST", data={"to_agency": 2**62, "note": ""}, ok=(400, 403)
    ),
    # the addressee may close an open proposal; a second close is refused
    "api:close_proposal": Route(API, obj="proposal", method="POST", data={"note": ""}, ok=(200, 400, 403)),
    "api:list_explanations": Route(API, url="/api/v1/explanations?box=all", lists=("explanation",)),
    "api:request_explanation": Route(
        API,
        method="POST",
        data={"agency": 2**62, "question": "", "due_date": "2000-01-01", "report": 2**62},
        ok=(404,),
    ),
    "api:get_explanation": Route(API, obj="explanation"),
    "api:answer_explanation": Route(
        API, obj="explanation", method="POST", data={"answer": ""}, ok=(400, 403)
    ),
    # the asking side may close an open request; a second close is refused
    "api:close_explanation": Route(
        API, obj="explanation", method="POST", data={"note": ""}, ok=(200, 400, 403)
    ),
    # without the period (required) every caller gets the 400 naming it; the counts are tested in
    # tests/reporting/test_api_completeness.py
    "api:completeness": Route(API, ok=(400,)),
    "api:completeness_children": Route(API, ok=(400,)),
    "api:completeness_missing": Route(API, ok=(400,)),
    "api:dashboard": Route(API),
    "api:dashboard_kpis": Route(API, obj="period", lists=("kpi",)),
    # the band rule: read by everyone signed in; impossible thresholds (at risk above on track): system
    # administrators get the 400 naming the field, others 403 (tests/planning/test_bands.py)
    "api:get_kpi_band_rule": Route(API),
    "api:set_kpi_band_rule": Route(
        API, sysadmin=True, method="PUT", data={"on_track_from": "80", "at_risk_below": "90"}, ok=(400,)
    ),
    # --- the overview as files, with the page's filters (default: the user's own subtree; an agency
    # outside the scope is a 404, a bad filter explained: tests/exports/test_overview_exports.py)
    "exports:overview_xlsx": Route(PAGE),
    "exports:overview_docx": Route(PAGE),
    "exports:overview_pdf": Route(PAGE),
    "api:dashboard_export_xlsx": Route(API),
    "api:dashboard_export_docx": Route(API),
    "api:dashboard_export_pdf": Route(API),
    # --- signed PDFs: anyone signed in may verify their own file (nothing stored); without a file
    # the API answers the 400 naming the field
    "exports:verify": Route(PAGE),
    "api:verify_pdf_signature": Route(API, method="POST", data={}, ok=(400,)),
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
