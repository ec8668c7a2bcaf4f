"""The task filter bar: read the query string, keep what is valid, explain what is not.

A bad value (an unknown status, a date that is not a date, an id that is not a number or not
visible) is ignored with a message; it never causes an error page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from resmon.agencies import selectors as agencies
from resmon.agencies.models import Agency
from resmon.core.dates import parse_date
from resmon.core.views import parse_id
from resmon.planning import selectors as planning
from resmon.planning.models import Resolution, Task
from resmon.planning.status import TaskStatus

SORTS = {
    "code": ("code", "id"),
    "-code": ("-code", "-id"),
    "due": (F("due_date").asc(nulls_last=True), "code", "id"),
    "-due": (F("due_date").desc(nulls_last=True), "code", "id"),
}


def status_choices() -> list[tuple[str, str]]:
    return [(s.value, str(s.label)) for s in TaskStatus]


def status_group_choices() -> list[tuple[str, str]]:
    return [("open", _("Not completed (all)")), ("completed", _("Completed (all)"))]


@dataclass
class TaskFilter:
    resolution: Resolution | None = None
    agency: Agency | None = None
    status: str = ""
    due_from: dt.date | None = None
    due_to: dt.date | None = None
    q: str = ""
    sort: str = ""
    agency_matches: list[Agency] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return any((self.resolution, self.agency, self.status, self.due_from, self.due_to, self.q))

    def apply(self, qs: QuerySet[Task]) -> QuerySet[Task]:
        qs = planning.filter_tasks(
            qs,
            resolution=self.resolution.pk if self.resolution else None,
            agency_path=self.agency.path if self.agency else None,
            status=self.status or None,
            due_from=self.due_from,
            due_to=self.due_to,
            q=self.q or None,
        )
        if self.sort:
            qs = qs.order_by(*SORTS[self.sort])
        return qs


def parse_task_filter(user: Any, params) -> TaskFilter:
    f = TaskFilter()
    raw = params.get("resolution", "").strip()
    if raw:
        rid = parse_id(raw)
        found = planning.resolutions_visible(user).filter(pk=rid).first() if rid is not None else None
        if found is None:
            f.errors.append(_("The chosen resolution does not exist; that filter was ignored."))
        f.resolution = found

    raw = params.get("agency", "").strip()
    text = params.get("agency_q", "").strip()
    if raw:
        aid = parse_id(raw)
        found = agencies.agencies_visible(user, include_inactive=True).filter(pk=aid).first() if aid else None
        if found is None:  # a steering member narrowing its resolutions' tasks to any agency leading some
            found = planning.steered_agency(user, aid)
        if found is None:
            f.errors.append(_("The chosen agency is not one you can see; that filter was ignored."))
        f.agency = found
    elif text:
        f.agency, f.agency_matches, error = agencies.pick_by_text(user, text)
        if error:
            f.errors.append(error)

    raw = params.get("status", "").strip()
    if raw:
        if raw in TaskStatus.values or raw in planning.STATUS_GROUPS:
            f.status = raw
        else:
            f.errors.append(_("Unknown status; that filter was ignored."))

    for name in ("due_from", "due_to"):
        raw = params.get(name, "").strip()
        if raw:
            day = parse_date(raw)
            if day is None:
                f.errors.append(
                    _("“%(value)s” is not a date; write it as dd/mm/yyyy. That filter was ignored.")
                    % {"value": raw}
                )
            setattr(f, name, day)
    if f.due_from and f.due_to and f.due_from > f.due_to:
        f.errors.append(_("The due-date range ends before it starts; the range was ignored."))
        f.due_from = f.due_to = None

    f.q = params.get("q", "").strip()[:200]
    raw = params.get("sort", "").strip()
    if raw:
        if raw in SORTS:
            f.sort = raw
        else:
            f.errors.append(_("Unknown sort order; the default order is used."))
    return f
