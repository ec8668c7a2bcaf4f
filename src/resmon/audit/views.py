"""Audit pages: the log browser (system administrators and inspectors, scoped like every read) and
the chain verification page (system administrators). Everyone else gets the 404 of a missing page.

The log is paged by id ("older" / "newer" links), never counted: it grows to millions of rows."""

from __future__ import annotations

import functools

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from . import sealing, selectors, services

PER_PAGE = 50


def _only(check):
    def decorate(view):
        @login_required
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if not check(request.user):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


class LogFilter(forms.Form):
    action = forms.CharField(label=gettext_lazy("Action"), required=False, max_length=80)
    object_type = forms.CharField(label=gettext_lazy("Object type"), required=False, max_length=80)
    actor = forms.CharField(label=gettext_lazy("Actor"), required=False, max_length=150)
    date_from = forms.DateField(label=gettext_lazy("From"), required=False)
    date_to = forms.DateField(label=gettext_lazy("To"), required=False)
    before = forms.IntegerField(required=False, min_value=1)
    after = forms.IntegerField(required=False, min_value=0)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


@require_GET
@never_cache
@_only(selectors.may_browse)
def log(request):
    form = LogFilter(request.GET or None)
    data: dict = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
    qs = selectors.audit_log(
        request.user,
        action=data.get("action") or "",
        object_type=data.get("object_type") or "",
        actor=data.get("actor") or "",
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )
    before, after = data.get("before"), data.get("after")
    if after is not None:
        rows = list(qs.filter(id__gt=after).order_by("id")[: PER_PAGE + 1])
        has_newer = len(rows) > PER_PAGE
        rows = list(reversed(rows[:PER_PAGE]))
        has_older = bool(rows) and qs.filter(id__lt=rows[-1].pk).exists()
    else:
        if before is not None:
            qs = qs.filter(id__lt=before)
        rows = list(qs[: PER_PAGE + 1])
        has_older = len(rows) > PER_PAGE
        rows = rows[:PER_PAGE]
        has_newer = before is not None and bool(rows)
    filtered = any(data.get(k) for k in ("action", "object_type", "actor", "date_from", "date_to"))
    return render(
        request,
        "audit/log.html",
        {
            "form": form,
            "rows": rows,
            "older": rows[-1].pk if has_older and rows else None,
            "newer": rows[0].pk if has_newer and rows else None,
            "filtered": filtered,
            "may_verify": selectors.may_verify(request.user),
        },
    )


@require_GET
@never_cache
@_only(selectors.may_verify)
def verify_page(request):
    runs = selectors.recent_verifications(request.user)
    last = runs[0] if runs else None
    return render(
        request,
        "audit/verify.html",
        {
            "last": last,
            "last_problem": sealing.describe(last.problem) if last else "",
            "last_notes": [sealing.describe(n) for n in (last.notes if last else [])],
            "runs": [(r, sealing.describe(r.problem)) for r in runs],
            "checkpoint_path": sealing.checkpoint_path(),
        },
    )


@require_POST
@_only(selectors.may_verify)
def verify_run(request):
    run = services.run_verification(request.user)
    if run.ok:
        messages.success(
            request,
            _("The audit chain is intact: %(rows)s rows checked.")
            % {"rows": f"{run.rows:,}".replace(",", ".")},
        )
    else:
        messages.error(
            request,
            _("The audit chain has a problem: %(problem)s") % {"problem": sealing.describe(run.problem)},
        )
    return redirect("audit:verify")
