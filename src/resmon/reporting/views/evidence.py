"""Evidence on a report's line: add (the classification first), remove, download (scoped, as an
attachment the browser may not sniff)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from resmon.core.access import get_visible_or_404
from resmon.core.errors import DomainError
from resmon.core.views import page

from .. import selectors
from ..forms import EvidenceForm
from ..models import Evidence
from ..services import evidence as evidence_services
from .common import evidence_file, parse_version, put_errors, refuse
from .report import render_report


def _line_anchor(report, line) -> str:
    return reverse("reporting:detail", args=[report.pk]) + f"#line-{line.pk}"


@page
@require_POST
def evidence_add(request, pk, line_id):
    user = request.user
    report = selectors.get_report(user, pk)
    line = next((line for line in selectors.report_lines(report) if line.pk == line_id), None)
    if line is None:
        raise Http404
    form = EvidenceForm(request.POST, request.FILES, line=line)
    if form.is_valid():
        data = form.cleaned_data
        try:
            evidence_services.add_evidence(
                user,
                line,
                classification=data["classification"],
                kind=data["kind"],
                title=data["title"],
                upload=data["file"],
                url=data["url"].strip(),
                doc_number=data["doc_number"].strip(),
                doc_date=data["doc_date"],
                expected_version=form.expected_version(),
                idempotency_key=data["idempotency_key"],
            )
        except DomainError as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("The evidence has been added."))
            return redirect(_line_anchor(report, line))
    messages.error(
        request,
        _("The evidence was not added: see the messages in the task “%(task)s”.")
        % {"task": line.task.code or line.task.title[:60]},
    )
    if form.data.get(form.add_prefix("kind")) == Evidence.Kind.FILE and request.FILES:
        form.add_error("file", _("Choose the file again: a browser cannot keep it after an error."))
    return render_report(request, report, evidence_form=form)


def _evidence(user, report, evidence_id) -> Evidence:
    return get_visible_or_404(
        user, Evidence.objects.select_related("line__task"), pk=evidence_id, line__report_id=report.pk
    )


@page
@require_POST
def evidence_remove(request, pk, evidence_id):
    user = request.user
    report = selectors.get_report(user, pk)
    ev = _evidence(user, report, evidence_id)
    try:
        evidence_services.remove_evidence(
            user, ev, expected_version=parse_version(request.POST.get("version"))
        )
    except DomainError as exc:
        refuse(request, exc)
    else:
        messages.success(request, _("The evidence “%(title)s” has been removed.") % {"title": ev.title})
    return redirect(_line_anchor(report, ev.line))


@page
def evidence_download(request, pk, evidence_id):
    """The file, to whoever sees the report: always an attachment, never rendered by the browser."""
    ev, handle = evidence_services.open_evidence(request.user, evidence_id)
    if ev.line.report_id != pk:
        handle.close()
        raise Http404
    return evidence_file(ev, handle)
