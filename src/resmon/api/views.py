from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from resmon.core.apikit import problem_response

from .errors import title_for


def not_found(request: HttpRequest) -> HttpResponse:
    return problem_response(404, "not_found", title_for(404), _("There is no such API endpoint."))
