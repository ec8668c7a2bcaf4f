"""The forms of the reporting pages. They only read what the user typed (forgivingly: numbers
with a comma or a point, dates as dd/mm/yyyy); every rule about reports lives in the services."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from resmon.core.dates import DateField

from .models import Classification, Evidence

DATE_ERROR = {"invalid": _("Write the date as dd/mm/yyyy, e.g. 31/03/2026.")}
TEXT_MAX = 20000


def new_key() -> str:
    """A fresh idempotency key for a form that creates or moves something (a retry reuses it)."""
    return str(uuid.uuid4())


def plain_number(value: Any) -> str:
    """A stored number as the user would type it back: no grouping, the language's decimal mark."""
    if value is None or value == "":
        return ""
    number = Decimal(str(value)).normalize()
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    return format(number, "f").replace(".", str(formats.get_format("DECIMAL_SEPARATOR")))


def text_area(rows: int = 3, **attrs: Any) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "class": "form-control", **attrs})


class WorkflowKeyMixin(forms.Form):
    """The hidden fields of a write that must not happen twice or on a stale copy."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=100)

    def expected_version(self) -> int | None:
        return self.cleaned_data.get("version")


# --- the report itself ------------------------------------------------------------------------

LINE_FIELDS = ("results", "obstacles", "percent_done", "completed_on", "milestones")


def line_key(task_id: int, name: str) -> str:
    return f"line-{task_id}-{name}"


def kpi_key(indicator_id: int, name: str) -> str:
    return f"kpi-{indicator_id}-{name}"


class ReportForm(forms.Form):
    """The whole editable report: overall texts, one group of fields per line (task), one value
    and explanation per KPI. Only what the user changed is sent to the services."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    results = forms.CharField(
        label=_("Overall results"), required=False, max_length=TEXT_MAX, widget=text_area(4)
    )
    obstacles = forms.CharField(
        label=_("Difficulties and obstacles"), required=False, max_length=TEXT_MAX, widget=text_area(3)
    )
    next_steps = forms.CharField(
        label=_("Tasks for the next period"), required=False, max_length=TEXT_MAX, widget=text_area(3)
    )

    def __init__(
        self,
        data: Any = None,
        *,
        report: Any,
        lines: list[Any],
        leaf_ids: set[int],
        kpis: list[Any] = (),  # type: ignore[assignment]
    ) -> None:
        self.report = report
        self.lines = lines
        self.kpis = list(kpis)
        initial: dict[str, Any] = {
            "version": report.version,
            "results": report.results,
            "obstacles": report.obstacles,
            "next_steps": report.next_steps,
        }
        if data is not None:
            data = data.copy()  # the view puts the new version back after a partial save
        super().__init__(data, initial=initial)
        for line in lines:
            tid = line.task_id
            self.fields[line_key(tid, "results")] = forms.CharField(
                label=_("Results"), required=False, max_length=TEXT_MAX, widget=text_area(3)
            )
            self.fields[line_key(tid, "obstacles")] = forms.CharField(
                label=_("Difficulties and obstacles"),
                required=False,
                max_length=TEXT_MAX,
                widget=text_area(2),
            )
            if tid in leaf_ids:
                self.fields[line_key(tid, "percent_done")] = forms.CharField(
                    label=_("Percent done"),
                    required=False,
                    max_length=12,
                    widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "form-control"}),
                    help_text=_("From 0 to 100, e.g. 45 or 45,5."),
                )
            self.fields[line_key(tid, "completed_on")] = DateField(
                label=_("Completed on"), required=False, error_messages=DATE_ERROR
            )
            milestones = list(line.task.milestones.all())
            if milestones:
                self.fields[line_key(tid, "milestones")] = forms.MultipleChoiceField(
                    label=_("Milestones reached"),
                    required=False,
                    choices=[(str(m.pk), milestone_label(m)) for m in milestones],
                    widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
                )
            self.initial.update(
                {
                    line_key(tid, "results"): line.results,
                    line_key(tid, "obstacles"): line.obstacles,
                    line_key(tid, "percent_done"): plain_number(line.percent_done),
                    line_key(tid, "completed_on"): line.completed_on,
                    line_key(tid, "milestones"): [str(m.pk) for m in line.milestones_reached.all()],
                }
            )
        for row in self.kpis:
            iid = row.indicator.pk
            observation = row.observation
            self.fields[kpi_key(iid, "value")] = forms.CharField(
                label=str(row.indicator),
                required=False,
                max_length=40,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "form-control"}),
            )
            self.fields[kpi_key(iid, "explanation")] = forms.CharField(
                label=_("Explanation of the value"),
                required=False,
                max_length=TEXT_MAX,
                widget=text_area(2),
            )
            self.initial[kpi_key(iid, "value")] = plain_number(observation.value) if observation else ""
            self.initial[kpi_key(iid, "explanation")] = observation.explanation if observation else ""

    # --- what changed, in the services' terms

    def expected_version(self) -> int | None:
        return self.cleaned_data.get("version")

    def report_changes(self) -> dict[str, Any]:
        """The keyword arguments of ``save_report`` for what the user changed (empty: nothing)."""
        changed = set(self.changed_data)
        texts = ("results", "obstacles", "next_steps")
        out: dict[str, Any] = {n: self.cleaned_data[n] for n in texts if n in changed}
        lines = []
        for line in self.lines:
            entry: dict[str, Any] = {}
            for name in LINE_FIELDS:
                key = line_key(line.task_id, name)
                if key not in self.fields or key not in changed:
                    continue
                value = self.cleaned_data[key]
                if name == "percent_done":
                    value = value.strip() or None
                elif name == "milestones":
                    value = [int(v) for v in value]
                entry[name] = value
            if entry:
                lines.append({"task": line.task_id, **entry})
        if lines:
            out["lines"] = lines
        return out

    def kpi_changes(self) -> list[tuple[Any, str, str]]:
        """(KPI row, value text, explanation) for each KPI the user changed."""
        changed = set(self.changed_data)
        out = []
        for row in self.kpis:
            iid = row.indicator.pk
            if kpi_key(iid, "value") in changed or kpi_key(iid, "explanation") in changed:
                out.append(
                    (
                        row,
                        self.cleaned_data[kpi_key(iid, "value")].strip(),
                        self.cleaned_data[kpi_key(iid, "explanation")].strip(),
                    )
                )
        return out

    def value_changed(self, row: Any) -> bool:
        return kpi_key(row.indicator.pk, "value") in self.changed_data

    def set_version(self, version: int) -> None:
        """After a (partial) save, the next save starts from the new version."""
        if self.is_bound:
            self.data["version"] = str(version)
        else:
            self.initial["version"] = version

    def typed(self) -> list[tuple[str, str]]:
        """What the user typed that differs from the report as it is now, as (what, text) pairs in
        the order of the page: shown when it could not be saved, so nothing typed is lost."""
        if not self.is_bound:
            return []
        places = {line_key(line.task_id, ""): line.task for line in self.lines}
        kpis = {kpi_key(row.indicator.pk, ""): row.indicator for row in self.kpis}
        out = []
        for name, field in self.fields.items():
            if name == "version" or name not in self.data:
                continue
            bound = self[name]
            if not field.has_changed(bound.initial, bound.data):
                continue
            if isinstance(field, forms.MultipleChoiceField):
                chosen = {str(v) for v in bound.data or ()}
                text = "; ".join(
                    str(label) for value, label in getattr(field, "choices", ()) if value in chosen
                )
            else:
                text = str(bound.data or "").strip()
            label = str(field.label)
            prefix = name[: name.rfind("-") + 1]  # "line-<task>-" or "kpi-<indicator>-" ("": the report's)
            if prefix in places:
                task = places[prefix]
                label = f"{task.code} {task.title} – {label}".strip()
            elif prefix in kpis and name.endswith("-explanation"):
                label = f"{kpis[prefix]} – {label}"
            out.append((label, text))
        return out

    def add_domain_errors(self, errors: dict[str, list[str]], *, kpi: Any = None) -> None:
        """Put a service's errors next to their fields: "lines.<task>.<field>" for a line's field,
        the field's own name for the report's (or, with ``kpi``, for that KPI's)."""
        for key, messages in errors.items():
            target = self.field_for(key, kpi=kpi)
            for message in messages:
                self.add_error(target, str(message))

    def field_for(self, key: str | None, *, kpi: Any = None) -> str | None:
        if not key:
            return None
        if kpi is not None:
            iid = kpi.indicator.pk
            name = kpi_key(iid, "explanation") if key == "explanation" else kpi_key(iid, "value")
            return name if name in self.fields else None
        if key.startswith("lines."):
            parts = key.split(".")
            if len(parts) == 3 and parts[1].isdigit():
                name = line_key(int(parts[1]), parts[2])
                if name in self.fields:
                    return name
                # a parent's percent or an unknown field: show it by the line's results
                fallback = line_key(int(parts[1]), "results")
                return fallback if fallback in self.fields else None
            return None
        return key if key in self.fields else None


def milestone_label(m: Any) -> str:
    label = f"{m.name} ({formats.date_format(m.due_date, 'SHORT_DATE_FORMAT')})"
    if m.done_on:
        done = formats.date_format(m.done_on, "SHORT_DATE_FORMAT")
        label += " – " + str(_("done on %(date)s") % {"date": done})
    return label


# --- evidence ---------------------------------------------------------------------------------


class EvidenceForm(WorkflowKeyMixin):
    """Minh chứng for one line. The classification comes first: a document classified Mật or
    above is recorded by its number and date only."""

    classification = forms.ChoiceField(
        label=_("Classification (độ mật)"),
        choices=Classification.choices,
        initial=Classification.NORMAL,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        help_text=_(
            "Choose the classification first. Documents classified Mật or above are never uploaded "
            "or linked: record only their number and date."
        ),
    )
    kind = forms.ChoiceField(
        label=_("Evidence as"),
        choices=Evidence.Kind.choices,
        initial=Evidence.Kind.FILE,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    title = forms.CharField(label=_("Title"), max_length=300)
    file = forms.FileField(
        label=_("File"),
        required=False,
        help_text=_("PDF, Word, Excel, PowerPoint, OpenDocument, PNG or JPEG."),
    )
    url = forms.CharField(label=_("Link (http or https)"), required=False, max_length=500)
    doc_number = forms.CharField(label=_("Document number"), required=False, max_length=100)
    doc_date = DateField(label=_("Document date"), required=False, error_messages=DATE_ERROR)

    def __init__(self, *args: Any, line: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"ev{line.pk}")
        kwargs.setdefault("initial", {"idempotency_key": new_key()})
        super().__init__(*args, **kwargs)
        self.line = line
        self.form_id = f"ev-form-{line.pk}"
        self.fields["version"].widget.attrs["data-report-version"] = True  # report.js keeps it current
        for field in self.fields.values():
            field.widget.attrs["form"] = self.form_id  # the inputs sit inside the report form
            if not isinstance(field.widget, (forms.RadioSelect, forms.HiddenInput)):
                field.widget.attrs.setdefault("class", "form-control")


# --- workflow ---------------------------------------------------------------------------------

TRANSITIONS = ("submit", "send_back", "approve", "accept", "return", "reopen")


class TransitionForm(WorkflowKeyMixin):
    """One workflow step; ``reason`` carries the reason (return, reopen) or the note (send back)."""

    action = forms.ChoiceField(choices=[(a, a) for a in TRANSITIONS], widget=forms.HiddenInput)
    reason = forms.CharField(required=False, max_length=2000, widget=text_area(3, maxlength=2000))

    def __init__(self, *args: Any, action: str, **kwargs: Any) -> None:
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("action", action)
        initial.setdefault("idempotency_key", new_key())
        super().__init__(*args, **kwargs)
        reason = self.fields["reason"]
        reason.label = {
            "return": _("Reason for returning"),
            "reopen": _("Reason for reopening"),
            "send_back": _("Note to the officer"),
        }.get(action, _("Reason"))
        reason.widget.attrs["id"] = f"id_reason_{action}"
        if action in ("return", "reopen"):
            reason.widget.attrs["required"] = True  # the service says what a good reason needs


# --- proposals and explanations ------------------------------------------------------------------


class ProposalForm(forms.Form):
    text = forms.CharField(label=_("Proposal"), max_length=TEXT_MAX, widget=text_area(3))
    line = forms.TypedChoiceField(label=_("About the task"), required=False, coerce=int, empty_value=None)
    addressed_to = forms.TypedChoiceField(
        label=_("Addressed to"), required=False, coerce=int, empty_value=None
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, lines: list[Any], levels: list[Any], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "proposal")
        super().__init__(*args, **kwargs)
        self.levels = levels
        self.fields["line"].choices = [("", _("The whole report"))] + [
            (line.pk, f"{line.task.code} {line.task.title}".strip()[:120]) for line in lines
        ]
        self.fields["addressed_to"].choices = [(a.pk, a.name) for a in levels]
        self.fields["line"].widget.attrs["class"] = "form-select"
        self.fields["addressed_to"].widget.attrs["class"] = "form-select"


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), max_length=TEXT_MAX, widget=text_area(4))


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=text_area(2))


class ForwardForm(forms.Form):
    to_agency = forms.TypedChoiceField(label=_("Forward to"), coerce=int)
    note = forms.CharField(label=_("Note"), max_length=2000, widget=text_area(2))

    def __init__(self, *args: Any, levels: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_agency"].choices = [(a.pk, a.name) for a in levels]
        self.fields["to_agency"].widget.attrs["class"] = "form-select"


class ExplanationForm(forms.Form):
    question = forms.CharField(
        label=_("What needs explaining"),
        max_length=TEXT_MAX,
        widget=text_area(4),
        help_text=_("Say what is late or off track and what the answer should cover."),
    )
    due_date = DateField(label=_("Answer by"), error_messages=DATE_ERROR)


class ReviewRuleForm(forms.Form):
    wait_for_all = forms.BooleanField(
        label=_("Accept reports only after every agency under us has sent its report"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
