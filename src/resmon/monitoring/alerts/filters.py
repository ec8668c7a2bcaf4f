"""The filters of the alert list, parsed once for the page and the API: the page falls back to the
default of a wrong value with a message, the API refuses it (a 400 naming the field). An agency
outside the user's scope is "not found" (a 404) for both."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.http import urlencode
from django.utils.translation import gettext as _

from resmon.agencies import selectors as agencies
from resmon.agencies.models import Agency
from resmon.core.errors import ValidationFailed
from resmon.planning import selectors as planning
from resmon.planning.models import Resolution

from .models import AlertKind, Severity
from .selectors import OPEN, STATES

ACK_CHOICES = ("yes", "no")
Q_MAX = 200


@dataclass
class AlertFilters:
    agency: Agency | None = None
    kind: str = ""
    severity: str = ""
    state: str = OPEN
    acknowledged: str = ""  # "yes", "no" or "" (either)
    resolution: Resolution | None = None
    q: str = ""
    errors: list[str] = field(default_factory=list)

    def selector_kwargs(self) -> dict[str, Any]:
        return {
            "agency": self.agency,
            "kind": self.kind or None,
            "severity": self.severity or None,
            "state": self.state,
            "acknowledged": {"yes": True, "no": False}.get(self.acknowledged),
            "resolution": self.resolution,
            "q": self.q,
        }

    def query(self, **override: Any) -> str:
        """The filters as a query string (for links that keep them), with ``override`` applied."""
        params: dict[str, Any] = {
            "agency": self.agency.pk if self.agency else "",
            "kind": self.kind,
            "severity": self.severity,
            "state": self.state if self.state != OPEN else "",
            "acknowledged": self.acknowledged,
            "resolution": self.resolution.pk if self.resolution else "",
            "q": self.q,
        }
        params.update(override)
        return urlencode({k: v for k, v in params.items() if v not in ("", None)})

    @property
    def active(self) -> bool:
        return bool(
            self.agency
            or self.kind
            or self.severity
            or self.state != OPEN
            or self.acknowledged
            or self.resolution
            or self.q
        )


def _choice(
    raw: str, name: str, allowed: tuple[str, ...] | list[str], message: str, strict: bool, out: AlertFilters
) -> str:
    if not raw:
        return ""
    if raw in allowed:
        return raw
    text = message % {"value": raw[:40], "choices": ", ".join(allowed)}
    if strict:
        raise ValidationFailed(text, field=name)
    out.errors.append(text)
    return ""


def parse(user: Any, params: Any, *, strict: bool = False) -> AlertFilters:
    """The filters in ``params`` (a QueryDict or a dict of strings)."""
    out = AlertFilters()

    def get(name: str) -> str:
        value = params.get(name)
        return str(value).replace("\x00", "").strip() if value is not None else ""

    unknown = _("Unknown value “%(value)s”. Choose one of: %(choices)s.")
    out.kind = _choice(get("kind"), "kind", AlertKind.values, unknown, strict, out)
    out.severity = _choice(get("severity"), "severity", Severity.values, unknown, strict, out)
    out.state = _choice(get("state"), "state", STATES, unknown, strict, out) or OPEN
    out.acknowledged = _choice(get("acknowledged"), "acknowledged", ACK_CHOICES, unknown, strict, out)
    out.q = get("q")[:Q_MAX]
    raw_agency = get("agency")
    if raw_agency:
        if not raw_agency.isdigit() or len(raw_agency) > 18:
            message = _("Choose the agency from the list.")
            if strict:
                raise ValidationFailed(message, field="agency")
            out.errors.append(message)
        else:
            # a steering member may narrow its resolutions' alerts to any agency leading some of
            # their tasks; otherwise an agency outside the scope is NotFound
            out.agency = planning.steered_agency(user, raw_agency) or agencies.get_agency(
                user, int(raw_agency)
            )
    text = get("agency_q")[:Q_MAX]
    if out.agency is None and text:  # typed in the picker without choosing: one match is the choice
        matches = list(agencies.search_visible(user, text)[:2]) if len(text) >= 2 else []
        if len(matches) == 1:
            out.agency = matches[0]
        else:
            message = (
                _("No agency matches “%(text)s”.") if not matches else _("Several agencies match “%(text)s”.")
            )
            out.errors.append((message + " " + _("Choose the agency from the list.")) % {"text": text[:60]})
    raw_resolution = get("resolution")
    if raw_resolution:
        found = None
        if raw_resolution.isdigit() and len(raw_resolution) < 19:
            found = planning.resolutions_visible(user).filter(pk=int(raw_resolution)).first()
        if found is None:
            message = _("The chosen resolution does not exist.")
            if strict:
                raise ValidationFailed(message, field="resolution")
            out.errors.append(message + " " + _("All resolutions are shown."))
        out.resolution = found
    return out
