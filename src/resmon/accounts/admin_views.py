"""Account administration pages: only agency and system administrators; everyone else gets a 404.

Temporary passwords are rendered once in the response that created them (never stored in clear,
never put in a URL); those pages are sent with ``Cache-Control: no-store``.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from resmon.agencies.selectors import agencies_visible
from resmon.audit.selectors import entries_for
from resmon.core.errors import DomainError, NotFound

from . import imports, selectors, services, services_otp
from .forms import DeactivateForm, ImportForm, UserCreateForm, UserEditForm, UserFilterForm
from .reauth import posting, reauth_required

PAGE_SIZE = 50


def administrators_only(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not selectors.may_administer(request.user):
            raise Http404
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404 from None

    return wrapper


def _add_domain_error(form, exc: DomainError) -> None:
    if exc.errors:
        for name, msgs in exc.errors.items():
            target = name if name in form.fields else None
            for msg in msgs:
                form.add_error(target, msg)
    else:
        form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))


@administrators_only
@require_GET
def user_list(request):
    agencies = selectors.manageable_agencies(request.user)
    form = UserFilterForm(agencies, request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    agency = None
    if filters.get("agency"):
        agency = agencies_visible(request.user).filter(pk=filters["agency"]).first()
    active = {"1": True, "0": False}.get(filters.get("active") or "")
    qs = selectors.search_users(
        request.user, q=filters.get("q", ""), agency=agency, role=filters.get("role", ""), active=active
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"form": form, "page": page})


def _agency_search(request, data) -> str:
    return (data.get("agency_q") or "").strip() if data else (request.GET.get("agency_q") or "").strip()


def _creating(request) -> bool:
    return request.method == "POST" and "find_agency" not in request.POST


@administrators_only
@never_cache
@reauth_required(when=_creating)
def user_create(request):
    data = request.POST if request.method == "POST" else None
    agency_q = _agency_search(request, data)
    agencies = selectors.manageable_agencies(request.user, agency_q)
    initial = {}
    if request.GET.get("agency"):
        initial["agency"] = agencies_visible(request.user).filter(pk=request.GET["agency"]).first()
    elif len(agencies) == 1:
        initial["agency"] = agencies[0]
    searching = data is not None and "find_agency" in data
    if searching:
        # narrowing the agency list: keep what was typed, without validating it yet
        initial = {k: v for k, v in data.items() if k in UserCreateForm.base_fields}
        data = None
    form = UserCreateForm(request.user, agencies, data, initial=initial)
    if data is not None and form.is_valid():
        try:
            user, temp = services.create_user(
                request.user,
                username=form.cleaned_data["username"],
                full_name=form.cleaned_data["full_name"],
                agency=form.cleaned_data["agency"],
                role=form.cleaned_data["role"],
                email=form.cleaned_data["email"],
                position=form.cleaned_data["position"],
                phone=form.cleaned_data["phone"],
            )
        except DomainError as exc:
            _add_domain_error(form, exc)
        else:
            context = {"account": user, "temporary_password": temp}
            return render(request, "accounts/user_created.html", context)
    return render(
        request,
        "accounts/user_form.html",
        {
            "form": form,
            "agency_q": agency_q,
            "agency_count": len(agencies),
            "agency_limit": selectors.MAX_AGENCY_OPTIONS,
        },
    )


@administrators_only
@require_GET
def agency_options(request):
    """<option> elements for the agency picker, searched by code or name (htmx)."""
    agencies = selectors.manageable_agencies(request.user, request.GET.get("agency_q", ""))
    return render(request, "accounts/_agency_options.html", {"agencies": agencies})


@administrators_only
@never_cache
@reauth_required(when=posting)
def user_detail(request, user_id: int):
    account = selectors.get_user(request.user, user_id)
    action = request.POST.get("action") if request.method == "POST" else None
    agencies = selectors.manageable_agencies(request.user)
    edit_initial = {
        "full_name": account.full_name,
        "position": account.position,
        "agency": account.agency,
        "role": account.role,
        "email": account.email,
        "phone": account.phone,
    }
    edit_form = UserEditForm(
        request.user, agencies, request.POST if action == "update" else None, initial=edit_initial
    )
    deactivate_form = DeactivateForm(request.POST if action == "deactivate" else None)
    context = {"account": account}
    try:
        if action == "update" and edit_form.is_valid():
            services.update_user(request.user, account, **edit_form.cleaned_data)
            messages.success(request, _("The account has been updated."))
            return redirect("accounts:user_detail", user_id=account.pk)
        if action == "deactivate" and deactivate_form.is_valid():
            services.deactivate_user(request.user, account, deactivate_form.cleaned_data["reason"])
            messages.success(request, _("The account has been deactivated."))
            return redirect("accounts:user_detail", user_id=account.pk)
        if action == "reactivate":
            services.reactivate_user(request.user, account)
            messages.success(request, _("The account has been reactivated."))
            return redirect("accounts:user_detail", user_id=account.pk)
        if action == "reset_password":
            context["temporary_password"] = services.reset_password(request.user, account)
        if action == "reset_two_factor":
            services_otp.reset(request.user, account, request)
            messages.success(
                request, _("Two-factor sign-in has been reset: it is set up again at the next sign-in.")
            )
            return redirect("accounts:user_detail", user_id=account.pk)
    except DomainError as exc:
        if action == "update":
            _add_domain_error(edit_form, exc)
        elif action == "deactivate":
            _add_domain_error(deactivate_form, exc)
        else:
            context["action_error"] = str(exc.message)
    account.refresh_from_db()
    context.update(
        {
            "edit_form": edit_form,
            "deactivate_form": deactivate_form,
            "may_manage": services.can_manage(request.user, account),
            "is_self": account.pk == request.user.pk,
            "two_factor": services_otp.is_enrolled(account),
            "history": entries_for(request.user, object_type="accounts.user", object_id=account.pk)[:20],
        }
    )
    status = 400 if request.method == "POST" and "temporary_password" not in context else 200
    return render(request, "accounts/user_detail.html", context, status=status)


@administrators_only
@never_cache
@reauth_required(when=posting)
def user_import(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {"form": form, "max_rows": imports.MAX_ROWS}
    if request.method == "POST" and form.is_valid():
        try:
            result = services.bulk_import(request.user, form.cleaned_data["file"])
        except DomainError as exc:
            form.add_error("file", str(exc.message))
        else:
            context["result"] = result
            if result.ok:
                context["credentials"] = [
                    (u.username, u.full_name, u.agency.code if u.agency_id else "", temp)
                    for u, temp in result.created
                ]
            return render(request, "accounts/user_import.html", context, status=200 if result.ok else 400)
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/user_import.html", context, status=status)


@administrators_only
@require_GET
def user_import_template(request, fmt: str):
    if fmt == "csv":
        response = HttpResponse(imports.template_csv(), content_type="text/csv; charset=utf-8")
        name = "mau-tai-khoan.csv"
    elif fmt == "xlsx":
        code = request.user.agency.code if request.user.agency_id else ""
        response = HttpResponse(
            imports.template_xlsx(code),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        name = "mau-tai-khoan.xlsx"
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@administrators_only
@require_POST
@never_cache
def user_import_credentials(request):
    """The created accounts and their temporary passwords as CSV. The server keeps no copy of the
    passwords: the import result page posts them back here from its own form."""
    fields = [request.POST.getlist(k) for k in ("username", "full_name", "agency_code", "password")]
    if not fields[0] or len({len(f) for f in fields}) != 1:
        raise Http404
    rows = list(zip(*fields, strict=True))
    response = HttpResponse(imports.credentials_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="tai-khoan-moi.csv"'
    return response
