"""Every error the API answers is application/problem+json with a stable code and a translated
message; bad input is a 4xx, never a 500."""

from __future__ import annotations

import logging
from http.client import responses as responses_phrases
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled, ValidationError

from resmon.core.apikit import PROBLEM_CONTENT_TYPE, Problem, problem_response
from resmon.core.errors import DomainError
from resmon.core.storage import STORAGE_FULL_MESSAGE, is_storage_full

logger = logging.getLogger(__name__)


def _titles() -> dict[int, str]:
    return {
        400: _("The request is not valid"),
        401: _("Authentication required"),
        403: _("Permission refused"),
        404: _("Not found"),
        405: _("Method not allowed"),
        409: _("Conflict"),
        429: _("Too many requests"),
        500: _("Internal error"),
        507: _("Insufficient storage"),
    }


def title_for(status: int) -> str:
    return _titles().get(status, _("Error"))


def _field_message(err: dict[str, Any]) -> str:
    """A translated message for one pydantic error (the common ones), else pydantic's own."""
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return _("Enter a whole number.")
    if kind in {"float_parsing", "float_type", "decimal_parsing"}:
        return _("Enter a number.")
    if kind in {"bool_parsing", "bool_type"}:
        return _("Enter true or false.")
    if kind in {"date_parsing", "date_from_datetime_parsing", "date_type"}:
        return _("Enter a valid date as yyyy-mm-dd.")
    if kind in {"datetime_parsing", "datetime_from_date_parsing", "datetime_type"}:
        return _("Enter a valid date and time (ISO 8601).")
    if kind in {"string_type"}:
        return _("Enter text.")
    if kind == "string_too_long":
        return _("Enter at most %(n)s characters.") % {"n": ctx.get("max_length", "")}
    if kind == "string_too_short":
        return _("Enter at least %(n)s characters.") % {"n": ctx.get("min_length", "")}
    if kind == "less_than_equal":
        return _("Enter a value of at most %(n)s.") % {"n": ctx.get("le", "")}
    if kind == "greater_than_equal":
        return _("Enter a value of at least %(n)s.") % {"n": ctx.get("ge", "")}
    if kind in {"model_type", "model_attributes_type", "dict_type", "json_invalid"}:
        return _("The request body must be a JSON object with the documented fields.")
    return str(err.get("msg", _("This value is not valid.")))


def _field_name(loc: Any) -> str:
    parts = [
        str(p) for p in (loc or ()) if str(p) not in {"body", "query", "path", "form", "cookie", "header"}
    ]
    # a body schema appears under its parameter name ("body"), a query schema under its own
    if len(parts) > 1 and parts[0] in {"filters", "page", "payload"}:
        parts = parts[1:]
    return ".".join(parts) or "request"


def validation_problem(exc: ValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for err in exc.errors:
        errors.setdefault(_field_name(err.get("loc")), []).append(_field_message(err))
    detail = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in errors.items())
    return problem_response(400, "validation_failed", title_for(400), detail, errors)


# The errors any operation may answer (all problem+json); writes may also conflict or meet a full
# disk (the database's, or the files' where they store one: resmon.core.storage), uploads be too big.
ERROR_STATUSES = (400, 401, 403, 404, 429)
WRITE_ERROR_STATUSES = (409, 507)
UPLOAD_ERROR_STATUSES = (413,)
_ENGLISH_TITLES = {
    400: "The request is not valid",
    401: "Authentication required",
    403: "Permission refused (or the CSRF check failed with a session)",
    404: "Not found, or outside your scope",
    409: "Conflict: a stale version, a duplicate or a state that does not allow it",
    413: "The file is too large",
    429: "Too many requests: wait and try again",
    507: "Insufficient storage: the server's disk is full, nothing was saved",
}


def document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Declare the problem+json errors on every operation of the OpenAPI ``schema`` (in place):
    the ones a router declares with the Problem schema get the right media type, the common ones
    are added where missing, so a client (or a fuzzer) knows every status it can get."""
    problem_ref = {"$ref": "#/components/schemas/Problem"}
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("Problem", Problem.model_json_schema(ref_template="#/components/schemas/{model}"))
    for item in schema.get("paths", {}).values():
        for method, operation in item.items():
            # ninja keys the statuses it declares by number, openapi_extra and this function by text:
            # one key each, or the JSON would name a status twice (and a client keep either)
            responses = operation["responses"] = {
                str(k): v for k, v in operation.get("responses", {}).items()
            }
            for response in responses.values():
                content = response.get("content") or {}
                if content.get("application/json", {}).get("schema") == problem_ref:
                    response["content"] = {PROBLEM_CONTENT_TYPE: content.pop("application/json")}
            statuses = list(ERROR_STATUSES)
            if method.upper() in {"POST", "PUT", "PATCH", "DELETE"}:
                statuses += WRITE_ERROR_STATUSES
            if "multipart/form-data" in (operation.get("requestBody") or {}).get("content", {}):
                statuses += UPLOAD_ERROR_STATUSES
            for status in statuses:
                response = responses.setdefault(
                    str(status), {"content": {PROBLEM_CONTENT_TYPE: {"schema": problem_ref}}}
                )
                if response.get("description") in (None, responses_phrases.get(status)):
                    response["description"] = _ENGLISH_TITLES[status]
    return schema


def install(api: NinjaAPI) -> None:
    """Register the problem+json handlers on ``api``."""

    def on_domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return problem_response(
            exc.status, exc.code, title_for(exc.status), str(exc.message), exc.errors, exc.extra
        )

    def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return validation_problem(exc)

    def on_authentication(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        if getattr(request, "_resmon_bad_token", False):
            detail = _("The API token is not valid: it is unknown, revoked or expired.")
            code = "invalid_token"
        else:
            detail = _(
                "Sign in first: send “Authorization: Bearer <token>” (POST /api/v1/auth/token issues one) "
                "or use a signed-in browser session."
            )
            code = "not_authenticated"
        response = problem_response(401, code, title_for(401), detail)
        response["WWW-Authenticate"] = 'Bearer realm="resmon"'
        return response

    def on_authorization(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
        return problem_response(403, "permission_refused", title_for(403), _("You may not do this."))

    def on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        return problem_response(429, "throttled", title_for(429), _("Too many requests; slow down."))

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        status = exc.status_code
        if status == 400:
            return problem_response(
                400, "malformed_body", title_for(400), _("The request body is not valid JSON.")
            )
        if status == 403 and "csrf" in str(exc).lower():
            return problem_response(
                403,
                "csrf_failed",
                title_for(403),
                _("The CSRF check failed: send the X-CSRFToken header with a session, or use a token."),
            )
        return problem_response(status, "http_error", title_for(status), title_for(status))

    def on_404(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem_response(
            404, "not_found", title_for(404), _("Not found, or you do not have access to it.")
        )

    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        if is_storage_full(exc):  # the database's disk is full: the write was rolled back
            logger.error("Disk full on %s %s: %s", request.method, request.path, exc)
            return problem_response(507, "storage_full", title_for(507), str(STORAGE_FULL_MESSAGE))
        logger.exception("Unexpected API error on %s %s", request.method, request.path)
        return problem_response(
            500,
            "internal_error",
            title_for(500),
            _("Something went wrong on the server; it has been logged."),
        )

    api.add_exception_handler(DomainError, on_domain)
    api.add_exception_handler(ValidationError, on_validation)
    api.add_exception_handler(AuthenticationError, on_authentication)
    api.add_exception_handler(AuthorizationError, on_authorization)
    api.add_exception_handler(Throttled, on_throttled)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Http404, on_404)
    api.add_exception_handler(Exception, on_unexpected)
