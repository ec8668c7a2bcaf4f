"""The REST API under /api/v1: the routers of the domain apps, one authentication, one error format.

Every endpoint but POST /auth/token needs a personal token (``Authorization: Bearer rsm_…``)
or a signed-in browser session (with the CSRF header on unsafe methods).
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.openapi.docs import Swagger
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from resmon.accounts import tokens
from resmon.accounts.api import router as accounts_router
from resmon.agencies.api import router as agencies_router
from resmon.catalogue.api import router as catalogue_router
from resmon.catalogue.api_periods import router as periods_router
from resmon.dashboards.api import router as dashboards_router
from resmon.dashboards.api_compare import router as dashboards_compare_router
from resmon.dashboards.api_kpis import router as dashboards_kpis_router
from resmon.exports.api import router as exports_router
from resmon.monitoring.alerts.api import router as alerts_router
from resmon.monitoring.bottlenecks.api import router as bottlenecks_router
from resmon.monitoring.directives.api import router as directives_router
from resmon.monitoring.evaluation.api import router as evaluation_router
from resmon.monitoring.forecasts.api import router as forecasts_router
from resmon.notifications.api import router as notifications_router
from resmon.planning.api import router as planning_router
from resmon.reporting.api import router as reporting_router

from . import errors

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class BearerToken(HttpBearer):
    """A personal API token (see accounts.tokens); the request keeps it as ``api_token`` (whether it
    has confirmed it is its holder: accounts.reauth)."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = tokens.token_for(token)
        if found is None:
            request._resmon_bad_token = True  # type: ignore[attr-defined]
            return None
        request.api_token = found  # type: ignore[attr-defined]
        return found.user


class BrowserSession(APIKeyCookie):
    """The signed-in browser session; unsafe methods must pass Django's CSRF check."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if request.method in UNSAFE_METHODS and check_csrf(request):
            raise HttpError(403, "CSRF check failed")
        return user


class LocalSwagger(Swagger):
    """Swagger UI from our static files, configured by a static script (strict CSP: no inline code)."""

    template = "api/swagger.html"

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings_ = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        return render(request, self.template, {"api": api, "swagger_settings": json.dumps(settings_)})


def api_index(request: HttpRequest) -> HttpResponse:
    """/api/v1/: where the schema and the docs are (public, like the schema itself)."""
    return JsonResponse(
        {
            "title": api.title,
            "version": api.version,
            "openapi": reverse("api:openapi-json"),
            "docs": reverse("api:openapi-view"),
        }
    )


class ResmonAPI(NinjaAPI):
    """The API whose OpenAPI schema declares the problem+json errors of every operation."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return errors.document_problems(schema)


api = ResmonAPI(
    title="Resmon API",
    version="1",
    description=(
        "Monitoring the implementation of Politburo resolutions. Authenticate with a personal token "
        "(POST /api/v1/auth/token, or the API tokens page) sent as `Authorization: Bearer <token>`. "
        'Lists answer {"count": N, "items": [...]} and take ?limit= (at most 500) and ?offset=. '
        "Errors are application/problem+json. Sensitive operations (accepting or reopening a report, "
        "account administration, exports of a whole province or the nation) answer 403 "
        "`confirmation_required` until POST /api/v1/auth/confirm (the password, and the one-time code) "
        "has confirmed the token or session within the last 15 minutes (RESMON_REAUTH_MINUTES)."
    ),
    urls_namespace="api",
    auth=[BearerToken(), BrowserSession()],
    docs=LocalSwagger(),
)
errors.install(api)
api.add_router("", accounts_router)
api.add_router("", agencies_router)
api.add_router("", planning_router)
api.add_router("", catalogue_router)
api.add_router("", notifications_router)
api.add_router("", periods_router)
api.add_router("", reporting_router)
api.add_router("", dashboards_router)
api.add_router("", dashboards_kpis_router)
api.add_router("", dashboards_compare_router)
api.add_router("", exports_router)
api.add_router("", bottlenecks_router)
api.add_router("", evaluation_router)
api.add_router("", directives_router)
api.add_router("", forecasts_router)
api.add_router("", alerts_router)
