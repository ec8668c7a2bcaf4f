"""Pages for the Excel round trip of an action programme: the download and the upload page."""

from __future__ import annotations

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from resmon.core.access import can
from resmon.core.errors import DomainError
from resmon.core.views import page

from .. import excel_format as fmt
from .. import selectors
from ..models import ActionProgram
from ..services import excel

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel file (.xlsx)"),
        help_text=gettext_lazy(
            "A file exported from this programme, edited. At most 5,000 rows and 5 MB. "
            "If any row is wrong, nothing is saved."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx", "class": "form-control"}),
    )


def _editable(program: ActionProgram) -> bool:
    return program.status != ActionProgram.Status.ISSUED or program.amendments.filter(is_open=True).exists()


@page
@require_GET
def program_export(request, pk):
    program = selectors.get_program(request.user, pk)
    response = HttpResponse(excel.export_program(request.user, program), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{excel.export_filename(program)}"'
    return response


@page
@never_cache
@require_http_methods(["GET", "POST"])
def program_import(request, pk):
    user = request.user
    program = selectors.get_program(user, pk)
    may_change = can(user, "change", program)
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {
        "program": program,
        "form": form,
        "may_change": may_change,
        "editable": _editable(program),
        "max_rows": fmt.MAX_ROWS,
    }
    status = 200
    if request.method == "POST":
        status = 400
        if not may_change:
            status = 403
        elif form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                context["summary"] = excel.import_program(
                    user, program, excel.read_upload(upload), filename=upload.name or ""
                )
                status = 200
            except excel.ImportRejected as exc:
                context["rejected"] = exc
            except DomainError as exc:
                form.add_error("file", str(exc.message))
    return render(request, "planning/program_import.html", context, status=status)
