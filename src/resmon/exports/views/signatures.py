"""The verification page: any signed-in user uploads a PDF and sees who signed it, when, and
whether it was changed since. The file is read in memory and not stored; nothing is written."""

from __future__ import annotations

from django import forms
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from resmon.core.errors import ValidationFailed
from resmon.core.views import page

from ..signing.uploads import read_upload, upload_limit_text


class VerifyForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("PDF file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,application/pdf", "class": "form-control"}),
    )


@page
@never_cache
@require_http_methods(["GET", "POST"])
def verify(request):
    form = VerifyForm(request.POST, request.FILES) if request.method == "POST" else VerifyForm()
    context = {"form": form, "limit": upload_limit_text()}
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                data = read_upload(form.cleaned_data["file"])
            except ValidationFailed as exc:
                form.add_error("file", str(exc.message))
                status = exc.status
            else:
                from ..signing import verify_pdf  # pyhanko on first use (signing/__init__)

                context["result"] = verify_pdf(data)
                context["file_name"] = form.cleaned_data["file"].name or ""
                status = 200
    return render(request, "exports/verify.html", context, status=status)


urlpatterns: list[URLPattern] = [
    path("verify/", verify, name="verify"),
]
