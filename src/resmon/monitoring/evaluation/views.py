"""/monitoring/evaluation/: the list for a quarter or a year and a subtree (with the computation and
the cap check), one evaluation with the inputs behind its score and the three steps side by side,
the rule, and the list as Excel."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from resmon.core import clock
from resmon.core.errors import DomainError, ValidationFailed
from resmon.core.views import page
from resmon.planning.bands import percent_text

from . import explain, permissions, selectors, services
from .forms import AppraisalForm, ComputeForm, DecisionForm, RuleForm, SelfAssessmentForm
from .models import CRITERIA, WEIGHT_FIELDS, Level, State
from .services import export

PER_PAGE = 50
NAV = {"nav_section": "evaluation"}
SHOWN = {
    "self": permissions.may_self_assess,
    "appraise": permissions.may_appraise,
    "decide": permissions.may_decide,
}


def put_errors(form: Any, exc: DomainError) -> None:
    """Every field error a service collected next to its field (the rest at the top of the form)."""
    errors = exc.errors or {exc.field or "": [str(exc.message)]}
    shown = set()
    for key, msgs in errors.items():
        target = key if key in form.fields else None
        for message in msgs:
            form.add_error(target, str(message))
            shown.add(str(message))
    if str(exc.message) not in shown:
        form.add_error(None, str(exc.message))


def _on(params: Any) -> tuple[Any, Any]:
    """The quarter or year of the list: ``on=q<id>`` / ``on=y<year>`` (the page's one picker), or
    ``period`` / ``year`` (links, the API's names)."""
    raw = str(params.get("on", "")).strip()
    if raw[:1] == "q":
        return raw[1:], None
    if raw[:1] == "y":
        return None, raw[1:]
    return params.get("period", ""), params.get("year", "")


class ListFilters:
    """The list's filters from the query string: a bad quarter or year falls back to the default
    with a message; an agency outside the scope is a 404."""

    def __init__(self, user: Any, params: Any) -> None:
        self.errors: list[str] = []
        period, year = _on(params)
        try:
            self.target = selectors.pick_target(period, year)
        except ValidationFailed as exc:
            self.errors.append(_("%(message)s The last quarter is shown.") % {"message": exc.message})
            self.target = selectors.default_target()
        self.root = selectors.pick_root(user, params.get("agency", ""))
        state = str(params.get("state", "")).strip()
        self.state = state if state in State.values else ""
        level = str(params.get("level", "")).strip()
        self.level = level if level in Level.values else ""
        self.q = str(params.get("q", "")).strip()[:200]
        self.todo = str(params.get("todo", "")).strip() in ("1", "on", "true")

    @property
    def on(self) -> str:
        t = self.target
        return f"q{t.period.pk}" if t.period is not None else f"y{t.year}"

    def query(self, **extra: Any) -> str:
        params: dict[str, Any] = {"on": self.on, "agency": self.root.pk}
        for key in ("state", "level", "q"):
            if getattr(self, key):
                params[key] = getattr(self, key)
        if self.todo:
            params["todo"] = 1
        params.update({k: v for k, v in extra.items() if v not in (None, "")})
        return urlencode(params)

    def queryset(self, user: Any):
        return selectors.evaluations_for(
            user,
            self.target,
            self.root,
            state=self.state or None,
            level=self.level or None,
            q=self.q,
            todo=self.todo,
        )


def _choices() -> tuple[list[Any], list[int]]:
    quarters = list(selectors.quarters()[:40])
    years = sorted({p.year for p in quarters}, reverse=True)
    return quarters, years


def _compute(request: Any, f: ListFilters, form: ComputeForm) -> Any:
    """The computation asked from the list (POST): a message with the counts, back to the list."""
    if not form.is_valid():
        return None
    t = f.target
    try:
        result = services.compute_evaluations(
            request.user,
            period=t.period.pk if t.period is not None else None,
            year=t.year if t.period is None else None,
            agency=f.root,
            agency_kind=form.cleaned_data.get("agency_kind") or None,
        )
    except DomainError as exc:
        put_errors(form, exc)
        return None
    messages.success(
        request,
        _(
            "Evaluations of %(period)s computed: %(created)s new, %(refreshed)s refreshed, %(kept)s kept as "
            "they were (already appraised or decided)."
        )
        % {
            "period": t.label,
            "created": len(result.created),
            "refreshed": len(result.refreshed),
            "kept": len(result.kept),
        },
    )
    return redirect(reverse("evaluation:list") + "?" + f.query())


@page
def evaluation_list(request):
    user = request.user
    f = ListFilters(user, request.GET)
    may_compute = permissions.may_compute_under(user, f.root)
    form = ComputeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if may_compute:
            done = _compute(request, f, form)
            if done is not None:
                return done
        else:
            messages.error(
                request, _("You may not compute evaluations for this subtree; nothing was changed.")
            )
            return redirect(reverse("evaluation:list") + "?" + f.query())
    rule = selectors.current_rule()
    cap = selectors.cap_for(selectors.base(user, f.target, f.root), rule.cap_percent)
    rows = Paginator(f.queryset(user), PER_PAGE).get_page(request.GET.get("page"))
    quarters, years = _choices()
    return render(
        request,
        "evaluation/list.html",
        {
            **NAV,
            "f": f,
            "rows": rows,
            "rule": rule,
            "cap": cap,
            "cap_text": explain.cap_text(rule),
            "quarters": quarters,
            "years": years,
            "states": State.choices,
            "levels": Level.choices,
            "may_compute": may_compute,
            "compute_form": form,
            "export_url": reverse("evaluation:export") + "?" + f.query(),
            "todo_url": reverse("evaluation:list") + "?" + f.query(todo=1),
            "awaiting": selectors.evaluations_for(user, f.target, f.root, todo=True).count(),
        },
    )


def _step(request: Any, ev: Any, action: str, forms: dict[str, Any]) -> Any:
    """One step posted from the detail page; the redirect on success, None otherwise."""
    user = request.user
    form: Any
    if action == "self":
        form = forms["self"] = SelfAssessmentForm(request.POST, prefix="self")
        if form.is_valid():
            d = form.cleaned_data
            services.self_assess(
                user, ev, level=d["level"], comment=d["comment"], expected_version=d.get("version")
            )
            messages.success(
                request, _("The self-assessment has been recorded; the supervising agency is told.")
            )
            return True
    elif action == "appraise":
        form = forms["appraise"] = AppraisalForm(request.POST, prefix="appraise")
        if form.is_valid():
            d = form.cleaned_data
            services.appraise(
                user,
                ev,
                level=d["level"],
                comment=d["comment"],
                proposal=d["proposal"],
                expected_version=d.get("version"),
            )
            messages.success(
                request, _("The appraisal and proposal have been recorded; the competent body is told.")
            )
            return True
    elif action == "decide":
        form = forms["decide"] = DecisionForm(request.POST, prefix="decide")
        if form.is_valid():
            d = form.cleaned_data
            services.decide(
                user,
                ev,
                level=d["level"],
                number=d["decision_number"],
                decided_on=d["decision_date"],
                note=d["note"],
                expected_version=d.get("version"),
            )
            messages.success(request, _("The decision has been recorded; the agency is told."))
            return True
    elif action == "recompute":
        services.compute_evaluations(
            user,
            period=ev.period_id,
            year=ev.year if ev.period_id is None else None,
            agency=user.agency if user.agency_id else ev.supervisor,
            agencies=[ev.agency],
        )
        messages.success(request, _("The score has been recomputed with the data and the rule of today."))
        return True
    else:
        messages.error(request, _("Unknown action; nothing was changed."))
        return True
    return None


@page
def evaluation_detail(request, pk):
    user = request.user
    ev = selectors.get_evaluation(user, pk)
    initial = {"version": ev.version}
    forms: dict[str, Any] = {
        "self": SelfAssessmentForm(
            prefix="self",
            initial={**initial, "level": ev.self_level or ev.proposed_level, "comment": ev.self_comment},
        ),
        "appraise": AppraisalForm(
            prefix="appraise",
            initial={
                **initial,
                "level": ev.appraisal_level or ev.self_level,
                "comment": ev.appraisal_comment,
                "proposal": ev.appraisal_proposal,
            },
        ),
        "decide": DecisionForm(
            prefix="decide",
            initial={
                **initial,
                "level": ev.appraisal_level,
                "decision_date": clock.today().strftime("%d/%m/%Y"),
            },
        ),
    }
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if _step(request, ev, action, forms):
                return redirect("evaluation:detail", pk=ev.pk)
        except DomainError as exc:
            ev = selectors.get_evaluation(user, pk)
            form = forms.get(action)
            if form is not None and SHOWN[action](user, ev):
                put_errors(form, exc)  # next to the fields of the form still on the page
            else:  # the step is no longer the user's to take (someone moved the evaluation on)
                messages.error(request, str(exc.message))
                return redirect("evaluation:detail", pk=ev.pk)
        ev = selectors.get_evaluation(user, pk)
    rule = explain.rule_of(ev)
    current = selectors.current_rule()
    rows = explain.criteria(ev)
    return render(
        request,
        "evaluation/detail.html",
        {
            **NAV,
            "ev": ev,
            "rows": rows,
            "not_applicable": explain.not_applicable(rows),
            "rule": rule,
            "bands_text": explain.bands_text(rule),
            "rule_changed": current.as_dict() != rule.as_dict(),
            "cap": selectors.cap_among_siblings(user, ev, current.cap_percent),
            "cap_text": explain.cap_text(current),
            "parent": ev.supervisor,
            "as_of": explain.as_of(ev),
            "may_self": permissions.may_self_assess(user, ev),
            "may_appraise": permissions.may_appraise(user, ev),
            "may_decide": permissions.may_decide(user, ev),
            "may_recompute": permissions.may_recompute(user, ev),
            "self_form": forms["self"],
            "appraise_form": forms["appraise"],
            "decide_form": forms["decide"],
            "list_url": _list_url(user, ev),
        },
    )


def _list_url(user: Any, ev: Any) -> str:
    """Back to the list of the same quarter or year, under the supervising agency when visible."""
    params: dict[str, Any] = {"on": f"q{ev.period_id}" if ev.period_id else f"y{ev.year}"}
    parent = ev.supervisor
    if parent is not None and user.scope.reads(parent.path):
        params["agency"] = parent.pk
    return reverse("evaluation:list") + "?" + urlencode(params)


def _rule_initial(rule: Any, version: int) -> dict[str, Any]:
    initial: dict[str, Any] = {WEIGHT_FIELDS[k]: rule.weights.get(k, 0) for k in CRITERIA}
    for key in ("excellent_from", "good_from", "pass_from", "cap_percent"):
        initial[key] = percent_text(getattr(rule, key))
    initial["version"] = version
    return initial


@page
@never_cache
def evaluation_rule(request):
    """The rule: published to everyone signed in; system administrators change it."""
    user = request.user
    row = selectors.rule_row()
    rule = selectors.rule_of(row)
    may_set = services.may_set_rule(user)
    form = RuleForm(initial=_rule_initial(rule, row.version if row is not None else 0))
    if request.method == "POST":
        if not may_set:
            messages.error(request, _("Only system administrators may change the evaluation rule."))
            return redirect("evaluation:rule")
        form = RuleForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.set_rule(
                    user,
                    weights=form.weights(),
                    excellent_from=d["excellent_from"],
                    good_from=d["good_from"],
                    pass_from=d["pass_from"],
                    cap_percent=d["cap_percent"],
                    expected_version=d.get("version"),
                )
            except DomainError as exc:
                put_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("The evaluation rule was saved. It applies to evaluations computed from now on."),
                )
                return redirect("evaluation:rule")
    return render(
        request,
        "evaluation/rule.html",
        {
            **NAV,
            "row": row,
            "rule": rule,
            "may_set": may_set,
            "form": form,
            "criteria": [
                (explain.CRITERION_LABELS[k], explain.CRITERION_RULES[k], rule.weights.get(k, 0))
                for k in CRITERIA
            ],
            "bands_text": explain.bands_text(rule),
            "cap_text": explain.cap_text(rule),
            "weight_fields": [form[WEIGHT_FIELDS[k]] for k in CRITERIA],
            "band_fields": [form[k] for k in ("excellent_from", "good_from", "pass_from", "cap_percent")],
        },
    )


@page
def evaluation_export(request):
    """The list as Excel, with the list's filters (every page)."""
    f = ListFilters(request.user, request.GET)
    if f.errors:
        messages.error(request, " ".join(f.errors) + " " + _("Nothing was downloaded."))
        return redirect(reverse("evaluation:list") + "?" + f.query())
    file = export.download(
        request.user, f.target, f.root, state=f.state or None, level=f.level or None, q=f.q, todo=f.todo
    )
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
