"""/reports/rules/: how the user's agency reviews the reports it accepts (leaders and administrators)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from resmon.core.access import Role, visible_to
from resmon.core.errors import DomainError
from resmon.core.views import page

from ..forms import ReviewRuleForm
from ..models import ReviewRule
from ..services import reports as report_services
from .common import put_errors


@page
def review_rule(request):
    user = request.user
    agency = user.agency
    rule = visible_to(user, ReviewRule.objects.filter(agency=agency)).first() if agency else None
    may_set = agency is not None and (
        user.role == Role.SYSTEM_ADMIN or user.role in report_services.RULE_SETTERS
    )
    form = ReviewRuleForm(
        request.POST if request.method == "POST" else None,
        initial={"wait_for_all": bool(rule and rule.wait_for_all)},
    )
    if request.method == "POST" and agency is not None and form.is_valid():
        try:
            report_services.set_review_rule(user, agency, wait_for_all=form.cleaned_data["wait_for_all"])
        except DomainError as exc:
            put_errors(form, exc)
        else:
            messages.success(
                request, _("The review rule of %(agency)s has been saved.") % {"agency": agency.name}
            )
            return redirect("reporting:rules")
    return render(
        request,
        "reporting/rules.html",
        {"agency": agency, "rule": rule, "form": form, "may_set": may_set},
    )
