"""The route table of the permission matrix (tests/test_permission_matrix.py): how each URL
pattern of the project is reached and what an allowed user gets. A new route must be added here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
    # --- two-factor sign-in (tests/accounts/test_two_factor.py): the code and enrolment steps only
    # serve a session between the password and the code (else: back to the sign-in form); the
    # security page is everyone's own (enrolling: 302 when already on; new codes: 302 when off;
    # turning off without the password and code: 400)
    "accounts:login_code": Route(PUBLIC, ok=(302,)),
    "accounts:login_enrol": Route(PUBLIC, ok=(302,)),
    "accounts:confirm": Route(PAGE),
    "accounts:security": Route(PAGE),
    "accounts:security_enrol": Route(PAGE, ok=(200, 302)),
    "accounts:recovery_codes": Route(PAGE, method="POST", data={}, ok=(200, 302)),
    "accounts:security_disable": Route(PAGE, method="POST", data={}, ok=(400,)),
    "accounts:sign_in_history": Route(PAGE),
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
    # --- compare agencies on one indicator, and trends over time (tests/dashboards/test_compare.py,
    # test_trends.py): the URL names no object; without an indicator the compare page asks for one
    # and the API answers 400 naming the field; an agency outside the scope is a 404 there
    "dashboards:compare": Route(PAGE, lists=("task",)),
    "dashboards:trends": Route(PAGE, lists=("task",)),
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
    # "confirm it is you" (tests/accounts/test_api_confirm.py): without the password, a 400 for everyone
    "api:confirm_identity": Route(API, method="POST", data={}, ok=(400,)),
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
    # compare / trends (see the pages above): the compare API needs an indicator (400 without one)
    "api:dashboard_compare": Route(API, ok=(400,)),
    "api:dashboard_trends": Route(API),
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
    # --- monitoring.bottlenecks (tests/monitoring/bottlenecks): everyone signed in sees the bottlenecks
    # among the tasks visible to them; an agency outside the scope (and blocking nothing they see) is a 404
    "bottlenecks:ranking": Route(PAGE, lists=("task",)),
    "bottlenecks:links": Route(PAGE, lists=("task",)),
    "bottlenecks:graph": Route(PAGE, lists=("task",)),
    "bottlenecks:agency": Route(PAGE, obj="agency", lists=("task",)),
    "api:list_bottlenecks": Route(API),
    "api:list_bottleneck_links": Route(API),
    "api:get_agency_bottlenecks": Route(API, obj="agency"),
    # --- a coordinating agency's part of a task (planning.services.coordination; tests in
    # tests/planning/test_coordination_delivery.py): an agency that does not coordinate the task is a 404
    "planning:coordination_part": Route(PAGE, obj="task", kwargs={"agency_id": 2**62}, ok=(404,)),
    "api:list_task_coordinations": Route(API, obj="task"),
    "api:set_coordination_due": Route(
        API, obj="task", method="PUT", kwargs={"agency_id": 2**62}, data={"due_date": None}, ok=(404,)
    ),
    "api:record_coordination_delivery": Route(
        API, obj="task", method="POST", kwargs={"agency_id": 2**62}, data={}, ok=(404,)
    ),
    "api:undo_coordination_delivery": Route(
        API, obj="task", method="POST", kwargs={"agency_id": 2**62}, data={"reason": ""}, ok=(404,)
    ),
    # --- forecasts (resmon.monitoring.forecasts; tests/monitoring/forecasts): the at-risk list lists
    # tasks in the scope only; a task's forecast is seen by whoever sees the task (404 otherwise)
    "forecasts:at_risk": Route(PAGE, lists=("task",)),
    "api:get_task_forecast": Route(API, obj="task"),
    "api:list_at_risk": Route(API, lists=("task",)),
    # --- monitoring.evaluation (tests/monitoring/evaluation; objects: its matrix_helpers.py, the default
    # quarter's evaluations in four scopes): everyone signed in reads the list of their subtree, the rule
    # and the Excel file (the lists' scope with data: tests/monitoring/evaluation/test_api.py); an
    # evaluation outside the scope is a 404. The writes answer a refusal (403), a
    # validation error (400) or a wrong state (409): nothing changes. Computing names a quarter that does
    # not exist: 400 for everyone. The rule's PUT: impossible weights, 400 for system administrators.
    "evaluation:list": Route(PAGE),
    "evaluation:detail": Route(PAGE, obj="evaluation"),
    "evaluation:rule": Route(PAGE),
    "evaluation:export": Route(PAGE),
    "api:list_evaluations": Route(API, lists=("evaluation",)),
    "api:export_evaluations": Route(API),
    "api:get_evaluation": Route(API, obj="evaluation"),
    "api:compute_evaluations": Route(API, method="POST", data={"period": 2**62}, ok=(400,)),
    "api:self_assess": Route(
        API, obj="evaluation", method="POST", data={"level": "", "comment": ""}, ok=(400, 403, 409)
    ),
    "api:appraise": Route(
        API, obj="evaluation", method="POST", data={"level": "", "comment": ""}, ok=(400, 403, 409)
    ),
    "api:decide": Route(
        API,
        obj="evaluation",
        method="POST",
        data={"level": "", "number": "", "date": "2000-01-01"},
        ok=(400, 403, 409),
    ),
    "api:get_evaluation_rule": Route(API),
    "api:set_evaluation_rule": Route(
        API,
        sysadmin=True,
        method="PUT",
        data={
            "weight_on_time": 50,
            "weight_progress": 50,
            "weight_kpi": 50,
            "weight_reporting": 0,
            "weight_directives": 0,
            "excellent_from": "90",
            "good_from": "70",
            "pass_from": "50",
            "cap_percent": "20",
        },
        ok=(400,),
    ),
    # --- monitoring.directives (tests/monitoring/directives; objects: its matrix_helpers.py, open
    # directives in three scopes already acknowledged and reported, reminders in two): a directive,
    # a recipient's row or a task outside the scope is a 404. The issue form without a subject is
    # about the user's own agency (it says who may issue); the reminder form without one goes back to
    # the list. The writes answer a refusal (403), a validation error (400), a conflict or a stale
    # version (409): nothing changes. Issuing about, or reminding of, a task that does not exist: 404
    # (403 first for those who may not issue at all).
    "directives:list": Route(PAGE),
    "directives:new": Route(PAGE),
    "directives:detail": Route(PAGE, obj="directive"),
    "directives:reminder_list": Route(PAGE),
    "directives:reminder_new": Route(PAGE, ok=(302,)),
    "api:list_directives": Route(API, url="/api/v1/directives?box=all", lists=("directive",)),
    "api:issue_directive": Route(
        API,
        method="POST",
        data={"task": 2**62, "recipients": [2**62], "text": "", "due_date": "2000-01-01"},
        ok=(403, 404),
    ),
    "api:get_directive": Route(API, obj="directive"),
    "api:close_directive": Route(
        API, obj="directive", method="POST", data={"version": 999999, "note": ""}, ok=(403, 409)
    ),
    "api:withdraw_directive": Route(
        API, obj="directive", method="POST", data={"version": 999999, "reason": ""}, ok=(403, 409)
    ),
    "api:acknowledge_directive": Route(API, obj="directive_recipient", method="POST", ok=(403, 409)),
    "api:report_on_directive": Route(
        API, obj="directive_recipient", method="POST", data={"text": ""}, ok=(403, 409)
    ),
    "api:list_reminders": Route(API, url="/api/v1/reminders?box=all", lists=("reminder",)),
    "api:list_task_reminders": Route(API, obj="task"),
    "api:send_reminder": Route(API, method="POST", data={"task": 2**62, "message": ""}, ok=(404,)),
    # --- monitoring.alerts (tests/monitoring/alerts; objects: its matrix_helpers.py, open alerts in
    # three scopes): an alert outside the scope is a 404. The rule is read by everyone signed in; an
    # impossible one (a due-soon window of 0 days) is a 400 naming the field for system
    # administrators, a 403 for the others. Acknowledging without a comment: 400 for those who may
    # acknowledge, 403 for the others; nothing changes.
    "alerts:list": Route(PAGE, lists=("task",)),
    "alerts:rules": Route(PAGE),
    "alerts:detail": Route(PAGE, obj="alert"),
    "api:list_alerts": Route(API, url="/api/v1/alerts?state=all", lists=("alert",)),
    "api:get_alert": Route(API, obj="alert"),
    "api:acknowledge_alert": Route(API, obj="alert", method="POST", data={"comment": ""}, ok=(400, 403)),
    "api:get_alert_rules": Route(API),
    "api:set_alert_rules": Route(
        API,
        sysadmin=True,
        method="PUT",
        data={
            "enabled": ["overdue"],
            "due_soon_days": 0,
            "behind_points": 15,
            "stalled_days": 100,
            "forecast_p_miss": "0.5",
            "report_grace_days": 5,
            "milestone_grace_days": 7,
            "coordination_grace_days": 7,
        },
        ok=(400,),
    ),
    # --- exports.stored: documents made in the background and kept for download (everyone signed in
    # sees their own requests and the scheduled documents in scope; ids that do not exist are a 404
    # for all, the scope and the requester rule are tested in tests/exports/stored/); asking with an
    # unknown format is refused with the message (the page goes back to the overview), nothing created
    "exports:stored_list": Route(PAGE),
    "exports:stored_request": Route(PAGE, method="POST", data={"format": "exe"}, ok=(302,)),
    "exports:stored_detail": Route(PAGE, kwargs={"pk": 2**31 - 1}, ok=(404,)),
    "exports:stored_file": Route(PAGE, kwargs={"pk": 2**31 - 1}, ok=(404,)),
    "exports:stored_delete": Route(PAGE, method="POST", kwargs={"pk": 2**31 - 1}, ok=(404,)),
    "api:request_stored_document": Route(API, method="POST", data={"format": "exe"}, ok=(400,)),
    "api:list_stored_documents": Route(API),
    "api:get_stored_document": Route(API, kwargs={"document_id": 2**62}, ok=(404,)),
    "api:download_stored_document": Route(API, kwargs={"document_id": 2**62}, ok=(404,)),
    "api:delete_stored_document": Route(API, method="DELETE", kwargs={"document_id": 2**62}, ok=(404,)),
    # an unknown path under /api/v1/ is a problem+json 404 for everyone (it reveals nothing)
    "api_not_found": Route(PUBLIC, url="/api/v1/no-such-endpoint", ok=(404,)),
    # --- operations (tests/ops): liveness and readiness for anyone (no details); the metrics answer the
    # test client's 127.0.0.1 (METRICS_ALLOWED_IPS), a 404 from elsewhere without the token
    "ops:healthz": Route(PUBLIC),
    "ops:readyz": Route(PUBLIC, ok=(200, 503)),
    "ops:metrics": Route(PUBLIC),
}
