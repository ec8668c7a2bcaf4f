"""Base models shared by every domain app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class Versioned(TimeStamped):
    """Editable records carry a version; a save against a stale version is refused."""

    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        abstract = True


def check_version(obj: Versioned, expected: int | None) -> None:
    """Refuse a save made against a stale copy, naming who changed it and when."""
    from django.utils.formats import date_format

    from . import clock
    from .errors import Conflict

    if expected is None or int(expected) == obj.version:
        return
    who = getattr(obj, "updated_by_name", "") or _("another user")
    when = date_format(obj.updated_at.astimezone(clock.tz()), "d/m/Y H:i")
    raise Conflict(
        _("This record was changed by %(who)s at %(when)s. Reload it and apply your change again.")
        % {"who": who, "when": when},
        code="stale_version",
    )
