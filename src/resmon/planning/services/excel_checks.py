"""Checking an action programme's Excel rows: every row and column, before anything is saved."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from resmon.agencies.models import Agency
from resmon.core import classified, clock

from .. import excel_format as fmt
from ..models import ActionProgram, Task
from .excel_rows import (
    MAX_LENGTHS,
    WEIGHT_MAX,
    CellError,
    ImportRejected,
    ParsedRow,
    Sheet,
    cell_text,
    file_error,
    parse_due,
    parse_weight,
    split_list,
)


def _agency_maps(program: ActionProgram, sheet: Sheet) -> tuple[dict[str, Agency], dict[str, Agency]]:
    """The programme agency's subtree by code (one query), and the other agencies the file names."""
    inside = {
        a.code.upper(): a
        for a in Agency.objects.filter(path__startswith=program.agency.path).only(
            "id", "code", "name", "path", "valid_from", "valid_to"
        )
    }
    named: set[str] = set()
    for key in ("lead", "coordinating"):
        index = sheet.columns.get(key)
        if index is None:
            continue
        for _n, values in sheet.rows:
            if index < len(values):
                named.update(c.upper() for c in split_list(cell_text(values[index])) if c)
    outside_codes = named - set(inside)
    outside = (
        {
            a.code.upper(): a
            for a in Agency.objects.filter(
                code__in=[c for c in outside_codes] + [c.lower() for c in outside_codes]
            ).only("id", "code", "name", "path", "valid_from", "valid_to")
        }
        if outside_codes
        else {}
    )
    return inside, outside


def validate_rows(
    sheet: Sheet, program: ActionProgram, existing: dict[int, Task]
) -> tuple[list[ParsedRow], dict[str, Any]]:
    """Check every row and column; the parsed rows, or ImportRejected with every problem found."""
    errors: list[CellError] = []
    letters = {key: _letter(index) for key, index in sheet.columns.items()}

    def err(row: int, key: str, message: str) -> None:
        errors.append(CellError(row, letters.get(key, ""), fmt.COLUMN_BY_KEY[key].header, message))

    if sheet.program_id not in (None, "") and cell_text(sheet.program_id) != str(program.pk):
        raise file_error(
            _(
                "This file belongs to another programme (ID %(other)s); "
                "export this programme and use that file."
            )
            % {"other": cell_text(sheet.program_id)[:20]}
        )
    inside, outside = _agency_maps(program, sheet)
    clause_ids = dict(program.resolution.clauses.values_list("reference", "id"))
    clause_upper = {ref.upper(): ref for ref in clause_ids}
    today = clock.today()
    rows: list[ParsedRow] = []
    seen_codes: dict[str, int] = {}
    seen_ids: dict[int, int] = {}

    for number, values in sheet.rows:

        def get(key: str, values: tuple[Any, ...] = values) -> Any:
            index = sheet.columns.get(key)
            return values[index] if index is not None and index < len(values) else None

        def present(key: str) -> bool:
            return key in sheet.columns

        for key, limit in MAX_LENGTHS.items():
            if key != "sub_deliverables" and len(cell_text(get(key))) > limit:
                err(number, key, _("Enter at most %(n)d characters.") % {"n": limit})
        for key in sheet.columns:
            if classified.mark_in_text(cell_text(get(key))):
                err(number, key, str(classified.TEXT_MESSAGE))

        code = cell_text(get("code"))
        parts = fmt.code_parts(code)
        if not code:
            err(number, "code", _("Give the task's code, like 1, 1.2 or 1.2.3."))
        elif parts is None:
            err(number, "code", _("“%(code)s” is not a code like 1, 1.2 or 1.2.3.") % {"code": code[:40]})
        elif code in seen_codes:
            err(
                number,
                "code",
                _("The code %(code)s is already used in row %(row)d.")
                % {"code": code, "row": seen_codes[code]},
            )
        else:
            seen_codes[code] = number

        task_id: int | None = None
        raw_id = cell_text(get("id"))
        if raw_id:
            if not raw_id.isdigit():
                err(
                    number,
                    "id",
                    _("The ID must be a task number from the exported file; leave it empty for a new task."),
                )
            elif int(raw_id) not in existing:
                err(
                    number,
                    "id",
                    _("The task with ID %(id)s does not belong to this programme.") % {"id": raw_id},
                )
            elif int(raw_id) in seen_ids:
                err(
                    number,
                    "id",
                    _("The task with ID %(id)s is already in row %(row)d.")
                    % {"id": raw_id, "row": seen_ids[int(raw_id)]},
                )
            else:
                task_id = int(raw_id)
                seen_ids[task_id] = number
        old = existing.get(task_id) if task_id else None

        title = cell_text(get("title"))
        if not title:
            err(number, "title", _("A task needs a title that states the action and its scope."))

        lead_code = cell_text(get("lead"))
        lead = inside.get(lead_code.upper()) if lead_code else None
        if not lead_code:
            err(number, "lead", _("Give the code of the lead agency."))
        elif lead is None:
            if lead_code.upper() in outside:
                err(
                    number,
                    "lead",
                    _("The agency %(code)s is not the programme's agency or under it.") % {"code": lead_code},
                )
            else:
                err(number, "lead", _("No agency has the code “%(code)s”.") % {"code": lead_code[:40]})
        elif not _active(lead, today) and (old is None or old.lead_agency_id != lead.pk):
            err(
                number,
                "lead",
                _("The agency %(code)s no longer exists (merged or split).") % {"code": lead_code},
            )

        row = ParsedRow(row=number, code=code, parts=parts or (), task_id=task_id, lead=lead)
        row.values["title"] = title
        if present("officer"):
            row.values["responsible_officer"] = cell_text(get("officer"))
        for key, name in (
            ("deliverable", "deliverable"),
            ("authority", "authority"),
            ("description", "description"),
        ):
            if present(key):
                row.values[name] = cell_text(get(key))
        if present("justification"):
            row.values["deadline_justification"] = cell_text(get("justification"))
            row.justified = bool(row.values["deadline_justification"])

        if present("due"):
            parsed = parse_due(get("due"))
            if parsed is None:
                err(
                    number,
                    "due",
                    _("“%(value)s” is not a date as dd/mm/yyyy nor “%(ongoing)s”.")
                    % {"value": cell_text(get("due"))[:40], "ongoing": fmt.ONGOING},
                )
            else:
                row.due, row.values["ongoing"] = parsed
                row.values["due_date"] = row.due
        if present("review_period"):
            text = cell_text(get("review_period"))
            period = fmt.lookup_choice(text, fmt.REVIEW_PERIOD_LABELS) if text else ""
            if period is None:
                err(
                    number,
                    "review_period",
                    _("Choose one of: %(choices)s.")
                    % {"choices": ", ".join(fmt.REVIEW_PERIOD_LABELS.values())},
                )
            else:
                row.values["review_period"] = period
        ongoing = row.values.get("ongoing", old.ongoing if old else False)
        period_now = row.values.get("review_period", old.review_period if old else "")
        if ongoing and not period_now:
            err(number, "review_period", _("An ongoing task needs a review period."))
        if present("deliverable_type"):
            text = cell_text(get("deliverable_type"))
            kind = fmt.lookup_choice(text, fmt.DELIVERABLE_LABELS) if text else ""
            if kind is None:
                err(
                    number,
                    "deliverable_type",
                    _(
                        "“%(value)s” is not a deliverable type; "
                        "choose one from the list in the sheet “%(sheet)s”."
                    )
                    % {"value": text[:60], "sheet": fmt.SHEET_LISTS},
                )
            else:
                row.values["deliverable_type"] = kind
        if present("weight"):
            weight = parse_weight(get("weight"))
            if weight is None:
                err(
                    number,
                    "weight",
                    _("The weight must be a number between 0 and %(max)s.") % {"max": WEIGHT_MAX},
                )
            else:
                row.values["weight"] = weight

        if present("coordinating"):
            row.coordinations = []
            codes = [c for c in split_list(cell_text(get("coordinating"))) if c]
            subs_text = cell_text(get("sub_deliverables"))
            subs = split_list(subs_text) if subs_text else [""] * len(codes)
            if len(subs) != len(codes):
                err(
                    number,
                    "sub_deliverables",
                    _(
                        "%(subs)d sub-deliverable(s) for %(codes)d coordinating agency(ies): give one "
                        "per agency, in the same order, separated by “;”."
                    )
                    % {"subs": len(subs), "codes": len(codes)},
                )
                subs = (subs + [""] * len(codes))[: len(codes)]
            taken: set[int] = set()
            for c, sub in zip(codes, subs, strict=True):
                agency = inside.get(c.upper()) or outside.get(c.upper())
                if agency is None:
                    err(number, "coordinating", _("No agency has the code “%(code)s”.") % {"code": c[:40]})
                elif lead is not None and agency.pk == lead.pk:
                    err(
                        number,
                        "coordinating",
                        _("The lead agency %(code)s cannot also coordinate.") % {"code": c},
                    )
                elif agency.pk in taken:
                    err(number, "coordinating", _("The agency %(code)s is listed twice.") % {"code": c})
                elif len(sub) > MAX_LENGTHS["sub_deliverables"]:
                    err(
                        number,
                        "sub_deliverables",
                        _("Enter at most %(n)d characters per sub-deliverable.")
                        % {"n": MAX_LENGTHS["sub_deliverables"]},
                    )
                else:
                    taken.add(agency.pk)
                    row.coordinations.append((agency, sub))
        if present("clauses"):
            row.clauses = []
            for ref in (r for r in split_list(cell_text(get("clauses"))) if r):
                known = clause_upper.get(ref.upper())
                if known is None:
                    err(
                        number,
                        "clauses",
                        _("Resolution %(res)s has no clause “%(ref)s”.")
                        % {"res": program.resolution.number, "ref": ref[:40]},
                    )
                elif known not in row.clauses:
                    row.clauses.append(known)
        rows.append(row)

    by_code = {r.code: r for r in rows if r.parts}
    for row in rows:
        if len(row.parts) < 2:
            continue
        parent = by_code.get(fmt.parent_code(row.code))
        if parent is None:
            err(
                row.row,
                "code",
                _("The parent task %(code)s is not in the file.") % {"code": fmt.parent_code(row.code)},
            )
            continue
        late = row.due and parent.due and row.due > parent.due and not row.justified
        if late and not _already_so(row, parent, existing):
            err(
                row.row,
                "due",
                _(
                    "The deadline %(due)s is later than the parent task's (%(parent)s, row %(row)d); "
                    "give the reason in the column “%(col)s”."
                )
                % {
                    "due": row.due.strftime("%d/%m/%Y"),
                    "parent": parent.due.strftime("%d/%m/%Y"),
                    "row": parent.row,
                    "col": fmt.COLUMN_BY_KEY["justification"].header,
                },
            )
    if errors:
        errors.sort(key=lambda e: (e.row or 0, e.column))
        raise ImportRejected(errors)
    return rows, {"clause_ids": clause_ids}


def _already_so(row: ParsedRow, parent: ParsedRow, existing: dict[int, Task]) -> bool:
    """Task, parent and both deadlines are as saved: a late deadline saved earlier (for instance
    before the rule existed) is not refused when the file leaves it as it is."""
    old = existing.get(row.task_id) if row.task_id else None
    old_parent = existing.get(parent.task_id) if parent.task_id else None
    return (
        old is not None
        and old_parent is not None
        and old.parent_id == old_parent.pk
        and old.due_date == row.due
        and old_parent.due_date == parent.due
    )


def _active(agency: Agency, day: dt.date) -> bool:
    return (agency.valid_from is None or agency.valid_from <= day) and (
        agency.valid_to is None or agency.valid_to >= day
    )


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)
