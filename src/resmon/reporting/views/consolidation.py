"""Drafting a level's report from the accepted reports of the agencies below (báo cáo tổng hợp)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from resmon.core.errors import DomainError
from resmon.core.views import page

from .. import selectors
from ..services import consolidation


@page
@require_POST
def consolidate(request, pk):
    user = request.user
    report = selectors.get_report(user, pk)
    version = request.POST.get("version", "")
    if not version.isdigit():
        messages.error(request, _("The page was out of date; nothing was changed. Try again."))
        return redirect("reporting:detail", pk=report.pk)
    try:
        n = consolidation.consolidate_report(user, report, expected_version=int(version))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("Drafted from the accepted reports below: %(n)s lines have sources; review and edit them.")
            % {"n": n},
        )
    return redirect("reporting:detail", pk=report.pk)
